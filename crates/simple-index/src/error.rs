//! Why an index could not be built or written.

use std::path::{Path, PathBuf};

/// A failure of the index, as one paragraph that says what to do next. Each variant keeps
/// what it names (the level, the file, the directory), so callers decide on the variant and
/// the text is written once, here.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A level's pip configuration searches a directory outside the wheelhouse.
    #[error(
        "the pip configuration of level {level} searches {}, which is outside the wheelhouse \
         {}: only the wheelhouse is published, so this index would not be what users of that \
         level see. Publish from a root holding every directory the configuration lists, or \
         fix its find-links",
        dir.display(),
        root.display()
    )]
    ConfigOutside {
        level: String,
        dir: PathBuf,
        root: PathBuf,
    },
    /// The catalog had no metadata and could not be rebuilt.
    #[error("{0}")]
    Catalog(#[source] catalog::CatalogError),
    /// The output directory is inside the wheelhouse it publishes.
    #[error(
        "{} is inside the wheelhouse {}; write the index elsewhere (it would be listed as part \
         of the wheelhouse)",
        out.display(),
        root.display()
    )]
    OutputInside { out: PathBuf, root: PathBuf },
    /// A CPU level is named like a directory the index keeps for itself.
    #[error(
        "the wheelhouse has a CPU level named `{name}`, which is where the index keeps {}: \
         rename that directory of the wheelhouse, or give the levels other names with \
         --pip-config",
        if name == "files" {
            "the wheels (OUT/files)"
        } else {
            "the page of every package (OUT/index.html, OUT/wheels)"
        }
    )]
    ReservedLevel { name: String },
    /// A wheel's METADATA could not be read for its PEP 658 file.
    #[error("{}: {reason}", wheel.display())]
    Metadata { wheel: PathBuf, reason: String },
    /// `--pip-config DIR` names a directory without `pip-*.conf` files.
    #[error(
        "{} holds no pip-*.conf file: give the site's pip configuration files (one per CPU \
         level, as `wheelhouse site init` writes them in DIR/pip) or the directory holding them",
        dir.display()
    )]
    NoPipConfigs { dir: PathBuf },
    /// Two configuration files name the same level.
    #[error(
        "two pip configuration files name the CPU level {level}: {} and another one given \
         before it (with directories {other_dirs}); give each level once",
        file.display()
    )]
    LevelTwice {
        level: String,
        file: PathBuf,
        /// The first file's directories, joined for the message.
        other_dirs: String,
    },
    /// A configuration file could not be read or parsed.
    #[error(
        "cannot read the pip configuration file {}: {reason}. Give the site's pip-LEVEL.conf \
         files",
        file.display()
    )]
    ConfigUnreadable { file: PathBuf, reason: String },
    /// A configuration file sets no `find-links` where `pip install` reads it.
    #[error(
        "the pip configuration file {} sets no `find-links` in its [install] or [global] \
         section (the ones `pip install` reads), so it names no directory for its CPU level",
        file.display()
    )]
    NoFindLinks { file: PathBuf },
    /// A configuration file lists a find-links entry that is not an absolute directory.
    #[error(
        "the pip configuration file {} lists `{link}` in find-links: only absolute directories \
         (or file:// URLs) are understood here, as a relative one would depend on where pip runs",
        file.display()
    )]
    RelativeFindLinks { file: PathBuf, link: String },
    /// A configuration file's name gives no usable level name.
    #[error(
        "cannot name a CPU level after the file {}: name it pip-LEVEL.conf (LEVEL not `files`, \
         which holds the wheels of the index)",
        file.display()
    )]
    BadLevelName { file: PathBuf },
    /// A wheel changed while it was being published.
    #[error(
        "{} changed while it was being published; run `wheelhouse index` again",
        target.display()
    )]
    ChangedWhilePublishing { target: PathBuf },
    /// A wheel the catalog lists is refused now (replaced by a link, say).
    #[error(
        "{refusal}. (The catalog listed it as a wheel: it changed since; run `wheelhouse index` \
         again.)"
    )]
    CatalogStale { refusal: String },
    /// A file or directory could not be read or written.
    #[error("{}", io_text(path, source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What kind of failure, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// What was asked cannot be done as given (a pip configuration that cannot be used, an
    /// output directory inside the wheelhouse, a catalog that cannot be rebuilt).
    Input,
    /// A wheel the catalog lists cannot be published as it is now: it changed since.
    Changed,
    /// A file or directory could not be read or written.
    Io,
}

impl IndexError {
    pub fn io(path: &Path, source: std::io::Error) -> IndexError {
        IndexError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            IndexError::ChangedWhilePublishing { .. } | IndexError::CatalogStale { .. } => {
                ErrorKind::Changed
            }
            IndexError::Io { .. } => ErrorKind::Io,
            _ => ErrorKind::Input,
        }
    }
}

fn io_text(path: &Path, source: &std::io::Error) -> String {
    match source.kind() {
        std::io::ErrorKind::NotFound => {
            format!("{} does not exist. Check the path", path.display())
        }
        std::io::ErrorKind::PermissionDenied => format!(
            "{}: permission denied. Run as the wheelhouse's owner or fix its permissions",
            path.display()
        ),
        _ => format!("{}: {source}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_paragraph_and_kind() {
        let p = PathBuf::from;
        let cases = [
            (
                IndexError::OutputInside {
                    out: p("/house/html"),
                    root: p("/house"),
                },
                "/house/html is inside the wheelhouse /house; write the index elsewhere (it \
                 would be listed as part of the wheelhouse)",
                ErrorKind::Input,
            ),
            (
                IndexError::ReservedLevel {
                    name: "files".into(),
                },
                "the wheelhouse has a CPU level named `files`, which is where the index keeps \
                 the wheels (OUT/files): rename that directory of the wheelhouse, or give the \
                 levels other names with --pip-config",
                ErrorKind::Input,
            ),
            (
                IndexError::RelativeFindLinks {
                    file: p("/etc/pip-v3.conf"),
                    link: "wheels".into(),
                },
                "the pip configuration file /etc/pip-v3.conf lists `wheels` in find-links: only \
                 absolute directories (or file:// URLs) are understood here, as a relative one \
                 would depend on where pip runs",
                ErrorKind::Input,
            ),
            (
                IndexError::ChangedWhilePublishing {
                    target: p("/house/generic/a-1-py3-none-any.whl"),
                },
                "/house/generic/a-1-py3-none-any.whl changed while it was being published; run \
                 `wheelhouse index` again",
                ErrorKind::Changed,
            ),
            (
                IndexError::CatalogStale {
                    refusal: "generic/a.whl is a link".into(),
                },
                "generic/a.whl is a link. (The catalog listed it as a wheel: it changed since; \
                 run `wheelhouse index` again.)",
                ErrorKind::Changed,
            ),
            (
                IndexError::io(
                    Path::new("/house/x"),
                    std::io::Error::from(std::io::ErrorKind::NotFound),
                ),
                "/house/x does not exist. Check the path",
                ErrorKind::Io,
            ),
        ];
        for (error, text, kind) in cases {
            assert_eq!(error.to_string(), text);
            assert_eq!(error.kind(), kind);
            assert!(
                !error.to_string().contains("  "),
                "no run of spaces: {error}"
            );
        }
    }
}
