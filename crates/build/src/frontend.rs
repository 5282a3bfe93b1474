//! The frontend: options, the build-context interface, and the flows from a source to a wheel
//! (with the cache), to an editable wheel, or to metadata; several builds at once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::Value;

use crate::cache::{copy_atomic, sha256_file, CacheKey, WheelCache};
use crate::error::BuildError;
use crate::metadata::{static_metadata, MetadataOrigin, SourceMetadata};
use crate::prepared::Prepared;
use crate::unpack::{read_pkg_info, SdistFormat, UnpackLimits};

/// The error a [`BuildEnvironmentMaker`] returns: its own, rendered with `Display`.
pub type MakerError = Box<dyn std::error::Error + Send + Sync>;

/// The build-context interface: how the frontend gets an isolated build environment. The
/// workflow implements it with its own venv code, resolver and installer, so build
/// requirements come from the same sources under the same site rules as everything else.
pub trait BuildEnvironmentMaker: Sync {
    /// Makes an isolated environment for the interpreter `python`, with `requirements` (PEP
    /// 508) installed, for the build whose environment directory would be `dir` (which does
    /// not exist yet), and returns the path of its Python. The environment may be made in
    /// `dir`, or lent from elsewhere until [`BuildEnvironmentMaker::release_environment`].
    ///
    /// It may be called a second time for the same `dir`, with the first list and the
    /// backend's own extra requirements (`get_requires_for_build_*`): the environment
    /// returned must then hold all of them.
    fn make_environment(
        &self,
        dir: &Path,
        python: &Path,
        requirements: &[String],
    ) -> Result<PathBuf, MakerError>;

    /// The build that asked with `dir` is over: no hook runs in its environment any more.
    /// A maker that lends one environment to several builds (one after the other) takes it
    /// back here.
    fn release_environment(&self, dir: &Path) {
        let _ = dir;
    }
}

/// Whether builds get an environment of their own.
#[derive(Clone, Copy)]
pub enum Isolation<'a> {
    /// A fresh environment per build, made by the maker (PEP 517's default).
    Isolated(&'a dyn BuildEnvironmentMaker),
    /// The target interpreter as it is (`--no-build-isolation`): its environment must
    /// already hold the build requirements; nothing is installed into it.
    None,
}

/// How to build.
#[derive(Clone)]
pub struct BuildOptions<'a> {
    /// The interpreter the wheels are for (a virtualenv's or a module's Python).
    pub python: PathBuf,
    /// Its most specific tag (`cp311-cp311-linux_x86_64`), part of the cache key:
    /// [`interpreter_tag`].
    pub tag: String,
    pub isolation: Isolation<'a>,
    /// `--config-settings`/`-C KEY=VALUE`, in order; a key given several times becomes a
    /// list, as pip passes it.
    pub config_settings: Vec<(String, String)>,
    /// Where build directories are made (and removed after): unpacked sdists, build
    /// environments, logs.
    pub work_dir: PathBuf,
    /// The cache of wheels built from sdists; `None` builds every time.
    pub cache: Option<WheelCache>,
    pub limits: UnpackLimits,
    /// The caller's `PATH`, which hooks in an isolated build environment keep after the
    /// environment's own scripts (compilers, `git`); `None` leaves them only the latter.
    pub inherited_path: Option<std::ffi::OsString>,
}

impl<'a> BuildOptions<'a> {
    /// Options for wheels for `interpreter`, with build directories under `work_dir`, no
    /// cache, no config settings.
    pub fn new(
        interpreter: &interpreter::Interpreter,
        isolation: Isolation<'a>,
        work_dir: &Path,
    ) -> BuildOptions<'a> {
        BuildOptions {
            python: interpreter.executable.clone(),
            tag: interpreter_tag(interpreter),
            isolation,
            config_settings: Vec::new(),
            work_dir: work_dir.to_path_buf(),
            cache: None,
            limits: UnpackLimits::default(),
            inherited_path: None,
        }
    }
}

