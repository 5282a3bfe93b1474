//! Package indexes as a second source, after the wheelhouse (`--index-url`, pip's
//! `index-url`/`extra-index-url`/`PIP_INDEX_URL`).
//!
//! The site's builds win: with [`IndexStrategy::FirstMatch`] (the default) a package the
//! wheelhouse has a wheel of, for this Python, comes only from the wheelhouse, and its index
//! pages are never asked for; the indexes serve the packages the wheelhouse lacks (from the
//! first index that lists them). [`IndexStrategy::BestMatch`] is pip's rule: every source's
//! files are candidates and the best version wins (the wheelhouse's build for an equal
//! version). A job whose packages are all in the wheelhouse therefore never touches the
//! network: the index client is made only when a page is needed.
//!
//! The index cannot be listed whole, so names are found in rounds, as `download` finds them:
//! resolve; the resolver says which names it looked up; fetch the pages of those that need
//! the index and resolve again, until a round needs no new page (even after a success: a
//! choice made while a page was missing may have avoided it by backtracking). Each remote
//! file takes part keyed by its URL (a synthetic path); its METADATA comes from the index
//! client (PEP 658, else HTTP ranges), and only the chosen wheels are fetched, hash-checked,
//! into a temporary directory.
//!
//! Site policy holds for index wheels too: a `manylinux` wheel is refused unless allowed.
//! A version without a wheel the target accepts is a candidate through its source
//! distribution (unless `--only-binary`), built (in an isolated build environment whose
//! requirements resolve through these same sources) when the resolver first reads its
//! metadata, as the search paths' own source distributions are (module `sdists`): what the
//! site's `_manylinux.py` achieves for pip.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use download::{FileEntry, IndexArgs, IndexSource, IndexStrategy, Project};
use pep440_rs::Version;
use pep508_rs::VersionOrUrl;
use resolver::{Index, MetadataSource, Resolution, Source, WheelCandidate};
use site_config::{DownloadSettings, SiteConfig};
use wheel_metadata::normalize_name;
use wheel_name::{TagPriority, WheelFilename};

use crate::wanted::Wanted;

mod locked;
mod rules;
use crate::sdists::{Prepared, SourceBuilds};
use crate::{Error, Event, IndexSearched, InstallOptions, Target};
pub(crate) use rules::sdist_version;
use rules::{kept_installed, preferred, python_fits, urls};

/// The index options of one install: its flags and how candidates are taken. Requirement
/// files' `--index-url`/`--extra-index-url`/`--no-index` lines and pip's configuration add
/// to them.
#[derive(Clone, Debug, Default)]
pub struct IndexOptions {
    /// `-i/--index-url`: replaces the configuration's index.
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    /// `--no-index`: the wheelhouse only.
    pub no_index: bool,
    pub strategy: IndexStrategy,
    /// Set by Ctrl-C: transfers stop at their next chunk.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// Index files rank after every wheelhouse directory (for the same version and tag, the
/// site's build wins under `best-match`).
const INDEX_RANK: u32 = 1 << 20;

/// Pages fetched at once.
const PAGE_FETCHERS: usize = 8;

/// The indexes of one install, asked only when a package needs them.
pub(crate) struct Indexes<'a> {
    target: &'a Target,
    options: &'a InstallOptions,
    cancel: &'a AtomicBool,
    events: &'a (dyn Fn(Event<'_>) + Sync),
    settings: DownloadSettings,
    urls: Vec<String>,
    strategy: IndexStrategy,
    allow_manylinux: bool,
    /// Fetched wheels and sdists, and builds; removed with the install.
    work: OnceLock<Result<tempfile::TempDir, std::io::Error>>,
    source: OnceLock<Result<IndexSource, download::Error>>,
    /// Synthetic path (the URL) to the index's entry, for wheels and for sdists.
    wheels: Mutex<HashMap<PathBuf, FileEntry>>,
    sdists: Mutex<HashMap<PathBuf, (String, FileEntry)>>,
    /// Builds of source distributions, the search paths' and the indexes'.
    builds: &'a SourceBuilds<'a>,
    /// The first network or hash failure: it ends the install (as a failed build does).
    failure: Mutex<Option<Error>>,
}

