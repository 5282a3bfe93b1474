//! The lock document from the resolutions: one entry per name, version and set of Pythons
//! and levels it serves, each locked file with its size and sha256.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

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
    // (key, version) → python → (levels, wheels)
    type Serves = BTreeMap<String, (BTreeSet<String>, BTreeSet<PathBuf>)>;
    let mut by_version: BTreeMap<(String, String), Serves> = BTreeMap::new();
    for r in results {
        for (key, (version, wheel)) in &r.chosen {
            let serves = by_version
                .entry((key.clone(), version.clone()))
                .or_default();
            let (lv, wheels) = serves.entry(r.python.clone()).or_default();
            lv.extend(r.level.clone());
            wheels.insert(wheel.clone());
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
        let mut groups: BTreeMap<BTreeSet<String>, (Vec<String>, BTreeSet<PathBuf>)> =
            BTreeMap::new();
        for (python, (lv, wheels)) in serves {
            let g = groups.entry(lv).or_default();
            g.0.push(python);
            g.1.extend(wheels);
        }
        for (lv, (pythons, wheels)) in groups {
            let marker = marker_for(&pythons.iter().cloned().collect(), &all_pythons);
            let files = wheel_files(wheels, levels, &digests)?;
            packages.push(::lock::Package {
                name: key.clone(),
                version: Some(version.clone()),
                marker,
                source: ::lock::Source::Files {
                    wheels: files,
                    sdist: None,
                },
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
                .map(|(_, (_, w))| w)
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
    fn an_entry_for_every_python_has_no_marker() {
        let all = set(&["3.11", "3.12", "3.13"]);
        assert_eq!(marker_for(&all, &all), None);
        assert_eq!(
            marker_for(&set(&["3.11", "3.13"]), &all).as_deref(),
            Some("python_version == \"3.11\" or python_version == \"3.13\"")
        );
    }
}
