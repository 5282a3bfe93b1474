//! Choosing one wheel per package for a target Python, under cluster rules: this crate's one
//! job. It is handed the candidate files (an [`Index`]) and what is installed; it reads no
//! directory listing, index page or configuration itself (`environment` builds the index from
//! the wheelhouse, `download` from a package index, `audit` for each Python and level) and
//! installs nothing (`environment` carries the choice out through `installer`).
//!
//! The solver is PubGrub (the `pubgrub` crate). Its version of a package is the *rank* of a
//! candidate in that package's preference list, not the PEP 440 version itself: the list is
//! finite (the wheelhouse plus what is installed), so every specifier becomes an exact set of
//! ranks, and PEP 440's harder corners (local versions such as `1.26.4+computecanada`
//! satisfying `==1.26.4`, `!=`, `~=`, `.*`) are decided by `pep440_rs` on real versions, never
//! approximated by intervals. Rank 0 is the most preferred candidate:
//! - an installed distribution that still fits, unless asked to upgrade or reinstall (as pip);
//! - then versions from highest to lowest (a `+local` build above its public version; final
//!   releases before pre-releases);
//! - for one version, the wheel with the most specific tag, then the earliest search path
//!   (the CPU-level directory before the generic ones).
//!
//! Failures are explained with the chain of requirements that clash, in versions a user can
//! read (module `explain`).
//!
//! ```
//! # use std::io::Write;
//! use std::{collections::HashMap, str::FromStr};
//!
//! use pep440_rs::Version;
//! use pep508_rs::Requirement;
//! use resolver::{resolve, Index, Request, Upgrade};
//! use wheel_name::TagPriority;
//!
//! # let tmp = tempfile::tempdir().unwrap();
//! # // A wheel holding only its METADATA: all the resolver reads.
//! # let wheel = |file: &str, requires: &[&str]| {
//! #     let (name, version) = (file.split('-').next().unwrap(), file.split('-').nth(1).unwrap());
//! #     let mut meta = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
//! #     requires.iter().for_each(|r| meta.push_str(&format!("Requires-Dist: {r}\n")));
//! #     let path = tmp.path().join(file);
//! #     let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
//! #     let stored = zip::write::SimpleFileOptions::default()
//! #         .compression_method(zip::CompressionMethod::Stored);
//! #     zip.start_file(format!("{name}-{version}.dist-info/METADATA"), stored).unwrap();
//! #     zip.write_all(meta.as_bytes()).unwrap();
//! #     zip.finish().unwrap();
//! #     path
//! # };
//! # let markers = pep508_rs::MarkerEnvironment::try_from(pep508_rs::MarkerEnvironmentBuilder {
//! #     implementation_name: "cpython", implementation_version: "3.11.7", os_name: "posix",
//! #     platform_machine: "x86_64", platform_python_implementation: "CPython",
//! #     platform_release: "6.1", platform_system: "Linux", platform_version: "#1",
//! #     python_full_version: "3.11.7", python_version: "3.11", sys_platform: "linux",
//! # }).unwrap();
//! # let target = wheel_name::TagTarget {
//! #     implementation: "cpython".into(), python: wheel_name::PythonVersion::new(3, 11),
//! #     abi: "cp311".into(), platform: "linux_x86_64".into(), glibc: Some((2, 36)),
//! # };
//! // The target's tags without and with manylinux (to explain a refusal by policy).
//! let policy = TagPriority::new(&target, false);
//! let with_manylinux = TagPriority::new(&target, true);
//! // `app` needs `lib<2`; the wheelhouse holds lib 1.0 and 2.0.
//! let files = [
//!     wheel("app-1.0-py3-none-any.whl", &["lib<2"]),
//!     wheel("lib-1.0-py3-none-any.whl", &[]),
//!     wheel("lib-2.0-cp311-cp311-linux_x86_64.whl", &[]),
//! ];
//! let named = files.iter().map(|f| (f.clone(), f.file_name().unwrap().to_str().unwrap(), 0));
//! let index = Index::build(named, &policy, &with_manylinux, vec![tmp.path().into()]);
//! let request = Request {
//!     requirements: vec![Requirement::from_str("app").unwrap()],
//!     markers, // the target interpreter's PEP 508 values
//!     python_version: Version::from_str("3.11.7").unwrap(),
//!     constraints: Vec::new(), installed: HashMap::new(), upgrade: Upgrade::None,
//!     force_reinstall: false, no_deps: false, pre: false, conflict_advice: None,
//! };
//! let mut chosen: Vec<String> = resolve(&request, &index).unwrap().packages.iter()
//!     .map(|p| format!("{}=={}", p.key, p.version)).collect();
//! chosen.sort();
//! assert_eq!(chosen, ["app==1.0", "lib==1.0"]);
//! ```

