//! Why inspecting, publishing or editing a wheel failed: one variant per failure staff (or a
//! script) could react to, carrying the wheel, path, requirement or version involved and the
//! underlying error as its source. The text of each is one paragraph that says what to do
//! next; [`AdminError::kind`] is what the command line's exit-code table maps.

use std::path::{Path, PathBuf};

use pep508_rs::{Pep508Error, VerbatimUrl};

use crate::reqedit::ReqEdit;

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
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The path has no file name that could be a wheel's.
    #[error("{} is not a wheel file name", .path.display())]
    NotAWheelName { path: PathBuf },
    /// The file name does not parse as a wheel's.
    #[error("{source}; rename it or rebuild it")]
    WheelName { source: wheel_name::ParseError },
    /// The file name does not have a wheel name's five or six parts, so it cannot be
    /// rewritten.
    #[error(
        "{filename} is not a valid wheel file name; expected \
         name-version(-build)?-python-abi-platform.whl"
    )]
    WheelNameParts { filename: String },
    /// The wheel being inspected is not a zip archive.
    #[error(
        "{} is not a zip archive ({source}); it is not a wheel or it is truncated",
        .path.display()
    )]
    NotAZip {
        path: PathBuf,
        source: zip::result::ZipError,
    },
    /// The wheel's contents are not a wheel's (being inspected or rewritten).
    #[error("{}: {problem}", .path.display())]
    BrokenWheel {
        path: PathBuf,
        #[source]
        problem: WheelProblem,
    },
    /// A member whose path would land outside the install directory.
    #[error(
        "{}: member {member:?} would land outside the install directory; this wheel is unsafe \
         and cannot be published",
        .path.display()
    )]
    UnsafeMember { path: PathBuf, member: String },
    /// A wheel with a `manylinux` tag, published neither retagged nor explicitly allowed.
    #[error(
        "{filename} has a manylinux tag: the site's pip and `wheelhouse install` refuse such \
         wheels, so users could not install it from {dir}. Patch its RPATHs and add it with \
         --retag-manylinux, or publish it as it is with --allow-manylinux (users then need \
         --allow-manylinux to install it). Nothing was added."
    )]
    Manylinux { filename: String, dir: String },
    /// A `--layer` that is not one directory name.
    #[error(
        "--layer {layer:?} is not a compatibility layer name: it is one directory below the \
         wheelhouse root, made of letters, digits, '.', '-' and '_' (for example gentoo2023)"
    )]
    Layer { layer: String },
    /// A `--local-version` that is not a PEP 440 local version label.
    #[error(
        "{label:?} is not a local version label: PEP 440 allows ASCII letters and digits, in \
         segments separated by '.', '-' or '_' (for example computecanada or cuda12). Give \
         --local-version such a label"
    )]
    LocalLabel { label: String },
    /// A path to write that is not inside the wheelhouse `house`.
    #[error(
        "{} would be outside the wheelhouse {} (through `..` or a directory that is a link \
         leading out); nothing was written. Check the options that name the directory, and \
         that the wheelhouse's directories are not links leading elsewhere",
        .path.display(),
        .house.display()
    )]
    Outside { path: PathBuf, house: PathBuf },
    /// The catalog could not be rebuilt or written.
    #[error("{0}")]
    Catalog(#[source] catalog::CatalogError),
    /// `edit` on a symbolic link.
    #[error(
        "{} is a symbolic link: edit the wheel it points to (the edit would replace the link \
         with a file)",
        .path.display()
    )]
    SymbolicLink { path: PathBuf },
    /// `edit` on a file whose metadata cannot be read (`why`).
    #[error("{}: {why}; it is not a wheel that can be edited", .path.display())]
    NotEditable { path: PathBuf, why: String },
    /// A requirement staff typed that does not parse.
    #[error("{}", invalid_requirement(.text, .source))]
    InvalidRequirement {
        text: String,
        source: Box<Pep508Error<VerbatimUrl>>,
    },
    /// An edit whose result, the line `line`, does not parse.
    #[error(
        "the edit {edit:?} gives an invalid requirement: {}",
        invalid_requirement(.line, .source)
    )]
    InvalidEdit {
        edit: ReqEdit,
        line: String,
        source: Box<Pep508Error<VerbatimUrl>>,
    },
    /// `--remove-req` or `--rename-req` (`flag`) of a name the wheel does not require.
    #[error(
        "{flag} {name}: the wheel has no requirement on {name} ({}). Check the name; nothing \
         was changed.",
        has(.requires)
    )]
    NoSuchRequirement {
        flag: &'static str,
        name: String,
        requires: Vec<String>,
    },
    /// `--set-max NAME MAX` with a `MAX` that is not a version.
    #[error("--set-max {name} {max}: {max:?} is not a version ({source})")]
    MaxVersion {
        name: String,
        max: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A published wheel of that name is there already (and replacing was not asked for).
    #[error(
        "{} already exists; the wheelhouse never overwrites a published wheel. Remove it first \
         or pass --force to replace it",
        .path.display()
    )]
    Exists { path: PathBuf },
    /// The version would be both in `generic` and in CPU-level directories: `name` would go
    /// to `dir` while `other` holds a copy of the other sort (`generic`: the new one is the
    /// generic build).
    #[error("{}", mixed_levels(.name, .dir, .other, *.generic))]
    MixedLevels {
        name: String,
        dir: String,
        other: PathBuf,
        generic: bool,
    },
    /// A file or directory could not be read or written.
    #[error("{}", io_text(.path, .source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What is wrong inside a wheel (the text after the wheel's path).
