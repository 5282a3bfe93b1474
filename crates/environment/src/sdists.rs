//! Source distributions as candidates of an install, as pip takes them: the `.tar.gz` and
//! `.zip` files in the search paths (the `-f` directories and the site's) and an index's
//! (module `indexes`), for each version without a wheel the target accepts. A version with
//! a compatible wheel is installed from the wheel; the newest version wins otherwise, unless
//! `--prefer-binary` puts every version with a wheel first; `--only-binary` leaves a
//! package's sources out.
//!
//! A source distribution is built when the resolver first reads its metadata (once, by
//! [`crate::sources::build_archive`]: an isolated build environment whose requirements
//! resolve through the same sources, and the built-wheel cache, as for every archive), and
//! the resolution then names the built wheel. A failed build ends the install with the
//! backend's words before the environment is changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use resolver::{Index, MetadataSource, Resolution, Source, WheelCandidate};
use site_config::SiteConfig;

use crate::wanted::Wanted;
use crate::{Error, Event, InstallOptions, Target};

type BuildSlot = Arc<OnceLock<Result<PathBuf, String>>>;

/// A source distribution ready to build: the archive on disk, and what the error of a
/// failed build starts with (which package, which file, why it was built).
pub(crate) struct Prepared {
    pub archive: PathBuf,
    pub context: String,
}

/// The source distributions of one install and their builds, which live as long as it.
pub(crate) struct SourceBuilds<'a> {
    site: &'a SiteConfig,
    target: &'a Target,
    options: &'a InstallOptions,
    cancel: &'a AtomicBool,
    events: &'a (dyn Fn(Event<'_>) + Sync),
    /// Normalised names (or `:all:`) whose sources are not candidates (`--only-binary`).
    only_binary: Vec<String>,
    /// Normalised names (or `:all:`) whose wheels are not candidates (`--no-binary`).
    no_binary: Vec<String>,
    prefer_binary: bool,
    work: OnceLock<std::io::Result<tempfile::TempDir>>,
    /// The search paths' source distributions that are candidates: path to name.
    local: HashMap<PathBuf, String>,
    built: Mutex<HashMap<PathBuf, BuildSlot>>,
    /// The first failed build: it ends the install.
    failure: Mutex<Option<Error>>,
}

