//! Why publishing a wheel failed, and the exit code that says so.

use std::fmt;
use std::path::Path;

/// What kind of failure: it decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong (not a wheel, a bad requirement, an unsafe member): exit 2.
    Input,
    /// The operation would overwrite or contradict what is published: exit 1.
    Refused,
    /// A file could not be read or written: exit 3.
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

    /// The kind's name in the CLI's JSON output: `input`, `refused` or `io`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ErrorKind::Input => "input",
            ErrorKind::Refused => "refused",
            ErrorKind::Io => "io",
        }
    }

    /// The exit code the CLI returns for it.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Input => 2,
            ErrorKind::Refused => 1,
            ErrorKind::Io => 3,
        }
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AdminError {}