mod chain;
mod explain;
mod index;
mod metadata;
mod names;

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::rc::Rc;
use std::str::FromStr;
use std::sync::Arc;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerEnvironment, Requirement, VersionOrUrl};
use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics, Ranges,
};
use wheel_metadata::{normalize_name, CoreMetadata};

pub use explain::{explain_no_candidates, shell_word, NoCandidates};
pub use index::{Index, KnownMetadata, RejectedWheel, Rejection, StoredMetadata, WheelCandidate};
pub use metadata::{FromWheels, MetadataSource, READERS};
pub use names::near_names;

/// A distribution already importable by the target interpreter.
#[derive(Clone, Debug)]
pub struct Installed {
    pub name: String,
    pub version: String,
    pub requires_dist: Vec<String>,
    /// Whether it lives in the target environment (we may replace it) or elsewhere
    /// (`PYTHONPATH`, system site-packages: read-only for us).
    pub in_environment: bool,
}

/// Which installed packages may move to a newer version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Upgrade {
    /// Keep whatever is installed and fits (pip's default).
    #[default]
    None,
    /// The named packages (`--upgrade` applies to the requirements given), others only if
    /// needed.
    Packages(HashSet<String>),
    /// Every package of the resolution, dependencies included (pip's `--upgrade-strategy
    /// eager`).
    All,
}

/// What to resolve.
pub struct Request {
    pub requirements: Vec<Requirement>,
    pub constraints: Vec<Requirement>,
    pub markers: MarkerEnvironment,
    /// The target's full Python version, for `Requires-Python`.
    pub python_version: Version,
    /// By normalised name, the first one on the import path.
    pub installed: HashMap<String, Installed>,
    pub upgrade: Upgrade,
    pub force_reinstall: bool,
    pub no_deps: bool,
    pub pre: bool,
    /// The last line of a conflict's explanation, what to do next; `None`: the wheelhouse's
    /// (check the versions with `avail_wheels`). Resolving against another index says its own.
    pub conflict_advice: Option<String>,
}

/// Where a chosen distribution comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Install this wheel.
    Wheel(PathBuf),
    /// Already installed and kept.
    Installed,
}

/// One chosen distribution.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// Normalised name.
    pub key: String,
    pub version: Version,
    pub source: Source,
    /// Whether a top-level requirement names it.
    pub requested: bool,
}

/// A failed resolution, already explained.
#[derive(Debug)]
pub struct ResolveError {
    pub message: String,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ResolveError {}

/// The solver's package: the root, a distribution, or a distribution with one extra.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pkg {
    Root,
    Dist(Arc<str>),
    Extra(Arc<str>, Arc<str>),
}

impl Pkg {
    fn key(&self) -> Option<&str> {
        match self {
            Pkg::Root => None,
            Pkg::Dist(k) | Pkg::Extra(k, _) => Some(k),
        }
    }
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root => f.write_str("your requirements"),
            Pkg::Dist(k) => f.write_str(k),
            Pkg::Extra(k, e) => write!(f, "{k}[{e}]"),
        }
    }
}

