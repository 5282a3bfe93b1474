//! Why an index could not be built or written.

use std::fmt;
use std::path::{Path, PathBuf};

/// A failure of the index, as one paragraph that says what to do next.
#[derive(Debug)]
pub enum IndexError {
    /// What was asked cannot be done as given (a pip configuration that cannot be used, an
    /// output directory inside the wheelhouse, a catalog that cannot be rebuilt): exit 2.
    Input(String),
    /// A wheel the catalog lists cannot be published as it is now (it changed since the
    /// catalog was written): exit 1.
    Changed(String),
    /// A file or directory could not be read or written: exit 3.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl IndexError {
    pub fn input(message: String) -> IndexError {
        IndexError::Input(message)
    }

    pub fn changed(message: String) -> IndexError {
        IndexError::Changed(message)
    }

    pub fn io(path: &Path, source: std::io::Error) -> IndexError {
        IndexError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::Input(message) | IndexError::Changed(message) => f.write_str(message),
            IndexError::Io { path, source } => match source.kind() {
                std::io::ErrorKind::NotFound => {
                    write!(f, "{} does not exist. Check the path", path.display())
                }
                std::io::ErrorKind::PermissionDenied => write!(
                    f,
                    "{}: permission denied. Run as the wheelhouse's owner or fix its permissions",
                    path.display()
                ),
                _ => write!(f, "{}: {source}", path.display()),
            },
        }
    }
}

impl std::error::Error for IndexError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IndexError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
