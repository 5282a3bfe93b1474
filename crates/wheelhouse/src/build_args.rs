//! What every command that runs a build backend sets up the same way: a directory for the
//! build environments on the job's local disk, and the environments made from the wheelhouse
//! (and the command's indexes) by our own installer.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use site_config::SiteConfig;

/// Where builds work (the job's local disk when there is one) and a directory in it for the
/// run's build environments, removed when dropped.
pub struct BuildDirs {
    pub work_dir: PathBuf,
    pub pool: tempfile::TempDir,
}

impl BuildDirs {
    pub fn new(site: &SiteConfig) -> Result<BuildDirs, String> {
        let work_dir = site.job.tmpdir.clone().unwrap_or_else(|| site.temp_dir());
        let pool = tempfile::Builder::new()
            .prefix("wheelhouse-build-envs-")
            .tempdir_in(&work_dir)
            .map_err(|e| {
                format!(
                    "cannot make a build directory in {}: {e}",
                    work_dir.display()
                )
            })?;
        Ok(BuildDirs { work_dir, pool })
    }
}

/// Isolated build environments: build requirements from the wheelhouse (and `find_links`,
/// then `index`) under the site's rules, installed by our own installer into fresh
/// environments that builds with the same requirements take turns in.
pub fn build_environments<'a>(
    site: &'a SiteConfig,
    find_links: Vec<PathBuf>,
    index: environment::IndexOptions,
    cancel: &'a AtomicBool,
    pool: &Path,
) -> environment::BuildEnvironments<'a> {
    environment::BuildEnvironments {
        site,
        find_links,
        allow_manylinux: false,
        cache: None,
        index,
        cancel,
        shared: environment::SharedEnvironments::in_dir(pool),
        building: Vec::new(),
    }
}

/// An sdist's core metadata for a resolution that does not build it: its static `PKG-INFO`
/// (PEP 643), else what its build backend's `prepare_metadata_for_build_wheel` gives, run
/// with the jobs' Python `python` (the loaded module's) in an isolated build environment
/// whose requirements come from the wheelhouse, then `index`.
pub fn sdist_metadata(
    site: &SiteConfig,
    python: site_config::PythonVersion,
    index: &environment::IndexOptions,
    cancel: &AtomicBool,
    archive: &Path,
) -> Result<String, String> {
    use build_frontend::{BuildOptions, Frontend, Isolation, Source, UnpackLimits};
    let limits = UnpackLimits::default();
    let pkg_info = build_frontend::read_pkg_info(archive, &limits).map_err(|e| e.to_string())?;
    if let Some(text) = pkg_info.filter(|t| build_frontend::static_metadata(t).is_some()) {
        return Ok(text);
    }
    let found = site.find_python(&site_config::PythonRequest::parse(&python.to_string()));
    let path = found.map_err(|e| {
        format!(
            "its PKG-INFO leaves its dependencies to its build backend, which needs Python \
             {python} to answer ({e})"
        )
    })?;
    let interpreter = interpreter::Interpreter::query(&path).map_err(|e| e.to_string())?;
    let dirs = BuildDirs::new(site)?;
    let maker = build_environments(site, Vec::new(), index.clone(), cancel, dirs.pool.path());
    let options = BuildOptions::new(&interpreter, Isolation::Isolated(&maker), &dirs.work_dir);
    Frontend::new(options)
        .metadata(&Source::Sdist(archive.to_path_buf()))
        .map(|m| m.text)
        .map_err(|e| e.to_string())
}
