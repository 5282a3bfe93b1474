//! Isolated build environments for PEP 517 builds, made through the same door as every other
//! environment: our own venv code, and build requirements (`setuptools>=61`, `hatchling`,
//! ...) resolved and installed by our resolver and installer from the same wheelhouse,
//! under the same site rules (no manylinux unless allowed, the CPU level's directory first).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use build_frontend::{BuildEnvironmentMaker, MakerError};
use site_config::SiteConfig;

use crate::build_env_pool::SharedEnvironments;
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
    /// Environments shared by the run's builds that need the same requirements.
    pub shared: SharedEnvironments,
    /// The source distributions (file names) whose builds these environments serve: one
    /// met again while filling them is a build dependency cycle.
    pub building: Vec<String>,
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
        let created =
            venv::create(python, dir, &options).map_err(|source| Error::BuildEnvironment {
                dir: dir.to_path_buf(),
                source,
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

impl BuildEnvironments<'_> {
    /// Installs `requirements` into the build environment `target`.
    fn fill(&self, target: &Target, requirements: &[String]) -> Result<(), Error> {
        if requirements.is_empty() {
            return Ok(());
        }
        let options = InstallOptions {
            requirements: requirements.to_vec(),
            find_links: self.find_links.clone(),
            allow_manylinux: self.allow_manylinux,
            cache: self.cache.clone(),
            index: self.index.clone(),
            building: self.building.clone(),
            ..InstallOptions::default()
        };
        crate::install(self.site, target, &options, self.cancel, &|_| {}).map_err(|e| {
            Error::BuildRequirements {
                requirements: requirements.to_vec(),
                source: Box::new(e),
            }
        })?;
        Ok(())
    }

    /// An environment of the run's pool for the build that asks with `dir`; `None` without
    /// a pool.
    fn shared(
        &self,
        dir: &Path,
        python: &Path,
        requirements: &[String],
    ) -> Option<Result<PathBuf, Error>> {
        if !self.shared.pooled() {
            return None;
        }
        // A second call for the same build (the backend's extra requirements): the
        // environment it had holds only the first list; it goes back to the pool.
        self.shared.give_back(dir);
        if let Some(python) = self.shared.take(dir, python, requirements) {
            return Some(Ok(python));
        }
        let root = self.shared.new_root()?;
        let made = Target::build_environment(&root, python).and_then(|target| {
            self.fill(&target, requirements)?;
            Ok(target)
        });
        Some(made.map(|target| {
            let env_python = target.layout.python.clone();
            self.shared
                .lease(dir, (python, requirements), &root, &env_python);
            env_python
        }))
    }
}

impl BuildEnvironmentMaker for BuildEnvironments<'_> {
    fn make_environment(
        &self,
        dir: &Path,
        python: &Path,
        requirements: &[String],
    ) -> Result<PathBuf, MakerError> {
        if let Some(shared) = self.shared(dir, python, requirements) {
            return Ok(shared?);
        }
        // The frontend asks again for the same directory with the backend's own extra
        // requirements: the environment is then filled further.
        let target = if dir.join("pyvenv.cfg").is_file() {
            isolated(Target::existing(self.site, Some(dir), None)?)
        } else {
            Target::build_environment(dir, python)?
        };
        self.fill(&target, requirements)?;
        Ok(target.layout.python.clone())
    }

    fn release_environment(&self, dir: &Path) {
        self.shared.give_back(dir);
    }
}