#[derive(Clone, Debug)]
struct Candidate {
    version: Version,
    /// Index into the package's usable wheels, or `None` for the installed one.
    wheel: Option<usize>,
}

#[derive(Default)]
struct Metadata {
    requires_dist: Vec<String>,
    requires_python: Option<String>,
    /// `Provides-Extra`, normalised; `None` for installed copies (not checked).
    provides_extra: Option<Vec<String>>,
}

/// `(package, candidate rank)` → its metadata, read once.
type MetadataByRank = HashMap<(Arc<str>, u32), Rc<Metadata>>;

pub(crate) struct Provider<'a> {
    request: &'a Request,
    index: &'a Index,
    candidates: RefCell<HashMap<Arc<str>, Rc<Vec<Candidate>>>>,
    metadata: RefCell<MetadataByRank>,
    /// `(parent, rank, dependency)` → the requirement text, for explanations.
    pub(crate) edges: RefCell<HashMap<(Pkg, Pkg), String>>,
    pub(crate) warnings: RefCell<Vec<String>>,
    /// `(package, Requires-Python)` of the candidates ruled out by it, for explanations.
    pub(crate) requires_python: RefCell<Vec<(Arc<str>, String)>>,
    requested: HashSet<String>,
    ahead: &'a metadata::ReadAhead<'a>,
}

impl<'a> Provider<'a> {
    pub(crate) fn candidates(&self, key: &str) -> Rc<Vec<Candidate>> {
        if let Some(c) = self.candidates.borrow().get(key) {
            return c.clone();
        }
        let list = Rc::new(self.rank_candidates(key));
        self.candidates
            .borrow_mut()
            .insert(Arc::from(key), list.clone());
        list
    }

    fn rank_candidates(&self, key: &str) -> Vec<Candidate> {
        let request = self.request;
        let constraints: Vec<&VersionSpecifiers> = request
            .constraints
            .iter()
            .filter(|c| {
                normalize_name(c.name.as_ref()) == key && c.marker.evaluate(&request.markers, &[])
            })
            .filter_map(|c| match &c.version_or_url {
                Some(VersionOrUrl::VersionSpecifier(s)) => Some(s),
                _ => None,
            })
            .collect();
        let allowed = |v: &Version| constraints.iter().all(|s| s.contains(v));
        let empty = Vec::new();
        let wheels = self.index.usable.get(key).unwrap_or(&empty);
        // Best wheel per version.
        let mut best: HashMap<&Version, usize> = HashMap::new();
        for (i, w) in wheels.iter().enumerate() {
            if !allowed(&w.version) {
                continue;
            }
            best.entry(&w.version)
                .and_modify(|b| {
                    let old = &wheels[*b];
                    // As pip: the better tag, then the higher build tag; then the earlier
                    // search directory (the site's order).
                    let better = w
                        .tag_rank
                        .cmp(&old.tag_rank)
                        .then_with(|| old.build.cmp(&w.build))
                        .then(w.search_rank.cmp(&old.search_rank));
                    if better.is_lt() {
                        *b = i;
                    }
                })
                .or_insert(i);
        }
        let mut list: Vec<Candidate> = best
            .into_iter()
            .map(|(v, i)| Candidate {
                version: v.clone(),
                wheel: Some(i),
            })
            .collect();
        let installed = request.installed.get(key).and_then(|inst| {
            Version::from_str(&inst.version)
                .ok()
                .filter(|v| allowed(v))
                .map(|v| (inst, v))
        });
        let upgrading = match &request.upgrade {
            Upgrade::None => false,
            Upgrade::Packages(names) => names.contains(key),
            Upgrade::All => true,
        };
        if let Some((inst, version)) = &installed {
            // Same version in the wheelhouse: keep the installed copy unless reinstalling, or
            // unless it is outside the environment (then the wheel is the way to replace it).
            let same = list.iter().position(|c| c.version == *version);
            let keep = !request.force_reinstall || !inst.in_environment;
            match same {
                Some(pos) if keep => list[pos].wheel = None,
                Some(_) => {}
                None => list.push(Candidate {
                    version: version.clone(),
                    wheel: None,
                }),
            }
        }
        let pre = request.pre;
        // With --prefer-binary, as pip: a version only a source distribution provides comes
        // after every version with a wheel (or installed).
        let source_only = |c: &Candidate| {
            self.index.prefer_binary && c.wheel.is_some_and(|i| wheels[i].is_source())
        };
        list.sort_by(|a, b| {
            let a_pre = !pre && a.version.any_prerelease();
            let b_pre = !pre && b.version.any_prerelease();
            a_pre
                .cmp(&b_pre)
                .then_with(|| source_only(a).cmp(&source_only(b)))
                .then_with(|| b.version.cmp(&a.version))
        });
        if let Some((inst, version)) = &installed {
            let keep_first = !(upgrading || (request.force_reinstall && inst.in_environment));
            if keep_first {
                if let Some(pos) = list
                    .iter()
                    .position(|c| c.wheel.is_none() && c.version == *version)
                {
                    let c = list.remove(pos);
                    list.insert(0, c);
                }
            }
        }
        list
    }

