//! The lock document from the resolutions: one entry per name, version and set of Pythons
//! and levels it serves, each locked file with its size and sha256.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use environment::{ChosenFile, DigestedFile};
use interpreter::Interpreter;
use site_config::SiteConfig;

use crate::asked::python_of;
use crate::make::Resolved;
use crate::Error;

/// The lock: one entry per name, version and set of Pythons and levels it serves.
pub(crate) fn build_lock(
    site: &SiteConfig,
    interpreters: &[Interpreter],
    levels: &[String],
    results: &[Resolved],
) -> Result<::lock::Lock, Error> {
    let all_pythons: BTreeSet<String> = interpreters.iter().map(python_of).collect();
    // (key, version) → python → (levels, files)
    type Serves = BTreeMap<String, (BTreeSet<String>, Files)>;
    let mut by_version: BTreeMap<(String, String), Serves> = BTreeMap::new();
    for r in results {
        for (key, (version, file)) in &r.chosen {
            let serves = by_version
                .entry((key.clone(), version.clone()))
                .or_default();
            let (lv, files) = serves.entry(r.python.clone()).or_default();
            lv.extend(r.level.clone());
            files.add(file);
        }
    }
    let all_levels: BTreeSet<String> = levels.iter().cloned().collect();
    let sources: BTreeMap<&String, &::lock::Source> =
        results.iter().flat_map(|r| &r.sources).collect();
    let digests = digest_all(results)?;
    let mut packages = Vec::new();
    for ((key, version), serves) in by_version {
        if let Some(source) = sources.get(&key) {
            let pythons: BTreeSet<String> = serves.into_keys().collect();
            packages.push(::lock::Package {
                marker: marker_for(&pythons, &all_pythons),
                name: key,
                version: Some(version),
                source: (*source).clone(),
                ..::lock::Package::default()
            });
            continue;
        }
        // Pythons served on the same levels share one entry.
        let mut groups: BTreeMap<BTreeSet<String>, (Vec<String>, Files)> = BTreeMap::new();
        for (python, (lv, files)) in serves {
            let g = groups.entry(lv).or_default();
            g.0.push(python);
            g.1.merge(files);
        }
        for (lv, (pythons, files)) in groups {
            let marker = marker_for(&pythons.iter().cloned().collect(), &all_pythons);
            let all_digested = files.local.is_empty();
            let mut wheels = wheel_files(files.local, levels, &digests)?;
            wheels.extend(
                files
                    .digested
                    .values()
                    .filter(|f| !f.sdist)
                    .map(locked_file),
            );
            let sdist = files.digested.values().find(|f| f.sdist).map(locked_file);
            // The index its files come from, as `pip lock` names it; none when the wheelhouse
            // or a directory has some of them.
            let indexes: BTreeSet<Option<&String>> =
                files.digested.values().map(|f| f.index.as_ref()).collect();
            let index = match (indexes.len(), all_digested) {
                (1, true) => indexes.into_iter().next().flatten().cloned(),
                _ => None,
            };
            packages.push(::lock::Package {
                name: key.clone(),
                version: Some(version.clone()),
                index,
                marker,
                source: ::lock::Source::Files { wheels, sdist },
                levels: if lv == all_levels {
                    Vec::new()
                } else {
                    lv.into_iter().collect()
                },
                ..::lock::Package::default()
            });
        }
    }
    let root = std::path::absolute(&site.wheelhouse).unwrap_or(site.wheelhouse.clone());
    let under_root = packages.iter().any(|p| match &p.source {
        ::lock::Source::Files { wheels, .. } => wheels.iter().any(|w| {
            w.path
                .as_deref()
                .is_some_and(|x| Path::new(x).starts_with(&root))
        }),
        _ => false,
    });
    Ok(::lock::Lock {
        lock_version: ::lock::LOCK_VERSION.into(),
        environments: all_pythons
            .iter()
            .map(|p| format!("python_version == \"{p}\""))
            .collect(),
        created_by: format!("wheelhouse {}", env!("CARGO_PKG_VERSION")),
        packages,
        wheelhouse: under_root.then(|| root.display().to_string()),
        levels: levels.to_vec(),
        ..::lock::Lock::default()
    })
}

/// The marker of an entry for some of the lock's Pythons only.
fn marker_for(pythons: &BTreeSet<String>, all: &BTreeSet<String>) -> Option<String> {
    (pythons != all).then(|| {
        pythons
            .iter()
            .map(|p| format!("python_version == \"{p}\""))
            .collect::<Vec<_>>()
            .join(" or ")
    })
}

/// The files chosen for one name and version: wheels of the search paths (hashed here), and
/// files already digested (an index's, by URL; a source distribution), by URL or path.
#[derive(Default)]
struct Files {
    local: BTreeSet<PathBuf>,
    digested: BTreeMap<String, DigestedFile>,
}

impl Files {
    fn add(&mut self, file: &ChosenFile) {
        match file {
            ChosenFile::Wheel(w) => {
                self.local.insert(w.clone());
            }
            ChosenFile::Digested(d) => {
                let at = d
                    .url
                    .clone()
                    .or_else(|| d.path.as_ref().map(|p| p.display().to_string()));
                self.digested.insert(at.unwrap_or_default(), d.clone());
            }
        }
    }