#[derive(Debug, thiserror::Error)]
pub enum WheelProblem {
    #[error("not a zip archive ({0})")]
    NotAZip(#[source] zip::result::ZipError),
    #[error("no .dist-info/METADATA member; it is not a wheel")]
    NoMetadata,
    #[error("{0} is not named name-version.dist-info")]
    DistInfoName(String),
    /// The zip entry at `index` cannot be read.
    #[error("member {index}: {source}")]
    Member {
        index: usize,
        source: zip::result::ZipError,
    },
    /// The member `name`'s data cannot be read.
    #[error("{name}: {source}")]
    MemberData {
        name: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The member `name` does not match its RECORD hash.
    #[error(
        "{0} does not match its RECORD hash; the wheel is corrupt. Rebuild or download it again"
    )]
    RecordMismatch(String),
}

impl AdminError {
    /// The kind of failure, for the exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AdminError::NotAWheelName { .. }
            | AdminError::WheelName { .. }
            | AdminError::WheelNameParts { .. }
            | AdminError::NotAZip { .. }
            | AdminError::BrokenWheel { .. }
            | AdminError::UnsafeMember { .. }
            | AdminError::Manylinux { .. }
            | AdminError::Layer { .. }
            | AdminError::LocalLabel { .. }
            | AdminError::Outside { .. }
            | AdminError::Catalog(_)
            | AdminError::SymbolicLink { .. }
            | AdminError::NotEditable { .. }
            | AdminError::InvalidRequirement { .. }
            | AdminError::InvalidEdit { .. }
            | AdminError::NoSuchRequirement { .. }
            | AdminError::MaxVersion { .. } => ErrorKind::Input,
            AdminError::Exists { .. } | AdminError::MixedLevels { .. } => ErrorKind::Refused,
            AdminError::Io { .. } => ErrorKind::Io,
        }
    }

    pub fn io(path: &Path, source: std::io::Error) -> AdminError {
        AdminError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A problem inside the wheel at `path`.
    pub(crate) fn broken(path: &Path, problem: WheelProblem) -> AdminError {
        AdminError::BrokenWheel {
            path: path.to_path_buf(),
            problem,
        }
    }
}

fn invalid_requirement(text: &str, e: &Pep508Error<VerbatimUrl>) -> String {
    format!(
        "{text:?} is not a valid requirement: {e}. Write it as in a requirements file, e.g. \
         'numpy>=1.21,<2' or 'torch; python_version >= \"3.10\"'"
    )
}

fn has(requires: &[String]) -> String {
    if requires.is_empty() {
        "it has no requirements".to_string()
    } else {
        format!("its requirements: {}", requires.join(", "))
    }
}

fn mixed_levels(name: &str, dir: &str, other: &Path, generic: bool) -> String {
    let (theirs, advice) = if generic {
        (
            "a CPU-level build",
            "Add it with the --arch of the other copies, or pass --force",
        )
    } else {
        (
            "a generic build",
            "Remove the generic copy first (a CPU-level build replaces it), add this one with \
             --arch generic, or pass --force",
        )
    };
    format!(
        "{name} would go to {dir} while {} holds {theirs} of the same version: pip and \
         `wheelhouse install` would pick different files on different nodes. {advice}",
        other.display()
    )
}

fn io_text(path: &Path, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            format!("{} does not exist. Check the path", path.display())
        }
        std::io::ErrorKind::PermissionDenied => format!(
            "{}: permission denied. Run as the wheelhouse's owner or fix its permissions",
            path.display()
        ),
        _ => format!("{}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts are the paragraphs the staff commands print, word for word as before the
    /// errors were typed.
    #[test]
    fn texts() {
        let mixed = |generic| {
            AdminError::MixedLevels {
                name: "a-1-cp311-cp311-linux_x86_64.whl".into(),
                dir: "x86-64-v3".into(),
                other: PathBuf::from("/house/generic/a-1-cp311-cp311-linux_x86_64.whl"),
                generic,
            }
            .to_string()
        };
        assert_eq!(
            mixed(false),
            "a-1-cp311-cp311-linux_x86_64.whl would go to x86-64-v3 while \
             /house/generic/a-1-cp311-cp311-linux_x86_64.whl holds a generic build of the same \
             version: pip and `wheelhouse install` would pick different files on different \
             nodes. Remove the generic copy first (a CPU-level build replaces it), add this one \
             with --arch generic, or pass --force"
        );
        assert!(mixed(true).ends_with(
            "holds a CPU-level build of the same version: pip and `wheelhouse install` would \
             pick different files on different nodes. Add it with the --arch of the other \
             copies, or pass --force"
        ));
        let none = |requires: &[&str]| {
            AdminError::NoSuchRequirement {
                flag: "--remove-req",
                name: "numpy".into(),
                requires: requires.iter().map(|r| r.to_string()).collect(),
            }
            .to_string()
        };
        assert_eq!(
            none(&[]),
            "--remove-req numpy: the wheel has no requirement on numpy (it has no \
             requirements). Check the name; nothing was changed."
        );
        assert_eq!(
            none(&["scipy", "six"]),
            "--remove-req numpy: the wheel has no requirement on numpy (its requirements: \
             scipy, six). Check the name; nothing was changed."
        );
        let missing = AdminError::io(Path::new("/w/a.whl"), std::io::ErrorKind::NotFound.into());
        assert_eq!(
            missing.to_string(),
            "/w/a.whl does not exist. Check the path"
        );
        assert_eq!(missing.kind(), ErrorKind::Io);
        let exists = AdminError::Exists {
            path: PathBuf::from("/w/a.whl"),
        };
        assert_eq!(exists.kind(), ErrorKind::Refused);
        assert_eq!(
            exists.to_string(),
            "/w/a.whl already exists; the wheelhouse never overwrites a published wheel. \
             Remove it first or pass --force to replace it"
        );
    }
}
