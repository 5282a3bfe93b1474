//! `wheelhouse doctor`: prints what the `doctor` crate finds.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use site_config::{Environment, SiteConfig};

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Args)]
pub struct DoctorArgs {
    /// The environment to check [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    env: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(args: DoctorArgs) -> i32 {
    let site = SiteConfig::from_env(&Environment::from_process());
    let report = doctor::diagnose(&site, args.env.as_deref());
    match args.format {
        Format::Json => outln!("{:#}", report.to_json()),
        Format::Text => {
            if let Some(env) = &report.environment {
                outln!(
                    "wheelhouse doctor: {} (Python {}, {} packages)",
                    env.root.display(),
                    if env.version.is_empty() {
                        "?"
                    } else {
                        &env.version
                    },
                    env.package_count
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
