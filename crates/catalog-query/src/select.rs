//! Which wheels a request selects, in the reference's grouping and order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use catalog::{Listing, Wheelhouse};
use loose_version::LooseVersion;
use rayon::prelude::*;
use requirements::NameGlob;
use site_config::SiteConfig;
use wheel_name::{CompatibleTags, WheelFilename};

use crate::{Query, RequirementSet};

/// One row source: a wheel found, or a requested name that matched nothing.
#[derive(Clone, Debug)]
pub enum Entry {
    /// `arch` and `dir` are shared by every wheel of a directory.
    Wheel {
        wheel: WheelFilename,
        arch: Arc<str>,
        dir: Arc<Path>,
    },
    NotAvailable {
        name: String,
    },
}

/// Wheels grouped by lower-cased name, groups in first-seen order.
pub struct QueryResult {
    pub groups: Vec<(String, Vec<Entry>)>,
    pub warnings: Vec<String>,
}

/// Name matchers of a requirement set.
struct Matchers {
    /// Per requirement: which files to look at at all (`fnmatch("name-*.whl")`).
    files: Vec<NameGlob>,
    /// The name globs, for wheels whose name is not a key of the set.
    names: Vec<NameGlob>,
}

impl Matchers {
    fn new(set: &RequirementSet) -> Matchers {
        Matchers {
            files: set
                .entries
                .iter()
                .map(|(k, _)| NameGlob::new(&format!("{k}-*.whl")))
                .collect(),
            names: set.entries.iter().map(|(k, _)| NameGlob::new(k)).collect(),
        }
    }

    fn file_matches(&self, file: &str) -> bool {
        self.files.iter().any(|p| p.matches(file))
    }
}

/// Lists the wheels `request` selects from the site's wheelhouse (the catalog when it is
/// current, a walk otherwise): grouped by lower-cased name in walk order, cut to the latest
/// version when asked. Unreadable directories and unparseable wheel names become warnings.
pub fn run(request: &Query, site: &SiteConfig) -> Result<QueryResult, String> {
    let search = site.search_paths().map_err(|e| e.to_string())?;
    let house = Wheelhouse::open(&site.wheelhouse);
    let (paths, mut scan_warnings) = house.resolve(&search);
    let paths = filter_by_arch(paths, &request.archs);
    let tags = CompatibleTags::for_pythons(&request.pythons);
    let matchers = request.requirements.as_ref().map(Matchers::new);
    let listing = match &matchers {
        Some(m) => house.list_paths_matching(&paths, &|name| m.file_matches(name)),
        None => house.list_paths(&paths),
    };
    scan_warnings.extend(listing.warnings.iter().cloned());
    let mut warnings: Vec<String> = scan_warnings.iter().map(|w| w.to_string()).collect();

    let selected = select(
        &listing,
        request.requirements.as_ref(),
        matchers.as_ref(),
        &tags,
    );
    let archs: Vec<Arc<str>> = listing
        .archs
        .iter()
        .map(|a| Arc::from(a.as_str()))
        .collect();
    let dirs: Vec<Arc<Path>> = listing
        .dirs
        .iter()
        .map(|d| Arc::from(d.as_path()))
        .collect();
    let mut groups: Vec<(String, Vec<Entry>)> = Vec::new();
    // Groups by lower-cased name; `index` caches the spelling met to skip lower-casing again.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut index_lower: HashMap<String, usize> = HashMap::new();
    for item in selected {
        match item {
            Selected::Wheel(file, wheel) => {
                let slot = match index.get(wheel.name()) {
                    Some(slot) => *slot,
                    None => {
                        let key = wheel.name().to_lowercase();
                        let slot = match index_lower.get(&key) {
                            Some(slot) => *slot,
                            None => {
                                groups.push((key.clone(), Vec::new()));
                                index_lower.insert(key, groups.len() - 1);
                                groups.len() - 1
                            }
                        };
                        index.insert(wheel.name().to_string(), slot);
                        slot
                    }
                };
                let found = &listing.files[file];
                groups[slot].1.push(Entry::Wheel {
                    arch: archs[found.search_path as usize].clone(),
                    dir: dirs[found.dir as usize].clone(),
                    wheel,
                });
            }
            Selected::Unparseable(message) => warnings.push(message),
        }
    }
    if request.latest_only {
        for (_, entries) in groups.iter_mut() {
            keep_latest(entries);
        }
    }
    if request.not_available {
        let mut missing = Vec::new();
        if let (Some(set), Some(matchers)) = (&request.requirements, &matchers) {
            for ((key, _), name_glob) in set.entries.iter().zip(&matchers.names) {
                let found = groups.iter().any(|(k, _)| k == key || name_glob.matches(k));
                if !found {
                    missing.push((key.clone(), vec![Entry::NotAvailable { name: key.clone() }]));
                }
            }
        }
        if request.not_available_only {
            groups = missing;
        } else {
            groups.extend(missing);
        }
    }
    Ok(QueryResult { groups, warnings })
}

