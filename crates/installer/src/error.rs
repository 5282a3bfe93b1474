//! Installer errors: each names the wheel or path involved and what to do next.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum InstallError {
    /// A file-system call failed.
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    /// The wheel is not a readable archive or lacks required files.
    BadWheel { wheel: PathBuf, message: String },
    /// An archive member would land outside the environment (`../`, absolute path, link).
    UnsafePath {
        wheel: PathBuf,
        member: String,
        why: &'static str,
    },
    /// A file's content does not match the wheel's RECORD.
    HashMismatch { wheel: PathBuf, member: String },
    /// The user or the system asked us to stop; nothing was changed.
    Interrupted,
    /// A plan that cannot be carried out as given (a programming error of the caller).
    BadPlan(String),
}

impl InstallError {
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
    ) -> impl FnOnce(std::io::Error) -> InstallError {
        let path = path.into();
        move |source| InstallError::Io {
            path,
            action,
            source,
        }
    }
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallError::Io {
                path,
                action,
                source,
            } => {
                write!(f, "cannot {action} {}: {source}", path.display())?;
                if source.kind() == std::io::ErrorKind::PermissionDenied {
                    write!(f, ". The environment is not writable by you; install into a virtual environment of your own (`wheelhouse venv ENV`)")?;
                } else if source.raw_os_error() == Some(28) {
                    write!(f, ". The disk is full; free space or build the environment on node-local storage ($SLURM_TMPDIR)")?;
                }
                Ok(())
            }
            InstallError::BadWheel { wheel, message } => write!(
                f,
                "the wheel {} cannot be installed: {message}. It may be damaged; report it to \
                 the wheelhouse staff",
                wheel.display()
            ),
            InstallError::UnsafePath { wheel, member, why } => write!(
                f,
                "refusing to install {}: its member `{member}` {why}, which would write outside \
                 the environment. The wheel is malformed or malicious; nothing was installed",
                wheel.display()
            ),
            InstallError::HashMismatch { wheel, member } => write!(
                f,
                "refusing to install {}: the content of `{member}` does not match the hash in \
                 the wheel's RECORD. The file is corrupt or was altered after it was built; \
                 nothing was installed",
                wheel.display()
            ),
            InstallError::BadPlan(message) => write!(f, "internal error: {message}"),
            InstallError::Interrupted => {
                write!(f, "interrupted; the environment was left as it was")
            }
        }
    }
}

impl std::error::Error for InstallError {}
