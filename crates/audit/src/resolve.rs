//! `wheelhouse audit --resolve`: does `pip install NAME` work for every package a level shows?
//!
//! For each (Python, level) pair, every package name the level can see is resolved with the
//! install path's resolver (the `resolver` crate, PubGrub) against exactly that level's search
//! directories, with that Python's markers and `linux_x86_64` tags: the request is
//! `NAME==V`, V being the version `pip install NAME` picks first (the newest final release
//! whose wheel fits the Python and whose `Requires-Python` admits it; the newest pre-release
//! when there is no final one). Pinning matters: unpinned, the resolver (as pip) backtracks
//! to an older version and the broken newest one would go unnoticed; the finding says which
//! version an unpinned install falls back to.
//!
//! Extras: a requirement `pkg[extra]` met on the way is followed, as at install time, so an
//! extra whose requirements cannot be met fails the packages that ask for it. With
//! [`ResolveScope::DeclaredExtras`] each extra a package declares is also resolved on its
//! own (`NAME[extra]==V`); that is opt-in because `test`, `doc` and `dev` extras usually name
//! tools no wheelhouse publishes.
//!
//! Grouping: a package that fails because one of its dependencies fails is not reported on
//! its own; it is counted under that dependency (the *cause*), and one finding per cause
//! gives the resolver's explanation once. Identical findings of several pairs are merged.
//!
//! # Performance
//! One index per pair, built from the catalog's walk, and metadata from the catalog (no wheel
//! opened when it is fresh); pairs and batches run in parallel. A resolution costs about the
//! size of the dependency closure it visits, so resolving every package alone would cost the
//! sum of all closures (54 s for the 40,000-wheel bench tree). Two facts cut that down, without
//! changing any result: a package met at version V in *any* successful resolution installs at
//! V alone (the solution restricted to what it needs is one), so it is not resolved again; and
//! installs rarely fail, so packages are resolved 16 at a time, and only a batch that fails is
//! resolved one by one. Packages nobody depends on go first, as their solutions cover the rest.
//! On the bench tree: about 4 s for 2 Pythons x 3 levels (bench/README.md).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use catalog::{MetaMap, Tree};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerEnvironment, Requirement};
use rayon::prelude::*;
use resolver::{Index, KnownMetadata, Request, Resolution, StoredMetadata, Upgrade};
use wheel_metadata::{normalize_name, CoreMetadata};
use wheel_name::{PythonVersion, TagPriority, TagTarget};

use simple_index::View;

use crate::finding::Finding;
use crate::python::{full_version, markers_for};

/// What `--resolve` installs, per package.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResolveScope {
    /// No resolution.
    #[default]
    Off,
    /// `pip install NAME` for every name (extras only when a requirement asks for them).
    Packages,
    /// Also `pip install NAME[extra]` for every extra each package declares.
    DeclaredExtras,
}

/// Lines of the resolver's explanation kept in a finding.
const EXPLANATION_LINES: usize = 8;
/// Installs resolved together before one by one (see `pair_findings`).
const BATCH: usize = 16;
/// Names listed per cause before "and N more".
const NAMES_SHOWN: usize = 5;

/// The catalog's metadata, by wheel path, shared by every pair's index.
struct Stored(Arc<HashMap<PathBuf, CoreMetadata>>);

impl StoredMetadata for Stored {
    fn core_metadata(&self, wheel: &Path) -> Option<CoreMetadata> {
        self.0.get(wheel).cloned()
    }
}

/// The pairs a finding was met in, and the finding.
type Merged = (Vec<(PythonVersion, String)>, Finding);

/// One failed install of one pair.
struct Failure {
    /// What was asked: `name` or `name[extra]`.
    target: String,
    key: String,
    version: Version,
    wheel: PathBuf,
    explanation: String,
    /// Normalised names of the pinned version's dependencies (this Python's markers).
    needs: BTreeSet<String>,
}