    fn merge(&mut self, other: Files) {
        self.local.extend(other.local);
        self.digested.extend(other.digested);
    }
}

/// A file digested while resolving, as the lock names it: an index's by its URL (as
/// `pip lock` writes it), a search path's source distribution by its path.
fn locked_file(f: &DigestedFile) -> ::lock::File {
    ::lock::File {
        name: Some(f.filename.clone()),
        url: f.url.clone(),
        path: f.path.as_ref().map(|p| p.display().to_string()),
        size: f.size,
        hashes: [("sha256".to_string(), f.sha256.clone())].into(),
        ..::lock::File::default()
    }
}

/// The sha256 and size of every wheel the resolutions chose (sources aside), each file read
/// once, several at once (a wheelhouse is often on a network file system).
fn digest_all(results: &[Resolved]) -> Result<HashMap<PathBuf, (String, u64)>, Error> {
    use rayon::prelude::*;
    let wheels: BTreeSet<&PathBuf> = results
        .iter()
        .flat_map(|r| {
            r.chosen
                .iter()
                .filter(|(k, _)| !r.sources.contains_key(*k))
                .filter_map(|(_, (_, f))| match f {
                    ChosenFile::Wheel(w) => Some(w),
                    ChosenFile::Digested(_) => None,
                })
        })
        .collect();
    wheels
        .into_par_iter()
        .map(|w| Ok((w.clone(), digest(w)?)))
        .collect()
}

fn digest(w: &Path) -> Result<(String, u64), Error> {
    let sha = environment::digest_file("sha256", w).map_err(|source| Error::Unreadable {
        path: w.to_path_buf(),
        source,
    })?;
    let size = std::fs::metadata(w).map(|m| m.len()).unwrap_or(0);
    Ok((sha, size))
}

/// The locked files of one entry, the lowest level first (what a tool that knows no levels
/// takes), each with its size and sha256 (computed once per file).
fn wheel_files(
    wheels: BTreeSet<PathBuf>,
    levels: &[String],
    digests: &HashMap<PathBuf, (String, u64)>,
) -> Result<Vec<::lock::File>, Error> {
    let mut files = Vec::new();
    let mut wheels: Vec<PathBuf> = wheels.into_iter().collect();
    // generic (and non-level) wheels first: what a tool that knows no levels takes.
    wheels.sort_by_key(|w| {
        let level = w
            .parent()
            .map(site_config::arch_of_search_path)
            .unwrap_or_default();
        (
            levels
                .iter()
                .position(|l| *l == level && l != "generic")
                .map_or(0, |i| i + 1),
            w.clone(),
        )
    });
    for w in wheels {
        let (sha, size) = match digests.get(&w) {
            Some(d) => d.clone(),
            None => digest(&w)?,
        };
        let absolute = std::path::absolute(&w).unwrap_or(w.clone());
        files.push(::lock::File {
            name: w.file_name().map(|n| n.to_string_lossy().into_owned()),
            path: Some(absolute.display().to_string()),
            size: Some(size),
            hashes: [("sha256".to_string(), sha)].into(),
            ..::lock::File::default()
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_index_file_is_locked_by_its_url_and_a_directory_sdist_by_its_path() {
        let digested = |url: Option<&str>, path: Option<&str>, sdist| DigestedFile {
            filename: "b-1.1.tar.gz".into(),
            url: url.map(str::to_string),
            path: path.map(PathBuf::from),
            sdist,
            index: None,
            sha256: "ab".into(),
            size: Some(7),
        };
        let mut files = Files::default();
        let url = "http://127.0.0.1:1/files/b-1.1.tar.gz";
        files.add(&ChosenFile::Digested(digested(Some(url), None, true)));
        // The same file chosen for another level or Python is listed once.
        files.add(&ChosenFile::Digested(digested(Some(url), None, true)));
        files.add(&ChosenFile::Wheel(PathBuf::from(
            "/wh/generic/a-1-py3-none-any.whl",
        )));
        assert_eq!(files.digested.len(), 1);
        assert_eq!(files.local.len(), 1);
        let file = locked_file(&files.digested[url]);
        assert_eq!(file.url.as_deref(), Some(url));
        assert_eq!(file.path, None);
        assert_eq!((file.size, file.sha256()), (Some(7), Some("ab")));
        let local = locked_file(&digested(None, Some("/dir/b-1.1.tar.gz"), true));
        assert_eq!(
            (local.url, local.path.as_deref()),
            (None, Some("/dir/b-1.1.tar.gz"))
        );
    }

    #[test]
    fn an_entry_for_every_python_has_no_marker() {
        let all = set(&["3.11", "3.12", "3.13"]);
        assert_eq!(marker_for(&all, &all), None);
        assert_eq!(
            marker_for(&set(&["3.11", "3.13"]), &all).as_deref(),
            Some("python_version == \"3.11\" or python_version == \"3.13\"")
        );
    }
}
