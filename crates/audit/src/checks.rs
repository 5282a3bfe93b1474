//! The checks of the wheelhouse itself, from the catalog: the dependency closure of each
//! (Python, level) pair, the layout mistakes, entries that are never published, and with
//! `--deep` every wheel's RECORD.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use catalog::WheelMeta;
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};
use rayon::prelude::*;
use simple_index::{PublishRoot, Refusal, View};
use wheel_name::{CompatibleTags, PythonVersion, WheelFilename};

use crate::finding::{finding, Finding};
use crate::python::{full_version, markers_for};

/// A `.whl` file of the wheelhouse as the checks see it.
pub(crate) struct Wheel<'a> {
    pub(crate) path: PathBuf,
    pub(crate) file: WheelFilename,
    pub(crate) meta: Option<&'a WheelMeta>,
    pub(crate) version: Option<Version>,
    pub(crate) requires_python: Option<VersionSpecifiers>,
}

/// The `.whl` entries that are not regular files (links, FIFOs), which are never published,
/// with the reason: one `lstat` per wheel, in parallel (a link leaves no trace in the
/// catalog but its absence).
pub(crate) fn not_published(root: &Path, tree: &catalog::Tree) -> HashMap<PathBuf, Refusal> {
    let mut paths = Vec::new();
    tree.for_each_file(|dir, name| {
        if name.ends_with(".whl") {
            paths.push(dir.join(name));
        }
    });
    let odd: Vec<PathBuf> = paths
        .into_par_iter()
        .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| !m.file_type().is_file()))
        .collect();
    PublishRoot::new(root)
        .explain(&odd)
        .into_iter()
        .map(|refusal| (refusal.path().to_path_buf(), refusal))
        .collect()
}

/// Duplicated file names within a level's search directories, versions both generic and
/// CPU-level, and one public version published both with and without a local label.
pub(crate) fn layout_findings(
    views: &[View],
    tree: &catalog::Tree,
    wheels: &HashMap<PathBuf, Wheel>,
    findings: &mut Vec<Finding>,
) {
    let mut by_dir: HashMap<&Path, Vec<&Wheel>> = HashMap::new();
    for w in wheels.values() {
        if let Some(dir) = w.path.parent() {
            by_dir.entry(dir).or_default().push(w);
        }
    }
    let _ = tree;
    for view in views {
        let mut seen: BTreeMap<&str, Vec<&Path>> = BTreeMap::new();
        for dir in &view.dirs {
            for w in by_dir.get(dir.as_path()).into_iter().flatten() {
                seen.entry(w.file.filename()).or_default().push(dir);
            }
        }
        for (name, dirs) in seen.iter().filter(|(_, d)| d.len() > 1) {
            let list: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            findings.push(Finding {
                kind: "duplicate-file".into(),
                message: format!(
                    "{name} is in several search directories of {}: {}. pip takes the \
                     lexicographically smallest path, wheelhouse the first directory; keep one",
                    view.name,
                    list.join(", ")
                ),
                path: Some(dirs[0].join(name)),
            });
        }
        // Same name and version in the level's own directory and in a generic one.
        let Some(own) = view.dirs.first().filter(|d| !d.ends_with("generic")) else {
            continue;
        };
        let key = |w: &Wheel| {
            (
                wheel_metadata::normalize_name(w.file.name()),
                w.file.version_text().to_string(),
            )
        };
        let own_versions: BTreeSet<(String, String)> = by_dir
            .get(own.as_path())
            .into_iter()
            .flatten()
            .map(|w| key(w))
            .collect();
        for dir in &view.dirs[1..] {
            for w in by_dir.get(dir.as_path()).into_iter().flatten() {
                if own_versions.contains(&key(w)) {
                    findings.push(finding(
                        "generic-and-cpu-level",
                        &w.path,
                        format!(
                            "{} {} is published both in {} and in {}: nodes of different levels \
                             get different builds. Keep the CPU-level copies or the generic one",
                            w.file.name(),
                            w.file.version_text(),
                            own.display(),
                            dir.display()
                        ),
                    ));
                }
            }
        }
    }
    // One public version with and without a local label, in one directory.
    for (dir, list) in &by_dir {
        let mut labels: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
        for w in list {
            let v = w.file.version_text();
            let (public, local) = v.split_once('+').unwrap_or((v, ""));
            labels
                .entry((
                    wheel_metadata::normalize_name(w.file.name()),
                    public.to_string(),
                ))
                .or_default()
                .insert(local);
        }
        for ((name, public), locals) in labels.iter().filter(|(_, l)| l.len() > 1) {
            let shown: Vec<String> = locals
                .iter()
                .map(|l| {
                    if l.is_empty() {
                        public.clone()
                    } else {
                        format!("{public}+{l}")
                    }
                })
                .collect();
            findings.push(Finding {
                kind: "local-version".into(),
                message: format!(
                    "{name} {public} is in {} as {}: the local builds sort above the public one, \
                     so which one installs depends on the tool. Keep one",
                    dir.display(),
                    shown.join(" and ")
                ),
                path: Some(dir.to_path_buf()),
            });
        }
    }
}

