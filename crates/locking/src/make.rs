//! Making a lock (`wheelhouse lock`): resolve once per Python and CPU level, the same
//! versions everywhere the wheelhouse allows, into a PEP 751 document. Each resolution is
//! `environment::choose_for_lock`, `install`'s own sources (wheelhouse, `-f` directories,
//! indexes, sdists) answering where each chosen file comes from.
//!
//! The first Python and level chosen decide the versions; every other combination is
//! resolved with those versions as constraints, and only when that fails on its own (a
//! level whose wheelhouse lacks that version) with free choice, which is then said.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;

use environment::{ChosenFile, Event};
use interpreter::Interpreter;
use pep508_rs::Requirement;
use site_config::SiteConfig;

use crate::asked::{describe, interpreters, levels, paths_for, python_of, requirement_texts};
use crate::document::build_lock;
use crate::Error;

/// What to lock, as `wheelhouse lock` was asked.
#[derive(Clone, Debug, Default)]
pub struct LockRequest {
    /// Requirements (`numpy`, `pandas>=2`).
    pub requirements: Vec<String>,
    /// Requirements files, or projects' pyproject.toml (`[project]` dependencies).
    pub requirement_files: Vec<PathBuf>,
    pub constraint_files: Vec<PathBuf>,
    /// Optional-dependencies groups of the pyproject.toml files among `requirement_files`.
    pub extras: Vec<String>,
    /// Versions of a module (3.11) or interpreters' paths; none: the active environment's
    /// Python, else the loaded module's.
    pub pythons: Vec<String>,
    /// CPU levels; none: every level the wheelhouse has, generic being part of each.
    pub arches: Vec<String>,
    /// Directories searched for wheels and source distributions after the site's.
    pub find_links: Vec<PathBuf>,
    /// Package indexes, as `install` reads them (`-i`, `--extra-index-url`, `--no-index`,
    /// pip's configuration).
    pub index: environment::IndexOptions,
    /// `--only-binary`, `--no-binary` (normalised names or `:all:`) and `--prefer-binary`,
    /// as `install` takes them.
    pub only_binary: Vec<String>,
    pub no_binary: Vec<String>,
    pub prefer_binary: bool,
    pub pre: bool,
    pub allow_manylinux: bool,
    /// Where the lock is written ([`output_dir`]): its relative paths start there.
    pub lock_dir: PathBuf,
    /// The cache of unpacked wheels the builds of sources use.
    pub cache: Option<environment::CacheOptions>,
}

/// A lock made: the document, and the Pythons (`3.11`) and CPU levels it was made for.
#[derive(Debug)]
pub struct Made {
    pub lock: ::lock::Lock,
    pub pythons: Vec<String>,
    pub levels: Vec<String>,
}

/// One resolution: which Python, which level, what was chosen (key → version, file), and
/// which of those were built from a source named directly (key → the source to lock).
pub(crate) struct Resolved {
    pub(crate) python: String,
    pub(crate) level: Option<String>,
    pub(crate) chosen: BTreeMap<String, (String, ChosenFile)>,
    pub(crate) sources: BTreeMap<String, ::lock::Source>,
}

