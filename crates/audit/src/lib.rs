//! `wheelhouse audit`: what is wrong with a published wheelhouse. This crate's one job is
//! finding the problems; it changes nothing (fixing a wheel is `admin`'s `add` and `edit`).
//!
//! The central check is the dependency closure: for each Python and each CPU level the site
//! serves, every requirement of every wheel a user can see there must be met by some wheel
//! they can also see (right name, a version inside the specifier, a `Requires-Python` that
//! admits the Python). It checks each requirement on its own: a failure here is certain to
//! break an install, a pass does not prove that installing works (two requirements may pin a
//! third apart, requirements of extras are not followed). [`AuditOptions::resolve`] closes
//! that gap: `pip install NAME` is resolved for every package with the installer's resolver
//! (module `resolve`; findings of kind `unresolvable`). What stays unchecked: several
//! packages installed together (`pip install A B`), and Python micro versions (the markers and
//! `Requires-Python` see `X.Y.0`). The other checks find the layout mistakes that make pip and
//! us choose differently (the same file in two search directories, a version both generic and
//! CPU-level) or that hide wheels (invalid names, `manylinux` tags).
//!
//! ```
//! # let root = std::env::temp_dir().join(format!("audit-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(root.join("generic")).unwrap();
//! std::fs::write(root.join("generic/not-a-wheel-name.whl"), "").unwrap();
//! let report = audit::audit(&root, &audit::AuditOptions::default());
//! assert_eq!(report.findings[0].kind, "invalid-name");
//! # std::fs::remove_dir_all(&root).unwrap();
//! ```
//!
//! # Performance
//! With a fresh catalog no wheel is opened: metadata comes from it, requirement texts are
//! parsed once each, and every (Python, level) pair is checked in parallel. `resolve` costs
//! more (see its module) and is opt-in.

mod checks;
mod finding;
mod python;
mod resolve;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use catalog::{MetaMap, Wheelhouse};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{Requirement, VerbatimUrl};
use rayon::prelude::*;
use simple_index::View;
use wheel_name::{PythonVersion, WheelFilename};

use crate::checks::{check_record, closure_findings, layout_findings, not_published, Wheel};
use crate::finding::finding;
pub use crate::finding::Finding;
pub use crate::resolve::ResolveScope;

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
    /// ([`ResolveScope`]).
    pub resolve: ResolveScope,
    /// The levels and their search directories from the site's pip configuration files
    /// ([`simple_index::views_from_pip_configs`]); the layout's ([`simple_index::site_views`]) when `None`. A
    /// directory outside the audited root stays in its level's search path but is not read:
    /// an `outside-root` finding names it, and requirements only its wheels would meet are
    /// reported unsatisfiable.
    pub views: Option<Vec<View>>,
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
    let (views, outside) = simple_index::chosen_views(&tree, opts.views.as_deref());
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
    findings.extend(crate::resolve::resolve_findings(
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
