//! The `wheelhouse` command line: argument parsing and printing only. The work is done by the
//! library crates (`site-config`, `catalog`, `wheel-name`, `requirements`, `table`).

mod avail;
mod index;

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
        `avail_wheels`); staff index the wheelhouse so listings are instant (`wheelhouse index`).\n\n\
        Configuration comes from the same environment as the cluster tools: WHEELHOUSE, \
        PIP_CONFIG_FILE, PYTHON_DIRS, EBVERSIONPYTHON, EBVERSIONGENTOO, RSNT_ARCH, VIRTUAL_ENV."
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
