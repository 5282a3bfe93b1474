//! The files a lock names (`wheelhouse lock`), chosen from the same sources as `install`:
//! the search paths' wheels and source distributions, the package indexes (pip's
//! configuration, `-i`, `--extra-index-url`, `--no-index`), under the same
//! `--only-binary`/`--no-binary`/`--prefer-binary` rules. One resolution for one Python and
//! one set of search paths (a CPU level's), with nothing installed: a lock is made for an
//! environment that does not exist yet.
//!
//! What differs from an install is the answer: not wheels to unpack, but where each chosen
//! file comes from. A wheel of the search paths is named by its path (the caller hashes it,
//! as a wheelhouse may hold many); a wheel of an index by its URL with the sha256 (and PEP
//! 700 size) its page gives, fetched and hashed only when the page gives no sha256 (as `pip
//! lock` and uv, a lock does not download what it does not install: the sync checks the
//! file against the lock); a source distribution, which the resolver fetched (checked
//! against the index's sha256) and built to read its metadata (with the build frontend and
//! the built-wheel cache, as `install` builds one), by the archive itself.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use pep508_rs::Requirement;
use resolver::{Request, Resolution, Source, Upgrade};
use site_config::SiteConfig;

use crate::sdists::SourceBuilds;
use crate::{Error, Event, InstallOptions, Target, Wanted};

/// One package a lock names: its normalised name, the version chosen, and its file.
#[derive(Clone, Debug)]
pub struct LockChoice {
    pub key: String,
    pub version: String,
    pub file: ChosenFile,
}

/// Where a chosen file comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum ChosenFile {
    /// A wheel file on this machine (the search paths', or one named directly).
    Wheel(PathBuf),
    /// A file with its digest: a wheel or a source distribution of an index (`url`), or a
    /// source distribution of the search paths (`path`).
    Digested(DigestedFile),
}

/// A file of a lock that is not a wheel of the search paths.
#[derive(Clone, Debug, PartialEq)]
pub struct DigestedFile {
    pub filename: String,
    pub url: Option<String>,
    pub path: Option<PathBuf>,
    /// A source distribution (else a wheel).
    pub sdist: bool,
    /// The index that lists it (PEP 751's `packages.index`).
    pub index: Option<String>,
    pub sha256: String,
    /// Known unless an index gave the hash but not the size (an HTML page).
    pub size: Option<u64>,
}

/// Files already digested (or whose hash an index gave), by URL or path: a lock resolves
/// once per Python and CPU level, and each file is read once.
pub type Digests = HashMap<String, (String, Option<u64>)>;

/// Resolves `wanted` for `target`'s interpreter over `paths` and the configured indexes,
/// with `pins` as constraints when they fit (else freely: a level whose wheelhouse lacks a
/// pinned version), and says where each chosen file comes from.
#[allow(clippy::too_many_arguments)]
pub fn choose_for_lock(
    site: &SiteConfig,
    target: &Target,
    options: &InstallOptions,
    wanted: &Wanted,
    paths: &[PathBuf],
    pins: &[Requirement],
    digests: &mut Digests,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Vec<LockChoice>, Error> {
    let attempt = |pins: &[Requirement], digests: &mut Digests| {
        Attempt {
            site,
            target,
            options,
            wanted,
            cancel,
            events,
        }
        .run(paths, pins, digests)
    };
    match attempt(pins, digests) {
        Err(Error::Unresolvable { .. }) if !pins.is_empty() => attempt(&[], digests),
        outcome => outcome,
    }
}

struct Attempt<'a> {
    site: &'a SiteConfig,
    target: &'a Target,
    options: &'a InstallOptions,
    wanted: &'a Wanted,
    cancel: &'a AtomicBool,
    events: &'a (dyn Fn(Event<'_>) + Sync),
}

