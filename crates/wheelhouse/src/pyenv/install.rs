//! `wheelhouse install`: a pip-compatible subset, resolved against the wheelhouse under the
//! cluster's rules, installed atomically.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use environment::{Event, InstallOptions};
use installer::Progress;
use resolver::Source;
use site_config::{ProcessVars, SiteConfig};

use crate::exit;

/// Options of `wheelhouse install`; the help text is on the subcommand.
#[derive(clap::Args, Debug)]
pub struct InstallArgs {
    /// Requirements (`numpy`, `numpy==1.26.4`, `pandas[performance]>=2`), wheel files,
    /// source archives, project directories (`.`, `./proj`), `name @ file:///…` or
    /// `name @ git+https://host/repo@rev`
    #[arg(value_name = "REQUIREMENT")]
    requirements: Vec<String>,
    /// Install this project directory editable (PEP 660): edits to its sources are seen
    /// without reinstalling; may be repeated
    #[arg(short = 'e', long = "editable", value_name = "PATH")]
    editables: Vec<String>,
    /// Build sources with the environment's own packages instead of an isolated build
    /// environment (the build requirements must then be installed already)
    #[arg(long)]
    no_build_isolation: bool,
    /// A setting for the build backend, KEY=VALUE (pip's -C/--config-settings); may be
    /// repeated
    #[arg(short = 'C', long = "config-settings", value_name = "KEY=VALUE")]
    config_settings: Vec<String>,
    /// Install from this requirements file (nested -r/-c, comments, continuations, ${VAR});
    /// may be repeated
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    requirement_files: Vec<PathBuf>,
    /// Constrain versions with this file, without installing what it names; may be repeated
    #[arg(short = 'c', long = "constraint", value_name = "FILE")]
    constraint_files: Vec<PathBuf>,
    /// The virtual environment to install into: its directory or its bin/python, as pip's
    /// --python (not a Python version: `wheelhouse venv --python 3.11 ENV` makes an
    /// environment with one) [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    python: Option<PathBuf>,
    /// Install into this directory instead of the environment (pip's --target): packages
    /// in DIR, scripts in DIR/bin; for the environment's Python (-p or $VIRTUAL_ENV)
    #[arg(
        short = 't',
        long = "target",
        value_name = "DIR",
        conflicts_with = "prefix"
    )]
    target_dir: Option<PathBuf>,
    /// Install under this prefix (pip's --prefix): DIR/lib/pythonX.Y/site-packages, DIR/bin;
    /// for the environment's Python (-p or $VIRTUAL_ENV)
    #[arg(long = "prefix", value_name = "DIR")]
    prefix: Option<PathBuf>,
    /// Upgrade the named packages to the newest version the wheelhouse has
    #[arg(short = 'U', long)]
    upgrade: bool,
    /// With --upgrade: only-if-needed upgrades dependencies only when the installed version
    /// does not fit; eager upgrades them all to the newest the wheelhouse has
    #[arg(long, value_enum, default_value = "only-if-needed")]
    upgrade_strategy: super::binary::UpgradeStrategy,
    /// Install only wheels for these packages (:all:, :none:, or names, comma-separated):
    /// their source distributions in -f directories or on an index are not built; sources
    /// named directly still are
    #[arg(long = "only-binary", value_name = "NAMES")]
    only_binary: Vec<String>,
    /// Prefer an older version with a wheel over a newer one that only a source
    /// distribution provides (config: prefer-binary = true)
    #[arg(long)]
    prefer_binary: bool,
    /// Build these packages from their source distributions (:all:, :none:, or names), found
    /// in -f directories or on an index, instead of installing wheels
    #[arg(long = "no-binary", value_name = "NAMES")]
    no_binary: Vec<String>,
    /// Reinstall every package even when the same version is installed
    #[arg(long)]
    force_reinstall: bool,
    /// Do not install dependencies
    #[arg(long)]
    no_deps: bool,
    /// Say what would be installed, change nothing
    #[arg(long)]
    dry_run: bool,
    /// Every requirement must be pinned with == and carry --hash values, which are checked
    #[arg(long)]
    require_hashes: bool,
    /// Also search these directories for wheels, after the site's (pip's --find-links)
    #[arg(short = 'f', long = "find-links", value_name = "DIR")]
    find_links: Vec<PathBuf>,
    #[command(flatten)]
    index: crate::index_flags::IndexFlags,
    /// Accept manylinux wheels, which site policy refuses (config: allow-manylinux = true)
    #[arg(long)]
    allow_manylinux: bool,
    /// Consider pre-releases and development versions
    #[arg(long)]
    pre: bool,
    /// Byte-compile the installed modules with the target interpreter, in parallel (the
    /// default on a network file system: NFS, Lustre, GPFS, CVMFS and other FUSE mounts)
    #[arg(long, overrides_with = "no_compile")]
    compile: bool,
    /// Do not byte-compile, also on a network file system (the default on a local disk)
    #[arg(long)]
    no_compile: bool,
    /// Install even when packages of a loaded stack module (scipy-stack) require another
    /// version of it; those packages may then fail to import
    #[arg(long)]
    ignore_stack_requirements: bool,
    #[command(flatten)]
    cache: crate::cache_args::CacheFlags,
    /// Print less (errors only)
    #[arg(short, long)]
    quiet: bool,
    /// Print more: each decision and timings
    #[arg(short, long)]
    verbose: bool,
    /// Write pip's JSON installation report (version 1) to FILE (`-`: standard output);
    /// with --dry-run, of what would be installed
    #[arg(long = "report", value_name = "FILE")]
    report: Option<PathBuf>,
    /// How to print the result: pip's lines, or one JSON document for scripts
    #[arg(long, value_enum, default_value = "text")]
    format: super::report::ResultFormat,
}

