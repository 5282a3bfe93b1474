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
    HashMismatch {
        wheel: PathBuf,
        member: String,
        expected: String,
        actual: String,
    },
    /// A member RECORD does not vouch for (absent, no hash, a weak algorithm).
    Unverified {
        wheel: PathBuf,
        member: String,
        why: &'static str,
    },
    /// An installed distribution's RECORD names a path outside the environment.
    UnsafeRecord {
        dist: String,
        entry: String,
        why: &'static str,
    },
    /// The journal of an interrupted install cannot be read; nothing was touched.
    BadJournal { path: PathBuf, message: String },
    /// A staging directory whose journal names paths no install into this environment writes
    /// (outside it, or outside the staging directory): planted, not ours, never acted on.
    ForeignJournal { stage: PathBuf, why: String },
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
            InstallError::HashMismatch {
                wheel,
                member,
                expected,
                actual,
            } => write!(
                f,
                "refusing to install {}: the content of `{member}` has the hash {actual}, but \
                 the wheel's RECORD says {expected}. The file is corrupt or was altered after \
                 the wheel was built; nothing was installed. Report it to the wheelhouse staff",
                wheel.display()
            ),
            InstallError::Unverified { wheel, member, why } => write!(
                f,
                "refusing to install {}: its member `{member}` {why}, so its content cannot be \
                 verified. Nothing was installed. Ask the wheelhouse staff to rebuild the \
                 wheel; a site that must install such legacy wheels can set \
                 `allow-incomplete-record = true` in the [install] section of the pip \
                 configuration (PIP_CONFIG_FILE), which installs them with a warning",
                wheel.display()
            ),
            InstallError::UnsafeRecord { dist, entry, why } => write!(
                f,
                "refusing to remove {dist}: its RECORD lists `{entry}`, which {why}. A RECORD \
                 may only name files inside the environment; nothing was removed. Inspect \
                 the RECORD file, or recreate the environment"
            ),
            InstallError::BadJournal { path, message } => write!(
                f,
                "the journal {} of an interrupted install cannot be read ({message}); nothing \
                 was changed, and its backup of the original files is kept in that directory. \
                 Restore them by hand or recreate the environment",
                path.display()
            ),
            InstallError::ForeignJournal { stage, why } => write!(
                f,
                "{} looks like the staging area of an interrupted install, but its journal \
                 names a path that no install into this environment writes ({why}); it was not \
                 written by wheelhouse and nothing it lists was touched. Look at it, then remove \
                 it (rm -r '{}') and run the command again",
                stage.display(),
                stage.display()
            ),
            InstallError::BadPlan(message) => write!(f, "internal error: {message}"),
            InstallError::Interrupted => {
                write!(f, "interrupted; the environment was left as it was")
            }
        }
    }
}

impl std::error::Error for InstallError {}
