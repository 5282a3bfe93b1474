//! The workflow's one error type: a paragraph for the user and the kind of failure, which the
//! command line maps to its exit code (its one table, `wheelhouse`'s `exit.rs`).

use std::fmt;

/// What kind of failure, for exit codes and for callers that react differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Could not resolve: no matching wheel, a conflict, site policy, a hash mismatch.
    Resolution,
    /// Bad input: an unreadable requirement or configuration, no environment.
    Input,
    /// The installation itself failed; the environment was left as it was.
    Install,
    /// Interrupted (Ctrl-C, SIGTERM); the environment was left as it was.
    Interrupted,
}

/// A failure of the workflow, with the paragraph that explains it.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn input(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Input, message)
    }

    pub fn resolution(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Resolution, message)
    }

    pub fn install(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Install, message)
    }

    /// An installer failure: interrupted, or failed with the environment left as it was.
    pub fn from_installer(e: installer::InstallError) -> Error {
        match e {
            installer::InstallError::Interrupted => Error::new(
                ErrorKind::Interrupted,
                "interrupted; nothing was changed and the environment is as it was",
            ),
            e => Error::install(format!("{e}\nThe environment was left as it was.")),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