pub fn run(args: InstallArgs) -> i32 {
    let env = ProcessVars::from_process();
    let site = SiteConfig::from_env(&env);
    let cancel = crate::signals::cancel_on_signals();
    if args.requirements.is_empty()
        && args.requirement_files.is_empty()
        && args.editables.is_empty()
    {
        crate::out::print_error("wheelhouse install", environment::NOTHING_TO_INSTALL);
        return exit::INPUT;
    }
    if let Some(message) = crate::file_args::missing_file(&args.requirements) {
        crate::out::print_error("wheelhouse install", &message);
        return exit::INPUT;
    }
    // --no-cache means nothing kept between commands, the interpreter's answer included.
    let answers = args.cache.answers(&site);
    if args
        .requirement_files
        .iter()
        .any(|f| locking::is_lock_file(f))
    {
        return install_from_lock(&site, &args, answers.as_ref(), &cancel);
    }
    let target =
        match crate::env_arg::target_environment(&site, args.python.as_deref(), answers.as_ref()) {
            Ok(t) => t,
            Err(e) => {
                crate::out::print_error("wheelhouse install", &e.to_string());
                return crate::exit::environment(e.kind());
            }
        };
    let target =
        match super::layouts::place(target, args.target_dir.as_deref(), args.prefix.as_deref()) {
            Ok(t) => t,
            Err(e) => {
                crate::out::print_error("wheelhouse install", &e.to_string());
                return crate::exit::environment(e.kind());
            }
        };
    let json = args.format == super::report::ResultFormat::Json;
    let result = run_install(
        &site,
        &target,
        &args.options(&site, &cancel),
        &cancel,
        args.quiet,
        args.verbose,
        !json,
    );
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            crate::out::print_error("wheelhouse install", &e.to_string());
            return crate::exit::environment(e.kind());
        }
    };
    if let Some(file) = &args.report {
        if let Err(e) = super::report::write_report(file, &target, &report) {
            crate::out::print_error("wheelhouse install", &e.to_string());
            return crate::exit::environment(e.kind());
        }
    }
    if json {
        outln!("{}", super::report::result_json(&report));
    }
    0
}

/// `install -r pylock.toml`: the lock's wheels, no resolution, nothing removed. A lock is
/// installed alone: requirements beside it would have to be resolved against it.
fn install_from_lock(
    site: &SiteConfig,
    args: &InstallArgs,
    answers: Option<&interpreter::AnswerCache>,
    cancel: &AtomicBool,
) -> i32 {
    let command = "wheelhouse install";
    let [lock] = args.requirement_files.as_slice() else {
        crate::out::print_error(
            command,
            "a lock file (pylock.toml) is installed on its own: give it as the only -r, \
             without other requirements, or lock everything together (`wheelhouse lock`)",
        );
        return crate::exit::INPUT;
    };
    if !args.requirements.is_empty() || !args.editables.is_empty() {
        crate::out::print_error(
            command,
            "a lock file (pylock.toml) is installed on its own: give it as the only -r, \
             without other requirements, or lock everything together (`wheelhouse lock`)",
        );
        return crate::exit::INPUT;
    }
    let options = environment::SyncOptions {
        exact: false,
        dry_run: args.dry_run,
        compile: environment::ByteCode::from_flags(args.compile, args.no_compile),
        threads: 0,
        cache: args.cache.options(site),
        keep: Vec::new(),
    };
    let result = crate::env_arg::target_environment(site, args.python.as_deref(), answers)
        .map_err(locking::Error::from)
        .and_then(|target| {
            crate::sync::install_lock(
                site,
                &target,
                lock,
                args.allow_manylinux,
                &options,
                cancel,
                (args.quiet, ""),
            )
        });
    match result {
        Ok(_) => 0,
        Err(e) => {
            crate::out::print_error(command, &e.to_string());
            crate::exit::environment(e.kind())
        }
    }
}