    fn metadata(&self, key: &Arc<str>, rank: u32) -> Result<Rc<Metadata>, String> {
        if let Some(m) = self.metadata.borrow().get(&(key.clone(), rank)) {
            return Ok(m.clone());
        }
        let candidates = self.candidates(key);
        let candidate = &candidates[rank as usize];
        let meta = match candidate.wheel {
            None => {
                let inst = &self.request.installed[&**key];
                Metadata {
                    requires_dist: inst.requires_dist.clone(),
                    requires_python: None,
                    provides_extra: None,
                }
            }
            Some(i) => {
                let wheel = &self.index.usable[&**key][i];
                // A fresh catalog answers without opening the wheel; otherwise the read-ahead
                // has it (or reads it now).
                let stored = self
                    .index
                    .known_metadata
                    .0
                    .as_ref()
                    .and_then(|source| source.core_metadata(&wheel.path));
                let core = match stored {
                    Some(core) => core,
                    None => CoreMetadata::parse(&self.ahead.get(&wheel.path)?),
                };
                for line in &core.requires_dist {
                    if let Some(name) = metadata::plain_dependency(line) {
                        self.read_ahead(&normalize_name(name));
                    }
                }
                Metadata {
                    requires_dist: core.requires_dist,
                    requires_python: core.requires_python,
                    provides_extra: Some(
                        core.provides_extra
                            .iter()
                            .map(|e| normalize_name(e))
                            .collect(),
                    ),
                }
            }
        };
        let meta = Rc::new(meta);
        self.metadata
            .borrow_mut()
            .insert((key.clone(), rank), meta.clone());
        Ok(meta)
    }

    /// Queues the METADATA of `key`'s most preferred wheel for the reader threads.
    fn read_ahead(&self, key: &str) {
        // With a catalog the metadata is at hand: no wheel to open ahead of time.
        if self.index.known_metadata.0.is_some() {
            return;
        }
        let candidates = self.candidates(key);
        if let Some(i) = candidates.first().and_then(|c| c.wheel) {
            self.ahead.ahead(&self.index.usable[key][i].path);
        }
    }

