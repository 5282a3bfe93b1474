//! PEP 751 lock files (`pylock.toml`): read and validate one ([`Lock::parse`]), write one
//! ([`Lock::to_toml`]), and choose what it installs for one Python and one CPU level
//! ([`Lock::select`]). That is this crate's one job: the file format and its rules. Which
//! versions go into a new lock is the `resolver`'s choice (`wheelhouse lock`), and installing
//! a selection is `environment`'s (`sync`, `install -r pylock.toml`, `venv -r pylock.toml`).
//!
//! The standard has no word for a CPU level, and the cluster's wheelhouse keeps one file name
//! per level (`gentoo2023/x86-64-v3/numpy-…-linux_x86_64.whl` beside the `x86-64-v4` one).
//! A lock written here therefore lists every level's file in a package's `wheels`, each with
//! its own `path`; the level of a wheel is the name of the directory holding it, the same
//! rule the wheelhouse layout uses. A tool that knows nothing of levels (pip) takes the first
//! compatible wheel, which is the `generic` one when there is one. Three keys under the
//! `tool.wheelhouse` tables, which PEP 751 leaves to tools, say the rest:
//!
//! - `[tool.wheelhouse] wheelhouse = "/path"`: the wheelhouse root at lock time. A wheel
//!   whose `path` lies under it and is not found there is looked for under the current
//!   `$WHEELHOUSE` at the same relative place, so a site can move its wheelhouse; the file's
//!   hash is checked either way.
//! - `[tool.wheelhouse] levels = ["generic", "x86-64-v3"]`: the CPU levels the lock covers.
//! - `[packages.tool.wheelhouse] levels = ["x86-64-v4"]`: this entry is for these levels only
//!   (a level that forced another version than the others).
//!
//! ```
//! use lock::{level_of, Lock, Source};
//!
//! let text = r#"
//! lock-version = "1.0"
//! created-by = "wheelhouse"
//!
//! [[packages]]
//! name = "fastlib"
//! version = "1.0"
//! wheels = [
//!   { path = "/srv/wh/generic/fastlib-1.0-py3-none-any.whl", hashes = { sha256 = "aa" } },
//!   { path = "/srv/wh/x86-64-v3/fastlib-1.0-py3-none-any.whl", hashes = { sha256 = "bb" } },
//! ]
//! "#;
//! let lock = Lock::parse(text).unwrap();
//! let Source::Files { wheels, .. } = &lock.packages[0].source else { unreachable!() };
//! let levels: Vec<_> = wheels.iter().filter_map(level_of).collect();
//! assert_eq!(levels, ["generic", "x86-64-v3"]); // the directory holding each file
//! assert_eq!(Lock::parse(&lock.to_toml()).unwrap(), lock); // written, read back the same
//! ```

mod parse;
mod paths;
mod select;
mod write;

use std::collections::BTreeMap;

pub use select::{level_of, Choice, Selected, Selection, Target};

/// The lock-version this crate writes; every `1.x` is read.
pub const LOCK_VERSION: &str = "1.0";

/// A lock file's contents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lock {
    pub lock_version: String,
    pub environments: Vec<String>,
    pub requires_python: Option<String>,
    pub extras: Vec<String>,
    pub dependency_groups: Vec<String>,
    pub default_groups: Vec<String>,
    pub created_by: String,
    pub packages: Vec<Package>,
    /// `[tool.wheelhouse] wheelhouse`: the wheelhouse root when the lock was made.
    pub wheelhouse: Option<String>,
    /// `[tool.wheelhouse] levels`: the CPU levels the lock was made for.
    pub levels: Vec<String>,
    /// Warnings met while reading (a newer minor lock-version).
    pub warnings: Vec<String>,
}

/// One `[[packages]]` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Package {
    pub name: String,
    pub version: Option<String>,
    pub marker: Option<String>,
    pub requires_python: Option<String>,
    pub index: Option<String>,
    pub source: Source,
    /// `[packages.tool.wheelhouse] levels`: empty means every level.
    pub levels: Vec<String>,
}

/// Where a package comes from: exactly one kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// `wheels` and/or `sdist`.
    Files {
        wheels: Vec<File>,
        sdist: Option<File>,
    },
    Vcs {
        kind: String,
        url: Option<String>,
        path: Option<String>,
        requested_revision: Option<String>,
        commit_id: String,
        subdirectory: Option<String>,
    },
    Directory {
        path: String,
        editable: bool,
        subdirectory: Option<String>,
    },
    Archive(File),
}

impl Default for Source {
    fn default() -> Self {
        Source::Files {
            wheels: Vec::new(),
            sdist: None,
        }
    }
}

/// A wheel, an sdist or an archive: where it is, and what it must hash to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    pub name: Option<String>,
    pub url: Option<String>,
    pub path: Option<String>,
    pub size: Option<u64>,
    pub upload_time: Option<String>,
    /// Algorithm → lower-case hex digest.
    pub hashes: BTreeMap<String, String>,
    pub subdirectory: Option<String>,
}

impl File {
    /// The file name: `name`, else the last part of `path` or `url`.
    pub fn file_name(&self) -> Option<&str> {
        if let Some(n) = &self.name {
            return Some(n);
        }
        let from = self.path.as_deref().or(self.url.as_deref())?;
        let last = from.rsplit(['/', '\\']).next()?;
        (!last.is_empty()).then_some(last)
    }

    /// The sha256 digest, when the lock gives one.
    pub fn sha256(&self) -> Option<&str> {
        self.hashes.get("sha256").map(String::as_str)
    }
}

/// A lock that cannot be used: which entry, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockError {
    /// `packages[3] (numpy)`, `wheels[1]`, or empty for the file as a whole.
    pub entry: String,
    pub message: String,
}

impl LockError {
    pub(crate) fn new(entry: impl Into<String>, message: impl Into<String>) -> LockError {
        LockError {
            entry: entry.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.entry.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.entry, self.message)
        }
    }
}

impl std::error::Error for LockError {}

/// Whether a file name is a lock file's, as PEP 751 names them: `pylock.toml` or
/// `pylock.NAME.toml`.
pub fn is_lock_file_name(name: &str) -> bool {
    name == "pylock.toml"
        || name
            .strip_prefix("pylock.")
            .and_then(|r| r.strip_suffix(".toml"))
            .is_some_and(|middle| !middle.is_empty() && !middle.contains('.'))
}

/// PEP 503 normalised name.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_file_names() {
        assert!(is_lock_file_name("pylock.toml"));
        assert!(is_lock_file_name("pylock.dev.toml"));
        assert!(!is_lock_file_name("pylock..toml"));
        assert!(!is_lock_file_name("pylock.a.b.toml"));
        assert!(!is_lock_file_name("requirements.txt"));
    }

    #[test]
    fn names_normalise() {
        assert_eq!(normalize("Python_Dateutil"), "python-dateutil");
        assert_eq!(normalize("zope..interface"), "zope-interface");
    }
}