/// Resolves `request` for each Python and CPU level, the first deciding the versions, and
/// builds the lock. Sources named directly are built (notes and warnings go to `events`);
/// a Python or level that cannot have the first's versions is said as a note.
pub fn make(
    site: &SiteConfig,
    request: &LockRequest,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Made, Error> {
    let scope = Scope::read(site, request, events)?;
    let mut results: Vec<Resolved> = Vec::new();
    // The built wheels' directories, kept until the lock is written.
    let mut kept = Vec::new();
    // Index files and source distributions, each fetched and hashed once.
    let mut digests = environment::Digests::new();
    for it in &scope.interpreters {
        kept.push(scope.resolve_for(
            site,
            request,
            it,
            (&mut results, &mut digests),
            (cancel, events),
        )?);
    }
    report_differences(&results, events);
    let lock = build_lock(site, &scope.interpreters, &scope.levels, &results)?;
    Ok(Made {
        lock,
        pythons: scope.interpreters.iter().map(python_of).collect(),
        levels: scope.levels,
    })
}

/// What a lock covers, read once: what is wanted, for which Pythons and CPU levels, from
/// which directories.
struct Scope {
    wanted: environment::Wanted,
    interpreters: Vec<Interpreter>,
    paths: Vec<PathBuf>,
    levels: Vec<String>,
    /// How sources are found and built, as `install` is asked.
    options: environment::InstallOptions,
}

impl Scope {
    fn read(
        site: &SiteConfig,
        request: &LockRequest,
        events: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<Scope, Error> {
        let config = site
            .pip_install_options()
            .map_err(environment::Error::Config)?;
        let texts = requirement_texts(request)?;
        let wanted = environment::read_wanted(
            &config,
            &texts,
            &[],
            &request.requirement_files,
            &request.constraint_files,
            false,
        )?;
        if wanted.requirements.is_empty() && wanted.sources.is_empty() && wanted.remote.is_empty() {
            return Err(Error::NothingToLock);
        }
        let interpreters = interpreters(site, &request.pythons)?;
        let mut find_links = request.find_links.clone();
        find_links.extend(wanted.find_links.iter().cloned());
        // Every level's directories: the node's own level is not what a lock is for.
        let mut all_levels = site.clone();
        all_levels.current_arch = None;
        let (paths, warnings) = environment::search_paths(&all_levels, &config, &find_links)?;
        for w in &warnings {
            events(Event::Warning(w));
        }
        let levels = levels(site, &paths, &request.arches)?;
        let options = environment::InstallOptions {
            find_links: request.find_links.clone(),
            allow_manylinux: request.allow_manylinux,
            pre: request.pre,
            cache: request.cache.clone(),
            index: request.index.clone(),
            only_binary: request.only_binary.clone(),
            no_binary: request.no_binary.clone(),
            prefer_binary: request.prefer_binary,
            ..environment::InstallOptions::default()
        };
        Ok(Scope {
            wanted,
            interpreters,
            paths,
            levels,
            options,
        })
    }

    /// Resolves for one Python on each level (the first resolution's versions as pins),
    /// after building the sources named directly for it (their metadata may differ from one
    /// Python to the next); returns the built wheels' directory, to keep.
    fn resolve_for(
        &self,
        site: &SiteConfig,
        request: &LockRequest,
        it: &Interpreter,
        (results, digests): (&mut Vec<Resolved>, &mut environment::Digests),
        (cancel, events): (&AtomicBool, &(dyn Fn(Event<'_>) + Sync)),
    ) -> Result<Option<environment::BuiltSources>, Error> {
        let mut wanted = self.wanted.clone();
        let target = environment::Target::new(it.clone(), &it.executable);
        let built = crate::sources::build_for_lock(
            site,
            &target,
            &mut wanted,
            &self.options,
            cancel,
            events,
        )?;
        let mut sources = HashMap::new();
        for b in built.iter().flat_map(|b| &b.wheels) {
            let source = crate::sources::lock_source(b, &request.lock_dir)?;
            sources.insert(b.wheel.clone(), source);
        }
        let levels = &self.levels;
        for level in levels
            .iter()
            .map(Some)
            .chain(levels.is_empty().then_some(None))
        {
            let level_paths = paths_for(site, &self.paths, level.map(String::as_str));
            let pins = results.first().map(pins_of).unwrap_or_default();
            let choices = environment::choose_for_lock(
                site,
                &target,
                &self.options,
                &wanted,
                &level_paths,
                &pins,
                digests,
                cancel,
                &|event| match event {
                    Event::Note(_) | Event::Warning(_) => events(event),
                    _ => {}
                },
            )
            .map_err(|e| match e {
                // Which Python and level could not: the rest (an index, a build) says its own.
                environment::Error::Unresolvable { .. } => Error::Unresolvable {
                    python: describe(it, level),
                    source: Box::new(e),
                },
                e => e.into(),
            })?;
            let chosen: BTreeMap<String, (String, ChosenFile)> = choices
                .into_iter()
                .map(|c| (c.key, (c.version, c.file)))
                .collect();
            let sources = chosen
                .iter()
                .filter_map(|(k, (_, f))| match f {
                    ChosenFile::Wheel(w) => Some((k.clone(), sources.get(w)?.clone())),
                    ChosenFile::Digested(_) => None,
                })
                .collect();
            results.push(Resolved {
                python: python_of(it),
                level: level.cloned(),
                chosen,
                sources,
            });
        }
        Ok(built)
    }
}

/// The directory a lock written to `output` (`None` or `-`: standard output) is in: its
/// relative paths start there.
pub fn output_dir(output: Option<&Path>) -> PathBuf {
    let dir = match output {
        Some(o) if o.as_os_str() != "-" => o.parent().map(Path::to_path_buf).unwrap_or_default(),
        _ => PathBuf::new(),
    };
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    installer::paths::normalize(&std::path::absolute(&dir).unwrap_or(dir))
}

/// The first resolution's versions, as constraints for the others.
fn pins_of(first: &Resolved) -> Vec<Requirement> {
    first
        .chosen
        .iter()
        .filter_map(|(k, (v, _))| Requirement::from_str(&format!("{k}=={v}")).ok())
        .collect()
}

/// Says where a Python or level got other versions than the first.
fn report_differences(results: &[Resolved], events: &(dyn Fn(Event<'_>) + Sync)) {
    let Some(first) = results.first() else {
        return;
    };
    for r in &results[1..] {
        let differ: Vec<String> = r
            .chosen
            .iter()
            .filter_map(|(k, (v, _))| {
                let other = first.chosen.get(k).map(|(v, _)| v.as_str())?;
                (other != v).then(|| format!("{k} {v} (elsewhere {other})"))
            })
            .collect();
        if !differ.is_empty() {
            events(Event::Note(&format!(
                "note: Python {}{} cannot have the same versions as the others: {}",
                r.python,
                r.level
                    .as_deref()
                    .map(|l| format!(" on {l}"))
                    .unwrap_or_default(),
                differ.join(", ")
            )));
        }
    }
}
