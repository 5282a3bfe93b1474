//! Where in the staging directory a wheel's files are written: one directory per install
//! location (site-packages, `bin`, `include`) that exists in the environment as a real
//! directory, holding what goes into it, and one mirroring the environment's root for the
//! rest (`.data/data` files, locations not created yet).
//!
//! Staging a location's files directly below a directory of their own, rather than below a
//! copy of the path that leads to the location (`lib/python3.11/site-packages`), spares each
//! wheel three `mkdir`s at unpacking, three `rmdir`s at clean-up and the walk of those
//! components on every path it stages.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use crate::Layout;

/// One of a wheel's staged directories, and where its entries go.
#[derive(Debug)]
pub struct StagedPart {
    /// The staged directory.
    pub staged: PathBuf,
    /// The environment directory its entries are moved into (an install location, or the
    /// environment's root).
    pub target: PathBuf,
    /// Its entries, `(name, is a directory)`, sorted: known from unpacking, so the commit
    /// needs not read the directory back.
    pub entries: Vec<(OsString, bool)>,
}

/// The install locations of `layout` (relative to its root) whose files can be staged in a
/// directory of their own: those that are, with every directory leading to them, real
/// directories (not links) inside the root now. Longest first, so that a location inside
/// another takes its own files. Checked once per install, under the environment's lock; the
/// commit checks again that each is still a directory at its point of the plan.
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
    /// The wheel's prefix for its staged directories' names (`w3-`).
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

    fn dir(&self, part: Option<usize>) -> PathBuf {
        match part {
            Some(i) => PathBuf::from(format!("{}{i}", self.name)),
            None => PathBuf::from(format!("{}r", self.name)),
        }
    }

    /// Where the file or directory `target` is staged, relative to the staging directory.
    pub fn staged(&self, target: &Path) -> PathBuf {
        let (part, rest) = self.split(target);
        self.dir(part).join(rest)
    }

    /// The staged directories `staged_dirs` and `staged_files` (relative to `stage`, each
    /// inside one part, every file's directory among `staged_dirs`) make up, with their
    /// entries.
    pub fn parts<'p>(
        &self,
        stage: &Path,
        root: &Path,
        staged_dirs: impl IntoIterator<Item = &'p PathBuf>,
        staged_files: impl IntoIterator<Item = &'p PathBuf>,
    ) -> Vec<StagedPart> {
        let mut entries: BTreeMap<OsString, BTreeMap<OsString, bool>> = BTreeMap::new();
        let mut add = |path: &Path, is_dir: bool| {
            let mut parts = path.components();
            let (Some(part), Some(name)) = (parts.next(), parts.next()) else {
                return;
            };
            let is_dir = is_dir || parts.next().is_some();
            entries
                .entry(part.as_os_str().to_os_string())
                .or_default()
                .insert(name.as_os_str().to_os_string(), is_dir);
        };
        for dir in staged_dirs {
            add(dir, true);
        }
        for file in staged_files {
            add(file, false);
        }
        let targets: BTreeSet<(PathBuf, PathBuf)> = (0..self.locations.len())
            .map(Some)
            .chain([None])
            .map(|p| {
                let target = match p {
                    Some(i) => root.join(&self.locations[i]),
                    None => root.to_path_buf(),
                };
                (self.dir(p), target)
            })
            .collect();
        targets
            .into_iter()
            .filter_map(|(dir, target)| {
                let names = entries.remove(dir.as_os_str())?;
                Some(StagedPart {
                    staged: stage.join(dir),
                    target,
                    entries: names.into_iter().collect(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_location_has_its_part_and_the_rest_mirrors_the_root() {
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
            Path::new("w7-0/pkg/a.py")
        );
        assert_eq!(t("bin/tool"), Path::new("w7-1/tool"));
        assert_eq!(t("share/x/y.txt"), Path::new("w7-r/share/x/y.txt"));
        // A file at a location's own path is the root's.
        assert_eq!(t("bin"), Path::new("w7-r/bin"));
        let dirs = [PathBuf::from("w7-0/pkg"), PathBuf::from("w7-r/share/x")];
        let files = [
            PathBuf::from("w7-0/pkg/a.py"),
            PathBuf::from("w7-0/top.py"),
            PathBuf::from("w7-r/share/x/y.txt"),
        ];
        let got = parts.parts(Path::new("/s"), Path::new("/env"), &dirs, &files);
        let summary: Vec<_> = got
            .iter()
            .map(|p| (p.staged.clone(), p.target.clone(), p.entries.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    PathBuf::from("/s/w7-0"),
                    PathBuf::from("/env/lib/python3.11/site-packages"),
                    vec![("pkg".into(), true), ("top.py".into(), false)]
                ),
                (
                    PathBuf::from("/s/w7-r"),
                    PathBuf::from("/env"),
                    vec![("share".into(), true)]
                ),
            ]
        );
    }
}
