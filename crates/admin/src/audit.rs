//! `wheelhouse audit`: what is wrong with a published wheelhouse.
//!
//! The central check is the dependency closure: for each Python and each CPU level the site
//! serves, every requirement of every wheel a user can see there must be met by some wheel
//! they can also see (right name, a version inside the specifier, a `Requires-Python` that
//! admits the Python). It checks each requirement on its own: a failure here is certain to
//! break an install, a pass does not prove that installing works (two requirements may pin a
//! third apart, requirements of extras are not followed). [`AuditOptions::resolve`] closes
//! that gap: `pip install NAME` is resolved for every package with the installer's resolver
//! (module `audit_resolve`; findings of kind `unresolvable`). What stays unchecked: several
//! packages installed together (`pip install A B`), and Python micro versions (the markers and
//! `Requires-Python` see `X.Y.0`). The other checks find the layout mistakes that make pip and
//! us choose differently (the same file in two search directories, a version both generic and
//! CPU-level) or that hide wheels (invalid names, `manylinux` tags).
//!
//! # Performance
//! With a fresh catalog no wheel is opened: metadata comes from it, requirement texts are
//! parsed once each, and every (Python, level) pair is checked in parallel. `resolve` costs
//! more (see its module) and is opt-in.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use catalog::{MetaMap, WheelMeta, Wheelhouse};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{
    MarkerEnvironment, MarkerEnvironmentBuilder, Requirement, VerbatimUrl, VersionOrUrl,
};
use rayon::prelude::*;
use wheel_name::{CompatibleTags, PythonVersion, WheelFilename};

pub use crate::audit_resolve::ResolveScope;
use crate::html::View;
use crate::published::{PublishRoot, Refusal};

/// Options of [`audit`].
#[derive(Clone, Debug, Default)]
pub struct AuditOptions {
    /// The Pythons to check the closure for.
    pub pythons: Vec<PythonVersion>,
    /// The micro version each of them is checked as (`Requires-Python >=3.11.5` and
    /// `python_full_version` markers depend on it): the site's module (`3.11.7`); `.0` for a
    /// Python missing here.
    pub micro: HashMap<PythonVersion, u32>,
    /// Only the levels whose name ends with one of these (all when empty).
    pub archs: Vec<String>,
    /// Also check every wheel's RECORD hashes and METADATA.
    pub deep: bool,
    /// Also resolve `pip install NAME` for every package of every pair
    /// ([`crate::audit_resolve`]).
    pub resolve: ResolveScope,
    /// The levels and their search directories from the site's pip configuration files
    /// ([`crate::views_from_pip_configs`]); the layout's ([`crate::site_views`]) when `None`. A
    /// directory outside the audited root stays in its level's search path but is not read:
    /// an `outside-root` finding names it, and requirements only its wheels would meet are
    /// reported unsatisfiable.
    pub views: Option<Vec<View>>,
}

/// One problem.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// `unsatisfiable`, `unresolvable`, `invalid-name`, `manylinux`, `duplicate-file`,
    /// `generic-and-cpu-level`, `local-version`, `unreadable`, `record`, `leftover`,
    /// `outside-root` (a configured search directory outside the root), and for `.whl`
    /// entries that are never published ([`crate::Refusal`]): `link-outside-root` (a
    /// symbolic link leading out of the wheelhouse), `link` (one that stays inside it),
    /// `not-a-file`.
    pub kind: String,
    pub message: String,
    pub path: Option<PathBuf>,
}

/// What the audit saw and found.
#[derive(Clone, Debug, Default)]
pub struct AuditReport {
    pub findings: Vec<Finding>,
    pub wheels: usize,
    /// `(python, level)` pairs checked.
    pub checked: Vec<(String, String)>,
    pub catalog_used: bool,
}

struct Wheel<'a> {
    path: PathBuf,
    file: WheelFilename,
    meta: Option<&'a WheelMeta>,
    version: Option<Version>,
    requires_python: Option<VersionSpecifiers>,
}

