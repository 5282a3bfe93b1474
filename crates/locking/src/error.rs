//! Making or installing a lock: what went wrong, with the files, entries, levels and versions
//! involved. A failure of the workflow underneath (reading requirements, building a source,
//! changing the environment) stays `environment`'s, inside [`Error::Environment`].
//! [`Error::kind`] is an `environment::ErrorKind`, so the command line maps both with its
//! one exit-code table.

use std::fmt;
use std::path::PathBuf;

use environment::ErrorKind;

/// A failure to make or install a lock. Its `Display` is the paragraph the user reads.
#[derive(Debug)]
pub enum Error {
    /// The workflow underneath failed.
    Environment(Box<environment::Error>),

    // Making a lock (`wheelhouse lock`).
    /// `--extra` without a pyproject.toml given with -r.
    ExtraWithoutProject,
    /// A project's pyproject.toml that is not TOML.
    InvalidToml {
        path: PathBuf,
        source: toml::de::Error,
    },
    /// `--extra NAME` that none of the projects has.
    NoExtra {
        extra: String,
        projects: Vec<PathBuf>,
    },
    /// A `--python` (or the default Python) that cannot be found.
    PythonNotFound(site_config::PythonNotFound),
    /// `--arch LEVEL` that no search directory is; `present`: the levels there are.
    LevelNotPresent { asked: String, present: Vec<String> },
    /// No requirements, files or projects given.
    NothingToLock,
    /// One Python and CPU level (`python`: `Python 3.11 on x86-64-v3`) has no resolution.
    Unresolvable {
        python: String,
        source: Box<environment::Error>,
    },
    /// The git checkout built for a lock entry has no known commit (`origin`: its request).
    UnknownCommit { origin: String },

    // Installing a lock.
    /// The lock file cannot be read.
    LockUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The lock file is not a valid lock.
    LockInvalid {
        path: PathBuf,
        source: ::lock::LockError,
    },
    /// The lock cannot be used for this environment.
    Selection {
        path: PathBuf,
        source: ::lock::LockError,
    },
    /// A locked wheel that is not a local file (`why`: the lock's reason).
    WheelNotLocal {
        path: PathBuf,
        entry: String,
        why: String,
    },
    /// A locked checkout of another version-control system than git.
    NotGit { entry: String, vcs: String },
    /// An entry with neither a wheel for this environment nor an sdist.
    NoWheelNorSdist { entry: String },
    /// A locked sdist or archive without a sha256 (`file`: its file name, when known).
    NoSdistHash { entry: String, file: Option<String> },
    /// A locked archive that is not a local file (`why`: the lock's reason).
    ArchiveNotLocal { entry: String, why: String },
    /// A locked archive that cannot be read.
    ArchiveUnreadable {
        entry: String,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A locked archive whose sha256 is not the lock's.
    ArchiveHashMismatch {
        entry: String,
        path: PathBuf,
        got: String,
        want: String,
    },
    /// A locked wheel fetched by its URL whose hash is not the lock's.
    UrlHashMismatch {
        entry: String,
        url: String,
        algorithm: &'static str,
        got: String,
        want: String,
    },
    /// A locked source that now builds another version.
    VersionChanged {
        entry: String,
        locked: String,
        built: String,
    },
    /// A git checkout at another commit than the locked one.
    CommitMismatch {
        entry: String,
        commit: String,
        locked: String,
    },
    /// A file the lock is made from (a project, a wheel, a source archive) cannot be read.
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A wheel just built cannot be read.
    BuiltWheelUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    /// The kind of failure, for the exit code (the command line's table maps it as it maps
    /// the workflow's).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Environment(e) => e.kind(),
            Error::ExtraWithoutProject
            | Error::InvalidToml { .. }
            | Error::NoExtra { .. }
            | Error::PythonNotFound(_)
            | Error::LevelNotPresent { .. }
            | Error::NothingToLock
            | Error::LockUnreadable { .. }
            | Error::LockInvalid { .. }
            | Error::Selection { .. }
            | Error::WheelNotLocal { .. }
            | Error::NotGit { .. }
            | Error::NoWheelNorSdist { .. }
            | Error::NoSdistHash { .. }
            | Error::ArchiveNotLocal { .. }
            | Error::ArchiveUnreadable { .. }
            | Error::Unreadable { .. } => ErrorKind::Input,
            Error::Unresolvable { .. }
            | Error::ArchiveHashMismatch { .. }
            | Error::UrlHashMismatch { .. }
            | Error::VersionChanged { .. }
            | Error::CommitMismatch { .. } => ErrorKind::Resolution,
            Error::UnknownCommit { .. } | Error::BuiltWheelUnreadable { .. } => ErrorKind::Install,
        }
    }
}