impl<'a> SourceBuilds<'a> {
    pub(crate) fn new(
        site: &'a SiteConfig,
        target: &'a Target,
        options: &'a InstallOptions,
        wanted: &Wanted,
        config: &site_config::PipInstallOptions,
        cancel: &'a AtomicBool,
        events: &'a (dyn Fn(Event<'_>) + Sync),
    ) -> SourceBuilds<'a> {
        let mut only_binary = options.only_binary.clone();
        only_binary.extend(wanted.only_binary.iter().cloned());
        let mut no_binary = options.no_binary.clone();
        no_binary.extend(wanted.no_binary.iter().cloned());
        SourceBuilds {
            site,
            target,
            options,
            cancel,
            events,
            only_binary,
            no_binary,
            prefer_binary: options.prefer_binary || wanted.prefer_binary || config.prefer_binary,
            work: OnceLock::new(),
            local: HashMap::new(),
            built: Mutex::default(),
            failure: Mutex::default(),
        }
    }

    /// Whether `key`'s source distributions are left out (`--only-binary`).
    pub(crate) fn wheels_only(&self, key: &str) -> bool {
        let named = |list: &[String]| list.iter().any(|n| n == key);
        named(&self.only_binary)
            || (self.only_binary.iter().any(|n| n == ":all:") && !named(&self.no_binary))
    }

    /// Whether `key`'s wheels are left out (`--no-binary`, unless `--only-binary` names it).
    pub(crate) fn sources_only(&self, key: &str) -> bool {
        !self.wheels_only(key) && self.no_binary.iter().any(|n| n == ":all:" || n == key)
    }

    /// Makes the search paths' source distributions candidates of `index`, each version
    /// without a wheel there once (from the first search path that has it), and says how
    /// the resolver ranks them and what a failure to find a package explains.
    pub(crate) fn add_local(&mut self, index: &mut Index, wanted: &Wanted) {
        index.prefer_binary = self.prefer_binary;
        index.build_command = Some(build_command(self.target, self.options, wanted));
        if !self.only_binary.is_empty() {
            index.sdists_left_out = Some("--only-binary asks for wheels of it".into());
        }
        self.leave_out_wheels(index, &wanted.wheel_files);
        let mut keys: Vec<&String> = index.sdist_paths.keys().collect();
        keys.sort();
        let mut added = Vec::new();
        for key in keys.into_iter().filter(|k| !self.wheels_only(k)) {
            let usable = index.usable.get(key).map(Vec::as_slice).unwrap_or(&[]);
            let mut covered: Vec<pep440_rs::Version> =
                usable.iter().map(|c| c.version.clone()).collect();
            for path in &index.sdist_paths[key] {
                let Some(filename) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let Some(version) = crate::indexes::sdist_version(filename, key) else {
                    continue;
                };
                if covered.contains(&version) {
                    continue;
                }
                covered.push(version.clone());
                let search_rank = index
                    .search_paths
                    .iter()
                    .position(|p| path.parent() == Some(p.as_path()))
                    .map_or(u32::MAX - 1, |i| i as u32 + 1);
                added.push((
                    key.clone(),
                    WheelCandidate {
                        path: path.clone(),
                        filename: filename.to_string(),
                        version,
                        tag_rank: WheelCandidate::SOURCE_TAG_RANK,
                        search_rank,
                        build: None,
                    },
                ));
            }
        }
        for (key, candidate) in added {
            self.local.insert(candidate.path.clone(), key.clone());
            index.usable.entry(key).or_default().push(candidate);
        }
    }

    /// Moves the wheels `--no-binary` leaves out from `usable` to `rejected` (for the
    /// message when no source distribution takes their place); a wheel named directly stays.
    fn leave_out_wheels(&self, index: &mut Index, named: &[PathBuf]) {
        if self.no_binary.is_empty() {
            return;
        }
        let keys: Vec<String> = index
            .usable
            .keys()
            .filter(|k| self.sources_only(k))
            .cloned()
            .collect();
        for key in keys {
            let candidates = index.usable.remove(&key).unwrap_or_default();
            let (kept, left): (Vec<_>, Vec<_>) = candidates
                .into_iter()
                .partition(|c| named.contains(&c.path));
            index
                .rejected
                .entry(key.clone())
                .or_default()
                .extend(left.into_iter().map(|c| resolver::RejectedWheel {
                    version: c.version.to_string(),
                    filename: c.filename,
                    why: resolver::Rejection::NoBinary,
                }));
            if !kept.is_empty() {
                index.usable.insert(key, kept);
            }
        }
    }

    fn work(&self) -> Result<&Path, Error> {
        self.work
            .get_or_init(|| {
                tempfile::Builder::new()
                    .prefix("wheelhouse-build-")
                    .tempdir_in(self.site.temp_dir())
            })
            .as_ref()
            .map(|d| d.path())
            // Each build asking after the first failure gets its own copy of the reason.
            .map_err(|e| Error::TempDir {
                what: "a build directory",
                source: std::io::Error::new(e.kind(), e.to_string()),
            })
    }

    /// The wheel built from the source distribution `candidate` (the resolver's path for
    /// it), built once from what `prepare` gives; a failure is kept to end the install.
    pub(crate) fn built(
        &self,
        candidate: &Path,
        prepare: impl FnOnce() -> Result<Prepared, Error>,
    ) -> Result<PathBuf, String> {
        let (slot, n) = {
            let mut built = self.built.lock().expect("no panics while held");
            let n = built.len();
            (built.entry(candidate.to_path_buf()).or_default().clone(), n)
        };
        slot.get_or_init(|| {
            self.build(prepare, n).map_err(|e| {
                let text = e.to_string();
                self.failure
                    .lock()
                    .expect("no panics while held")
                    .get_or_insert(e);
                text
            })
        })
        .clone()
    }

    fn build(
        &self,
        prepare: impl FnOnce() -> Result<Prepared, Error>,
        n: usize,
    ) -> Result<PathBuf, Error> {
        let out = self.work()?.join(format!("built-{n}"));
        let prepared = prepare()?;
        let name = crate::sources::archive_name(&prepared.archive);
        if let Some(name) = name.filter(|n| self.options.building.contains(n)) {
            return Err(Error::BuildCycle {
                context: prepared.context,
                name,
            });
        }
        crate::sources::build_archive(
            self.site,
            self.target,
            self.options,
            &prepared.archive,
            &out,
            self.cancel,
        )
        .map_err(|e| Error::CandidateSdistBuild {
            context: prepared.context,
            source: Box::new(e),
        })
    }

    /// The first failed build, if any.
    pub(crate) fn take_failure(&self) -> Option<Error> {
        self.failure.lock().expect("no panics while held").take()
    }

    /// Names the built wheel where the resolution chose a source distribution.
    pub(crate) fn use_built(&self, resolution: &mut Resolution) -> Result<(), Error> {
        for package in &mut resolution.packages {
            let Source::Wheel(path) = &package.source else {
                continue;
            };
            let built = self
                .built
                .lock()
                .expect("no panics while held")
                .get(path)
                .and_then(|slot| slot.get().cloned());
            if let Some(built) = built {
                package.source = Source::Wheel(built.map_err(Error::BuildFailedEarlier)?);
            }
        }
        Ok(())
    }

    /// Why `key` is built from its source distribution: `otherwise` unless `--no-binary`
    /// asked for it.
    pub(crate) fn why_built(&self, key: &str, otherwise: &str) -> String {
        if self.sources_only(key) {
            "--no-binary asks for its source distribution".to_string()
        } else {
            otherwise.to_string()
        }
    }

    /// A source distribution of the search paths, as a lock names it (module
    /// `lock_choice`): its path, size and sha256; `None` for any other file.
    pub(crate) fn local_sdist(
        &self,
        path: &Path,
        digests: &mut crate::lock_choice::Digests,
    ) -> Result<Option<crate::lock_choice::DigestedFile>, Error> {
        if !self.local.contains_key(path) {
            return Ok(None);
        }
        let path = std::path::absolute(path).unwrap_or(path.to_path_buf());
        let key = path.display().to_string();
        let (sha256, size) = crate::lock_choice::digest_once(digests, &key, &path)?;
        Ok(Some(crate::lock_choice::DigestedFile {
            filename: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            url: None,
            path: Some(path),
            sdist: true,
            index: None,
            sha256,
            size,
        }))
    }

    /// The search path's source distribution `path` of `key`, built.
    fn built_local(&self, path: &Path, key: &str) -> Result<PathBuf, String> {
        self.built(path, || {
            let file = path.file_name().map(|n| n.to_string_lossy().to_string());
            let dir = path.parent().map(|d| d.display().to_string());
            let why = self.why_built(
                key,
                "the search paths have no wheel of this version that this Python and the \
                 site's policy accept",
            );
            (self.events)(Event::Note(&format!(
                "building {} from {}: {why}",
                file.unwrap_or_default(),
                dir.unwrap_or_default()
            )));
            Ok(Prepared {
                archive: path.to_path_buf(),
                context: format!(
                    "{key}: {why}, so its source distribution {} was built",
                    path.display()
                ),
            })
        })
    }
}

