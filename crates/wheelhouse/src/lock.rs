//! `wheelhouse lock`: its arguments and what it prints. The lock is made by
//! `locking::make` (once per Python and CPU level, the same versions everywhere the
//! wheelhouse allows); this module writes it, as a PEP 751 lock or hashed requirements.

use std::path::PathBuf;

use environment::Event;
use locking::Error;
use site_config::{ProcessVars, SiteConfig};

/// Options of `wheelhouse lock`; the help text is on the subcommand.
#[derive(clap::Args, Debug)]
pub struct LockArgs {
    /// Requirements (`numpy`, `pandas>=2`)
    #[arg(value_name = "REQUIREMENT")]
    requirements: Vec<String>,
    /// Requirements file, or a project's pyproject.toml ([project] dependencies); may be
    /// repeated
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    requirement_files: Vec<PathBuf>,
    /// Constrain versions with this file; may be repeated
    #[arg(short = 'c', long = "constraint", value_name = "FILE")]
    constraint_files: Vec<PathBuf>,
    /// With a pyproject.toml: also lock this optional-dependencies group; may be repeated
    #[arg(long = "extra", value_name = "NAME")]
    extras: Vec<String>,
    /// Lock for this Python: a version of a module (3.11) or an interpreter's path; may be
    /// repeated [default: the active environment's or the loaded module's]
    #[arg(long = "python", value_name = "PYTHON")]
    pythons: Vec<String>,
    /// Lock for this CPU level (x86-64-v3, generic); may be repeated [default: every level
    /// the wheelhouse has, generic being part of each]
    #[arg(long = "arch", value_name = "LEVEL")]
    arches: Vec<String>,
    /// Where to write [default: pylock.toml; requirements: standard output]; `-` is
    /// standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// What to write: a PEP 751 lock, or pinned requirements with --hash lines
    #[arg(long, value_enum, default_value = "pylock")]
    format: LockFormat,
    /// Also search these directories for wheels and source distributions, after the
    /// site's
    #[arg(short = 'f', long = "find-links", value_name = "DIR")]
    find_links: Vec<PathBuf>,
    #[command(flatten)]
    index: crate::index_flags::IndexFlags,
    /// Lock only wheels for these packages (:all:, :none:, or names, comma-separated):
    /// their source distributions in -f directories or on an index are not locked
    #[arg(long = "only-binary", value_name = "NAMES")]
    only_binary: Vec<String>,
    /// Prefer an older version with a wheel over a newer one that only a source
    /// distribution provides (config: prefer-binary = true)
    #[arg(long)]
    prefer_binary: bool,
    /// Lock these packages' source distributions (:all:, :none:, or names), found in -f
    /// directories or on an index, instead of their wheels
    #[arg(long = "no-binary", value_name = "NAMES")]
    no_binary: Vec<String>,
    /// Consider pre-releases and development versions
    #[arg(long)]
    pre: bool,
    /// Accept manylinux wheels, which site policy refuses
    #[arg(long)]
    allow_manylinux: bool,
    /// Print errors only
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockFormat {
    Pylock,
    Requirements,
}

pub fn run(args: LockArgs) -> i32 {
    match lock(&args) {
        Ok(()) => 0,
        Err(e) => {
            // The sources' failures (an index, a build) are worded for `install`, which
            // shares them; a lock installs nothing but writes nothing either.
            let text = e.to_string();
            let text = match text.strip_suffix("Nothing was installed.") {
                Some(head) => format!("{head}No lock was written."),
                None => text,
            };
            crate::out::print_error("wheelhouse lock", &text);
            crate::exit::environment(e.kind())
        }
    }
}

fn lock(args: &LockArgs) -> Result<(), Error> {
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    let cancel = crate::signals::cancel_on_signals();
    let (only_binary, no_binary) =
        crate::binary_args::binary_choices(&args.only_binary, &args.no_binary);
    let request = locking::LockRequest {
        requirements: args.requirements.clone(),
        requirement_files: args.requirement_files.clone(),
        constraint_files: args.constraint_files.clone(),
        extras: args.extras.clone(),
        pythons: args.pythons.clone(),
        arches: args.arches.clone(),
        find_links: args.find_links.clone(),
        index: args.index.options(Some(cancel.clone())),
        only_binary,
        no_binary,
        prefer_binary: args.prefer_binary,
        pre: args.pre,
        allow_manylinux: args.allow_manylinux,
        lock_dir: locking::output_dir(args.output.as_deref()),
        cache: crate::cache_args::CacheFlags::default().options(&site),
    };
    let quiet = args.quiet;
    let events = |event: Event<'_>| match event {
        Event::Note(m) if !quiet => errln!("{m}"),
        Event::Warning(m) => errln!("warning: {m}"),
        _ => {}
    };
    let made = locking::make(&site, &request, &cancel, &events)?;
    write(args, &made, &request.lock_dir)
}

fn write(args: &LockArgs, made: &locking::Made, lock_dir: &std::path::Path) -> Result<(), Error> {
    let (lock, levels) = (&made.lock, &made.levels);
    let text = match args.format {
        LockFormat::Pylock => lock.to_toml(),
        LockFormat::Requirements => locking::requirements_text(lock, lock_dir),
    };
    let output = match (&args.output, args.format) {
        (Some(o), _) => Some(o.clone()),
        (None, LockFormat::Pylock) => Some(PathBuf::from("pylock.toml")),
        (None, LockFormat::Requirements) => None,
    };
    match output.filter(|o| o.as_os_str() != "-") {
        None => out!("{text}"),
        Some(path) => {
            if args.format == LockFormat::Pylock && !locking::is_lock_file(&path) {
                errln!(
                    "warning: {} is not named as PEP 751 asks (pylock.toml or pylock.NAME.toml); \
                     pip and `wheelhouse install -r` recognise a lock by that name",
                    path.display()
                );
            }
            let tmp = path.with_extension("toml.tmp");
            std::fs::write(&tmp, &text)
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    environment::Error::Io {
                        action: "write",
                        path: path.clone(),
                        source: e,
                    }
                })?;
            if !args.quiet {
                errln!(
                    "Locked {} packages for Python {}{} into {}",
                    lock.packages.len(),
                    made.pythons.join(", "),
                    if levels.is_empty() {
                        String::new()
                    } else {
                        format!(" on {}", levels.join(", "))
                    },
                    path.display()
                );
            }
        }
    }
    Ok(())
}
