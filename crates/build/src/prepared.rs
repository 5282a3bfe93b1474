//! One source made ready to build: unpacked (or in place), its build system read, and its
//! build environment made on first use and kept for every hook that follows.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::cache::CacheKey;
use crate::error::BuildError;
use crate::frontend::{place, BuiltWheel, Frontend, Isolation, Source};
use crate::hooks::{Answer, HookRunner, HookSession};
use crate::metadata::{MetadataOrigin, SourceMetadata};
use crate::project::BuildSystem;

/// Wheel or editable wheel: the two kinds of PEP 517/660 builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BuildKind {
    Wheel,
    Editable,
}

impl BuildKind {
    fn suffix(self) -> &'static str {
        match self {
            BuildKind::Wheel => "wheel",
            BuildKind::Editable => "editable",
        }
    }
}

/// The build environment once made.
struct Environment {
    python: PathBuf,
    /// The isolated environment's `bin` (for `PATH`); `None` without isolation.
    bin: Option<PathBuf>,
    /// Requirements installed in it so far.
    installed: Vec<String>,
    /// Kinds whose `get_requires_for_build_*` extras are installed.
    ready: BTreeSet<BuildKind>,
}

/// A source ready for its hooks. Its build directory (the unpacked sdist, the build
/// environment, the logs) is removed when it is dropped.
pub struct Prepared<'f> {
    frontend: &'f Frontend<'f>,
    /// The source as named, for messages.
    pub(crate) display: String,
    pub(crate) source: Source,
    /// The process running this build's hooks (ended before `work` is removed: fields drop
    /// in order).
    session: Option<HookSession>,
    work: TempDir,
    project_dir: PathBuf,
    system: BuildSystem,
    environment: Option<Environment>,
    /// A wheel built to read metadata from (the backend has no `prepare_metadata_*`), reused
    /// by the build that follows, as pyproject-hooks does.
    fallback_wheel: Option<(BuildKind, PathBuf)>,
    /// The sdist's cache entry, once hashed.
    cache_key: Option<CacheKey>,
}

