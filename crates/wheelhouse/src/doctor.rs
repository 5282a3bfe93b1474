//! `wheelhouse doctor`: prints what the `doctor` crate finds.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use site_config::{ProcessVars, SiteConfig};

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Args)]
pub struct DoctorArgs {
    /// The virtual environment to check: its directory or its bin/python (as pip's
    /// --python), not a Python version [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    env: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also compare the environment with this lock file (pylock.toml): missing, extra,
    /// other versions, locked wheels changed on disk
    #[arg(long, value_name = "FILE")]
    lock: Option<PathBuf>,
}

pub fn run(args: DoctorArgs) -> i32 {
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    // ENV/bin/python stands for ENV, as in install; a path that names no environment keeps
    // the not-an-environment finding, with the paragraph and command install would give.
    let checked = args
        .env
        .as_deref()
        .map(|p| crate::env_arg::check(&site, p, false));
    let env = match &checked {
        Some(Ok(root)) => Some(root.as_path()),
        _ => args.env.as_deref(),
    };
    let mut report = doctor::diagnose_with_lock(&site, env, args.lock.as_deref());
    if let Some(Err(message)) = &checked {
        for f in &mut report.findings {
            if f.check == "not-an-environment" {
                if let Some((what, fix)) = message.rsplit_once(": ") {
                    f.what = what.to_string();
                    f.fix = fix.to_string();
                }
            }
        }
    }
    match args.format {
        Format::Json => outln!("{:#}", report.to_json()),
        Format::Text => {
            if let Some(env) = &report.environment {
                outln!(
                    "wheelhouse doctor: {} (Python {}, {} package{})",
                    env.root.display(),
                    if env.version.is_empty() {
                        "?"
                    } else {
                        &env.version
                    },
                    env.package_count,
                    if env.package_count == 1 { "" } else { "s" }
                );
            }
            for f in &report.findings {
                outln!("\nproblem ({}): {}", f.check, f.what);
                outln!("  why: {}", f.why);
                outln!("  fix: {}", f.fix);
            }
            for note in &report.notes {
                outln!("note: {note}");
            }
            match report.findings.len() {
                0 => outln!("no problems found"),
                1 => outln!("\n1 problem found"),
                n => outln!("\n{n} problems found"),
            }
        }
    }
    i32::from(!report.healthy())
}