/// The reference keeps search paths whose text ends with a requested CPU level, in the order
/// the levels were given.
fn filter_by_arch(paths: Vec<PathBuf>, archs: &[String]) -> Vec<PathBuf> {
    if archs.is_empty() {
        return paths;
    }
    archs
        .iter()
        .flat_map(|arch| {
            paths
                .iter()
                .filter(move |p| p.to_string_lossy().ends_with(arch.as_str()))
        })
        .cloned()
        .collect()
}

enum Selected {
    Wheel(usize, WheelFilename),
    Unparseable(String),
}

/// Parses and filters every file, in parallel, keeping walk order.
fn select(
    listing: &Listing,
    set: Option<&RequirementSet>,
    matchers: Option<&Matchers>,
    tags: &CompatibleTags,
) -> Vec<Selected> {
    listing
        .files
        .par_iter()
        .enumerate()
        .filter_map(|(index, file)| {
            let wheel = match WheelFilename::parse_compatible(listing.name(file), tags) {
                Ok(Some(wheel)) => wheel,
                Ok(None) => return None,
                // Other files (READMEs, indexes) are expected in a wheelhouse; only names
                // that look like wheels deserve a warning.
                Err(e) if listing.name(file).ends_with(".whl") => {
                    return Some(Selected::Unparseable(format!("skipping {e}")))
                }
                Err(_) => return None,
            };
            if let (Some(set), Some(m)) = (set, matchers) {
                if !version_matches(&wheel, set, m) {
                    return None;
                }
            }
            Some(Selected::Wheel(index, wheel))
        })
        .collect()
}

/// An exact name uses its own specifier; otherwise any glob that matches the name and whose
/// specifier admits the public version.
fn version_matches(wheel: &WheelFilename, set: &RequirementSet, matchers: &Matchers) -> bool {
    let public = LooseVersion::parse(&wheel.version().public());
    let name = wheel.name().to_lowercase();
    if let Some(requirement) = set.get(&name) {
        return requirement.specifier.contains(&public);
    }
    set.entries
        .iter()
        .zip(&matchers.names)
        .any(|((_, r), glob)| glob.matches(&name) && r.specifier.contains(&public))
}

/// Keeps the wheels of the highest version (all their Pythons and arches), in walk order,
/// which is what the reference's stable sort then cut leaves.
///
/// # Performance
/// One pass to find the highest version instead of a sort; the wheels dropped are leaked
/// rather than freed one by one, since the process ends right after printing.
fn keep_latest(entries: &mut Vec<Entry>) {
    let Some(latest) = entries.iter().map(version_of).max().cloned() else {
        return;
    };
    let (kept, dropped): (Vec<Entry>, Vec<Entry>) = std::mem::take(entries)
        .into_iter()
        .partition(|e| *version_of(e) == latest);
    *entries = kept;
    std::mem::forget(dropped);
}

/// An entry's version (the empty version for a name that matched nothing).
pub fn version_of(entry: &Entry) -> &LooseVersion {
    static EMPTY: std::sync::OnceLock<LooseVersion> = std::sync::OnceLock::new();
    match entry {
        Entry::Wheel { wheel, .. } => wheel.version(),
        Entry::NotAvailable { .. } => EMPTY.get_or_init(|| LooseVersion::parse("")),
    }
}
