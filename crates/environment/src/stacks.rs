//! Loaded stack modules and what an install would break in them.
//!
//! A stack module (`scipy-stack/2024a`) puts its packages on `sys.path` after the
//! environment's own (through `EBPYTHONPREFIXES` and the site's `sitecustomize.py`). A newer
//! copy of one of them installed into the environment wins at import time, while the stack's
//! packages that were built against the old one stay: numpy 2 in the environment under a
//! stack whose scipy was built against numpy 1.x is the seed's `numpy.core.multiarray failed
//! to import`. So before installing, each stack package that stays visible has its own
//! requirements checked against the versions about to be installed.

use std::collections::{HashMap, HashSet, VecDeque};
use std::str::FromStr;

use installer::InstalledDist;
use interpreter::SiteDirKind;
use pep440_rs::Version;
use pep508_rs::{Requirement, VersionOrUrl};
use resolver::{Resolution, Source};
use site_config::SiteConfig;

use crate::{Error, StackConflict, Target};

/// One stack package that the install would break.
struct Broken<'a> {
    dependent: &'a InstalledDist,
    module: String,
    module_name: String,
    requirement: String,
    key: String,
    version: &'a Version,
}

/// Refuses an install that would put into the environment a version of a package that a
/// loaded stack module's package requires at another version (the requirement, its markers
/// evaluated for the target, is not met by the new version). Stack packages the install
/// replaces in the environment too are not counted: the environment's copy is imported
/// instead. The error names the chain that brings the package in, the stack, and the two
/// ways out (pin what the stack accepts, or unload the stack).
pub fn check_loaded_stack_dependents(
    site: &SiteConfig,
    target: &Target,
    resolution: &Resolution,
    importable: &HashMap<String, (InstalledDist, SiteDirKind)>,
) -> Result<(), Error> {
    let incoming: HashMap<&str, &Version> = resolution
        .packages
        .iter()
        .filter(|p| matches!(p.source, Source::Wheel(_)))
        .map(|p| (p.key.as_str(), &p.version))
        .collect();
    if incoming.is_empty() || site.python_prefixes.is_empty() {
        return Ok(());
    }
    let mut broken: Vec<Broken> = Vec::new();
    let mut keys: Vec<&String> = importable.keys().collect();
    keys.sort();
    for key in keys {
        let (dist, kind) = &importable[key];
        if *kind == SiteDirKind::Environment || incoming.contains_key(dist.key.as_str()) {
            continue;
        }
        let Some(stack) = site.loaded_stack_for(&dist.site_dir) else {
            continue;
        };
        for line in &dist.requires_dist {
            let Ok(req) = <Requirement>::from_str(line) else {
                continue;
            };
            if !req.marker.evaluate(&target.interpreter.markers, &[]) {
                continue;
            }
            let name = wheel_metadata::normalize_name(req.name.as_ref());
            let Some(version) = incoming.get(name.as_str()) else {
                continue;
            };
            if let Some(VersionOrUrl::VersionSpecifier(spec)) = &req.version_or_url {
                if !spec.contains(version) {
                    broken.push(Broken {
                        dependent: dist,
                        module: stack.module.clone(),
                        module_name: stack.name.clone(),
                        requirement: format!("{}{}", req.name, spec),
                        key: name,
                        version,
                    });
                }
            }
        }
    }
    let Some(first) = broken.first() else {
        return Ok(());
    };
    let mut lines: Vec<String> = broken
        .iter()
        .map(|b| {
            format!(
                "    {} {} (from {}) requires {}",
                b.dependent.name, b.dependent.version, b.module, b.requirement
            )
        })
        .collect();
    lines.dedup();
    let chain = why_installed(resolution, importable, &first.key);
    Err(Error::StackDependents(Box::new(StackConflict {
        key: first.key.clone(),
        version: first.version.to_string(),
        env: target.root.clone(),
        module: first.module.clone(),
        module_name: first.module_name.clone(),
        dependents: lines,
        chain,
        requirement: first.requirement.clone(),
    })))
}

/// "you asked for A; A 1.0 requires B>=2; ..." from the requested packages to `key`, along
/// the requirements of the resolved packages (read from their wheels, or from the installed
/// metadata of those kept). Empty when no chain is found.
fn why_installed(
    resolution: &Resolution,
    importable: &HashMap<String, (InstalledDist, SiteDirKind)>,
    key: &str,
) -> String {
    let by_key: HashMap<&str, &resolver::Resolved> = resolution
        .packages
        .iter()
        .map(|p| (p.key.as_str(), p))
        .collect();
    let requires = |p: &resolver::Resolved| -> Vec<String> {
        match &p.source {
            Source::Wheel(path) => wheel_metadata::read_dist_info_file(path, "METADATA")
                .map(|text| wheel_metadata::CoreMetadata::parse(&text).requires_dist)
                .unwrap_or_default(),
            Source::Installed => importable
                .get(&p.key)
                .map(|(d, _)| d.requires_dist.clone())
                .unwrap_or_default(),
        }
    };
    let mut queue: VecDeque<&str> = VecDeque::new();
    let mut parent: HashMap<&str, (&str, String)> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for p in resolution.packages.iter().filter(|p| p.requested) {
        queue.push_back(&p.key);
        seen.insert(&p.key);
    }
    while let Some(current) = queue.pop_front() {
        if current == key {
            break;
        }
        let Some(package) = by_key.get(current) else {
            continue;
        };
        for line in requires(package) {
            let Ok(req) = <Requirement>::from_str(&line) else {
                continue;
            };
            let name = wheel_metadata::normalize_name(req.name.as_ref());
            if let Some((next, _)) = by_key.get_key_value(name.as_str()) {
                if seen.insert(next) {
                    let text = line.split(';').next().unwrap_or(&line).trim().to_string();
                    parent.insert(next, (current, text));
                    queue.push_back(next);
                }
            }
        }
    }
    if !seen.contains(key) {
        return String::new();
    }
    let mut steps = Vec::new();
    let mut at = key;
    while let Some((from, requirement)) = parent.get(at) {
        let version = by_key
            .get(from)
            .map(|p| p.version.to_string())
            .unwrap_or_default();
        steps.push(format!("{from} {version} requires {requirement}"));
        at = from;
    }
    steps.push(format!("you asked for {at}"));
    steps.reverse();
    format!("Why {key}: {}.\n", steps.join("; "))
}