pub(crate) fn closure_findings(
    python: PythonVersion,
    micro: &HashMap<PythonVersion, u32>,
    view: &View,
    wheels: &HashMap<PathBuf, Wheel>,
    parsed: &HashMap<&str, Option<Requirement<VerbatimUrl>>>,
) -> Vec<Finding> {
    let Some(markers) = markers_for(python, micro) else {
        return Vec::new();
    };
    let tags = CompatibleTags::for_python(python);
    let py_version = full_version(python, micro);
    let mut visible: Vec<&Wheel> = Vec::new();
    let mut by_name: HashMap<String, Vec<&Wheel>> = HashMap::new();
    for dir in &view.dirs {
        let mut in_dir: Vec<&Wheel> = wheels
            .values()
            .filter(|w| w.path.parent() == Some(dir.as_path()))
            .collect();
        in_dir.sort_by(|a, b| a.path.cmp(&b.path));
        for w in in_dir {
            if !tags.is_compatible(&w.file) {
                continue;
            }
            if w.requires_python
                .as_ref()
                .is_some_and(|rp| !rp.contains(&py_version))
            {
                continue;
            }
            visible.push(w);
            by_name
                .entry(wheel_metadata::normalize_name(w.file.name()))
                .or_default()
                .push(w);
        }
    }
    // requirement text -> who needs it
    let mut missing: BTreeMap<&str, (String, BTreeSet<String>)> = BTreeMap::new();
    for w in &visible {
        let Some(meta) = w.meta else { continue };
        for text in &meta.requires_dist {
            let Some(Some(req)) = parsed.get(text.as_str()) else {
                continue;
            };
            if !req.marker.evaluate(&markers, &[]) {
                continue;
            }
            let name = req.name.to_string();
            let candidates = by_name.get(&name).map(Vec::as_slice).unwrap_or(&[]);
            let ok = candidates
                .iter()
                .any(|c| match (&req.version_or_url, &c.version) {
                    (None, _) => true,
                    (Some(VersionOrUrl::VersionSpecifier(spec)), Some(v)) => spec.contains(v),
                    _ => false,
                });
            if ok {
                continue;
            }
            let why = if candidates.is_empty() {
                format!("no wheel of {name}")
            } else {
                let versions: BTreeSet<&str> =
                    candidates.iter().map(|c| c.file.version_text()).collect();
                format!(
                    "only {name} {}",
                    versions.into_iter().collect::<Vec<_>>().join(", ")
                )
            };
            missing
                .entry(text.as_str())
                .or_insert_with(|| (why, BTreeSet::new()))
                .1
                .insert(w.file.filename().to_string());
        }
    }
    missing
        .into_iter()
        .map(|(text, (why, who))| {
            let count = who.len();
            let mut names: Vec<String> = who.into_iter().take(5).collect();
            if count > 5 {
                names.push(format!("and {} more", count - 5));
            }
            Finding {
                kind: "unsatisfiable".into(),
                message: format!(
                    "Python {python}, {}: {text} (needed by {}) cannot be met: {why} in {}",
                    view.name,
                    names.join(", "),
                    view.dirs
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                path: None,
            }
        })
        .collect()
}

/// `--deep`: every member's hash against RECORD, and METADATA's name against the file name.
pub(crate) fn check_record(path: &Path) -> Option<Finding> {
    use std::io::Read;
    let fail = |message: String| Some(finding("record", path, message));
    let name = path.file_name()?.to_str()?;
    let file = std::fs::File::open(path).ok()?;
    let mut archive = match zip::ZipArchive::new(std::io::BufReader::new(file)) {
        Ok(a) => a,
        Err(_) => return None, // reported as unreadable already
    };
    let record = match wheel_metadata::read_dist_info_member(&mut archive, "RECORD") {
        Ok(r) => r,
        Err(e) => return fail(format!("{name}: no RECORD ({e}); pip refuses it")),
    };
    let meta = wheel_metadata::read_dist_info_member(&mut archive, "METADATA").unwrap_or_default();
    let core = wheel_metadata::CoreMetadata::parse(&meta);
    if let Ok(parsed) = WheelFilename::parse(name) {
        if wheel_metadata::normalize_name(&core.name)
            != wheel_metadata::normalize_name(parsed.name())
        {
            return fail(format!(
                "{name}: METADATA names {:?}, not the file's name",
                core.name
            ));
        }
    }
    let entries: HashMap<String, String> = wheel_metadata::parse_record(&record)
        .into_iter()
        .map(|e| (e.path, e.hash))
        .collect();
    for index in 0..archive.len() {
        let Ok(mut member) = archive.by_index(index) else {
            return fail(format!("{name}: member {index} cannot be read"));
        };
        let Ok(member_name) = member.name().map(|n| n.to_string()) else {
            return fail(format!("{name}: member {index} has an unreadable name"));
        };
        if member.is_dir()
            || member_name.ends_with("/RECORD")
            || member_name.ends_with("RECORD.jws")
            || member_name.ends_with("RECORD.p7s")
        {
            continue;
        }
        let Some(expected) = entries.get(&member_name) else {
            return fail(format!(
                "{name}: {member_name} is not listed in RECORD; pip refuses it"
            ));
        };
        let mut content = Vec::new();
        if member
            .by_ref()
            .take(4 << 30)
            .read_to_end(&mut content)
            .is_err()
        {
            return fail(format!("{name}: {member_name} cannot be decompressed"));
        }
        if !expected.is_empty() && *expected != wheel_metadata::hash_bytes(&content) {
            return fail(format!(
                "{name}: {member_name} does not match its RECORD hash; the wheel is corrupt"
            ));
        }
    }
    None
}
