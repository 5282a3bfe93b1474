//! Source distributions on an index, as `pip download` takes them: when the newest version
//! the requirement and the target accept has no usable wheel, its `.tar.gz` (or `.zip`) is
//! the file to download, and it is built later, where it is installed. `--prefer-binary`
//! takes an older version's wheel over a newer sdist; `--only-binary` leaves a package's
//! sdists out, `--no-binary` its wheels.
//!
//! With dependencies, an sdist's `Requires-Dist` comes from the caller
//! ([`SdistMetadata`]: its static `PKG-INFO`, else the build backend), given the whole
//! archive, fetched once into the index source's scratch directory and moved to the
//! destination only when chosen.

use std::path::Path;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use wheel_metadata::normalize_name;

use crate::{python_fits, FileEntry, Project};

/// The core metadata (`METADATA`/`PKG-INFO` text) of a source distribution on disk, or why
/// it cannot be had; the caller reads a static `PKG-INFO` or asks the build backend.
pub type SdistMetadata<'a> = dyn Fn(&Path) -> Result<String, String> + Sync + 'a;

/// An `SdistMetadata` for callers that never take sdists with dependencies.
pub fn no_sdist_metadata(_: &Path) -> Result<String, String> {
    Err("source distributions are not read here".into())
}

/// Which kinds of file a package may be taken as: pip's `--only-binary`, `--no-binary`
/// (normalised names, or `:all:`) and `--prefer-binary`.
#[derive(Clone, Debug, Default)]
pub struct BinaryChoice {
    pub only_binary: Vec<String>,
    pub no_binary: Vec<String>,
    pub prefer_binary: bool,
}

impl BinaryChoice {
    /// Whether `key`'s sdists are left out (`--only-binary`; a name beats `:all:`).
    pub fn wheels_only(&self, key: &str) -> bool {
        let named = |list: &[String]| list.iter().any(|n| n == key);
        named(&self.only_binary)
            || (self.only_binary.iter().any(|n| n == ":all:") && !named(&self.no_binary))
    }

    /// Whether `key`'s wheels are left out (`--no-binary`, unless `--only-binary` names it).
    pub fn sources_only(&self, key: &str) -> bool {
        !self.wheels_only(key) && self.no_binary.iter().any(|n| n == ":all:" || n == key)
    }
}

/// The version of `key`'s source distribution `name-version.tar.gz` (or `.zip`); `None` for
/// other files, other names, and names that could be a path (an index's file name becomes a
/// path in the destination only after this check).
pub fn sdist_version(filename: &str, key: &str) -> Option<Version> {
    if filename.contains(['/', '\\']) || filename.starts_with('.') {
        return None;
    }
    let stem = filename
        .strip_suffix(".tar.gz")
        .or_else(|| filename.strip_suffix(".zip"))?;
    let (name, version) = stem.rsplit_once('-')?;
    if normalize_name(name) != key {
        return None;
    }
    Version::from_str(version).ok()
}

/// What a requirement's file filter needs: the specifiers, the target Python, and whether
/// yanked files and pre-releases may be taken.
pub(crate) struct Filter<'a> {
    pub spec: Option<&'a VersionSpecifiers>,
    pub python: Option<&'a Version>,
    pub pinned: bool,
    pub allow_pre: bool,
}

impl Filter<'_> {
    pub(crate) fn admits(&self, entry: &FileEntry, version: &Version) -> bool {
        (!entry.yanked || self.pinned)
            && (self.allow_pre || !version.any_prerelease())
            && self.spec.is_none_or(|s| s.contains(version))
            && python_fits(entry, self.python)
    }
}

/// The newest source distribution of `key` that `filter` admits.
pub(crate) fn newest(
    project: &Project,
    key: &str,
    filter: &Filter<'_>,
) -> Option<(FileEntry, Version)> {
    project
        .files
        .iter()
        .filter_map(|entry| Some((entry, sdist_version(&entry.filename, key)?)))
        .filter(|(entry, version)| filter.admits(entry, version))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.index.cmp(&a.0.index)))
        .map(|(entry, version)| (entry.clone(), version))
}

/// Whether the sdist of version `sdist` is taken over the wheel of version `wheel`: pip takes
/// the newest version, a wheel for a tie; with `--prefer-binary` any wheel.
pub(crate) fn sdist_wins(choice: &BinaryChoice, wheel: Option<&Version>, sdist: &Version) -> bool {
    match wheel {
        None => true,
        Some(_) if choice.prefer_binary => false,
        Some(wheel) => sdist > wheel,
    }
}

/// Whether a downloaded file starts as a gzip or zip archive does: an index's answer that is
/// not one (an error page saved under the name) is not left in the destination.
pub(crate) fn looks_like_archive(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    read.is_ok() && (head[..2] == [0x1f, 0x8b] || head == *b"PK\x03\x04")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdist_names() {
        let v = |s: &str| Version::from_str(s).unwrap();
        assert_eq!(
            sdist_version("Foo_Bar-1.2.tar.gz", "foo-bar"),
            Some(v("1.2"))
        );
        assert_eq!(sdist_version("foo-bar-2.0.zip", "foo-bar"), Some(v("2.0")));
        assert_eq!(sdist_version("foo-2.0.tar.gz", "foo-bar"), None);
        assert_eq!(sdist_version("foo-bar-x.tar.gz", "foo-bar"), None);
        assert_eq!(sdist_version("foo-bar-1.0.tar.bz2", "foo-bar"), None);
        // A name that would be a path is no sdist of anything.
        assert_eq!(sdist_version("../foo-1.0.tar.gz", "foo"), None);
        assert_eq!(sdist_version("x/foo-1.0.tar.gz", "x-foo"), None);
        assert_eq!(sdist_version(".foo-1.0.tar.gz", "foo"), None);
    }

    #[test]
    fn binary_choices_as_pip() {
        let choice = |only: &[&str], no: &[&str]| BinaryChoice {
            only_binary: only.iter().map(|s| s.to_string()).collect(),
            no_binary: no.iter().map(|s| s.to_string()).collect(),
            prefer_binary: false,
        };
        assert!(choice(&[":all:"], &[]).wheels_only("a"));
        assert!(!choice(&[":all:"], &["a"]).wheels_only("a"));
        assert!(choice(&[":all:"], &["a"]).sources_only("a"));
        assert!(choice(&["a"], &[":all:"]).wheels_only("a"));
        assert!(!choice(&["a"], &[":all:"]).sources_only("a"));
        assert!(choice(&[], &[":all:"]).sources_only("b"));
        let v = |s: &str| Version::from_str(s).unwrap();
        let plain = choice(&[], &[]);
        assert!(sdist_wins(&plain, Some(&v("1.0")), &v("2.0")));
        assert!(!sdist_wins(&plain, Some(&v("2.0")), &v("2.0")));
        assert!(sdist_wins(&plain, None, &v("1.0")));
        let prefer = BinaryChoice {
            prefer_binary: true,
            ..plain
        };
        assert!(!sdist_wins(&prefer, Some(&v("1.0")), &v("2.0")));
    }
}
