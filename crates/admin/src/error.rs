//! Why publishing a wheel failed, and the exit code that says so.

use std::fmt;
use std::path::Path;

/// What kind of failure: the command line's exit-code table maps it (`input` 2, `refused` 1,
/// `io` 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong (not a wheel, a bad requirement, an unsafe member).
    Input,
    /// The operation would overwrite or contradict what is published.
    Refused,
    /// A file could not be read or written.
    Io,
}

/// A failure, as one paragraph that says what to do next.
#[derive(Clone, Debug)]
pub struct AdminError {
    pub kind: ErrorKind,
    pub message: String,
}

impl AdminError {
    pub fn input(message: String) -> AdminError {
        AdminError {
            kind: ErrorKind::Input,
            message,
        }
    }

    pub fn exists(message: String) -> AdminError {
        AdminError {
            kind: ErrorKind::Refused,
            message,
        }
    }

    pub fn io(path: &Path, e: std::io::Error) -> AdminError {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("{} does not exist. Check the path", path.display())
            }
            std::io::ErrorKind::PermissionDenied => format!(
                "{}: permission denied. Run as the wheelhouse's owner or fix its permissions",
                path.display()
            ),
            _ => format!("{}: {e}", path.display()),
        };
        AdminError {
            kind: ErrorKind::Io,
            message,
        }
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AdminError {}
