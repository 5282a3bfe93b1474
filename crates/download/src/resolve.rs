//! Downloading with dependencies: the install's resolver (PubGrub, backtracking) over the
//! files the index lists.
//!
//! The resolver works on an [`Index`] of wheels keyed by path; here each remote file is keyed
//! by its URL (a synthetic path) and mapped back to the index's entry. METADATA comes from
//! [`Remote`]: the PEP 658 `.metadata` file when the index offers one (checked against its
//! hash), else the wheel itself, downloaded (checked) into the destination; each answer is
//! fetched once and kept for every later round.
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
use std::sync::Mutex;

use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerEnvironment, Requirement, VerbatimUrl};
use resolver::{Index, MetadataSource, Source};
use wheel_name::WheelFilename;

use crate::{
    fetch_once, normalize, not_a_wheel, pick, project_files, project_url, python_fits, save,
    wheel_of, Client, Downloaded, Error, ErrorKind, Event, Fetched, FileEntry, Request, Wanted,
};

/// Pages fetched at once: an index answers a few requests in parallel without complaint.
const PAGE_FETCHERS: usize = 8;

/// A project's files and the pages asked, for messages.
type Project = (Vec<FileEntry>, Vec<String>);

/// METADATA of remote wheels, each fetched once over all rounds.
struct Remote<'a> {
    client: &'a Client,
    dest: &'a Path,
    /// Synthetic path (the URL) to the index's entry.
    entries: Mutex<HashMap<PathBuf, FileEntry>>,
    /// Answers so far, by synthetic path.
    read: Mutex<HashMap<PathBuf, Result<String, String>>>,
    /// Wheels downloaded to read their METADATA, by synthetic path.
    fetched: Mutex<HashMap<PathBuf, Fetched>>,
    /// The first network, hash or file error: it ends the download, as with pip.
    failure: Mutex<Option<Error>>,
}

impl Remote<'_> {
    fn answer(&self, entry: &FileEntry, key: &Path) -> Result<String, Error> {
        // PEP 658: the index's copy of METADATA, checked against its hash.
        if let Some(hash) = &entry.metadata {
            let url = format!("{}.metadata", entry.url);
            if let Some(bytes) = self.client.small(&url, hash.as_deref())? {
                return String::from_utf8(bytes).map_err(|_| {
                    Error::new(
                        ErrorKind::Index,
                        format!("{url} is not UTF-8 text, so not a wheel's METADATA"),
                    )
                });
            }
        }
        let dest = self.dest.join(&entry.filename);
        let how = fetch_once(self.client, entry, &dest)?;
        self.fetched
            .lock()
            .expect("no panics while held")
            .insert(key.to_path_buf(), how);
        wheel_metadata::read_dist_info_file(&dest, "METADATA")
            .map_err(|e| not_a_wheel(entry, &dest, &e.to_string()))
    }
}

impl MetadataSource for Remote<'_> {
    fn metadata(&self, wheel: &Path) -> Result<String, String> {
        if let Some(answer) = self.read.lock().expect("no panics while held").get(wheel) {
            return answer.clone();
        }
        let entry = self
            .entries
            .lock()
            .expect("no panics while held")
            .get(wheel)
            .cloned();
        let answer = match entry {
            None => Err(format!("{} is not a file of the index", wheel.display())),
            Some(entry) => self.answer(&entry, wheel).map_err(|e| {
                let text = e.message.clone();
                self.failure
                    .lock()
                    .expect("no panics while held")
                    .get_or_insert(e);
                text
            }),
        };
        self.read
            .lock()
            .expect("no panics while held")
            .insert(wheel.to_path_buf(), answer.clone());
        answer
    }
}

