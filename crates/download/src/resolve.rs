//! Downloading with dependencies: the install's resolver (PubGrub, backtracking) over the
//! files the index lists.
//!
//! The resolver works on an [`Index`] of wheels keyed by path; here each remote file is keyed
//! by its URL (a synthetic path) and mapped back to the index's entry. METADATA comes from
//! the [`IndexSource`] (PEP 658, else range requests into the wheel; fetched once and kept
//! for every later round): nothing reaches the destination until the resolution is done, and
//! then only the chosen wheels.
//!
//! The index cannot be listed whole, so names are found in rounds: fetch the pages of the
//! names known (the requested ones, then every name in a `Requires-Dist` that applies to the
//! target, from any metadata read so far), build the index, resolve; when the metadata read
//! named projects whose pages are not fetched yet, fetch them and resolve again (even after a
//! success: a choice made while a dependency's page was missing may have avoided it by
//! backtracking). The last round has every page its metadata names.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerEnvironment, Requirement, VerbatimUrl};
use resolver::{Index, MetadataSource, Source, WheelCandidate};
use wheel_name::WheelFilename;

use crate::sdist::{sdist_version, SdistMetadata};
use crate::{
    choose, normalize, python_fits, save, save_sdist, wheel_of, DownloadRequest, Downloaded, Error,
    Event, FileEntry, IndexSource, Project, Wanted,
};

/// Pages fetched at once: an index answers a few requests in parallel without complaint.
const PAGE_FETCHERS: usize = 8;

/// METADATA of remote wheels, through the index source, and of sdists, fetched whole and read
/// by the caller's `sdist_metadata`.
struct Remote<'a> {
    source: &'a IndexSource,
    sdist_metadata: &'a SdistMetadata<'a>,
    /// Synthetic path (the URL) to the index's entry.
    entries: Mutex<HashMap<PathBuf, FileEntry>>,
    /// Answers so far, by synthetic path (for the names they bring).
    read: Mutex<HashMap<PathBuf, String>>,
    /// The first network, hash or file error: it ends the download, as with pip.
    failure: Mutex<Option<Error>>,
}

impl MetadataSource for Remote<'_> {
    fn metadata(&self, wheel: &Path) -> Result<String, String> {
        let entry = self
            .entries
            .lock()
            .expect("no panics while held")
            .get(wheel)
            .cloned();
        let Some(entry) = entry else {
            return Err(format!("{} is not a file of the index", wheel.display()));
        };
        let answer = if entry.filename.ends_with(".whl") {
            self.source.metadata(&entry)
        } else {
            self.sdist(&entry)
        };
        match answer {
            Ok(text) => {
                self.read
                    .lock()
                    .expect("no panics while held")
                    .insert(wheel.to_path_buf(), text.clone());
                Ok(text)
            }
            Err(e) => {
                let text = e.to_string();
                self.failure
                    .lock()
                    .expect("no panics while held")
                    .get_or_insert(e);
                Err(text)
            }
        }
    }
}

impl Remote<'_> {
    /// An sdist's metadata: the whole file fetched (and checked) once into the source's
    /// scratch directory, where saving it later finds it, then read by the caller.
    fn sdist(&self, entry: &FileEntry) -> Result<String, Error> {
        let path = self.source.stage(entry)?;
        (self.sdist_metadata)(&path).map_err(|reason| {
            let (name, version) = entry
                .filename
                .trim_end_matches(".tar.gz")
                .trim_end_matches(".zip")
                .rsplit_once('-')
                .unwrap_or((&entry.filename, ""));
            Error::SdistMetadata {
                file: entry.filename.clone(),
                url: entry.url.clone(),
                name: name.to_string(),
                version: version.to_string(),
                reason,
            }
        })
    }
}