impl InstallArgs {
    fn options(&self, site: &SiteConfig, cancel: &Arc<AtomicBool>) -> InstallOptions {
        let binary = crate::binary_args::binary_choices(&self.only_binary, &self.no_binary);
        InstallOptions {
            index: self.index.options(Some(cancel.clone())),
            requirements: self.requirements.clone(),
            editables: self.editables.clone(),
            no_build_isolation: self.no_build_isolation,
            config_settings: self
                .config_settings
                .iter()
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (kv.clone(), String::new()),
                })
                .collect(),
            requirement_files: self.requirement_files.clone(),
            constraint_files: self.constraint_files.clone(),
            upgrade: self.upgrade,
            upgrade_eager: self.upgrade_strategy == super::binary::UpgradeStrategy::Eager,
            force_reinstall: self.force_reinstall,
            no_deps: self.no_deps,
            dry_run: self.dry_run,
            require_hashes: self.require_hashes,
            find_links: self.find_links.clone(),
            allow_manylinux: self.allow_manylinux,
            only_binary: binary.0,
            no_binary: binary.1,
            prefer_binary: self.prefer_binary,
            building: Vec::new(),
            pre: self.pre,
            compile: environment::ByteCode::from_flags(self.compile, self.no_compile),
            ignore_stack_requirements: self.ignore_stack_requirements,
            threads: 0,
            cache: self.cache.options(site),
        }
    }
}

/// Runs an install and prints what pip prints: the progress on a terminal, "Requirement
/// already satisfied", "Successfully installed".
pub(crate) fn run_install(
    site: &SiteConfig,
    target: &environment::Target,
    options: &InstallOptions,
    cancel: &AtomicBool,
    quiet: bool,
    verbose: bool,
    print_result: bool,
) -> Result<environment::Report, environment::Error> {
    let bar = std::sync::Mutex::new(indicatif::ProgressBar::hidden());
    let events = |event: Event<'_>| match event {
        Event::WaitingForLock(root) if !quiet => errln!(
            "waiting for another install into {} to finish...",
            super::short(root)
        ),
        Event::Recovered(message) => errln!("note: {message}"),
        Event::Warning(message) => errln!("warning: {message}"),
        Event::Note(message) if !quiet => errln!("note: {message}"),
        Event::AlreadySatisfied {
            name,
            version,
            place,
        } if !quiet => {
            // With --format json, standard output holds the one JSON document only.
            if print_result {
                outln!("Requirement already satisfied: {name} {version} ({place})")
            } else {
                errln!("Requirement already satisfied: {name} {version} ({place})")
            }
        }
        Event::Chose {
            key,
            version,
            source,
        } if verbose => match source {
            Source::Wheel(path) => errln!("chose {key} {version}: {}", path.display()),
            Source::Installed => errln!("chose {key} {version}: already installed"),
        },
        Event::Installing(count) => {
            *bar.lock().unwrap() = progress_bar(count, quiet);
        }
        Event::Progress(Progress::Unpacked(name)) => {
            let bar = bar.lock().unwrap();
            bar.set_message(name.to_string());
            bar.inc(1);
        }
        Event::Progress(Progress::Committing) => {
            bar.lock().unwrap().set_message("moving into place")
        }
        _ => {}
    };
    let result = environment::install(site, target, options, cancel, &events);
    bar.lock().unwrap().finish_and_clear();
    let report = result?;
    if report.dry_run {
        if !print_result {
        } else if report.would_install.is_empty() {
            outln!("Would install nothing: every requirement is already satisfied");
        } else {
            outln!("Would install {}", report.would_install.join(" "));
        }
        return Ok(report);
    }
    if print_result && !quiet && !report.installed.is_empty() {
        let names: Vec<String> = report
            .installed
            .iter()
            .map(|(n, v)| format!("{n}-{v}"))
            .collect();
        outln!("Successfully installed {}", names.join(" "));
    }
    if verbose {
        errln!(
            "resolved in {:.0?}, installed {} file{} with {} thread{} in {:.0?} (total)",
            report.resolved_in,
            report.files,
            if report.files == 1 { "" } else { "s" },
            report.threads,
            if report.threads == 1 { "" } else { "s" },
            report.elapsed
        );
        if options.compile == environment::ByteCode::Compile || report.compiled > 0 {
            errln!("byte-compiled {} files", report.compiled);
        }
        if let Some(c) = &report.cache {
            errln!(
                "cache {}: {} wheels from the cache ({} not opened), {} entries written{}; \
                 files cloned {}, hard-linked {}, copied {}{}",
                c.dir.display(),
                c.hits,
                c.unopened,
                c.written,
                if c.writable {
                    ""
                } else {
                    " (not written: another file system or read-only)"
                },
                c.cloned,
                c.linked,
                c.copied,
                if c.stale > 0 {
                    format!("; {} changed entries dropped", c.stale)
                } else {
                    String::new()
                }
            );
            if c.pycs_placed > 0 || c.pycs_kept > 0 {
                errln!(
                    "cache byte code: {} files from the cache, {} added to it",
                    c.pycs_placed,
                    c.pycs_kept
                );
            }
            if let Some((copy, decompress)) = c.across {
                errln!(
                    "cache on another file system: copying from it {} MB/s, decompressing {} MB/s",
                    copy / 1_000_000,
                    decompress / 1_000_000
                );
            }
        }
    }
    Ok(report)
}

fn progress_bar(len: usize, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} installing [{bar:30}] {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}
