//! The `wheelhouse` command line: argument parsing and printing only. The work is done by the
//! library crates (`site-config`, `catalog`, `wheel-name`, `requirements`, `table`).

mod avail;
mod cache;
mod index;
mod modules;
mod pyenv;

use std::ffi::OsString;
use std::path::Path;

use clap::{Parser, Subcommand};

/// Exit code for usage errors, as argparse (and so the reference `avail_wheels`) uses.
pub const EXIT_USAGE: i32 = 2;

#[derive(Parser)]
#[command(
    name = "wheelhouse",
    version,
    about = "The Python software environment of an HPC cluster, in one fast binary.",
    long_about = "The Python software environment of an HPC cluster, in one fast binary.\n\n\
        Users list what the site's wheelhouse holds (`wheelhouse avail`, also installed as \
        `avail_wheels`), build environments from it (`wheelhouse venv ENV`, then \
        `wheelhouse install -r requirements.txt`), and record them (`wheelhouse freeze`); staff \
        index the wheelhouse so listings are instant (`wheelhouse index`).\n\n\
        Configuration comes from the same environment as the cluster tools: WHEELHOUSE, \
        PIP_CONFIG_FILE and PIP_*, PYTHON_DIRS, EBROOTPYTHON, EBVERSIONPYTHON, EBVERSIONGENTOO, \
        RSNT_ARCH, VIRTUAL_ENV, PYTHONPATH, SLURM_CPUS_PER_TASK."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the wheels the wheelhouse holds (same flags and output as avail_wheels).
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Avail {
        /// avail_wheels arguments; see `wheelhouse avail --help`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Write the catalog file at the wheelhouse root so listings skip the directory scan.
    ///
    /// Walks the wheelhouse and writes its catalog file (.wheelhouse-catalog) at the root.
    /// `avail` then reads that one file instead of every directory, as long as no directory
    /// changed since; after publishing new wheels, run `wheelhouse index` again (a stale catalog
    /// is ignored, never trusted).
    Index(index::IndexArgs),
    /// Create a virtual environment with the loaded module's Python, pip seeded offline.
    ///
    /// Like `virtualenv --no-download ENV`: a standard environment (pyvenv.cfg, python links,
    /// activate scripts for bash/zsh/sh, csh and fish, `deactivate`) with pip installed from
    /// the wheelhouse. The interpreter is the loaded Python module's (`module load
    /// python/3.11`); the operating system's Python is used only when given by path.
    #[command(after_help = "Examples:\n  \
        wheelhouse venv ENV && source ENV/bin/activate\n  \
        wheelhouse venv --python 3.11 $SLURM_TMPDIR/env\n  \
        wheelhouse venv --without-pip --python /usr/bin/python3 ENV")]
    Venv(pyenv::venv::VenvArgs),
    /// Install packages from the wheelhouse into a virtual environment (pip-compatible).
    ///
    /// Resolves with the site's rules: the site's pip configuration (PIP_CONFIG_FILE,
    /// PIP_* variables: find-links, constraint, allow-manylinux), the highest version first (a
    /// +computecanada build before the public one), the most specific wheel, the CPU-level
    /// directory before the generic one. manylinux wheels are refused unless allowed.
    /// Packages already importable (the environment, a module's PYTHONPATH, system
    /// site-packages) count as installed when they fit. Installs are atomic: a failure or
    /// Ctrl-C leaves the environment as it was; two installs into one environment wait for
    /// each other.
    ///
    /// Exit codes: 0 done; 1 cannot resolve (no wheel, conflict, policy); 2 bad input or no
    /// environment; 3 installation failed (environment unchanged); 130 interrupted.
    #[command(after_help = "Examples:\n  \
        wheelhouse install numpy 'pandas>=2'\n  \
        wheelhouse install -r requirements.txt -c constraints.txt\n  \
        wheelhouse install -p $SLURM_TMPDIR/env --dry-run scipy\n  \
        wheelhouse install --upgrade numpy")]
    Install(pyenv::install::InstallArgs),
    /// Print the installed packages as requirements (`pip freeze` lines, +local included).
    Freeze(pyenv::inspect::FreezeArgs),
    /// List the installed packages (a table, or --format json).
    List(pyenv::inspect::ListArgs),
    /// Remove packages from a virtual environment.
    Uninstall(pyenv::inspect::UninstallArgs),
    /// Write Lmod modulefiles (`wheelhouse module python PREFIX... --modulepath DIR`).
    #[command(subcommand)]
    Module(modules::ModuleCommand),
    /// Lay out a site in a box (`wheelhouse site init DIR`).
    #[command(subcommand)]
    Site(modules::SiteCommand),
    /// Build a package stack module (`wheelhouse stack build scipy-stack/2024a ...`).
    #[command(subcommand)]
    Stack(modules::StackCommand),
    /// Show, clean or prune the cache of unpacked wheels (`wheelhouse cache info`).
    #[command(subcommand)]
    Cache(cache::CacheCommand),
}

/// Entry point of the `wheelhouse` binary; returns the exit code. Invoked under the name
/// `avail_wheels` (a link to the binary), it behaves as that command.
pub fn run_wheelhouse(args: Vec<OsString>) -> i32 {
    let invoked_as = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if invoked_as == "avail_wheels" {
        return run_avail_wheels(args);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    match cli.command {
        Command::Avail { args: rest } => {
            let mut argv = vec![OsString::from("wheelhouse avail")];
            argv.extend(rest);
            avail::run("wheelhouse avail", argv)
        }
        Command::Index(index_args) => index::run(index_args),
        Command::Venv(a) => pyenv::venv::run(a),
        Command::Install(a) => pyenv::install::run(a),
        Command::Freeze(a) => pyenv::inspect::run_freeze(a),
        Command::List(a) => pyenv::inspect::run_list(a),
        Command::Uninstall(a) => pyenv::inspect::run_uninstall(a),
        Command::Module(c) => modules::run_module(c),
        Command::Site(c) => modules::run_site(c),
        Command::Stack(c) => modules::run_stack(c),
        Command::Cache(c) => cache::run(c),
    }
}

/// Entry point of the `avail_wheels` binary.
pub fn run_avail_wheels(mut args: Vec<OsString>) -> i32 {
    if let Some(first) = args.first_mut() {
        *first = OsString::from("avail_wheels");
    }
    avail::run("avail_wheels", args)
}

/// Prints an error paragraph on standard error, prefixed with the program name.
pub(crate) fn print_error(program: &str, message: &str) {
    eprintln!("{program}: error: {message}");
}

// A listing parses and frees tens of thousands of small strings; mimalloc's thread-local
// free lists make that a fraction of glibc malloc's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
