//! Every line a command prints goes through here (`outln!`, `out!`, `errln!`), never through
//! `println!`/`eprintln!`, which panic with exit code 101 when the reader has gone away
//! (`wheelhouse cpus --explain | head -1`).
//!
//! A closed standard output is not an error: later output is dropped, the command finishes
//! its work (a `venv ENV | head -1` still leaves a whole environment; an install is not cut
//! in half) and exits with its own code. Dying on SIGPIPE, as C tools do, would stop an
//! install between files, so the signal stays ignored (Rust's default) and the write error
//! is handled here. Any other write error (a full disk behind `> file`) is reported once at
//! the end, and the command fails. Standard error has nowhere left to report to: its errors
//! are ignored.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDOUT_FAILED: OnceLock<io::Error> = OnceLock::new();

/// Prints to standard output, like `print!`, without panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::write_stdout(format_args!($($arg)*))
    };
}

/// Prints a line to standard output, like `println!`, without panicking.
macro_rules! outln {
    () => {
        $crate::out::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::out::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Prints a line to standard error, like `eprintln!`, without panicking.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::out::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) fn write_stdout(args: fmt::Arguments) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let result = io::stdout().lock().write_fmt(args);
    if let Err(e) = result {
        failed(e);
    }
}

pub(crate) fn write_stderr(args: fmt::Arguments) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// Writes what is buffered (a line without its newline), for output a reader waits for.
pub(crate) fn flush() {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = io::stdout().lock().flush() {
        failed(e);
    }
}

/// Whether standard output could not be written (its reader is gone, or the write failed).
pub(crate) fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

fn failed(e: io::Error) {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
    if e.kind() != io::ErrorKind::BrokenPipe {
        let _ = STDOUT_FAILED.set(e);
    }
}

/// The exit code of a command that returned `code`, once its output is flushed: a write error
/// other than a closed pipe is said and turns success into failure (exit 1).
pub(crate) fn finish(program: &str, code: i32) -> i32 {
    flush();
    match STDOUT_FAILED.get() {
        Some(e) => {
            crate::out::print_error(
                program,
                &format!(
                    "cannot write to standard output ({e}), so what it printed is incomplete; \
                     run the command again once the output can be written"
                ),
            );
            if code == 0 {
                1
            } else {
                code
            }
        }
        None => code,
    }
}

/// Prints an error paragraph on standard error, prefixed with the program name.
pub(crate) fn print_error(program: &str, message: &str) {
    errln!("{program}: error: {message}");
}