/// Resolves every package of every pair; one finding per cause (merged across pairs).
pub(crate) fn resolve_findings(
    pairs: &[(PythonVersion, &View)],
    micro: &HashMap<PythonVersion, u32>,
    tree: &Tree,
    metas: &MetaMap,
    scope: ResolveScope,
) -> Vec<Finding> {
    if scope == ResolveScope::Off {
        return Vec::new();
    }
    let stored: Arc<HashMap<PathBuf, CoreMetadata>> = Arc::new(
        metas
            .iter()
            .filter(|(_, m)| m.is_readable())
            .map(|((dir, name), m)| {
                (
                    dir.join(name),
                    CoreMetadata {
                        name: m.name.clone(),
                        version: m.version.clone(),
                        requires_dist: m.requires_dist.clone(),
                        requires_python: m.requires_python.clone(),
                        provides_extra: m.provides_extra.clone(),
                    },
                )
            })
            .collect(),
    );
    let per_pair: Vec<Vec<(String, Finding)>> = pairs
        .par_iter()
        .map(|(python, view)| pair_findings(*python, micro, view, tree, &stored, scope))
        .collect();
    // The same cause, explained the same way, in several pairs: one finding naming them all.
    let mut merged: BTreeMap<(String, String), Merged> = BTreeMap::new();
    for ((python, view), found) in pairs.iter().zip(per_pair) {
        for (body, f) in found {
            merged
                .entry((
                    body,
                    f.path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                ))
                .or_insert_with(|| (Vec::new(), f))
                .0
                .push((*python, view.name.clone()));
        }
    }
    merged
        .into_iter()
        .map(|((body, _), (where_, mut f))| {
            f.message = format!("{}: {body}", describe_pairs(&where_));
            f
        })
        .collect()
}

/// "Python 3.11 (generic, x86-64-v3), 3.12 (x86-64-v3)".
fn describe_pairs(pairs: &[(PythonVersion, String)]) -> String {
    let mut by_python: Vec<(PythonVersion, Vec<&str>)> = Vec::new();
    for (p, level) in pairs {
        match by_python.iter_mut().find(|(q, _)| q == p) {
            Some((_, levels)) => levels.push(level),
            None => by_python.push((*p, vec![level])),
        }
    }
    let parts: Vec<String> = by_python
        .iter()
        .map(|(p, levels)| format!("{p} ({})", levels.join(", ")))
        .collect();
    format!("Python {}", parts.join(", "))
}

