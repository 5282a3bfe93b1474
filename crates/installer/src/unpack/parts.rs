//! Where in the staging directory a wheel's files are written: each entry of an install
//! location (site-packages, `bin`, `include`) that exists in the environment as a real
//! directory is staged at the top of the staging directory, under a name that says which
//! wheel and which location it is for (`w3-0.numpy` is the third wheel's `numpy` in the
//! first location); what goes elsewhere (`.data/data` files, locations not created yet) is
//! staged the same way against the environment's root (`w3-r.share`).
//!
//! Staging a location's entries at the top, rather than below a directory per wheel and
//! location, or below a copy of the path that leads to the location
//! (`lib/python3.11/site-packages`), spares each wheel the `mkdir`s of those directories at
//! unpacking, their `rmdir`s at clean-up and the walk of their components on every path it
//! stages: a warm sync of 209 wheels made and removed 418 such directories. An entry whose
//! name is too long to take the prefix is staged below a directory of its own part
//! (`w3-0/<name>`), which the clean-up removes with the staging directory.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

use crate::Layout;

/// The longest file name the file systems we install onto take (`NAME_MAX`).
const NAME_MAX: usize = 255;

/// The entries a wheel stages for one install location (or the environment's root), and
/// where they go.
#[derive(Debug)]
pub struct StagedPart {
    /// The environment directory the entries are moved into (an install location, or the
    /// environment's root).
    pub target: PathBuf,
    /// Its entries, sorted by name: known from unpacking, so the commit needs not read the
    /// staging directory back.
    pub entries: Vec<StagedEntry>,
}

/// One entry of a [`StagedPart`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedEntry {
    /// Its name in the target directory.
    pub name: OsString,
    /// Where it is staged.
    pub staged: PathBuf,
    pub is_dir: bool,
}

/// The install locations of `layout` (relative to its root) whose files can be staged apart:
/// those that are, with every directory leading to them, real directories (not links) inside
/// the root now. Longest first, so that a location inside another takes its own files.
/// Checked once per install, under the environment's lock; the commit checks again that each
/// is still a directory at its point of the plan.
pub fn stageable_locations(layout: &Layout) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for location in [
        &layout.purelib,
        &layout.platlib,
        &layout.scripts,
        &layout.include,
    ] {
        let Ok(relative) = location.strip_prefix(&layout.root) else {
            continue;
        };
        let plain = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !plain || relative.as_os_str().is_empty() || out.iter().any(|l| l == relative) {
            continue;
        }
        let mut at = layout.root.clone();
        let real = relative.components().all(|c| {
            at.push(c);
            std::fs::symlink_metadata(&at).is_ok_and(|m| m.is_dir())
        });
        if real {
            out.push(relative.to_path_buf());
        }
    }
    out.sort_by_key(|l| std::cmp::Reverse(l.components().count()));
    out
}

/// How one wheel's targets (paths relative to the root) map into the staging directory.
pub(super) struct StageParts<'a> {
    /// From [`stageable_locations`].
    pub locations: &'a [PathBuf],
    /// The wheel's prefix for its staged names (`w3-`), unique among the wheels of one
    /// staging directory.
    pub name: &'a str,
}

