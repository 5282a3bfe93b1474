//! Which wheels a request selects, in the reference's grouping and order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use catalog::{Listing, Wheelhouse};
use loose_version::LooseVersion;
use rayon::prelude::*;
use regex::Regex;
use requirements::WildRequirement;
use site_config::{PythonVersion, SiteConfig};
use wheel_name::{CompatibleTags, WheelFilename};

/// The requested names, keyed by canonical name in first-seen order; a later requirement for
/// the same name replaces the earlier one in place (a Python dict assignment).
#[derive(Clone, Debug, Default)]
pub struct RequirementSet {
    entries: Vec<(String, WildRequirement)>,
}

impl RequirementSet {
    fn insert(&mut self, requirement: WildRequirement) {
        match self
            .entries
            .iter_mut()
            .find(|(k, _)| *k == requirement.name)
        {
            Some(slot) => slot.1 = requirement,
            None => self.entries.push((requirement.name.clone(), requirement)),
        }
    }

    fn get(&self, name: &str) -> Option<&WildRequirement> {
        self.entries.iter().find(|(k, _)| k == name).map(|(_, r)| r)
    }
}

pub struct Request {
    pub requirements: Option<RequirementSet>,
    pub pythons: Vec<PythonVersion>,
    pub archs: Vec<String>,
    pub latest_only: bool,
    pub not_available: bool,
    pub not_available_only: bool,
}

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