/// The interpreter's most specific wheel tag: `cp311-cp311-linux_x86_64`, `pp39-pypy39_pp73-…`.
pub fn interpreter_tag(interpreter: &interpreter::Interpreter) -> String {
    let target = interpreter.tag_target();
    let python = match target.implementation.as_str() {
        "cpython" => "cp",
        "pypy" => "pp",
        other => other,
    };
    format!(
        "{python}{}{}-{}-{}",
        target.python.major, target.python.minor, target.abi, target.platform
    )
}

/// Something to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A source distribution file (`.tar.gz`, `.zip`).
    Sdist(PathBuf),
    /// A project directory (`pyproject.toml` or `setup.py`), built in place as pip 26 does.
    Directory(PathBuf),
}

impl Source {
    /// A directory is a project; a `.tar.gz`/`.tgz`/`.zip` file an sdist.
    pub fn from_path(path: &Path) -> Result<Source, BuildError> {
        if path.is_dir() {
            let path = path
                .canonicalize()
                .map_err(|e| BuildError::io("read", path, e))?;
            return Ok(Source::Directory(path));
        }
        if !path.exists() {
            return Err(BuildError::Missing {
                path: path.to_path_buf(),
            });
        }
        match SdistFormat::from_path(path) {
            Some(_) => Ok(Source::Sdist(path.to_path_buf())),
            None => Err(BuildError::Archive {
                archive: path.to_path_buf(),
                detail: "is neither a project directory nor a .tar.gz or .zip source \
                         distribution"
                    .into(),
            }),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Source::Sdist(path) | Source::Directory(path) => path,
        }
    }
}

/// A wheel the frontend placed in the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltWheel {
    pub path: PathBuf,
    /// Taken from the cache of built wheels: no backend ran.
    pub from_cache: bool,
}

/// A PEP 517/660 build frontend.
pub struct Frontend<'a> {
    options: BuildOptions<'a>,
}

impl<'a> Frontend<'a> {
    pub fn new(options: BuildOptions<'a>) -> Frontend<'a> {
        Frontend { options }
    }

    pub fn options(&self) -> &BuildOptions<'a> {
        &self.options
    }