    /// The ranks of `key`'s candidates that satisfy `specifiers`.
    pub(crate) fn ranks_matching(
        &self,
        key: &str,
        specifiers: Option<&VersionSpecifiers>,
    ) -> Ranges<u32> {
        let candidates = self.candidates(key);
        let mut ranges = Ranges::empty();
        let mut start: Option<u32> = None;
        for (i, c) in candidates.iter().enumerate() {
            let ok = specifiers.is_none_or(|s| s.contains(&c.version));
            match (ok, start) {
                (true, None) => start = Some(i as u32),
                (false, Some(s)) => {
                    ranges = ranges.union(&Ranges::between(s, i as u32));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            ranges = ranges.union(&Ranges::between(s, candidates.len() as u32));
        }
        ranges
    }

    /// Versions of `key` in a rank set, for messages.
    pub(crate) fn versions_in(&self, key: &str, set: &Ranges<u32>) -> Vec<String> {
        let candidates = self.candidates(key);
        let mut out: Vec<&Version> = candidates
            .iter()
            .enumerate()
            .filter(|(i, _)| set.contains(&(*i as u32)))
            .map(|(_, c)| &c.version)
            .collect();
        out.sort();
        out.dedup();
        out.into_iter().rev().map(|v| v.to_string()).collect()
    }

    pub(crate) fn candidate_count(&self, key: &str) -> usize {
        self.candidates(key).len()
    }

    fn add_requirement(&self, parent: &Pkg, req: &Requirement, deps: &mut Vec<(Pkg, Ranges<u32>)>) {
        let key: Arc<str> = Arc::from(normalize_name(req.name.as_ref()));
        let specifiers = match &req.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(s)) => Some(s),
            Some(VersionOrUrl::Url(_)) => {
                self.warnings.borrow_mut().push(format!(
                    "`{req}`: direct URLs are not used; the wheelhouse's {key} is resolved instead"
                ));
                None
            }
            None => None,
        };
        let set = self.ranks_matching(&key, specifiers);
        let text = req.to_string();
        let mut targets = vec![Pkg::Dist(key.clone())];
        targets.extend(
            req.extras
                .iter()
                .map(|e| Pkg::Extra(key.clone(), Arc::from(e.as_ref()))),
        );
        for target in targets {
            self.edges
                .borrow_mut()
                .entry((parent.clone(), target.clone()))
                .and_modify(|t| {
                    if !t.contains(&text) {
                        t.push_str(", ");
                        t.push_str(&text);
                    }
                })
                .or_insert_with(|| text.clone());
            match deps.iter_mut().find(|(p, _)| *p == target) {
                Some((_, old)) => *old = old.intersection(&set),
                None => deps.push((target, set.clone())),
            }
        }
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Pkg;
    type V = u32;
    type VS = Ranges<u32>;
    type M = String;
    type Err = Unsettled;
    type Priority = (u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &Pkg,
        range: &Ranges<u32>,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        match package.key() {
            None => (u32::MAX, Reverse(0)),
            Some(key) => {
                let n = self.candidate_count(key);
                let in_range = (0..n as u32).filter(|i| range.contains(i)).count();
                (stats.conflict_count(), Reverse(in_range))
            }
        }
    }

    fn choose_version(&self, package: &Pkg, range: &Ranges<u32>) -> Result<Option<u32>, Self::Err> {
        Ok(match package.key() {
            None => range.contains(&0).then_some(0),
            Some(key) => {
                let n = self.candidate_count(key) as u32;
                (0..n).find(|i| range.contains(i))
            }
        })
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        rank: &u32,
    ) -> Result<Dependencies<Pkg, Ranges<u32>, String>, Self::Err> {
        let mut deps: Vec<(Pkg, Ranges<u32>)> = Vec::new();
        match package {
            Pkg::Root => {
                for req in &self.request.requirements {
                    if req.marker.evaluate(&self.request.markers, &[]) {
                        self.add_requirement(package, req, &mut deps);
                    }
                }
            }
            Pkg::Dist(key) | Pkg::Extra(key, _) => {
                let meta = match self.metadata(key, *rank) {
                    Ok(m) => m,
                    Err(e) => return Ok(Dependencies::Unavailable(e)),
                };
                if let Some(rp) = &meta.requires_python {
                    match VersionSpecifiers::from_str(rp) {
                        Ok(spec) if !spec.contains(&self.request.python_version) => {
                            self.requires_python
                                .borrow_mut()
                                .push((key.clone(), rp.clone()));
                            return Ok(Dependencies::Unavailable(format!(
                                "because it requires Python {rp} (this is Python {})",
                                self.request.python_version
                            )));
                        }
                        Ok(_) => {}
                        // pip ignores a Requires-Python it cannot parse, and says so.
                        Err(_) => self.warnings.borrow_mut().push(format!(
                            "ignoring the invalid Requires-Python `{rp}` of {key} (as pip \
                             does); the wheel is treated as supporting every Python"
                        )),
                    }
                }
                let extras: Vec<ExtraName> = match package {
                    Pkg::Extra(_, e) => {
                        deps.push((Pkg::Dist(key.clone()), Ranges::singleton(*rank)));
                        // As pip: an extra the distribution does not declare provides nothing.
                        let declared = meta
                            .provides_extra
                            .as_ref()
                            .is_none_or(|p| p.contains(&normalize_name(e)));
                        if !declared {
                            self.warnings.borrow_mut().push(format!(
                                "{key} does not provide the extra '{e}' (its metadata declares \
                                 no such Provides-Extra); installing {key} without it, as pip does"
                            ));
                            return Ok(Dependencies::Available(deps.into_iter().collect()));
                        }
                        ExtraName::from_str(e).into_iter().collect()
                    }
                    _ => Vec::new(),
                };
                if self.request.no_deps {
                    return Ok(Dependencies::Available(deps.into_iter().collect()));
                }
                for line in &meta.requires_dist {
                    let req = match Requirement::from_str(line) {
                        Ok(r) => r,
                        Err(e) => {
                            self.warnings.borrow_mut().push(format!(
                                "{key}: ignoring the unreadable requirement `{line}` in its metadata: {e}"
                            ));
                            continue;
                        }
                    };
                    if !req.marker.evaluate(&self.request.markers, &extras) {
                        continue;
                    }
                    if extras.is_empty() || !req.marker.evaluate(&self.request.markers, &[]) {
                        self.add_requirement(package, &req, &mut deps);
                    }
                }
            }
        }
        if let Some(settled) = &self.index.settled {
            for (dep, _) in &deps {
                if let Some(key) = dep.key() {
                    if !settled.contains(key) && self.candidates(key).is_empty() {
                        return Err(Unsettled(key.to_string()));
                    }
                }
            }
        }
        Ok(Dependencies::Available(
            deps.into_iter().collect::<DependencyConstraints<_, _>>(),
        ))
    }
}

/// A dependency whose candidates are not known yet ([`Index::settled`]).
#[derive(Debug)]
pub struct Unsettled(pub String);

impl fmt::Display for Unsettled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the candidates of {} are not known yet", self.0)
    }
}