/// Downloads `wanted` and what it needs, as the resolver chooses.
pub(crate) fn download(
    source: &IndexSource,
    request: &DownloadRequest,
    wanted: &[Wanted],
    sdist_metadata: &SdistMetadata<'_>,
    events: &dyn Fn(Event<'_>),
) -> Result<Vec<Downloaded>, Error> {
    let target = &request.target;
    let markers = target
        .markers()
        .ok_or_else(|| Error::PythonWithoutMarkers {
            version: target.full_version.clone(),
        })?;
    let python = Version::from_str(&target.full_version).map_err(|e| Error::PythonNotAVersion {
        version: target.full_version.clone(),
        source: Arc::new(e),
    })?;
    let remote = Remote {
        source,
        sdist_metadata,
        entries: Mutex::default(),
        read: Mutex::default(),
        failure: Mutex::default(),
    };
    let resolver_request = resolver::Request {
        requirements: wanted.iter().map(|w| w.req.clone()).collect(),
        constraints: Vec::new(),
        markers: markers.clone(),
        python_version: python.clone(),
        installed: HashMap::new(),
        upgrade: resolver::Upgrade::None,
        force_reinstall: false,
        no_deps: false,
        pre: request.pre,
        // The index is the source here, not the wheelhouse.
        conflict_advice: Some(
            "Loosen one of the requirements above, or pin versions the index has (its project \
             pages list them)."
                .into(),
        ),
    };
    // Pinned names may use a yanked file (PEP 592), as pip.
    let pinned: HashSet<&str> = wanted
        .iter()
        .filter(|w| {
            w.spec
                .as_ref()
                .is_some_and(|s| s.iter().any(|s| s.operator().to_string() == "=="))
        })
        .map(|w| w.key.as_str())
        .collect();
    let mut projects: HashMap<String, Arc<Project>> = HashMap::new();
    let mut names: Vec<String> = wanted
        .iter()
        .filter(|w| w.req.evaluate_markers(&markers, &[]))
        .map(|w| w.key.clone())
        .collect();
    let outcome = loop {
        let new: Vec<String> = names
            .iter()
            .filter(|n| !projects.contains_key(*n))
            .cloned()
            .collect();
        let first = projects.is_empty();
        fetch_projects(source, &new, &mut projects, events)?;
        if first {
            // The first round: a requested name without a fitting wheel gets the message that
            // says what the index has instead.
            for w in wanted {
                if w.req.evaluate_markers(&markers, &[]) {
                    choose(
                        request,
                        &w.req,
                        &w.key,
                        w.spec.as_ref(),
                        Some(&python),
                        &w.origin,
                        &projects[&w.key],
                    )?;
                }
            }
        }
        let index = build_index(request, source, &projects, &pinned, &python, &remote);
        let outcome = resolver::resolve_with(&resolver_request, &index, &remote);
        if let Some(e) = remote.failure.lock().expect("no panics while held").take() {
            return Err(e);
        }
        names = applicable_names(&remote, wanted, &markers);
        if names.iter().all(|n| projects.contains_key(n)) {
            break outcome.map_err(|e| (e, index));
        }
    };
    let resolution = match outcome {
        Ok(r) => r,
        Err((e, index)) => {
            // The resolver says which requirement cannot be met; the index's side (no such
            // project, or only wheels for other Pythons) is ours to add.
            let explanation = e.message;
            let mut missing = Vec::new();
            for key in &names {
                if index.usable.contains_key(key) || !explanation.contains(key.as_str()) {
                    continue;
                }
                let Ok(req) = Requirement::<VerbatimUrl>::from_str(key) else {
                    continue;
                };
                let found = choose(
                    request,
                    &req,
                    key,
                    None,
                    Some(&python),
                    "a dependency",
                    &projects[key],
                );
                if let Err(why) = found {
                    missing.push(why);
                }
            }
            return Err(Error::Unresolvable {
                explanation,
                missing,
            });
        }
    };
    for warning in &resolution.warnings {
        events(Event::Warning(warning));
    }
    let entries = remote.entries.lock().expect("no panics while held").clone();
    let mut out = Vec::new();
    for package in &resolution.packages {
        let Source::Wheel(path) = &package.source else {
            continue;
        };
        let Some(entry) = entries.get(path) else {
            continue;
        };
        let item = if let Some((wheel, _)) = wheel_of(entry, &package.key) {
            save(source, request, entry, &wheel)?
        } else if let Some(version) = sdist_version(&entry.filename, &package.key) {
            save_sdist(source, request, entry, &version)?
        } else {
            continue;
        };
        events(Event::Saved(&item));
        out.push(item);
    }
    Ok(out)
}

/// Fetches the pages of `names`, a few at a time, into `projects`.
fn fetch_projects(
    source: &IndexSource,
    names: &[String],
    projects: &mut HashMap<String, Arc<Project>>,
    events: &dyn Fn(Event<'_>),
) -> Result<(), Error> {
    for chunk in names.chunks(PAGE_FETCHERS) {
        for key in chunk {
            for index in source.urls() {
                events(Event::Page(&IndexSource::page_url(index, key)));
            }
        }
        let pages: Vec<Result<Arc<Project>, Error>> = std::thread::scope(|scope| {
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
            projects.insert(key.clone(), page?);
        }
    }
    Ok(())
}

/// The resolver's index of every wheel the pages list that the target could use: the index's
/// `Requires-Python` admits it, it is not yanked (unless pinned); tags are the resolver's
/// business, under the site's `manylinux` policy (a refused one is named in explanations).
fn build_index(
    request: &DownloadRequest,
    source: &IndexSource,
    projects: &HashMap<String, Arc<Project>>,
    pinned: &HashSet<&str>,
    python: &Version,
    remote: &Remote<'_>,
) -> Index {
    let allowed = request.target.tags(request.allow_manylinux);
    let with_manylinux = request.target.tags(true);
    let mut files: Vec<(PathBuf, String, u32)> = Vec::new();
    let mut entries = remote.entries.lock().expect("no panics while held");
    for (key, project) in projects {
        for entry in &project.files {
            if wheel_of(entry, key).is_none()
                || (entry.yanked && !pinned.contains(key.as_str()))
                || !python_fits(entry, Some(python))
            {
                continue;
            }
            let path = PathBuf::from(&entry.url);
            entries.insert(path.clone(), entry.clone());
            files.push((path, entry.filename.clone(), 0));
        }
    }
    let search: Vec<PathBuf> = source.urls().iter().map(PathBuf::from).collect();
    let mut index = Index::build(
        files.iter().map(|(p, f, r)| (p.clone(), f.as_str(), *r)),
        &allowed,
        &with_manylinux,
        search,
    );
    index.prefer_binary = request.binary.prefer_binary;
    leave_out_wheels(request, &mut index);
    for (key, project) in projects {
        if request.binary.wheels_only(key) {
            continue;
        }
        for entry in &project.files {
            let Some(version) = sdist_version(&entry.filename, key) else {
                continue;
            };
            let usable = index.usable.entry(key.clone()).or_default();
            // A version with a wheel the target takes comes from the wheel (pip's rule).
            if usable.iter().any(|c| c.version == version)
                || (entry.yanked && !pinned.contains(key.as_str()))
                || !python_fits(entry, Some(python))
            {
                continue;
            }
            let path = PathBuf::from(&entry.url);
            entries.insert(path.clone(), entry.clone());
            usable.push(WheelCandidate {
                path,
                filename: entry.filename.clone(),
                version,
                tag_rank: WheelCandidate::SOURCE_TAG_RANK,
                search_rank: 0,
                build: None,
            });
        }
    }
    index.usable.retain(|_, candidates| !candidates.is_empty());
    index
}

/// `--no-binary`: the wheels of the packages it names are not candidates (kept as rejected,
/// for the message when no sdist takes their place).
fn leave_out_wheels(request: &DownloadRequest, index: &mut Index) {
    let keys: Vec<String> = index
        .usable
        .keys()
        .filter(|k| request.binary.sources_only(k))
        .cloned()
        .collect();
    for key in keys {
        let left = index.usable.remove(&key).unwrap_or_default();
        index
            .rejected
            .entry(key)
            .or_default()
            .extend(left.into_iter().map(|c| resolver::RejectedWheel {
                version: c.version.to_string(),
                filename: c.filename,
                why: resolver::Rejection::NoBinary,
            }));
    }
}

/// Every name the requirements and the metadata read so far need on the target: a
/// `Requires-Dist` counts when its markers hold, with the extras some requirement asks of
/// its distribution.
fn applicable_names(
    remote: &Remote<'_>,
    wanted: &[Wanted],
    markers: &MarkerEnvironment,
) -> Vec<String> {
    let read = remote.read.lock().expect("no panics while held");
    let entries = remote.entries.lock().expect("no panics while held");
    let mut by_key: HashMap<String, Vec<Requirement<VerbatimUrl>>> = HashMap::new();
    for (path, text) in read.iter() {
        let Some(entry) = entries.get(path) else {
            continue;
        };
        let meta = wheel_metadata::CoreMetadata::parse(text);
        // A wheel's name is its file's; an sdist's, the one its metadata gives.
        let name = match WheelFilename::parse(&entry.filename) {
            Ok(wheel) => normalize(wheel.name()),
            Err(_) => normalize(&meta.name),
        };
        by_key.entry(name).or_default().extend(
            meta.requires_dist
                .iter()
                .filter_map(|l| Requirement::<VerbatimUrl>::from_str(l).ok()),
        );
    }
    let mut extras: HashMap<String, HashSet<ExtraName>> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let add = |req: &Requirement<VerbatimUrl>,
               names: &mut Vec<String>,
               extras: &mut HashMap<String, HashSet<ExtraName>>|
     -> bool {
        let key = normalize(req.name.as_ref());
        let mut changed = false;
        if !names.contains(&key) {
            names.push(key.clone());
            changed = true;
        }
        let set = extras.entry(key).or_default();
        for e in &req.extras {
            changed |= set.insert(e.clone());
        }
        changed
    };
    for w in wanted {
        if w.req.evaluate_markers(markers, &[]) {
            add(&w.req, &mut names, &mut extras);
        }
    }
    // Extras asked of a distribution may bring in more lines of it: until nothing changes.
    loop {
        let mut changed = false;
        for (key, reqs) in &by_key {
            let Some(asked) = extras.get(key) else {
                continue;
            };
            let asked: Vec<ExtraName> = asked.iter().cloned().collect();
            for req in reqs {
                if req.evaluate_markers(markers, &asked) {
                    changed |= add(req, &mut names, &mut extras);
                }
            }
        }
        if !changed {
            return names;
        }
    }
}
