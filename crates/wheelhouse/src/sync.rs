//! `wheelhouse sync pylock.toml` and `install -r pylock.toml`: install exactly what a PEP 751
//! lock says for this environment's Python and this node's CPU level (`RSNT_ARCH`); `sync`
//! also removes what the lock does not name. The lock is read and its choice made here; the
//! environment is changed by `environment::sync` only.

use std::path::{Path, PathBuf};

use environment::{Event, LockedWheel, SyncOptions, Target};

use crate::lock_sources::ToBuild;
use site_config::{ProcessVars, SiteConfig};

/// Options of `wheelhouse sync`; the help text is on the subcommand.
#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// The lock file (pylock.toml, as `wheelhouse lock`, `pip lock` or uv write it)
    #[arg(value_name = "LOCK")]
    lock: PathBuf,
    /// The virtual environment: its directory or its bin/python, as pip's --python (not a
    /// Python version) [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    python: Option<PathBuf>,
    /// Say what would be installed and removed, change nothing
    #[arg(long)]
    dry_run: bool,
    /// Accept manylinux wheels the lock names, which site policy refuses
    #[arg(long)]
    allow_manylinux: bool,
    /// Byte-compile the installed modules with the target interpreter (the default on a
    /// network file system: NFS, Lustre, GPFS, CVMFS and other FUSE mounts)
    #[arg(long, overrides_with = "no_compile")]
    compile: bool,
    /// Do not byte-compile, also on a network file system (the default on a local disk)
    #[arg(long)]
    no_compile: bool,
    #[command(flatten)]
    cache: crate::cache_args::CacheFlags,
    /// Print errors only
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: SyncArgs) -> i32 {
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    let answers = args.cache.answers(&site);
    let options = SyncOptions {
        exact: true,
        dry_run: args.dry_run,
        compile: environment::ByteCode::from_flags(args.compile, args.no_compile),
        threads: 0,
        cache: args.cache.options(&site),
        keep: Vec::new(),
    };
    let result =
        crate::env_arg::target_environment(&site, args.python.as_deref(), answers.as_ref())
            .and_then(|target| {
                install_lock(
                    &site,
                    &target,
                    &args.lock,
                    args.allow_manylinux,
                    &options,
                    args.quiet,
                    "",
                )
            });
    match result {
        Ok(_) => 0,
        Err(e) => {
            crate::out::print_error("wheelhouse sync", &e.to_string());
            crate::exit::environment(e.kind())
        }
    }
}

/// Whether a `-r` file is a lock file (PEP 751 names them `pylock.toml`, `pylock.NAME.toml`).
pub(crate) fn is_lock(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(::lock::is_lock_file_name)
}