impl std::error::Error for Unsettled {}

/// What the resolution chose, and the warnings met on the way.
#[derive(Debug)]
pub struct Resolution {
    pub packages: Vec<Resolved>,
    pub warnings: Vec<String>,
}

/// Resolves a request against an index, reading METADATA from the wheels.
pub fn resolve(request: &Request, index: &Index) -> Result<Resolution, ResolveError> {
    resolve_with(request, index, &FromWheels)
}

/// Resolves a request against an index, reading METADATA from `source` (a catalog's stored
/// metadata, or the wheels) with [`READERS`] threads reading ahead.
pub fn resolve_with(
    request: &Request,
    index: &Index,
    source: &dyn MetadataSource,
) -> Result<Resolution, ResolveError> {
    resolve_noting(request, index, source).0
}

/// As [`resolve_with`], and the normalised names the solver looked up along the way (the
/// requirements' and every dependency's of the versions it tried), found or not: a caller
/// whose index cannot be listed whole (a package index) learns which pages to fetch before
/// resolving again.
pub fn resolve_noting(
    request: &Request,
    index: &Index,
    source: &dyn MetadataSource,
) -> (Result<Resolution, ResolveError>, Vec<String>) {
    let ahead = metadata::ReadAhead::new(source);
    std::thread::scope(|scope| {
        for _ in 0..READERS {
            scope.spawn(|| ahead.read());
        }
        let result = solve(request, index, &ahead);
        ahead.finish();
        result
    })
}