impl From<environment::Error> for Error {
    fn from(e: environment::Error) -> Error {
        Error::Environment(Box::new(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Environment(e) => write!(f, "{e}"),
            Error::ExtraWithoutProject => f.write_str(
                "--extra names optional dependencies of a project: give its pyproject.toml with -r",
            ),
            Error::InvalidToml { path, source } => write!(
                f,
                "{} is not valid TOML: {}",
                path.display(),
                source.message()
            ),
            Error::NoExtra { extra, projects } => write!(
                f,
                "no optional-dependencies group {extra:?} in [project] of {}",
                projects
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Error::PythonNotFound(e) => write!(f, "{e}"),
            Error::LevelNotPresent { asked, present } => write!(
                f,
                "--arch {asked}: no search directory is that CPU level; the wheelhouse has {}",
                present.join(", ")
            ),
            Error::NothingToLock => f.write_str(
                "nothing to lock: give requirements (`wheelhouse lock numpy`), a requirements \
                 file (`-r requirements.txt`) or a project (`-r pyproject.toml`)",
            ),
            Error::Unresolvable { python, source } => write!(f, "for {python}: {source}"),
            Error::UnknownCommit { origin } => {
                write!(f, "{origin}: the commit built is unknown")
            }
            Error::LockUnreadable { path, source } => {
                write!(f, "cannot read the lock file {}: {source}", path.display())
            }
            Error::LockInvalid { path, source } | Error::Selection { path, source } => {
                nothing_installed(f, &format!("{}: {source}", path.display()))
            }
            Error::WheelNotLocal { path, entry, why } => {
                nothing_installed(f, &format!("{}: {entry}: the wheel {why}", path.display()))
            }
            _ => self.fmt_sources(f),
        }
    }
}

impl Error {
    /// The lock's sources: checked, then built.
    fn fmt_sources(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotGit { entry, vcs } => write!(
                f,
                "{entry}: a {vcs} checkout; wheelhouse builds git checkouts only. Nothing was \
                 installed."
            ),
            Error::NoWheelNorSdist { entry } => write!(
                f,
                "{entry}: neither a wheel for this environment nor an sdist"
            ),
            Error::NoSdistHash { entry, file } => write!(
                f,
                "{entry}: the lock gives no sha256 for {}; nothing was installed. Make the \
                 lock again (`wheelhouse lock`).",
                file.as_deref().unwrap_or("its source archive")
            ),
            Error::ArchiveNotLocal { entry, why } => write!(f, "{entry}: the archive {why}"),
            Error::ArchiveUnreadable {
                entry,
                path,
                source,
            } => write!(
                f,
                "{entry}: cannot read the source archive {} that the lock names ({source}); \
                 nothing was installed.",
                path.display()
            ),
            Error::UrlHashMismatch {
                entry,
                url,
                algorithm: a,
                got,
                want,
            } => write!(
                f,
                "{entry}: {url} has {a}:{got}, but the lock says {a}:{want}. The file on the \
                 index changed since the lock was made, or a proxy altered it; nothing was \
                 installed. Check where it comes from, then make the lock again (`wheelhouse \
                 lock`) if the new file is wanted."
            ),
            Error::ArchiveHashMismatch {
                entry,
                path,
                got,
                want,
            } => write!(
                f,
                "{entry}: {} has sha256:{got}, but the lock says sha256:{want}. The archive \
                 changed since the lock was made; nothing was built or installed. Check where it \
                 comes from, then make the lock again (`wheelhouse lock`) if the new file is \
                 wanted.",
                path.display()
            ),
            Error::VersionChanged {
                entry,
                locked,
                built,
            } => write!(
                f,
                "{entry}: the lock has version {locked}, but its source now builds {built}; \
                 nothing was installed. Make the lock again (`wheelhouse lock`)."
            ),
            Error::CommitMismatch {
                entry,
                commit,
                locked,
            } => write!(
                f,
                "{entry}: the checkout is at {commit}, not the locked commit {locked}"
            ),
            Error::Unreadable { path, source } | Error::BuiltWheelUnreadable { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            _ => unreachable!("every other failure is written by Display::fmt"),
        }
    }
}

/// A lock error's paragraph, ending with what happened to the environment.
fn nothing_installed(f: &mut fmt::Formatter<'_>, message: &str) -> fmt::Result {
    let message = message.trim_end();
    if message.ends_with('.') {
        write!(f, "{message} Nothing was installed.")
    } else {
        write!(f, "{message}. Nothing was installed.")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The workflow's failure is shown as it is: its own source is the next one.
            Error::Environment(e) => e.source(),
            Error::InvalidToml { source, .. } => Some(source),
            Error::PythonNotFound(e) => Some(e),
            Error::Unresolvable { source, .. } => Some(source.as_ref()),
            Error::LockUnreadable { source, .. }
            | Error::ArchiveUnreadable { source, .. }
            | Error::Unreadable { source, .. }
            | Error::BuiltWheelUnreadable { source, .. } => Some(source),
            Error::LockInvalid { source, .. } | Error::Selection { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use environment::ErrorKind;

    use super::Error;

    /// Each failure's paragraph and kind, the workflow's passed through unchanged.
    #[test]
    fn each_failure_has_its_paragraph_and_kind() {
        let cases = [
            (
                Error::WheelNotLocal {
                    path: "pylock.toml".into(),
                    entry: "packages[0] (six)".into(),
                    why: "is at https://x/six.whl; wheelhouse installs from local files only."
                        .into(),
                },
                ErrorKind::Input,
                "pylock.toml: packages[0] (six): the wheel is at https://x/six.whl; wheelhouse \
                 installs from local files only. Nothing was installed.",
            ),
            (
                Error::ArchiveHashMismatch {
                    entry: "pylock.toml: packages[1] (x)".into(),
                    path: "x-1.0.tar.gz".into(),
                    got: "aa".into(),
                    want: "bb".into(),
                },
                ErrorKind::Resolution,
                "pylock.toml: packages[1] (x): x-1.0.tar.gz has sha256:aa, but the lock says \
                 sha256:bb. The archive changed since the lock was made;",
            ),
            (
                Error::BuiltWheelUnreadable {
                    path: "x.whl".into(),
                    source: std::io::Error::other("gone"),
                },
                ErrorKind::Install,
                "cannot read x.whl: gone",
            ),
            (
                Error::from(environment::Error::NoEnvironment),
                ErrorKind::Input,
                "No virtual environment is active",
            ),
        ];
        for (error, kind, start) in cases {
            assert_eq!(error.kind(), kind, "{error}");
            assert!(error.to_string().starts_with(start), "{error}");
        }
    }
}