impl Attempt<'_> {
    /// One resolution, its builds and fetched files living until each is digested.
    fn run(
        &self,
        paths: &[PathBuf],
        pins: &[Requirement],
        digests: &mut Digests,
    ) -> Result<Vec<LockChoice>, Error> {
        let (site, target, options, wanted) = (self.site, self.target, self.options, self.wanted);
        let config = site.pip_install_options().map_err(Error::Config)?;
        let allow_manylinux = options.allow_manylinux || config.allow_manylinux;
        let mut index = crate::build_index(
            site,
            paths.to_vec(),
            &target.interpreter,
            allow_manylinux,
            &wanted.wheel_files,
        );
        let mut builds = SourceBuilds::new(
            site,
            target,
            options,
            wanted,
            &config,
            self.cancel,
            self.events,
        );
        builds.add_local(&mut index, wanted);
        let indexes = crate::indexes::configured(
            site,
            target,
            options,
            wanted,
            &builds,
            self.cancel,
            self.events,
        )?;
        let mut constraints = wanted.constraints.clone();
        constraints.extend(pins.iter().cloned());
        let it = &target.interpreter;
        let request = Request {
            requirements: wanted.requirements.clone(),
            constraints,
            markers: it.markers.clone(),
            python_version: it.markers.python_full_version().version.clone(),
            installed: HashMap::new(),
            upgrade: Upgrade::None,
            force_reinstall: false,
            no_deps: false,
            pre: options.pre || config.pre || wanted.pre,
            conflict_advice: None,
        };
        let resolution: Resolution = match &indexes {
            Some(indexes) => indexes.resolve(&request, &mut index)?,
            None => {
                let outcome = resolver::resolve_with(&request, &index, &builds);
                if let Some(e) = builds.take_failure() {
                    return Err(e);
                }
                outcome.map_err(|source| Error::Unresolvable {
                    source,
                    indexes: Vec::new(),
                })?
            }
        };
        for warning in &resolution.warnings {
            (self.events)(Event::Warning(warning));
        }
        let mut chosen = Vec::new();
        for p in &resolution.packages {
            let Source::Wheel(path) = &p.source else {
                continue;
            };
            let file = if let Some(f) = builds.local_sdist(path, digests)? {
                ChosenFile::Digested(f)
            } else if let Some(f) = match &indexes {
                Some(indexes) => indexes.locked_file(path, &p.key, digests)?,
                None => None,
            } {
                ChosenFile::Digested(f)
            } else if let Some(f) = fetched_wheel(wanted, path, digests)? {
                ChosenFile::Digested(f)
            } else {
                ChosenFile::Wheel(path.clone())
            };
            chosen.push(LockChoice {
                key: p.key.clone(),
                version: p.version.to_string(),
                file,
            });
        }
        Ok(chosen)
    }
}

/// A wheel named by URL (`name @ https://host/x-1.0-py3-none-any.whl`), fetched before the
/// resolution into a temporary directory: locked by its URL, as an index's wheel, not by the
/// temporary copy. (A wheel built from a source named by URL is the source's, which the
/// caller locks as that source.)
fn fetched_wheel(
    wanted: &Wanted,
    path: &std::path::Path,
    digests: &mut Digests,
) -> Result<Option<DigestedFile>, Error> {
    let Some(text) = wanted.direct_urls.get(path) else {
        return Ok(None);
    };
    let doc: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let Some(url) = doc["url"]
        .as_str()
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .filter(|u| {
            u.split(['?', '#'])
                .next()
                .is_some_and(|u| u.ends_with(".whl"))
        })
    else {
        return Ok(None);
    };
    let (sha256, size) = digest_once(digests, url, path)?;
    Ok(Some(DigestedFile {
        filename: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        url: Some(url.to_string()),
        path: None,
        sdist: false,
        index: None,
        sha256,
        size,
    }))
}

/// The sha256 and size of `path`, read once per lock (`key`: its URL, or its path).
pub(crate) fn digest_once(
    digests: &mut Digests,
    key: &str,
    path: &std::path::Path,
) -> Result<(String, Option<u64>), Error> {
    if let Some(d) = digests.get(key) {
        return Ok(d.clone());
    }
    let read = |source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    };
    let sha = crate::digest_file("sha256", path).map_err(read)?;
    let size = Some(std::fs::metadata(path).map_err(read)?.len());
    digests.insert(key.to_string(), (sha.clone(), size));
    Ok((sha, size))
}