impl<'f> Prepared<'f> {
    pub(crate) fn new(
        frontend: &'f Frontend<'f>,
        source: &Source,
        cache_key: Option<CacheKey>,
    ) -> Result<Prepared<'f>, BuildError> {
        let options = frontend.options();
        fs::create_dir_all(&options.work_dir)
            .map_err(|e| BuildError::io("create", &options.work_dir, e))?;
        let work = tempfile::Builder::new()
            .prefix("build-")
            .tempdir_in(&options.work_dir)
            .map_err(|e| BuildError::io("create a build directory in", &options.work_dir, e))?;
        let project_dir = match source {
            // pip 26 builds a local project in place (in-tree builds since pip 21.3).
            Source::Directory(dir) => dir.clone(),
            Source::Sdist(archive) => {
                let dest = work.path().join("src");
                fs::create_dir(&dest).map_err(|e| BuildError::io("create", &dest, e))?;
                crate::unpack::unpack_sdist(archive, &dest, &options.limits)?
            }
        };
        let system = BuildSystem::read(&project_dir).map_err(|e| match (e, source) {
            // The unpacked tree is a temporary directory: name the archive instead.
            (BuildError::NotAProject { .. }, Source::Sdist(archive)) => BuildError::Archive {
                archive: archive.clone(),
                detail: "has neither pyproject.toml nor setup.py in its top directory, so it \
                         is not a source distribution"
                    .into(),
            },
            (BuildError::BadProject { path, detail }, Source::Sdist(archive)) => {
                let inside = path.strip_prefix(work.path().join("src")).unwrap_or(&path);
                BuildError::BadProject {
                    path: archive.join(inside),
                    detail,
                }
            }
            (e, _) => e,
        })?;
        Ok(Prepared {
            frontend,
            display: source.path().display().to_string(),
            source: source.clone(),
            session: None,
            work,
            project_dir,
            system,
            environment: None,
            fallback_wheel: None,
            cache_key,
        })
    }

    /// The project's root: the directory given, or the sdist's top directory once unpacked.
    pub fn project_dir(&self) -> &Path {
        &self.project_dir
    }

    /// The project's build system.
    pub fn build_system(&self) -> &BuildSystem {
        &self.system
    }

    /// Core metadata for resolution: `prepare_metadata_for_build_wheel`, or a wheel built when
    /// the backend has no such hook (kept for [`Prepared::build_wheel`]).
    pub fn metadata(&mut self) -> Result<SourceMetadata, BuildError> {
        self.metadata_for(BuildKind::Wheel)
    }

    /// As [`Prepared::metadata`], for an editable install (`prepare_metadata_for_build_editable`).
    pub fn editable_metadata(&mut self) -> Result<SourceMetadata, BuildError> {
        self.metadata_for(BuildKind::Editable)
    }

    /// Builds a wheel into this source's build directory and returns its path there.
    pub fn build_wheel(&mut self) -> Result<PathBuf, BuildError> {
        self.build(BuildKind::Wheel)
    }

    /// Builds a wheel into `out_dir`, as [`Frontend::build_wheel`]: an sdist's from the cache
    /// of built wheels when there, else built and kept there.
    pub fn wheel_into(&mut self, out_dir: &Path) -> Result<BuiltWheel, BuildError> {
        if self.cache_key.is_none() {
            self.cache_key = self.frontend.cache_key(&self.source)?;
        }
        if let Some(cached) = self
            .cache_key
            .as_ref()
            .and_then(|k| self.frontend.cached(k))
        {
            return Ok(BuiltWheel {
                path: place(&cached, out_dir)?,
                from_cache: true,
            });
        }
        let wheel = self.build_wheel()?;
        if let Some(key) = &self.cache_key {
            self.frontend.keep(key, &wheel);
        }
        Ok(BuiltWheel {
            path: place(&wheel, out_dir)?,
            from_cache: false,
        })
    }

    /// Builds an editable wheel (PEP 660) of a project directory, into the build directory.
    pub fn build_editable(&mut self) -> Result<PathBuf, BuildError> {
        if let Source::Sdist(archive) = &self.source {
            return Err(BuildError::EditableNeedsDirectory {
                source: archive.clone(),
            });
        }
        self.build(BuildKind::Editable)
    }

    fn metadata_for(&mut self, kind: BuildKind) -> Result<SourceMetadata, BuildError> {
        let hook = format!("prepare_metadata_for_build_{}", kind.suffix());
        let dir = self.fresh_dir(&format!("metadata-{}", kind.suffix()))?;
        let settings = self.frontend.config_settings_json();
        let answer = self.call(
            kind,
            &hook,
            json!({"metadata_directory": dir, "config_settings": settings}),
        )?;
        let Answer::Returned(value) = answer else {
            let wheel = self.build(kind)?;
            let text = wheel_metadata::read_dist_info_file(&wheel, "METADATA").map_err(|e| {
                self.runner_bad_answer(&hook, format!("a wheel without readable METADATA ({e})"))
            })?;
            return Ok(SourceMetadata {
                metadata: wheel_metadata::CoreMetadata::parse(&text),
                text,
                origin: MetadataOrigin::BuiltWheel,
            });
        };
        let name = plain_name(&value, ".dist-info").ok_or_else(|| {
            self.runner_bad_answer(
                &hook,
                format!("{value}, not the name of a .dist-info directory"),
            )
        })?;
        let path = dir.join(name).join("METADATA");
        let text = read_text(&path, wheel_metadata::MAX_METADATA_FILE)
            .map_err(|e| self.runner_bad_answer(&hook, format!("a METADATA file that {e}")))?;
        Ok(SourceMetadata {
            metadata: wheel_metadata::CoreMetadata::parse(&text),
            text,
            origin: MetadataOrigin::PreparedByBackend,
        })
    }

    fn build(&mut self, kind: BuildKind) -> Result<PathBuf, BuildError> {
        if let Some((built, wheel)) = &self.fallback_wheel {
            if *built == kind {
                return Ok(wheel.clone());
            }
        }
        let hook = format!("build_{}", kind.suffix());
        let dir = self.fresh_dir(&format!("out-{}", kind.suffix()))?;
        let settings = self.frontend.config_settings_json();
        let answer = self.call(
            kind,
            &hook,
            json!({"wheel_directory": dir, "config_settings": settings}),
        )?;
        let Answer::Returned(value) = answer else {
            return Err(BuildError::EditableUnsupported {
                project: self.display.clone(),
                backend: self.system.backend.clone(),
            });
        };
        let name = plain_name(&value, ".whl").ok_or_else(|| {
            self.runner_bad_answer(&hook, format!("{value}, not the name of a wheel file"))
        })?;
        let wheel = dir.join(name);
        if !wheel.is_file() {
            return Err(self.runner_bad_answer(&hook, format!("{name}, which it did not write")));
        }
        if let Err(e) = wheel_name::WheelFilename::parse(name) {
            return Err(self.runner_bad_answer(&hook, format!("{name}, an invalid name ({e})")));
        }
        if let Err(e) = wheel_metadata::read_dist_info_file(&wheel, "METADATA") {
            return Err(self.runner_bad_answer(&hook, format!("a wheel that is not valid ({e})")));
        }
        self.fallback_wheel = Some((kind, wheel.clone()));
        Ok(wheel)
    }

    /// An empty directory of this build's own.
    fn fresh_dir(&self, name: &str) -> Result<PathBuf, BuildError> {
        let dir = self.work.path().join(name);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| BuildError::io("remove", &dir, e))?;
        }
        fs::create_dir(&dir).map_err(|e| BuildError::io("create", &dir, e))?;
        Ok(dir)
    }

    /// Calls a hook once the environment for `kind` is ready.
    fn call(&mut self, kind: BuildKind, hook: &str, kwargs: Value) -> Result<Answer, BuildError> {
        self.ready(kind)?;
        self.call_now(hook, kwargs)
    }

    /// Calls a hook in this build's hook process (started on first use).
    fn call_now(&mut self, hook: &str, kwargs: Value) -> Result<Answer, BuildError> {
        let mut session = self.session.take();
        let answer = self.runner().call(&mut session, hook, kwargs);
        self.session = session;
        answer
    }

    fn runner(&self) -> HookRunner<'_> {
        let environment = self.environment.as_ref();
        HookRunner {
            python: environment
                .map(|e| e.python.clone())
                .unwrap_or_else(|| self.frontend.options().python.clone()),
            project_dir: &self.project_dir,
            control_dir: self.work.path(),
            system: &self.system,
            isolated_bin: environment.and_then(|e| e.bin.clone()),
            inherited_path: self.frontend.options().inherited_path.clone(),
            project: &self.display,
        }
    }

    fn runner_bad_answer(&self, hook: &str, detail: String) -> BuildError {
        self.runner().bad_answer(hook, detail)
    }

    /// Makes the build environment with `[build-system] requires`, then asks the backend
    /// what else it needs for `kind` and adds that (as pip and uv do).
    fn ready(&mut self, kind: BuildKind) -> Result<(), BuildError> {
        if self.environment.is_none() {
            let requires = self.system.requires.clone();
            let (python, bin) = self.make_environment(&requires)?;
            self.environment = Some(Environment {
                python,
                bin,
                installed: requires,
                ready: BTreeSet::new(),
            });
        }
        if self
            .environment
            .as_ref()
            .is_some_and(|e| e.ready.contains(&kind))
        {
            return Ok(());
        }
        let hook = format!("get_requires_for_build_{}", kind.suffix());
        let settings = self.frontend.config_settings_json();
        let answer = self.call_now(&hook, json!({"config_settings": settings}))?;
        let extra = match answer {
            Answer::Unsupported => Vec::new(),
            Answer::Returned(value) => requirement_list(&value).ok_or_else(|| {
                self.runner_bad_answer(&hook, format!("{value}, not a list of requirements"))
            })?,
        };
        let environment = self.environment.as_mut().expect("made above");
        let missing: Vec<String> = extra
            .into_iter()
            .filter(|r| !environment.installed.contains(r))
            .collect();
        // Without isolation the environment is the user's: nothing is installed in it, as
        // with pip's --no-build-isolation.
        if !missing.is_empty() && environment.bin.is_some() {
            // The running hook process imported from the environment as it was.
            self.session = None;
            let environment = self.environment.as_mut().expect("made above");
            let mut all = environment.installed.clone();
            all.extend(missing);
            let (python, bin) = self.make_environment(&all)?;
            let environment = self.environment.as_mut().expect("made above");
            (environment.python, environment.bin, environment.installed) = (python, bin, all);
        }
        self.environment
            .as_mut()
            .expect("made above")
            .ready
            .insert(kind);
        Ok(())
    }

    /// The maker's environment in `<build dir>/env` (called again with a longer list, it
    /// must add to the same environment), or the target interpreter without isolation.
    fn make_environment(
        &self,
        requirements: &[String],
    ) -> Result<(PathBuf, Option<PathBuf>), BuildError> {
        let options = self.frontend.options();
        let Isolation::Isolated(maker) = &options.isolation else {
            return Ok((options.python.clone(), None));
        };
        let dir = self.work.path().join("env");
        let python = maker
            .make_environment(&dir, &options.python, requirements)
            .map_err(|e| BuildError::Environment {
                project: self.display.clone(),
                requirements: requirements.to_vec(),
                detail: e.to_string(),
            })?;
        let bin = python.parent().map(Path::to_path_buf);
        Ok((python, bin))
    }
}

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        // The hook process first: it runs in the environment given back.
        self.session = None;
        if let (Some(_), Isolation::Isolated(maker)) =
            (&self.environment, &self.frontend.options().isolation)
        {
            maker.release_environment(&self.work.path().join("env"));
        }
    }
}

/// A hook's answer as a plain file name with `suffix` (never a path: the backend is
/// untrusted and its answer picks a file we read).
fn plain_name<'v>(value: &'v Value, suffix: &str) -> Option<&'v str> {
    let name = value.as_str()?;
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\0'])
        && name.ends_with(suffix);
    plain.then_some(name)
}

/// A `get_requires_for_build_*` answer: a list of valid PEP 508 requirements.
fn requirement_list(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| {
            let text = v.as_str()?;
            pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(text).ok()?;
            Some(text.to_string())
        })
        .collect()
}

/// A file of at most `max` bytes, strictly UTF-8; the error completes "a file that ...".
fn read_text(path: &Path, max: u64) -> Result<String, String> {
    use std::io::Read;
    let file = fs::File::open(path).map_err(|e| format!("cannot be read ({e})"))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read ({e})"))?;
    if bytes.len() as u64 > max {
        return Err(format!("is larger than {} MiB", max >> 20));
    }
    String::from_utf8(bytes).map_err(|_| "is not UTF-8".to_string())
}