fn solve(
    request: &Request,
    index: &Index,
    ahead: &metadata::ReadAhead<'_>,
) -> (Result<Resolution, ResolveError>, Vec<String>) {
    let requested: HashSet<String> = request
        .requirements
        .iter()
        .map(|r| normalize_name(r.name.as_ref()))
        .collect();
    let provider = Provider {
        request,
        index,
        candidates: RefCell::default(),
        metadata: RefCell::default(),
        edges: RefCell::default(),
        warnings: RefCell::default(),
        requires_python: RefCell::default(),
        requested,
        ahead,
    };
    let result = solve_with(&provider, request, index);
    let mut looked_up: Vec<String> = provider
        .candidates
        .borrow()
        .keys()
        .map(|k| k.to_string())
        .collect();
    looked_up.sort();
    (result, looked_up)
}

fn solve_with(
    provider: &Provider<'_>,
    request: &Request,
    index: &Index,
) -> Result<Resolution, ResolveError> {
    // Names that cannot be found at all get the teaching message before any solving.
    for req in &request.requirements {
        if !req.marker.evaluate(&request.markers, &[]) {
            continue;
        }
        let key = normalize_name(req.name.as_ref());
        if provider.candidate_count(&key) == 0 {
            return Err(ResolveError {
                message: explain_no_candidates(&key, req.name.as_ref(), index, request).to_string(),
            });
        }
        provider.read_ahead(&key);
        if let Some(VersionOrUrl::VersionSpecifier(spec)) = &req.version_or_url {
            let no_binary = index
                .rejected
                .get(&key)
                .is_some_and(|r| r.iter().any(|r| r.why == Rejection::NoBinary));
            if provider.ranks_matching(&key, Some(spec)).is_empty() && no_binary {
                // The wheels that would satisfy it were left out (`--no-binary`).
                return Err(ResolveError {
                    message: explain_no_candidates(&key, req.name.as_ref(), index, request)
                        .to_string(),
                });
            }
            if provider.ranks_matching(&key, Some(spec)).is_empty() {
                let versions = provider.versions_in(&key, &Ranges::full());
                return Err(ResolveError {
                    message: format!(
                        "No matching distribution found for {req}: the wheelhouse has {} {} for \
                         this Python, and none satisfies `{spec}`. Change the requirement to one \
                         of these versions, or run `avail_wheels {} --all-versions --all-pythons` \
                         to see builds for other Pythons.",
                        req.name,
                        versions.join(", "),
                        req.name
                    ),
                });
            }
        }
    }
    match pubgrub::resolve(provider, Pkg::Root, 0u32) {
        Ok(solution) => {
            let mut packages = Vec::new();
            for (pkg, rank) in solution {
                let Pkg::Dist(key) = pkg else { continue };
                let candidates = provider.candidates(&key);
                let c = &candidates[rank as usize];
                let source = match c.wheel {
                    Some(i) => Source::Wheel(index.usable[&*key][i].path.clone()),
                    None => Source::Installed,
                };
                packages.push(Resolved {
                    requested: provider.requested.contains(&*key),
                    key: key.to_string(),
                    version: c.version.clone(),
                    source,
                });
            }
            packages.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(Resolution {
                packages,
                warnings: provider.warnings.take(),
            })
        }
        Err(pubgrub::PubGrubError::NoSolution(tree)) => Err(ResolveError {
            message: explain::explain_conflict(provider, tree),
        }),
        Err(other) => Err(ResolveError {
            message: format!("resolution failed: {other}"),
        }),
    }
}