impl MetadataSource for SourceBuilds<'_> {
    fn metadata(&self, wheel: &Path) -> Result<String, String> {
        if let Some(key) = self.local.get(wheel) {
            let built = self.built_local(wheel, key)?;
            return wheel_metadata::read_dist_info_file(&built, "METADATA")
                .map_err(|e| e.to_string());
        }
        // A wheel the cache remembers (unchanged since an install read it) is not opened:
        // on a wheelhouse on a network file system, one `stat` instead of an `open` and reads.
        let remembered = self.options.cache.as_ref().and_then(|c| {
            let cache = installer::wheel_cache::Cache::new(&c.dir);
            installer::remembered_metadata(&cache, wheel, &c.remembered)
        });
        match remembered {
            Some(text) => Ok(text),
            None => resolver::FromWheels.metadata(wheel),
        }
    }
}

/// `wheelhouse install` with the options that place a build into this target from this
/// install's sources: what a file named after it needs to build and install the same way.
fn build_command(target: &Target, options: &InstallOptions, wanted: &Wanted) -> String {
    let word = |p: &Path| resolver::shell_word(&p.display().to_string());
    let mut command = vec!["wheelhouse install".to_string()];
    if target.root.join("pyvenv.cfg").is_file() {
        command.push(format!("-p {}", word(&target.root)));
    } else {
        // `--target`/`--prefix`: the environment's Python, then the directory.
        command.push(format!("-p {}", word(&target.interpreter.executable)));
        let flag = if target.interpreter.paths.purelib == target.root {
            "--target"
        } else {
            "--prefix"
        };
        command.push(format!("{flag} {}", word(&target.root)));
    }
    if options.index.no_index || wanted.no_index {
        command.push("--no-index".into());
    } else {
        if let Some(url) = options
            .index
            .index_url
            .as_ref()
            .or(wanted.index_url.as_ref())
        {
            command.push(format!("-i {}", resolver::shell_word(url)));
        }
        for url in wanted
            .extra_index_urls
            .iter()
            .chain(&options.index.extra_index_urls)
        {
            command.push(format!("--extra-index-url {}", resolver::shell_word(url)));
        }
    }
    let mut links: Vec<&PathBuf> = Vec::new();
    for dir in options.find_links.iter().chain(&wanted.find_links) {
        if !links.contains(&dir) {
            links.push(dir);
        }
    }
    command.extend(links.into_iter().map(|d| format!("-f {}", word(d))));
    if options.allow_manylinux {
        command.push("--allow-manylinux".into());
    }
    command.join(" ")
}