    /// Unpacks (for an sdist) and reads the build system, ready for hooks. The build
    /// environment is made by the first hook that needs it and kept for the others: use one
    /// `Prepared` for the metadata and then the wheel of the same source.
    pub fn prepare(&self, source: &Source) -> Result<Prepared<'_>, BuildError> {
        Prepared::new(self, source, None)
    }

    /// Builds a wheel of `source` into `out_dir` (through a temporary file and a rename).
    /// An sdist's wheel is taken from the cache when there (nothing is unpacked or run), and
    /// stored there when built.
    pub fn build_wheel(&self, source: &Source, out_dir: &Path) -> Result<BuiltWheel, BuildError> {
        let key = self.cache_key(source)?;
        if let Some(cached) = key.as_ref().and_then(|k| self.cached(k)) {
            return Ok(BuiltWheel {
                path: place(&cached, out_dir)?,
                from_cache: true,
            });
        }
        Prepared::new(self, source, key)?.wheel_into(out_dir)
    }

    /// The cache entry of an sdist's wheel; `None` for a directory or without a cache.
    pub(crate) fn cache_key(&self, source: &Source) -> Result<Option<CacheKey>, BuildError> {
        match (source, &self.options.cache) {
            (Source::Sdist(archive), Some(_)) => Ok(Some(CacheKey {
                sdist_sha256: sha256_file(archive)
                    .map_err(|e| BuildError::io("read", archive, e))?,
                tag: self.options.tag.clone(),
                config_settings: self.options.config_settings.clone(),
            })),
            _ => Ok(None),
        }
    }

    /// The cached wheel for `key`.
    pub(crate) fn cached(&self, key: &CacheKey) -> Option<PathBuf> {
        self.options.cache.as_ref()?.lookup(key)
    }

    /// Keeps a built wheel in the cache. A cache that cannot be written (read-only, full)
    /// costs a rebuild next time, not this build.
    pub(crate) fn keep(&self, key: &CacheKey, wheel: &Path) {
        if let Some(cache) = &self.options.cache {
            let _ = cache.store(key, wheel);
        }
    }

    /// Builds an editable wheel (PEP 660) of a project directory into `out_dir`. Never
    /// cached: it points at the project's files, which change.
    pub fn build_editable(&self, project: &Path, out_dir: &Path) -> Result<BuiltWheel, BuildError> {
        let source = Source::from_path(project)?;
        let mut prepared = self.prepare(&source)?;
        let wheel = prepared.build_editable()?;
        Ok(BuiltWheel {
            path: place(&wheel, out_dir)?,
            from_cache: false,
        })
    }

    /// Core metadata of `source` for resolution, without a full build when possible: an
    /// sdist's static `PKG-INFO` (PEP 643), else the backend's
    /// `prepare_metadata_for_build_wheel` (in its build environment), else a built wheel's.
    pub fn metadata(&self, source: &Source) -> Result<SourceMetadata, BuildError> {
        if let Source::Sdist(archive) = source {
            if let Some(text) = read_pkg_info(archive, &self.options.limits)? {
                if let Some(metadata) = static_metadata(&text) {
                    return Ok(SourceMetadata {
                        metadata,
                        text,
                        origin: MetadataOrigin::StaticPkgInfo,
                    });
                }
            }
            // Built before (by another job, another node): its wheel's METADATA is the truth.
            let key = self.cache_key(source)?;
            let cached = key.as_ref().and_then(|k| self.cached(k));
            let text =
                cached.and_then(|w| wheel_metadata::read_dist_info_file(&w, "METADATA").ok());
            if let Some(text) = text {
                return Ok(SourceMetadata {
                    metadata: wheel_metadata::CoreMetadata::parse(&text),
                    text,
                    origin: MetadataOrigin::BuiltWheel,
                });
            }
        }
        self.prepare(source)?.metadata()
    }

    /// Builds wheels of `sources` into `out_dir`, at most `parallelism` at once (the job's
    /// CPUs: each build runs a compiler). Results come in the order of `sources`.
    pub fn build_wheels(
        &self,
        sources: &[Source],
        out_dir: &Path,
        parallelism: usize,
    ) -> Vec<Result<BuiltWheel, BuildError>> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<BuiltWheel, BuildError>>>> =
            Mutex::new((0..sources.len()).map(|_| None).collect());
        let workers = parallelism.clamp(1, sources.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(source) = sources.get(index) else {
                        break;
                    };
                    let result = self.build_wheel(source, out_dir);
                    results.lock().expect("no panics while held")[index] = Some(result);
                });
            }
        });
        results
            .into_inner()
            .expect("no panics while held")
            .into_iter()
            .map(|r| r.expect("every index was built"))
            .collect()
    }

    /// `config_settings` as the hooks take it: a dict of strings, a list for a repeated key.
    pub(crate) fn config_settings_json(&self) -> Value {
        if self.options.config_settings.is_empty() {
            return Value::Null;
        }
        let mut map = serde_json::Map::new();
        for (key, value) in &self.options.config_settings {
            match map.get_mut(key) {
                None => {
                    map.insert(key.clone(), Value::String(value.clone()));
                }
                Some(Value::Array(list)) => list.push(Value::String(value.clone())),
                Some(first) => {
                    let first = first.take();
                    map.insert(key.clone(), Value::Array(vec![first, value.clone().into()]));
                }
            }
        }
        Value::Object(map)
    }
}

/// Copies a built wheel into `out_dir` under its own name.
pub(crate) fn place(wheel: &Path, out_dir: &Path) -> Result<PathBuf, BuildError> {
    std::fs::create_dir_all(out_dir).map_err(|e| BuildError::io("create", out_dir, e))?;
    let name = wheel.file_name().unwrap_or_default();
    let dest = out_dir.join(name);
    copy_atomic(wheel, &dest).map_err(|e| BuildError::io("write", &dest, e))?;
    Ok(dest)
}
