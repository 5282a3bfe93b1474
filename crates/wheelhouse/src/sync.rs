//! `wheelhouse sync pylock.toml` and `install -r pylock.toml`: install exactly what a PEP 751
//! lock says for this environment's Python and this node's CPU level (`RSNT_ARCH`); `sync`
//! also removes what the lock does not name. The lock is read and its choice made by
//! `locking::install`, the environment changed by `environment::sync` only; this module
//! prints what they say.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use environment::{Event, SyncOptions, Target};

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
    let cancel = crate::signals::cancel_on_signals();
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
    // The environment first (its error, if any, comes first), then the lock, on this thread.
    // Looking at the environment on a helper thread while the lock was parsed was slower on
    // the 2-CPU benchmark machines: a new thread there often waits for its creator's CPU
    // until the scheduler's balancing moves it, a millisecond or more, longer than the
    // 0.35 ms it would save.
    let result =
        crate::env_arg::target_environment(&site, args.python.as_deref(), answers.as_ref())
            .map_err(locking::Error::from)
            .and_then(|target| {
                install_lock(
                    &site,
                    &target,
                    &args.lock,
                    args.allow_manylinux,
                    &options,
                    &cancel,
                    (args.quiet, ""),
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

/// Reads the lock, chooses its wheels for `target`, and installs them (`exact`: and removes
/// the rest). Prints pip's lines unless `quiet`; returns what was installed.
pub(crate) fn install_lock(
    site: &SiteConfig,
    target: &Target,
    lock_path: &Path,
    allow_manylinux: bool,
    options: &SyncOptions,
    cancel: &AtomicBool,
    (quiet, prefix): (bool, &str),
) -> Result<Vec<(String, String)>, locking::Error> {
    let file = locking::LockFile::read(lock_path)?;
    for w in &file.lock.warnings {
        errln!("warning: {}: {w}", lock_path.display());
    }
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
    let installed = locking::install(
        site,
        target,
        &file,
        allow_manylinux,
        options,
        cancel,
        &events,
    )?;
    let (report, would_build) = (installed.report, installed.would_build);
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
