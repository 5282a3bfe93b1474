//! `wheelhouse freeze`, `list` and `uninstall`: what an environment holds, and removing it.

use std::path::PathBuf;

use interpreter::SiteDirKind;
use site_config::{ProcessVars, SiteConfig};

use crate::exit;

/// Options of `wheelhouse freeze`.
#[derive(clap::Args, Debug)]
pub struct FreezeArgs {
    /// The virtual environment: its directory or its bin/python, as pip's --python (not a
    /// Python version) [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    python: Option<PathBuf>,
    /// Only the environment's own packages, not those of PYTHONPATH or the system
    #[arg(short, long)]
    local: bool,
    /// Include pip, setuptools, wheel and distribute
    #[arg(long)]
    all: bool,
}

/// Options of `wheelhouse list`.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// The virtual environment: its directory or its bin/python, as pip's --python (not a
    /// Python version) [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    python: Option<PathBuf>,
    /// Only the environment's own packages, not those of PYTHONPATH or the system
    #[arg(short, long)]
    local: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "columns")]
    format: ListFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Columns,
    Freeze,
    Json,
}

/// Options of `wheelhouse uninstall`.
#[derive(clap::Args, Debug)]
pub struct UninstallArgs {
    /// Package names
    #[arg(value_name = "PACKAGE")]
    names: Vec<String>,
    /// Uninstall every package named in this requirements file; may be repeated
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    requirement_files: Vec<PathBuf>,
    /// The virtual environment: its directory or its bin/python, as pip's --python (not a
    /// Python version) [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    python: Option<PathBuf>,
    /// Do not ask for confirmation (accepted for pip compatibility: we never ask)
    #[arg(short = 'y', long)]
    yes: bool,
    /// Print errors only
    #[arg(short, long)]
    quiet: bool,
}

fn site() -> SiteConfig {
    SiteConfig::from_env(&ProcessVars::from_process())
}

fn fail(command: &str, code: i32, message: &str) -> i32 {
    crate::out::print_error(command, message);
    code
}

type Dists = Vec<(installer::InstalledDist, SiteDirKind)>;

fn environment_dists(
    python: Option<&std::path::Path>,
    local: bool,
) -> Result<(environment::Target, Dists), String> {
    let site = site();
    let answers = environment::answer_cache(&site, None);
    let target = crate::env_arg::target_environment(&site, python, answers.as_ref())
        .map_err(|e| e.message)?;
    let mut dists = environment::importable_in_order(&target.interpreter);
    if local {
        dists.retain(|(_, kind)| *kind == SiteDirKind::Environment);
    }
    Ok((target, dists))
}

pub fn run_freeze(args: FreezeArgs) -> i32 {
    let (target, dists) = match environment_dists(args.python.as_deref(), args.local) {
        Ok(x) => x,
        Err(e) => return fail("wheelhouse freeze", exit::INPUT, &e),
    };
    let (major, minor, _) = target.interpreter.version;
    let only: Vec<_> = dists.into_iter().map(|(d, _)| d).collect();
    for line in installer::freeze_lines(&only, (major, minor), args.all) {
        outln!("{line}");
    }
    0
}

pub fn run_list(args: ListArgs) -> i32 {
    let (_, dists) = match environment_dists(args.python.as_deref(), args.local) {
        Ok(x) => x,
        Err(e) => return fail("wheelhouse list", exit::INPUT, &e),
    };
    let mut seen = std::collections::HashSet::new();
    let mut rows: Vec<(installer::InstalledDist, SiteDirKind)> = dists
        .into_iter()
        .filter(|(d, _)| seen.insert(d.key.clone()))
        .collect();
    rows.sort_by_key(|(d, _)| d.name.to_lowercase());
    match args.format {
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|(d, kind)| {
                    serde_json::json!({
                        "name": d.name,
                        "version": d.version,
                        "location": d.site_dir.display().to_string(),
                        "source": match kind {
                            SiteDirKind::Environment => "environment",
                            SiteDirKind::PythonPath => "pythonpath",
                            SiteDirKind::System => "system",
                        },
                    })
                })
                .collect();
            outln!("{}", serde_json::Value::Array(items));
        }
        ListFormat::Freeze => {
            for (d, _) in &rows {
                outln!("{}=={}", d.name, d.version);
            }
        }
        ListFormat::Columns => {
            let table_rows: Vec<Vec<Option<String>>> = rows
                .iter()
                .map(|(d, kind)| {
                    vec![
                        Some(d.name.clone()),
                        Some(d.version.clone()),
                        Some(
                            match kind {
                                SiteDirKind::Environment => "",
                                SiteDirKind::PythonPath => "PYTHONPATH",
                                SiteDirKind::System => "system",
                            }
                            .to_string(),
                        ),
                    ]
                })
                .collect();
            let headers = ["Package", "Version", "From"];
            outln!(
                "{}",
                table::render(&headers, &table_rows, table::Format::Simple)
            );
        }
    }
    0
}

pub fn run_uninstall(args: UninstallArgs) -> i32 {
    let command = "wheelhouse uninstall";
    let mut names: Vec<String> = args.names.clone();
    let process = ProcessVars::from_process();
    let vars = |name: &str| process.raw(name).map(str::to_string);
    for file in &args.requirement_files {
        match requirements::read_requirement_files(file, &vars) {
            Ok(f) => names.extend(
                f.lines
                    .iter()
                    .filter(|l| !l.constraint)
                    .map(|l| l.text.clone()),
            ),
            Err(e) => return fail(command, exit::INPUT, &e.to_string()),
        }
    }
    if names.is_empty() {
        return fail(
            command,
            exit::INPUT,
            "give the names of the packages to uninstall (`wheelhouse uninstall numpy`) or -r FILE",
        );
    }
    let site = site();
    let answers = environment::answer_cache(&site, None);
    let target =
        match crate::env_arg::target_environment(&site, args.python.as_deref(), answers.as_ref()) {
            Ok(t) => t,
            Err(e) => return fail(command, crate::exit::environment(e.kind), &e.message),
        };
    let cancel = crate::signals::cancel_on_signals();
    let events = |event: environment::Event<'_>| match event {
        environment::Event::Warning(m) => errln!("warning: {m}"),
        environment::Event::Recovered(m) => errln!("note: {m}"),
        environment::Event::WaitingForLock(root) => errln!(
            "waiting for another install into {} to finish...",
            super::short(root)
        ),
        _ => {}
    };
    match environment::uninstall(&target, &names, &cancel, &events) {
        Ok(removed) => {
            if !args.quiet {
                for r in removed.removed {
                    outln!("Successfully uninstalled {r}");
                }
            }
            let _ = args.yes;
            0
        }
        Err(e) => fail(command, crate::exit::environment(e.kind), &e.message),
    }
}