impl StageParts<'_> {
    /// The part `target` is staged in (an index into `locations`; `None` for the root's),
    /// and its path below that part.
    fn split<'t>(&self, target: &'t Path) -> (Option<usize>, &'t Path) {
        for (i, location) in self.locations.iter().enumerate() {
            if let Ok(rest) = target.strip_prefix(location) {
                if !rest.as_os_str().is_empty() {
                    return (Some(i), rest);
                }
            }
        }
        (None, target)
    }

    /// The part's name: the prefix and the location's index, or `r` for the root.
    fn part(&self, part: Option<usize>) -> String {
        match part {
            Some(i) => format!("{}{i}", self.name),
            None => format!("{}r", self.name),
        }
    }

    /// Where the entry `name` of `part` is staged, relative to the staging directory.
    fn top(&self, part: Option<usize>, name: &OsStr) -> PathBuf {
        let part = self.part(part);
        if part.len() + 1 + name.len() <= NAME_MAX {
            let mut top = OsString::from(part);
            top.push(".");
            top.push(name);
            PathBuf::from(top)
        } else {
            Path::new(&part).join(name)
        }
    }

    /// Where the file or directory `target` is staged, relative to the staging directory.
    pub fn staged(&self, target: &Path) -> PathBuf {
        let (part, rest) = self.split(target);
        let mut components = rest.components();
        match components.next() {
            Some(first) => {
                let top = self.top(part, first.as_os_str());
                match components.as_path() {
                    rest if rest.as_os_str().is_empty() => top,
                    rest => top.join(rest),
                }
            }
            None => PathBuf::from(self.part(part)),
        }
    }

    /// The parts made up by the targets `dirs` (directories) and `files` (each file's
    /// directory among `dirs`), relative to the root, with their entries.
    pub fn parts<'p>(
        &self,
        stage: &Path,
        root: &Path,
        dirs: impl IntoIterator<Item = &'p Path>,
        files: impl IntoIterator<Item = &'p Path>,
    ) -> Vec<StagedPart> {
        let mut entries: BTreeMap<Option<usize>, BTreeMap<OsString, bool>> = BTreeMap::new();
        let mut add = |target: &Path, is_dir: bool| {
            let (part, rest) = self.split(target);
            let mut components = rest.components();
            let Some(name) = components.next() else {
                return;
            };
            let is_dir = is_dir || components.next().is_some();
            let known = entries
                .entry(part)
                .or_default()
                .entry(name.as_os_str().to_os_string())
                .or_insert(is_dir);
            *known |= is_dir;
        };
        // A location itself is no entry (a top-level module's directory, the scripts'): what
        // is in it is.
        for dir in dirs
            .into_iter()
            .filter(|d| !self.locations.iter().any(|l| l == d))
        {
            add(dir, true);
        }
        for file in files {
            add(file, false);
        }
        // Locations first, in their order, then the root.
        let mut parts: Vec<(Option<usize>, BTreeMap<OsString, bool>)> =
            entries.into_iter().collect();
        parts.sort_by_key(|(p, _)| p.map_or(usize::MAX, |i| i));
        parts
            .into_iter()
            .map(|(part, names)| StagedPart {
                target: match part {
                    Some(i) => root.join(&self.locations[i]),
                    None => root.to_path_buf(),
                },
                entries: names
                    .into_iter()
                    .map(|(name, is_dir)| StagedEntry {
                        staged: stage.join(self.top(part, &name)),
                        name,
                        is_dir,
                    })
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_location_entry_is_staged_at_the_top_and_the_rest_against_the_root() {
        let locations = [
            PathBuf::from("lib/python3.11/site-packages"),
            PathBuf::from("bin"),
        ];
        let parts = StageParts {
            locations: &locations,
            name: "w7-",
        };
        let t = |p: &str| parts.staged(Path::new(p));
        assert_eq!(
            t("lib/python3.11/site-packages/pkg/a.py"),
            Path::new("w7-0.pkg/a.py")
        );
        assert_eq!(
            t("lib/python3.11/site-packages/top.py"),
            Path::new("w7-0.top.py")
        );
        assert_eq!(t("bin/tool"), Path::new("w7-1.tool"));
        assert_eq!(t("share/x/y.txt"), Path::new("w7-r.share/x/y.txt"));
        // A file at a location's own path is the root's.
        assert_eq!(t("bin"), Path::new("w7-r.bin"));
        // A name too long to take the prefix is staged below its part's directory.
        let long = "n".repeat(251);
        assert_eq!(t(&format!("bin/{long}")), Path::new("w7-1").join(&long));
        let target = |p: &str| PathBuf::from(p);
        let dirs = [
            target("lib/python3.11/site-packages/pkg"),
            target("lib/python3.11/site-packages"),
            target("bin"),
            target("share/x"),
        ];
        let files = [
            target("lib/python3.11/site-packages/pkg/a.py"),
            target("lib/python3.11/site-packages/top.py"),
            target("share/x/y.txt"),
            target(&format!("bin/{long}")),
        ];
        let got = parts.parts(
            Path::new("/s"),
            Path::new("/env"),
            dirs.iter().map(PathBuf::as_path),
            files.iter().map(PathBuf::as_path),
        );
        let entry = |name: &str, staged: &str, is_dir| StagedEntry {
            name: name.into(),
            staged: PathBuf::from(staged),
            is_dir,
        };
        let summary: Vec<_> = got
            .iter()
            .map(|p| (p.target.clone(), p.entries.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    PathBuf::from("/env/lib/python3.11/site-packages"),
                    vec![
                        entry("pkg", "/s/w7-0.pkg", true),
                        entry("top.py", "/s/w7-0.top.py", false)
                    ]
                ),
                (
                    PathBuf::from("/env/bin"),
                    vec![entry(&long, &format!("/s/w7-1/{long}"), false)]
                ),
                (
                    PathBuf::from("/env"),
                    vec![entry("share", "/s/w7-r.share", true)]
                ),
            ]
        );
    }
}
