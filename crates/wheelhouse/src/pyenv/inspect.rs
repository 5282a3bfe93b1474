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
    /// Add `--hash=sha256:` lines: the hash of the wheelhouse file an install on this node
    /// takes for each installed version (none for a package without one, with a warning)
    #[arg(long)]
    hashes: bool,
    /// Output format: requirement lines, a PEP 751 lock (pylock.toml) for this Python and
    /// CPU level, or one JSON list of {"name", "version", "requirement"}
    #[arg(long, value_enum, default_value = "requirements")]
    format: FreezeFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreezeFormat {
    Requirements,
    Pylock,
    Json,
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
    /// Only packages with a newer version in the wheelhouse, in pip's columns or JSON
    #[arg(short = 'o', long)]
    outdated: bool,
    /// With --outdated: count pre-releases and development versions as newer
    #[arg(long)]
    pre: bool,
    /// With --outdated: also search these directories for wheels (pip's --find-links)
    #[arg(short = 'f', long = "find-links", value_name = "DIR")]
    find_links: Vec<PathBuf>,
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
        .map_err(|e| e.to_string())?;
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
    if args.format == FreezeFormat::Json {
        outln!(
            "{}",
            super::report::freeze_json(&only, (major, minor), args.all)
        );
        return 0;
    }
    if args.hashes || args.format == FreezeFormat::Pylock {
        let pylock = args.format == FreezeFormat::Pylock;
        return freeze_hashed(&site(), &target, &only, args.all, pylock);
    }
    for line in installer::freeze_lines(&only, (major, minor), args.all) {
        outln!("{line}");
    }
    0
}

/// `freeze --hashes` and `freeze --format pylock`: each package with the hash of its
/// wheelhouse file (`pylock`: as a lock), found by `locking::frozen`.
fn freeze_hashed(
    site: &SiteConfig,
    target: &environment::Target,
    dists: &[installer::InstalledDist],
    all: bool,
    pylock: bool,
) -> i32 {
    let frozen = locking::frozen(site, target, dists, all);
    let missing: Vec<String> = frozen
        .iter()
        .filter(|f| f.wheel.is_none())
        .map(|f| format!("{} {}", f.dist.name, f.dist.version))
        .collect();
    if !missing.is_empty() {
        errln!(
            "warning: no wheelhouse file for {}: {} without a hash (an installed package \
             records its files, not the wheel it came from)",
            missing.join(", "),
            if pylock {
                "left out of the lock"
            } else {
                "printed"
            }
        );
    }
    if pylock {
        let lock = locking::frozen_lock(site, target, &frozen);
        outln!("{}", lock.to_toml().trim_end());
    } else {
        for f in &frozen {
            match &f.wheel {
                Some(w) => outln!(
                    "{}=={} \\\n    --hash=sha256:{}",
                    f.dist.name,
                    f.dist.version,
                    w.sha256
                ),
                None => outln!("{}=={}", f.dist.name, f.dist.version),
            }
        }
    }
    0
}

pub fn run_list(args: ListArgs) -> i32 {
    if args.outdated {
        return super::outdated::run(
            args.python.as_deref(),
            args.format,
            &args.find_links,
            args.pre,
        );
    }
    if args.pre || !args.find_links.is_empty() {
        return fail(
            "wheelhouse list",
            exit::INPUT,
            "--pre and -f/--find-links choose what counts as newer: they go with --outdated \
             (`wheelhouse list --outdated --pre`)",
        );
    }
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
    let prefixes = site().python_prefixes;
    // A stack module's packages are found through its prefix (`EBPYTHONPREFIXES`), not the
    // system's: name the stack, as the module is called (`scipy-stack/2024a`).
    let stack_of = |d: &installer::InstalledDist| -> Option<String> {
        let prefix = prefixes
            .iter()
            .filter(|p| !p.as_os_str().is_empty())
            .find(|p| d.site_dir.starts_with(p))?;
        let parts: Vec<String> = prefix
            .components()
            .rev()
            .take(2)
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.into_iter().rev().collect::<Vec<_>>().join("/"))
    };
    match args.format {
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|(d, kind)| {
                    let stack = (*kind != SiteDirKind::Environment)
                        .then(|| stack_of(d))
                        .flatten();
                    let mut item = serde_json::json!({
                        "name": d.name,
                        "version": d.version,
                        "location": d.site_dir.display().to_string(),
                        "source": match kind {
                            _ if stack.is_some() => "stack",
                            SiteDirKind::Environment => "environment",
                            SiteDirKind::PythonPath => "pythonpath",
                            SiteDirKind::System => "system",
                        },
                    });
                    if let Some(stack) = stack {
                        item["stack"] = stack.into();
                    }
                    item
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
                        Some(match kind {
                            SiteDirKind::Environment => String::new(),
                            _ if stack_of(d).is_some() => stack_of(d).unwrap_or_default(),
                            SiteDirKind::PythonPath => "PYTHONPATH".into(),
                            SiteDirKind::System => "system".into(),
                        }),
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
            Err(e) => return fail(command, crate::exit::environment(e.kind()), &e.to_string()),
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
        Err(e) => fail(command, crate::exit::environment(e.kind()), &e.to_string()),
    }
}