/// Downloads `wanted` and what it needs, as the resolver chooses.
pub(crate) fn download(
    client: &Client,
    request: &Request,
    wanted: &[Wanted],
    events: &dyn Fn(Event<'_>),
) -> Result<Vec<Downloaded>, Error> {
    let target = &request.target;
    let markers = target.markers().ok_or_else(|| {
        Error::new(
            ErrorKind::Input,
            format!(
                "the Python version {} is not one the requirements' markers can be evaluated for",
                target.full_version
            ),
        )
    })?;
    let python = Version::from_str(&target.full_version).map_err(|e| {
        Error::new(
            ErrorKind::Input,
            format!(
                "the Python version {} is not a version: {e}",
                target.full_version
            ),
        )
    })?;
    let tags = target.tags();
    let remote = Remote {
        client,
        dest: &request.dest,
        entries: Mutex::default(),
        read: Mutex::default(),
        fetched: Mutex::default(),
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
    let mut projects: HashMap<String, Project> = HashMap::new();
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
        fetch_projects(client, request, &new, &mut projects, events)?;
        if first {
            // The first round: a requested name without a fitting wheel gets the message that
            // says what the index has instead.
            for w in wanted {
                if w.req.evaluate_markers(&markers, &[]) {
                    let (files, asked) = &projects[&w.key];
                    pick(
                        request,
                        &w.req,
                        &w.key,
                        w.spec.as_ref(),
                        &tags,
                        Some(&python),
                        &w.origin,
                        files,
                        asked,
                    )?;
                }
            }
        }
        let index = build_index(request, &projects, &pinned, &python, &remote);
        let outcome = resolver::resolve_with(&resolver_request, &index, &remote);
        if let Some(e) = remote.failure.lock().expect("no panics while held").take() {
            forget_unchosen(&remote, &HashSet::new());
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
            forget_unchosen(&remote, &HashSet::new());
            // The resolver says which requirement cannot be met; the index's side (no such
            // project, or only wheels for other Pythons) is ours to add.
            let mut message = e.message;
            for key in &names {
                if index.usable.contains_key(key) || !message.contains(key.as_str()) {
                    continue;
                }
                let Ok(req) = Requirement::<VerbatimUrl>::from_str(key) else {
                    continue;
                };
                let (files, asked) = &projects[key];
                let found = pick(
                    request,
                    &req,
                    key,
                    None,
                    &tags,
                    Some(&python),
                    "a dependency",
                    files,
                    asked,
                );
                if let Err(why) = found {
                    message.push('\n');
                    message.push_str(&why.message);
                }
            }
            return Err(Error::new(ErrorKind::NotFound, message));
        }
    };
    for warning in &resolution.warnings {
        events(Event::Warning(warning));
    }
    let chosen: HashSet<PathBuf> = resolution
        .packages
        .iter()
        .filter_map(|p| match &p.source {
            Source::Wheel(path) => Some(path.clone()),
            Source::Installed => None,
        })
        .collect();
    forget_unchosen(&remote, &chosen);
    let entries = remote.entries.lock().expect("no panics while held").clone();
    let fetched = remote.fetched.lock().expect("no panics while held").clone();
    let mut out = Vec::new();
    for package in &resolution.packages {
        let Source::Wheel(path) = &package.source else {
            continue;
        };
        let Some(entry) = entries.get(path) else {
            continue;
        };
        let Some((wheel, _)) = wheel_of(entry, &package.key) else {
            continue;
        };
        let item = save(client, request, entry, &wheel, fetched.get(path).copied())?;
        events(Event::Saved(&item));
        out.push(item);
    }
    Ok(out)
}

/// Fetches the pages of `names`, a few at a time, into `projects`.
fn fetch_projects(
    client: &Client,
    request: &Request,
    names: &[String],
    projects: &mut HashMap<String, Project>,
    events: &dyn Fn(Event<'_>),
) -> Result<(), Error> {
    for chunk in names.chunks(PAGE_FETCHERS) {
        for key in chunk {
            for index in &request.indexes {
                events(Event::Page(&project_url(index, key)));
            }
        }
        let pages: Vec<Result<Project, Error>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|key| scope.spawn(|| project_files(client, &request.indexes, key)))
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
/// business (with `manylinux` allowed: the caller warns about it).
fn build_index(
    request: &Request,
    projects: &HashMap<String, Project>,
    pinned: &HashSet<&str>,
    python: &Version,
    remote: &Remote<'_>,
) -> Index {
    let tags = request.target.tags();
    let mut files: Vec<(PathBuf, String, u32)> = Vec::new();
    let mut entries = remote.entries.lock().expect("no panics while held");
    for (key, (listed, _)) in projects {
        for entry in listed {
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
    let search: Vec<PathBuf> = request.indexes.iter().map(PathBuf::from).collect();
    Index::build(
        files.iter().map(|(p, f, r)| (p.clone(), f.as_str(), *r)),
        &tags,
        &tags,
        search,
    )
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
    for (path, answer) in read.iter() {
        let (Ok(text), Some(entry)) = (answer, entries.get(path)) else {
            continue;
        };
        let Ok(wheel) = WheelFilename::parse(&entry.filename) else {
            continue;
        };
        let meta = wheel_metadata::CoreMetadata::parse(text);
        by_key.entry(normalize(wheel.name())).or_default().extend(
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

/// Removes the wheels fetched only to read their METADATA that the resolution did not choose
/// (those already in the destination before stay).
fn forget_unchosen(remote: &Remote<'_>, chosen: &HashSet<PathBuf>) {
    let entries = remote.entries.lock().expect("no panics while held");
    // Two indexes may serve one file name: the chosen one's copy stays.
    let keep: HashSet<&str> = chosen
        .iter()
        .filter_map(|p| entries.get(p))
        .map(|e| e.filename.as_str())
        .collect();
    for (path, how) in remote.fetched.lock().expect("no panics while held").iter() {
        if how.already || chosen.contains(path) {
            continue;
        }
        if let Some(entry) = entries.get(path) {
            if !keep.contains(entry.filename.as_str()) {
                let _ = std::fs::remove_file(remote.dest.join(&entry.filename));
            }
        }
    }
}