/// The findings of one pair, each as (message without the pair, finding).
fn pair_findings(
    python: PythonVersion,
    micro: &HashMap<PythonVersion, u32>,
    view: &View,
    tree: &Tree,
    stored: &Arc<HashMap<PathBuf, CoreMetadata>>,
    scope: ResolveScope,
) -> Vec<(String, Finding)> {
    let Some(markers) = markers_for(python, micro) else {
        return Vec::new();
    };
    let index = level_index(python, view, tree, stored);
    let python_version = full_version(python, micro);
    let mut keys: Vec<&String> = index.usable.keys().collect();
    keys.sort();
    // What `pip install NAME` (and NAME[extra]) would ask for first.
    let targets: Vec<(String, &str, Version, PathBuf)> = keys
        .iter()
        .filter_map(|key| {
            let (version, wheel) = newest(&index, key, stored, &python_version)?;
            let mut out = vec![(
                key.to_string(),
                key.as_str(),
                version.clone(),
                wheel.clone(),
            )];
            if scope == ResolveScope::DeclaredExtras {
                if let Some(meta) = stored.get(&wheel) {
                    let extras: BTreeSet<String> = meta
                        .provides_extra
                        .iter()
                        .map(|e| normalize_name(e))
                        .collect();
                    out.extend(extras.into_iter().map(|e| {
                        (
                            format!("{key}[{e}]"),
                            key.as_str(),
                            version.clone(),
                            wheel.clone(),
                        )
                    }));
                }
            }
            Some(out)
        })
        .flatten()
        .collect();
    // A package met at version V in a successful resolution installs at V on its own (the
    // solution restricted to what it needs is one): it is not resolved again. Packages no
    // other package needs go first, so their solutions cover most of the rest.
    let needed: HashSet<String> = targets
        .iter()
        .flat_map(|(_, _, _, wheel)| needs(stored.get(wheel), &markers))
        .collect();
    let (first, rest): (Vec<_>, Vec<_>) = targets
        .iter()
        .partition(|(target, key, _, _)| target != key || !needed.contains(*key));
    let installed: Mutex<HashSet<(String, Version)>> = Mutex::default();
    let covered = |(target, key, version, _): &&(String, &str, Version, PathBuf)| {
        target == key
            && installed
                .lock()
                .expect("no panics while held")
                .contains(&(key.to_string(), version.clone()))
    };
    let record = |resolution: Resolution| {
        installed
            .lock()
            .expect("no panics while held")
            .extend(resolution.packages.into_iter().map(|p| (p.key, p.version)));
    };
    let attempt =
        |(target, key, version, wheel): &&(String, &str, Version, PathBuf)| match try_install(
            &index,
            &markers,
            &python_version,
            &[format!("{target}=={version}")],
        ) {
            Ok(chosen) => {
                record(chosen);
                None
            }
            Err(explanation) => Some(Failure {
                target: target.clone(),
                key: key.to_string(),
                version: version.clone(),
                wheel: wheel.clone(),
                explanation,
                needs: needs(stored.get(wheel), &markers),
            }),
        };
    // Installs rarely fail: a batch is first resolved together, and only a batch that fails
    // is resolved one by one (a joint solution is a solution for each of its members).
    let run = |list: &[&(String, &str, Version, PathBuf)]| -> Vec<Failure> {
        list.par_chunks(BATCH)
            .flat_map_iter(|chunk| {
                let open: Vec<_> = chunk.iter().filter(|t| !covered(t)).collect();
                if open.len() > 1 {
                    let together: Vec<String> =
                        open.iter().map(|t| format!("{}=={}", t.0, t.2)).collect();
                    if let Ok(chosen) = try_install(&index, &markers, &python_version, &together) {
                        record(chosen);
                        return Vec::new();
                    }
                }
                open.into_iter()
                    .filter(|t| !covered(t))
                    .filter_map(&attempt)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let mut failures = run(&first);
    failures.extend(run(&rest));
    failures.sort_by(|a, b| a.target.cmp(&b.target));
    group(&failures)
        .into_iter()
        .map(|(cause, downstream)| {
            let f = &failures[cause];
            let fallback = if f.target == f.key {
                match try_install(
                    &index,
                    &markers,
                    &python_version,
                    std::slice::from_ref(&f.key),
                )
                .map(|r| version_of(&r, &f.key))
                {
                    Ok(Some(v)) => format!(" `pip install {}` falls back to {} {v}.", f.key, f.key),
                    Ok(None) | Err(_) => format!(" No version of {} installs.", f.key),
                }
            } else {
                String::new()
            };
            let mut body = format!(
                "`pip install {}` fails ({} {} is the version pip picks first).{fallback}",
                f.target, f.key, f.version
            );
            if !downstream.is_empty() {
                let mut names: Vec<String> = downstream
                    .iter()
                    .take(NAMES_SHOWN)
                    .map(|&i| failures[i].target.clone())
                    .collect();
                if downstream.len() > NAMES_SHOWN {
                    names.push(format!("and {} more", downstream.len() - NAMES_SHOWN));
                }
                body.push_str(&format!(
                    " {} other install{} fail{} because {} need{} it: {}.",
                    downstream.len(),
                    if downstream.len() == 1 { "" } else { "s" },
                    if downstream.len() == 1 { "s" } else { "" },
                    if downstream.len() == 1 { "it" } else { "they" },
                    if downstream.len() == 1 { "s" } else { "" },
                    names.join(", ")
                ));
            }
            let absent = absent_in_chain(&f.explanation, &index);
            if !absent.is_empty() {
                body.push_str(&format!(
                    " No usable wheel here of: {}.",
                    absent.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            body.push_str(" The resolver says:");
            let lines: Vec<&str> = f
                .explanation
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("Loosen one of"))
                .collect();
            for line in lines.iter().take(EXPLANATION_LINES) {
                body.push_str("\n    ");
                body.push_str(line.trim_end());
            }
            if lines.len() > EXPLANATION_LINES {
                body.push_str("\n    ...");
            }
            let finding = Finding {
                kind: "unresolvable".into(),
                message: String::new(),
                path: Some(f.wheel.clone()),
            };
            (body, finding)
        })
        .collect()
}

/// The level's search directories as the install path sees them: the same tag and
/// `Requires-Python` rules, the level's own directory first.
fn level_index(
    python: PythonVersion,
    view: &View,
    tree: &Tree,
    stored: &Arc<HashMap<PathBuf, CoreMetadata>>,
) -> Index {
    let target = TagTarget {
        implementation: "cpython".into(),
        python,
        abi: format!("cp{}{}", python.major, python.minor),
        platform: "linux_x86_64".into(),
        glibc: None,
    };
    let allowed = TagPriority::new(&target, false);
    let with_manylinux = TagPriority::new(&target, true);
    let files: Vec<(PathBuf, &str, u32)> = view
        .dirs
        .iter()
        .enumerate()
        .filter_map(|(rank, dir)| Some((rank, dir, tree.node_of(dir)?)))
        .flat_map(|(rank, dir, node)| {
            tree.nodes[node]
                .files
                .iter()
                .map(move |name| (dir.join(name), name, rank as u32 + 1))
        })
        .collect();
    let mut index = Index::build(files, &allowed, &with_manylinux, view.dirs.clone());
    index.known_metadata = KnownMetadata(Some(Box::new(Stored(stored.clone()))));
    index
}

/// The version `pip install key` tries first, and its best wheel: the newest final release
/// (else pre-release) whose `Requires-Python` admits the Python.
fn newest(
    index: &Index,
    key: &str,
    stored: &HashMap<PathBuf, CoreMetadata>,
    python: &Version,
) -> Option<(Version, PathBuf)> {
    let admits = |path: &Path| {
        stored
            .get(path)
            .and_then(|m| m.requires_python.as_deref())
            .and_then(|rp| VersionSpecifiers::from_str(rp).ok())
            .is_none_or(|rp| rp.contains(python))
    };
    index
        .usable
        .get(key)?
        .iter()
        .filter(|c| admits(&c.path))
        .max_by(|a, b| {
            (!a.version.any_prerelease(), &a.version)
                .cmp(&(!b.version.any_prerelease(), &b.version))
                // Among wheels of one version, the best tag then the first directory.
                .then_with(|| (b.tag_rank, b.search_rank).cmp(&(a.tag_rank, a.search_rank)))
        })
        .map(|c| (c.version.clone(), c.path.clone()))
}

/// Resolves requirements together, or says why not.
fn try_install(
    index: &Index,
    markers: &MarkerEnvironment,
    python: &Version,
    requirements: &[String],
) -> Result<Resolution, String> {
    let requirements = requirements
        .iter()
        .map(|r| Requirement::from_str(r).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let request = Request {
        requirements,
        constraints: Vec::new(),
        markers: markers.clone(),
        python_version: python.clone(),
        installed: HashMap::new(),
        upgrade: Upgrade::None,
        force_reinstall: false,
        no_deps: false,
        pre: false,
        conflict_advice: None,
    };
    resolver::resolve(&request, index).map_err(|e| e.message)
}

/// The version a resolution chose for `key`.
fn version_of(resolution: &Resolution, key: &str) -> Option<Version> {
    resolution
        .packages
        .iter()
        .find(|p| p.key == key)
        .map(|p| p.version.clone())
}

/// Names the explanation says are required (`... requires NAME`) that have no usable wheel
/// in the level for the Python: the resolver's chain names them without saying so.
fn absent_in_chain(explanation: &str, index: &Index) -> BTreeSet<String> {
    explanation
        .split("requires ")
        .skip(1)
        .filter_map(|rest| {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(rest.len());
            let name = rest[..end].trim_end_matches('.');
            (!name.is_empty() && name != "Python").then(|| normalize_name(name))
        })
        .filter(|key| !index.usable.contains_key(key))
        .collect()
}

/// The dependency names of a wheel under these markers (no extras).
fn needs(meta: Option<&CoreMetadata>, markers: &MarkerEnvironment) -> BTreeSet<String> {
    meta.map(|m| m.requires_dist.as_slice())
        .unwrap_or(&[])
        .iter()
        .filter_map(|line| Requirement::<pep508_rs::VerbatimUrl>::from_str(line).ok())
        .filter(|r| r.marker.evaluate(markers, &[]))
        .map(|r| normalize_name(r.name.as_ref()))
        .collect()
}

/// Causes and the failures that follow from them: a failure whose package needs another
/// failing package is counted under that one's cause, not reported itself. Failures in a
/// cycle with no cause outside it become causes themselves. Indices into `failures`.
fn group(failures: &[Failure]) -> Vec<(usize, Vec<usize>)> {
    // Plain installs only: `NAME[extra]` failures are never a dependency's cause.
    let plain: HashMap<&str, usize> = failures
        .iter()
        .enumerate()
        .filter(|(_, f)| f.target == f.key)
        .map(|(i, f)| (f.key.as_str(), i))
        .collect();
    // Who needs whom, among the failures.
    let mut needed_by: Vec<Vec<usize>> = vec![Vec::new(); failures.len()];
    let mut blocked = vec![false; failures.len()];
    for (i, f) in failures.iter().enumerate() {
        for dep in &f.needs {
            if let Some(&j) = plain.get(dep.as_str()) {
                if j != i {
                    needed_by[j].push(i);
                    blocked[i] = true;
                }
            }
        }
    }
    let mut assigned = vec![false; failures.len()];
    let mut out = Vec::new();
    let mut order: Vec<usize> = (0..failures.len()).filter(|&i| !blocked[i]).collect();
    // Then whatever is left (cycles), in name order.
    order.extend((0..failures.len()).filter(|&i| blocked[i]));
    for cause in order {
        if assigned[cause] {
            continue;
        }
        assigned[cause] = true;
        let mut downstream = Vec::new();
        let mut stack = needed_by[cause].clone();
        let mut seen: HashSet<usize> = HashSet::new();
        while let Some(i) = stack.pop() {
            if i == cause || !seen.insert(i) {
                continue;
            }
            downstream.push(i);
            stack.extend(needed_by[i].iter().copied());
        }
        for &i in &downstream {
            assigned[i] = true;
        }
        downstream.sort_by(|&a, &b| failures[a].target.cmp(&failures[b].target));
        out.push((cause, downstream));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(name: &str, needs: &[&str]) -> Failure {
        Failure {
            target: name.into(),
            key: name.into(),
            version: Version::new([1]),
            wheel: PathBuf::from(name),
            explanation: String::new(),
            needs: needs.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn failures_are_grouped_under_the_failing_dependency_and_cycles_still_show() {
        let failures = [
            failure("app", &["broken", "fine"]),
            failure("broken", &["fine"]),
            failure("cycle-a", &["cycle-b"]),
            failure("cycle-b", &["cycle-a"]),
            failure("top", &["app"]),
        ];
        let groups: Vec<(&str, Vec<&str>)> = group(&failures)
            .into_iter()
            .map(|(c, d)| {
                (
                    failures[c].target.as_str(),
                    d.iter().map(|&i| failures[i].target.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [("broken", vec!["app", "top"]), ("cycle-a", vec!["cycle-b"]),]
        );
    }

    #[test]
    fn pairs_are_described_per_python() {
        let p = |s| PythonVersion::parse(s).unwrap();
        let pairs = [
            (p("3.11"), "generic".to_string()),
            (p("3.11"), "x86-64-v3".to_string()),
            (p("3.12"), "x86-64-v3".to_string()),
        ];
        assert_eq!(
            describe_pairs(&pairs),
            "Python 3.11 (generic, x86-64-v3), 3.12 (x86-64-v3)"
        );
    }

    #[test]
    fn absent_names_come_from_the_requirement_chain() {
        let index = Index::default();
        let text = "Because plug[gpu] 1.0 requires cuda-thing ; extra == 'gpu', it cannot be \
                    used.\nsoupsieve 3.0 cannot be used because it requires Python >=3.11.5.";
        assert_eq!(
            absent_in_chain(text, &index)
                .into_iter()
                .collect::<Vec<_>>(),
            ["cuda-thing"]
        );
    }
}