/// Reads the lock, chooses its wheels for `target`, and installs them (`exact`: and removes
/// the rest). Prints pip's lines unless `quiet`; returns what was installed.
pub(crate) fn install_lock(
    site: &SiteConfig,
    target: &Target,
    lock_path: &Path,
    allow_manylinux: bool,
    options: &SyncOptions,
    quiet: bool,
    prefix: &str,
) -> Result<Vec<(String, String)>, environment::Error> {
    let (lock, mut wheels, builds) = locked_wheels(site, target, lock_path, allow_manylinux)?;
    let events = |event: Event<'_>| match event {
        Event::WaitingForLock(root) if !quiet => errln!(
            "{prefix}waiting for another install into {} to finish...",
            environment::short(root)
        ),
        Event::Recovered(m) => errln!("{prefix}note: {m}"),
        Event::Warning(m) => errln!("{prefix}warning: {m}"),
        Event::Note(m) if !quiet => errln!("{prefix}{m}"),
        _ => {}
    };
    let mut options = options.clone();
    let mut would_build = Vec::new();
    // Sources are built before the environment's lock is taken, as `install` builds them.
    let _built = if builds.is_empty() {
        None
    } else {
        let cx = crate::lock_sources::Context {
            site,
            target,
            lock: &lock,
            lock_dir: lock_dir(lock_path),
            options: environment::InstallOptions {
                cache: options.cache.clone(),
                allow_manylinux,
                ..environment::InstallOptions::default()
            },
        };
        let mut built = crate::lock_sources::build(&cx, builds, options.dry_run, &events)?;
        wheels.append(&mut built.wheels);
        options.keep.append(&mut built.unchanged);
        would_build = std::mem::take(&mut built.would_build);
        Some(built)
    };
    let cancel = crate::signals::cancel_on_signals();
    let report = environment::sync(site, target, &wheels, &options, &cancel, &events)?;
    let names = |items: &[(String, String)]| -> String {
        items
            .iter()
            .map(|(n, v)| format!("{n}-{v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if report.dry_run {
        if !report.installed.is_empty() {
            outln!("{prefix}Would install {}", names(&report.installed));
        }
        if !would_build.is_empty() {
            outln!("{prefix}Would build and install {}", names(&would_build));
        }
        if !report.removed.is_empty() {
            outln!("{prefix}Would remove {}", report.removed.join(" "));
        }
        if report.installed.is_empty() && report.removed.is_empty() && would_build.is_empty() {
            outln!("{prefix}Would change nothing: the environment matches the lock");
        }
    } else if !quiet {
        if !report.removed.is_empty() {
            outln!("{prefix}Removed {}", report.removed.join(" "));
        }
        if !report.installed.is_empty() {
            outln!(
                "{prefix}Successfully installed {}",
                names(&report.installed)
            );
        } else if report.removed.is_empty() {
            outln!(
                "{prefix}Nothing to do: the environment matches {} ({} package{})",
                lock_path.display(),
                report.unchanged,
                if report.unchanged == 1 { "" } else { "s" }
            );
        }
    }
    Ok(report.installed)
}

fn lock_dir(lock_path: &Path) -> &Path {
    lock_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The lock's wheels for this environment (its Python, its tags, this node's CPU level), and
/// the entries to build (an sdist, a VCS checkout, a directory, an archive).
pub(crate) fn locked_wheels(
    site: &SiteConfig,
    target: &Target,
    lock_path: &Path,
    allow_manylinux: bool,
) -> Result<(::lock::Lock, Vec<LockedWheel>, Vec<ToBuild>), environment::Error> {
    let shown = lock_path.display();
    let text = std::fs::read_to_string(lock_path).map_err(|e| {
        environment::Error::input(format!("cannot read the lock file {shown}: {e}"))
    })?;
    let lock = ::lock::Lock::parse(&text)
        .map_err(|e| environment::Error::input(nothing_installed(format!("{shown}: {e}"))))?;
    for w in &lock.warnings {
        errln!("warning: {shown}: {w}");
    }
    let config = site
        .pip_install_options()
        .map_err(environment::Error::Config)?;
    let it = &target.interpreter;
    let tags =
        wheel_name::TagPriority::new(&it.tag_target(), allow_manylinux || config.allow_manylinux);
    let python = it.markers.python_full_version().version.clone();
    let selection = lock
        .select(&::lock::Target {
            markers: &it.markers,
            python,
            tags: &tags,
            level: site.current_arch.as_deref(),
            known_levels: site.architectures(),
        })
        .map_err(|e| environment::Error::input(nothing_installed(format!("{shown}: {e}"))))?;
    let lock_dir = lock_dir(lock_path);
    let wheelhouse_now = Some(site.wheelhouse.as_path());
    let mut builds = Vec::new();
    let mut wheels = Vec::new();
    for s in selection.packages {
        let entry = format!("packages[{}] ({})", s.index, s.name);
        let wheel = match s.choice {
            ::lock::Choice::Wheel(w) => w,
            ::lock::Choice::Build(source) => {
                builds.push(ToBuild {
                    key: s.name,
                    version: s.version,
                    entry: format!("{shown}: {entry}"),
                    source,
                });
                continue;
            }
        };
        wheels.push({
            let path: PathBuf =
                lock.local_path(&wheel, lock_dir, wheelhouse_now)
                    .map_err(|why| {
                        environment::Error::input(nothing_installed(format!(
                            "{shown}: {entry}: the wheel {why}"
                        )))
                    })?;
            let version = match &s.version {
                Some(v) => v.clone(),
                None => wheel_version(&wheel).unwrap_or_default(),
            };
            LockedWheel {
                key: s.name,
                version,
                path,
                hashes: wheel.hashes.clone(),
                entry: format!("{shown}: {entry}"),
                direct_url: None,
            }
        });
    }
    Ok((lock, wheels, builds))
}

fn wheel_version(w: &::lock::File) -> Option<String> {
    let parsed = wheel_name::WheelFilename::parse(w.file_name()?).ok()?;
    Some(parsed.version_text().to_string())
}

/// A lock error's paragraph, ending with what happened to the environment.
fn nothing_installed(message: String) -> String {
    let message = message.trim_end();
    if message.ends_with('.') {
        format!("{message} Nothing was installed.")
    } else {
        format!("{message}. Nothing was installed.")
    }
}