/// Builds the request's names: requirement files first, then command-line names (which win),
/// `-v V` turning each command-line name into `name==V`. A `+local` suffix is dropped from
/// every requirement: listings filter on public versions.
pub fn requirement_set(
    files: &[PathBuf],
    wheels: &[String],
    names: &[String],
    version: Option<&str>,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<RequirementSet>, String> {
    let mut set = RequirementSet::default();
    for file in files {
        let parsed = requirements::read_requirement_files(file, vars)
            .map_err(|e| format!("{e}. Check the path given to -r/--requirement"))?;
        for line in parsed.lines {
            if line.editable {
                errln!(
                    "warning: {}:{}: skipping editable requirement `{}`: it names a source tree, not a wheel",
                    line.file.display(),
                    line.line,
                    line.text
                );
                continue;
            }
            let requirement = WildRequirement::parse_dropping_local(&line.text)
                .map_err(|e| format!("{}:{}: {e}", line.file.display(), line.line))?;
            set.insert(requirement);
        }
    }
    for text in wheels.iter().chain(names) {
        let requirement = WildRequirement::parse_dropping_local(text)
            .map_err(|e| format!("{e}. Give a name such as numpy, \"*cdf*\" or 'numpy>=1.21'"))?;
        let requirement = match version {
            Some(v) => WildRequirement::parse(&format!("{}=={v}", requirement.name))
                .map_err(|_| format!("--version {v}: not a valid version"))?,
            None => requirement,
        };
        set.insert(requirement);
    }
    Ok((!set.entries.is_empty()).then_some(set))
}

/// `fnmatch.translate` of a requirement name: only `*` is special in names.
fn glob_regex(glob: &str, suffix: &str) -> Regex {
    // Python's fnmatch allows `*` to match across anything, newlines included: (?s).
    let pattern: Vec<String> = glob.split('*').map(regex::escape).collect();
    Regex::new(&format!("(?is)^{}{suffix}$", pattern.join(".*"))).expect("escaped glob")
}

/// Which files a requirement looks at: `fnmatch("name-*.whl")`, case-insensitive.
enum FilePattern {
    /// ASCII names: the `*`-separated pieces, lower-cased, matched without the regex engine.
    Ascii(Vec<String>),
    Glob(Regex),
}

impl FilePattern {
    fn new(name: &str) -> FilePattern {
        if name.is_ascii() {
            let pattern = format!("{}-*.whl", name.to_ascii_lowercase());
            FilePattern::Ascii(pattern.split('*').map(str::to_string).collect())
        } else {
            FilePattern::Glob(glob_regex(name, r"-.*\.whl"))
        }
    }

    /// # Performance
    /// Runs on every file of the wheelhouse (40,000 on a large site): byte comparisons only.
    fn matches(&self, file: &str) -> bool {
        match self {
            FilePattern::Ascii(pieces) => ascii_glob_matches(pieces, file.as_bytes()),
            FilePattern::Glob(re) => re.is_match(file),
        }
    }
}

/// A `*` glob (given as its pieces) against a whole text, ASCII case-insensitively: the first
/// piece is a prefix, the last a suffix, and the middle ones are found in order (taking the
/// leftmost occurrence of each is enough when `*` is the only wildcard).
fn ascii_glob_matches(pieces: &[String], text: &[u8]) -> bool {
    let (first, last) = (pieces[0].as_bytes(), pieces[pieces.len() - 1].as_bytes());
    if pieces.len() == 1 {
        return text.eq_ignore_ascii_case(first);
    }
    if text.len() < first.len() + last.len()
        || !text[..first.len()].eq_ignore_ascii_case(first)
        || !text[text.len() - last.len()..].eq_ignore_ascii_case(last)
    {
        return false;
    }
    if pieces.len() == 2 {
        return true;
    }
    // Middle pieces: search a lower-cased copy with the standard substring search.
    let middle = &text[first.len()..text.len() - last.len()];
    let mut buffer = [0u8; 512];
    let lowered: String;
    let haystack: &str = if middle.len() <= buffer.len() {
        buffer[..middle.len()].copy_from_slice(middle);
        buffer[..middle.len()].make_ascii_lowercase();
        match std::str::from_utf8(&buffer[..middle.len()]) {
            Ok(s) => s,
            Err(_) => return false,
        }
    } else {
        lowered = String::from_utf8_lossy(middle).to_ascii_lowercase();
        &lowered
    };
    let mut rest = haystack;
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece.as_str()) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Compiled name matchers of a requirement set.
struct Matchers {
    /// Per requirement: which files to look at at all.
    files: Vec<FilePattern>,
    /// The name globs, for wheels whose name is not a key of the set.
    names: Vec<Regex>,
}

impl Matchers {
    fn new(set: &RequirementSet) -> Matchers {
        Matchers {
            files: set
                .entries
                .iter()
                .map(|(k, _)| FilePattern::new(k))
                .collect(),
            names: set.entries.iter().map(|(k, _)| glob_regex(k, "")).collect(),
        }
    }

    fn file_matches(&self, file: &str) -> bool {
        self.files.iter().any(|p| p.matches(file))
    }
}

pub fn run(request: &Request, site: &SiteConfig) -> Result<QueryResult, String> {
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
                let found = groups
                    .iter()
                    .any(|(k, _)| k == key || name_glob.is_match(k));
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
        .any(|((_, r), glob)| glob.is_match(&name) && r.specifier.contains(&public))
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

pub fn version_of(entry: &Entry) -> &LooseVersion {
    static EMPTY: std::sync::OnceLock<LooseVersion> = std::sync::OnceLock::new();
    match entry {
        Entry::Wheel { wheel, .. } => wheel.version(),
        Entry::NotAvailable { .. } => EMPTY.get_or_init(|| LooseVersion::parse("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_globs_agree_with_the_regex() {
        let names = [
            "numpy",
            "*cdf*",
            "net*",
            "*4",
            "a*b*c",
            "scikit_learn",
            "zope.interface",
        ];
        let files = [
            "numpy-1.0-py3-none-any.whl",
            "NumPy-1.0-py3-none-any.WHL",
            "numpy_quaternion-1-py3-none-any.whl",
            "netCDF4-1.6.5-cp311-cp311-linux_x86_64.whl",
            "h5netcdf-0.7.4-py2.py3-none-any.whl",
            "cdf-1.whl",
            "numpy-1.0-py3-none-any.whl.metadata",
            "abc-1.whl",
            "axbxc-1.whl",
            "ab-1.whl",
            "zope.interface-5-x.whl",
            "zopexinterface-5-x.whl",
            "scikit_learn-1.3-x.whl",
            "x4-1.whl",
            "numpy-.whl",
        ];
        for name in names {
            let fast = FilePattern::new(name);
            let slow = glob_regex(name, r"-.*\.whl");
            for file in files {
                assert_eq!(fast.matches(file), slow.is_match(file), "{name} on {file}");
            }
        }
    }
}