/// Audits the wheelhouse at `root`.
pub fn audit(root: &Path, opts: &AuditOptions) -> AuditReport {
    let mut report = AuditReport::default();
    let house = Wheelhouse::open(root);
    // A fresh catalog already holds the walk: no directory is read.
    let tree = house
        .catalog()
        .map(|c| c.tree().clone())
        .unwrap_or_else(|| catalog::walk(root));
    let loaded;
    let metas: &MetaMap = match house.catalog().and_then(|c| c.metadata()) {
        Some(map) => {
            report.catalog_used = true;
            map
        }
        None => {
            let previous = catalog::Catalog::load(root).ok().flatten();
            let built = catalog::Catalog::rebuild(root, previous.as_ref()).ok();
            loaded = built
                .and_then(|c| c.metadata().cloned())
                .unwrap_or_default();
            &loaded
        }
    };
    let mut findings = Vec::new();
    let refused = not_published(root, &tree);
    for refusal in refused.values() {
        findings.push(finding(refusal.kind(), refusal.path(), refusal.to_string()));
    }
    let mut wheels: HashMap<PathBuf, Wheel> = HashMap::new();
    tree.for_each_file(|dir, name| {
        let path = dir.join(name);
        if name.starts_with(".wheelhouse-") && name.ends_with(".part") {
            findings.push(finding("leftover", &path, "a temporary file left by an interrupted `wheelhouse add` or `edit`; remove it".into()));
            return;
        }
        if !name.ends_with(".whl") || refused.contains_key(&path) {
            return;
        }
        let stem_parts = name.trim_end_matches(".whl").split('-').count();
        let file = match WheelFilename::parse(name) {
            Ok(file) if (5..=6).contains(&stem_parts) => file,
            _ => {
                findings.push(finding("invalid-name", &path, format!(
                    "{name} is not a valid wheel file name (name-version(-build)?-python-abi-platform.whl): pip ignores it and avail_wheels skips it; rename it or remove it"
                )));
                return;
            }
        };
        if file.tags().iter().any(|t| wheel_name::is_manylinux(t.platform())) {
            findings.push(finding("manylinux", &path, format!(
                "{name} has a manylinux tag: the site's pip and `wheelhouse install` never pick it. Patch its RPATHs and publish it with `wheelhouse add --retag-manylinux`"
            )));
        }
        let meta = metas.get(&(dir.to_path_buf(), name.to_string()));
        if let Some(m) = meta {
            if let Some(why) = &m.error {
                findings.push(finding("unreadable", &path, format!("{name}: {why}; pip cannot install it")));
            } else if m.version != file.version_text()
                && Version::from_str(&m.version).ok() != Version::from_str(file.version_text()).ok()
            {
                findings.push(finding("local-version", &path, format!(
                    "{name}: the file name says version {} but METADATA says {}; pip refuses such a wheel. Re-add it with `wheelhouse add --local-version`",
                    file.version_text(), m.version
                )));
            }
        }
        let version = Version::from_str(file.version_text()).ok();
        let requires_python = meta
            .and_then(|m| m.requires_python.as_deref())
            .and_then(|rp| VersionSpecifiers::from_str(rp).ok());
        wheels.insert(path.clone(), Wheel { path, file, meta, version, requires_python });
    });
    report.wheels = wheels.len();
    let wanted =
        |name: &str| opts.archs.is_empty() || opts.archs.iter().any(|a| name.ends_with(a.as_str()));
    let (views, outside) = crate::views::chosen(&tree, opts.views.as_deref());
    let views: Vec<View> = views.into_iter().filter(|v| wanted(&v.name)).collect();
    for (level, dir) in outside.iter().filter(|(level, _)| wanted(level)) {
        findings.push(finding(
            "outside-root",
            dir,
            format!(
                "level {level} searches {}, outside the audited wheelhouse {}: its wheels are \
                 not checked, and requirements only they meet are reported unsatisfiable. \
                 Audit a root holding it too",
                dir.display(),
                root.display()
            ),
        ));
    }
    layout_findings(&views, &tree, &wheels, &mut findings);

    // Requirement texts repeat across wheels: parse each once.
    let texts: BTreeSet<&str> = wheels
        .values()
        .flat_map(|w| w.meta.map(|m| m.requires_dist.as_slice()).unwrap_or(&[]))
        .map(String::as_str)
        .collect();
    let parsed: HashMap<&str, Option<Requirement<VerbatimUrl>>> = texts
        .into_par_iter()
        .map(|t| (t, Requirement::<VerbatimUrl>::from_str(t).ok()))
        .collect();
    for (text, req) in &parsed {
        if req.is_none() {
            let who: Vec<String> = wheels
                .values()
                .filter(|w| {
                    w.meta
                        .is_some_and(|m| m.requires_dist.iter().any(|r| r == text))
                })
                .map(|w| w.file.filename().to_string())
                .collect();
            findings.push(Finding {
                kind: "unsatisfiable".into(),
                message: format!("requirement {text:?} of {} does not parse", who.join(", ")),
                path: None,
            });
        }
    }
    let pairs: Vec<(PythonVersion, &View)> = opts
        .pythons
        .iter()
        .flat_map(|p| views.iter().map(move |v| (*p, v)))
        .collect();
    report.checked = pairs
        .iter()
        .map(|(p, v)| (p.to_string(), v.name.clone()))
        .collect();
    let closure: Vec<Finding> = pairs
        .par_iter()
        .flat_map_iter(|(python, view)| {
            closure_findings(*python, &opts.micro, view, &wheels, &parsed)
        })
        .collect();
    findings.extend(closure);
    findings.extend(crate::audit_resolve::resolve_findings(
        &pairs,
        &opts.micro,
        &tree,
        metas,
        opts.resolve,
    ));
    if opts.deep {
        let mut paths: Vec<&PathBuf> = wheels.keys().collect();
        paths.sort();
        let deep: Vec<Finding> = paths.par_iter().filter_map(|p| check_record(p)).collect();
        findings.extend(deep);
    }
    findings.sort();
    findings.dedup();
    report.findings = findings;
    report
}

