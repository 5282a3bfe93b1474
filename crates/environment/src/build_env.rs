//! Isolated build environments for PEP 517 builds, made through the same door as every other
//! environment: our own venv code, and build requirements (`setuptools>=61`, `hatchling`,
//! ...) resolved and installed by our resolver and installer from the same wheelhouse,
//! under the same site rules (no manylinux unless allowed, the CPU level's directory first).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use build_frontend::{BuildEnvironmentMaker, MakerError};
use site_config::SiteConfig;

use crate::{Error, InstallOptions, Target};

/// The build-context implementation the frontend is given.
pub struct BuildEnvironments<'a> {
    pub site: &'a SiteConfig,
    /// The install's own `-f` directories and cache, so build requirements are found where
    /// the packages are.
    pub find_links: Vec<PathBuf>,
    pub allow_manylinux: bool,
    pub cache: Option<crate::CacheOptions>,
    /// The install's indexes, for build requirements the wheelhouse lacks.
    pub index: crate::IndexOptions,
    pub cancel: &'a AtomicBool,
}

impl Target {
    /// A new isolated build environment at `dir` (which must not exist) for the interpreter
    /// `python`: a plain virtual environment, without pip, that sees neither the system's nor
    /// a module's packages.
    pub fn build_environment(dir: &Path, python: &Path) -> Result<Target, Error> {
        let options = venv::VenvOptions {
            prompt: Some("build".into()),
            creator: env!("CARGO_PKG_VERSION").to_string(),
            ..venv::VenvOptions::default()
        };
        let created = venv::create(python, dir, &options).map_err(|e| {
            Error::install(format!(
                "cannot make a build environment in {}: {e}",
                dir.display()
            ))
        })?;
        Ok(isolated(Target::new_venv(&created, false)))
    }
}

/// Isolation: a module's `PYTHONPATH` entries do not count as installed in a build
/// environment (the frontend runs the backend without them).
fn isolated(mut target: Target) -> Target {
    let pythonpath = std::mem::take(&mut target.interpreter.pythonpath);
    target
        .interpreter
        .sys_path
        .retain(|p| !pythonpath.contains(p));
    target
}

impl BuildEnvironmentMaker for BuildEnvironments<'_> {
    fn make_environment(
        &self,
        dir: &Path,
        python: &Path,
        requirements: &[String],
    ) -> Result<PathBuf, MakerError> {
        // The frontend asks again for the same directory with the backend's own extra
        // requirements: the environment is then filled further.
        let target = if dir.join("pyvenv.cfg").is_file() {
            isolated(Target::existing(self.site, Some(dir), None)?)
        } else {
            Target::build_environment(dir, python)?
        };
        if !requirements.is_empty() {
            let options = InstallOptions {
                requirements: requirements.to_vec(),
                find_links: self.find_links.clone(),
                allow_manylinux: self.allow_manylinux,
                cache: self.cache.clone(),
                index: self.index.clone(),
                ..InstallOptions::default()
            };
            crate::install(self.site, &target, &options, self.cancel, &|_| {}).map_err(|e| {
                Error::new(
                    e.kind,
                    format!(
                        "the build requirements {} could not be installed: {}",
                        requirements.join(", "),
                        e.message
                    ),
                )
            })?;
        }
        Ok(target.layout.python.clone())
    }
}