/// The indexes an install reads, primary first: `None` when none is named or `--no-index`
/// says so.
///
/// pip's default index is PyPI; here an index is read only when one is named: `-i`,
/// `--extra-index-url`, a requirements file's `--index-url`/`--extra-index-url` lines, or
/// pip's `index-url`/`extra-index-url` (`PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`). A cluster's
/// compute nodes have no internet, and an install that worked offline must not start
/// reaching out because a name was misspelled; `-i https://pypi.org/simple` asks for PyPI.
/// The configuration's `no-index` turns its own indexes off, not those the command line or
/// a requirements file names (pip would ignore them silently); `--no-index` turns off all.
pub(crate) fn configured<'a>(
    site: &'a SiteConfig,
    target: &'a Target,
    options: &'a InstallOptions,
    wanted: &Wanted,
    builds: &'a SourceBuilds<'a>,
    cancel: &'a AtomicBool,
    events: &'a (dyn Fn(Event<'_>) + Sync),
) -> Result<Option<Indexes<'a>>, Error> {
    if options.index.no_index || wanted.no_index {
        return Ok(None);
    }
    let settings = site.index_settings("install").map_err(Error::Config)?;
    let args = IndexArgs {
        index_url: options
            .index
            .index_url
            .clone()
            .or_else(|| wanted.index_url.clone()),
        extra_index_urls: wanted
            .extra_index_urls
            .iter()
            .chain(&options.index.extra_index_urls)
            .cloned()
            .collect(),
        no_index: false,
    };
    let urls = urls(&settings, &args);
    if urls.is_empty() {
        return Ok(None);
    }
    let config = site.pip_install_options().map_err(Error::Config)?;
    Ok(Some(Indexes {
        target,
        options,
        cancel,
        events,
        settings,
        urls,
        strategy: options.index.strategy,
        allow_manylinux: options.allow_manylinux || config.allow_manylinux,
        work: OnceLock::new(),
        source: OnceLock::new(),
        wheels: Mutex::default(),
        sdists: Mutex::default(),
        builds,
        failure: Mutex::default(),
    }))
}