/// The `.whl` entries that are not regular files (links, FIFOs), which are never published,
/// with the reason: one `lstat` per wheel, in parallel (a link leaves no trace in the
/// catalog but its absence).
fn not_published(root: &Path, tree: &catalog::Tree) -> HashMap<PathBuf, Refusal> {
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

fn finding(kind: &str, path: &Path, message: String) -> Finding {
    Finding {
        kind: kind.into(),
        message,
        path: Some(path.to_path_buf()),
    }
}

/// Duplicated file names within a level's search directories, versions both generic and
/// CPU-level, and one public version published both with and without a local label.
fn layout_findings(
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

/// The full version a Python is checked as: its micro version from `micro`, else `.0`.
pub(crate) fn full_version(python: PythonVersion, micro: &HashMap<PythonVersion, u32>) -> Version {
    let micro = micro.get(&python).copied().unwrap_or(0);
    Version::new([python.major as u64, python.minor as u64, micro as u64])
}

pub(crate) fn markers_for(
    python: PythonVersion,
    micro: &HashMap<PythonVersion, u32>,
) -> Option<MarkerEnvironment> {
    let full = full_version(python, micro).to_string();
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: "Linux",
        platform_version: "",
        python_full_version: &full,
        python_version: &format!("{}.{}", python.major, python.minor),
        sys_platform: "linux",
    })
    .ok()
}

fn closure_findings(
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
fn check_record(path: &Path) -> Option<Finding> {
    use std::io::Read;
    let fail = |message: String| Some(finding("record", path, message));
    let name = path.file_name()?.to_str()?;
    let file = std::fs::File::open(path).ok()?;
    let mut archive = match zip::ZipArchive::new(std::io::BufReader::new(file)) {
        Ok(a) => a,
        Err(_) => return None, // reported as unreadable already
    };
    let record = match crate::rewrite::read_member_text(&mut archive, "RECORD") {
        Ok(r) => r,
        Err(e) => return fail(format!("{name}: no RECORD ({e}); pip refuses it")),
    };
    let meta = crate::rewrite::read_member_text(&mut archive, "METADATA").unwrap_or_default();
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