impl Indexes<'_> {
    /// The first failure met while resolving: the network's, a hash's, or a build's.
    fn take_failure(&self) -> Option<Error> {
        let failure = self.failure.lock().expect("no panics while held").take();
        failure.or_else(|| self.builds.take_failure())
    }

    fn work(&self) -> Result<&Path, Error> {
        self.work
            .get_or_init(|| {
                tempfile::Builder::new()
                    .prefix("wheelhouse-index-")
                    .tempdir()
            })
            .as_ref()
            .map(|d| d.path())
            // The directory is made once; each caller gets the failure's words.
            .map_err(|e| Error::TempDir {
                what: "a temporary directory",
                source: std::io::Error::new(e.kind(), e.to_string()),
            })
    }

    /// The index client, made on first use (nothing before touches the network).
    fn source(&self) -> Result<&IndexSource, Error> {
        let work = self.work()?.to_path_buf();
        self.source
            .get_or_init(|| {
                let client =
                    download::Client::new(&download::HttpSettings::from_settings(&self.settings))?;
                let cache = self.options.cache.as_ref().map(|c| c.dir.clone());
                let mut source =
                    IndexSource::new(client, self.urls.clone(), cache.as_deref(), &work);
                if let Some(flag) = &self.options.index.cancel {
                    source.set_cancel(flag.clone());
                }
                Ok(source)
            })
            .as_ref()
            .map_err(|e| Error::HttpClient(Box::new(e.clone())))
    }

    /// Resolves `request` over the wheelhouse's `index` and, for the packages that need
    /// them, the indexes' files (added to `index` as their pages are read).
    pub(crate) fn resolve(
        &self,
        request: &resolver::Request,
        index: &mut Index,
    ) -> Result<Resolution, Error> {
        let local: HashSet<String> = index.usable.keys().cloned().collect();
        let tags = self.target.interpreter.tag_target();
        let allowed = TagPriority::new(&tags, self.allow_manylinux);
        let with_manylinux = TagPriority::new(&tags, true);
        let mut fetched: HashMap<String, Arc<Project>> = HashMap::new();
        let mut names: Vec<String> = request
            .requirements
            .iter()
            .filter(|r| r.marker.evaluate(&request.markers, &[]))
            .map(|r| normalize_name(r.name.as_ref()))
            .collect();
        // Installed packages that fit are kept without asking the index, unless the
        // resolution fails without it.
        let mut with_installed = false;
        loop {
            let need: Vec<String> = {
                let mut need: Vec<String> = names
                    .iter()
                    .filter(|n| {
                        !fetched.contains_key(*n)
                            && self.strategy.asks_indexes(local.contains(*n))
                            && (with_installed || !kept_installed(request, n))
                    })
                    .cloned()
                    .collect();
                need.sort();
                need.dedup();
                need
            };
            if self.cancel.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(interrupted());
            }
            let wanted = |n: &str| {
                self.strategy.asks_indexes(local.contains(n))
                    && (with_installed || !kept_installed(request, n))
            };
            self.expand(
                need,
                &mut fetched,
                index,
                request,
                (&allowed, &with_manylinux),
                &wanted,
            )?;
            // Names whose candidates are final: a dependency without candidates outside them
            // stops the solve, to be read and solved again (no backtracking around it).
            let mut settled: HashSet<String> = fetched.keys().cloned().collect();
            if self.strategy == IndexStrategy::FirstMatch {
                settled.extend(local.iter().cloned());
            }
            if !with_installed {
                settled.extend(request.installed.keys().cloned());
            }
            index.settled = Some(settled);
            let (outcome, looked_up) = resolver::resolve_noting(request, index, self);
            if let Some(e) = self.take_failure() {
                return Err(e);
            }
            let asks = |n: &String, installed_too: bool| {
                !fetched.contains_key(n)
                    && self.strategy.asks_indexes(local.contains(n))
                    && (installed_too || !kept_installed(request, n))
            };
            let more = looked_up.iter().any(|n| asks(n, with_installed));
            names = looked_up;
            if more {
                continue;
            }
            match outcome {
                Ok(resolution) => return Ok(resolution),
                Err(_) if !with_installed && names.iter().any(|n| asks(n, true)) => {
                    with_installed = true;
                }
                Err(e) => return Err(self.explain(e, &fetched)),
            }
        }
    }

    /// Fetches the pages of `names` and, breadth first, those of the dependencies of each
    /// one's most preferred wheel (its newest that fits; its METADATA read now, as the solver
    /// would read it), as long as `wanted` says they need the index: the pages of a whole
    /// tree in as many rounds of parallel requests as it is deep.
    fn expand(
        &self,
        mut names: Vec<String>,
        fetched: &mut HashMap<String, Arc<Project>>,
        index: &mut Index,
        request: &resolver::Request,
        tags: (&TagPriority, &TagPriority),
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<(), Error> {
        while !names.is_empty() {
            self.fetch(&names, fetched, index, request, tags)?;
            let preferred: Vec<PathBuf> = names
                .iter()
                .filter_map(|key| preferred(index.usable.get(key)?, request.pre))
                .collect();
            let texts: Vec<Result<String, String>> = std::thread::scope(|scope| {
                preferred
                    .chunks(preferred.len().div_ceil(PAGE_FETCHERS).max(1))
                    .map(|chunk| scope.spawn(|| chunk.iter().map(|p| self.metadata(p)).collect()))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .flat_map(|h: std::thread::ScopedJoinHandle<'_, Vec<_>>| {
                        h.join().expect("metadata readers do not panic")
                    })
                    .collect()
            });
            if let Some(e) = self.take_failure() {
                return Err(e);
            }
            let mut next: Vec<String> = texts
                .iter()
                .flatten()
                .flat_map(|text| wheel_metadata::CoreMetadata::parse(text).requires_dist)
                .filter_map(|line| {
                    pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(&line).ok()
                })
                .filter(|req| req.evaluate_markers(&request.markers, &[]))
                .map(|req| normalize_name(req.name.as_ref()))
                .filter(|n| !fetched.contains_key(n) && wanted(n))
                .collect();
            next.sort();
            next.dedup();
            names = next;
        }
        Ok(())
    }

    /// Fetches the pages of `names`, a few at a time, and adds their files to `index`.
    fn fetch(
        &self,
        names: &[String],
        fetched: &mut HashMap<String, Arc<Project>>,
        index: &mut Index,
        request: &resolver::Request,
        tags: (&TagPriority, &TagPriority),
    ) -> Result<(), Error> {
        if names.is_empty() {
            return Ok(());
        }
        let source = self.source()?;
        for chunk in names.chunks(PAGE_FETCHERS) {
            let pages: Vec<_> = std::thread::scope(|scope| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|key| scope.spawn(|| source.project(key)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("page fetchers do not panic"))
                    .collect()
            });
            for (key, page) in chunk.iter().zip(pages) {
                let project = page.map_err(|e| self.index_error(e, key))?;
                self.add(&project, index, request, tags);
                fetched.insert(key.clone(), project);
            }
        }
        Ok(())
    }

    /// Adds a project's files to the resolver's index: wheels the target could use (the
    /// index's `Requires-Python` admits it, not yanked unless pinned), and for each version
    /// without a wheel the target accepts, its source distribution.
    fn add(
        &self,
        project: &Project,
        index: &mut Index,
        request: &resolver::Request,
        (allowed, with_manylinux): (&TagPriority, &TagPriority),
    ) {
        let key = &project.name;
        let pinned = request.requirements.iter().any(|r| {
            normalize_name(r.name.as_ref()) == *key
                && matches!(&r.version_or_url, Some(VersionOrUrl::VersionSpecifier(s))
                    if s.iter().any(|s| s.operator().to_string() == "=="))
        });
        let mut files: Vec<(PathBuf, String, u32)> = Vec::new();
        let mut sources: Vec<(&FileEntry, Version)> = Vec::new();
        for entry in project.candidates(self.strategy) {
            if (entry.yanked && !pinned)
                || !python_fits(entry, &request.python_version)
                || entry.filename.contains(['/', '\\'])
                || entry.filename.starts_with('.')
            {
                continue;
            }
            let rank = INDEX_RANK.saturating_add(entry.index as u32);
            if entry.filename.ends_with(".whl") {
                let ours = WheelFilename::parse(&entry.filename)
                    .is_ok_and(|w| normalize_name(w.name()) == *key)
                    && !self.builds.sources_only(key);
                if ours {
                    let path = PathBuf::from(&entry.url);
                    self.lock_wheels().insert(path.clone(), entry.clone());
                    files.push((path, entry.filename.clone(), rank));
                }
            } else if let Some(version) = sdist_version(&entry.filename, key) {
                if !self.builds.wheels_only(key) {
                    sources.push((entry, version));
                }
            }
        }
        index.add(
            files.iter().map(|(p, f, r)| (p.clone(), f.as_str(), *r)),
            allowed,
            with_manylinux,
        );
        let mut covered: HashSet<Version> = index
            .usable
            .get(key)
            .map(|c| c.iter().map(|c| c.version.clone()).collect())
            .unwrap_or_default();
        for (entry, version) in sources {
            if !covered.insert(version.clone()) {
                continue;
            }
            let path = PathBuf::from(&entry.url);
            self.sdists
                .lock()
                .expect("no panics while held")
                .insert(path.clone(), (key.clone(), entry.clone()));
            index
                .usable
                .entry(key.clone())
                .or_default()
                .push(WheelCandidate {
                    path,
                    filename: entry.filename.clone(),
                    version,
                    // Any wheel of the same version fits better.
                    tag_rank: WheelCandidate::SOURCE_TAG_RANK,
                    search_rank: INDEX_RANK.saturating_add(entry.index as u32),
                    build: None,
                });
        }
    }

    fn lock_wheels(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, FileEntry>> {
        self.wheels.lock().expect("no panics while held")
    }

    /// Puts the chosen index wheels in place: each fetched (checked against the index's
    /// sha256) into the temporary directory (an sdist's built wheel is put in place by
    /// [`SourceBuilds::use_built`]); the resolution then names local files, installed like
    /// wheel files (no `direct_url.json`, as pip).
    pub(crate) fn fetch_chosen(&self, resolution: &mut Resolution) -> Result<(), Error> {
        for package in &mut resolution.packages {
            let Source::Wheel(path) = &package.source else {
                continue;
            };
            let remote = self.lock_wheels().get(path).cloned();
            if let Some(entry) = remote {
                let dir = self.work()?.join("wheels");
                std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
                    action: "make",
                    path: dir.clone(),
                    source,
                })?;
                let dest = dir.join(&entry.filename);
                self.source()?
                    .fetch(&entry, &dest)
                    .map_err(|e| self.index_error(e, &package.key))?;
                package.source = Source::Wheel(dest);
            }
        }
        Ok(())
    }

    /// The wheel built from the index's sdist at `path` (fetched and built once).
    fn built(&self, path: &Path) -> Result<PathBuf, String> {
        let Some((key, entry)) = self
            .sdists
            .lock()
            .expect("no panics while held")
            .get(path)
            .cloned()
        else {
            return Err(format!("{} is not a file of the index", path.display()));
        };
        self.builds.built(path, || self.fetch_sdist(&key, &entry))
    }

    fn fetch_sdist(&self, key: &str, entry: &FileEntry) -> Result<Prepared, Error> {
        let source = self.source()?;
        let dir = self.work()?.join("sdists");
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            action: "make",
            path: dir.clone(),
            source,
        })?;
        let archive = dir.join(&entry.filename);
        source
            .fetch(entry, &archive)
            .map_err(|e| self.index_error(e, key))?;
        let why = self.builds.why_built(
            key,
            "the index has no wheel of this version that this Python and the site's policy \
             accept",
        );
        (self.events)(Event::Note(&format!(
            "building {} from {}: {why}",
            entry.filename,
            self.urls[entry.index.min(self.urls.len() - 1)]
        )));
        Ok(Prepared {
            archive,
            context: format!(
                "{key}: {why}, so its source distribution {} was built",
                entry.filename
            ),
        })
    }

    /// An index failure while `package` needed it, as the install's error.
    fn index_error(&self, e: download::Error, package: &str) -> Error {
        let package = package.to_string();
        if let Some(url) = e.unreachable_index() {
            return Error::IndexUnreachable {
                package,
                url: url.to_string(),
                best_match: self.strategy == IndexStrategy::BestMatch,
                source: Box::new(e),
            };
        }
        match e.kind() {
            download::ErrorKind::Cancelled => interrupted(),
            download::ErrorKind::Input => Error::IndexInput {
                package,
                source: Box::new(e),
            },
            _ => Error::Index {
                package,
                source: Box::new(e),
            },
        }
    }

    /// A failed resolution, with the indexes' side for the names it mentions.
    fn explain(&self, e: resolver::ResolveError, fetched: &HashMap<String, Arc<Project>>) -> Error {
        let mut keys: Vec<&String> = fetched.keys().collect();
        keys.sort();
        let mut indexes = Vec::new();
        let mut message = e.to_string();
        for key in keys {
            // A key mentioned by an earlier note counts too.
            if !message.contains(key.as_str()) {
                continue;
            }
            let project = &fetched[key];
            let searched = IndexSearched {
                key: key.clone(),
                has_wheel: project.files.iter().any(|f| f.filename.ends_with(".whl")),
                asked: project.asked(),
            };
            message.push_str(&format!("\n{searched}"));
            indexes.push(searched);
        }
        Error::Unresolvable { source: e, indexes }
    }
}

impl MetadataSource for Indexes<'_> {
    fn metadata(&self, wheel: &Path) -> Result<String, String> {
        let remote = self.lock_wheels().get(wheel).cloned();
        if let Some(entry) = remote {
            let name = WheelFilename::parse(&entry.filename)
                .map(|w| normalize_name(w.name()))
                .unwrap_or_else(|_| entry.filename.clone());
            let got = self
                .source()
                .and_then(|s| s.metadata(&entry).map_err(|e| self.index_error(e, &name)));
            return got.map_err(|e| {
                let text = e.to_string();
                self.failure
                    .lock()
                    .expect("no panics while held")
                    .get_or_insert(e);
                text
            });
        }
        if self
            .sdists
            .lock()
            .expect("no panics while held")
            .contains_key(wheel)
        {
            let built = self.built(wheel)?;
            return wheel_metadata::read_dist_info_file(&built, "METADATA")
                .map_err(|e| e.to_string());
        }
        self.builds.metadata(wheel)
    }
}

fn interrupted() -> Error {
    Error::Interrupted { building: false }
}
