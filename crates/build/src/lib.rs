//! A PEP 517/660 build frontend: its one job is to turn a source (an sdist file or a project
//! directory) into a wheel the installer already knows how to install.
//!
//! - **Sources are untrusted.** An sdist is unpacked into a build directory with every
//!   member proven inside it: `..`, absolute names, links leading out, device files and
//!   decompression bombs are refused before anything lands outside ([`unpack_sdist`]).
//!   A project directory is built in place, as pip 26 does.
//! - **The build system** comes from `pyproject.toml`'s `[build-system]`, or pip's fallback
//!   to setuptools' legacy backend for projects with only `setup.py` ([`BuildSystem`]).
//! - **Hooks** run in the build environment's Python through a small embedded script
//!   ([`HOOKS_SCRIPT`]), one process for the hooks of a build (the backend imported once;
//!   the working directory and environment put back after each hook); a failure shows the backend's last lines and what usually fixes it
//!   on a cluster (`module load gcc`, the Python module for `Python.h`, ...).
//! - **Isolation** goes through the build-context interface, [`BuildEnvironmentMaker`]:
//!   `environment` implements it (`BuildEnvironments`: a build-environment target made
//!   through the one door, with its venv code, resolver and installer), so build
//!   requirements follow the site's rules, and may lend one environment to several builds
//!   in turn ([`BuildEnvironmentMaker::release_environment`]); this crate never installs
//!   anything itself. [`Isolation::None`] is `--no-build-isolation`.
//! - **Built wheels are cached** by sdist hash, interpreter tag and config settings
//!   ([`WheelCache`]), safely shared by jobs on several nodes.
//!
//! Not run as a doctest: a build needs a real Python and a real backend
//! (`tests/backends.rs` and `tests/builds.rs` run them).
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use build_frontend::{BuildEnvironmentMaker, BuildOptions, Frontend, Isolation, MakerError, Source};
//!
//! /// Makes build environments (`environment::BuildEnvironments` is the real one).
//! struct Maker;
//! impl BuildEnvironmentMaker for Maker {
//!     fn make_environment(&self, dir: &Path, python: &Path, requirements: &[String])
//!         -> Result<PathBuf, MakerError> {
//!         # let _ = (python, requirements);
//!         // ... make a virtualenv in `dir`, install `requirements` into it ...
//!         Ok(dir.join("bin/python"))
//!     }
//! }
//!
//! let python = interpreter::Interpreter::query(Path::new("python3")).unwrap();
//! let options = BuildOptions::new(&python, Isolation::Isolated(&Maker), Path::new("/tmp/builds"));
//! let frontend = Frontend::new(options);
//! let source = Source::from_path(Path::new("demo-1.0.tar.gz")).unwrap();
//! let built = frontend.build_wheel(&source, Path::new("wheels")).unwrap();
//! println!("built {}", built.path.display());
//! ```

mod cache;
mod error;
mod frontend;
mod hooks;
mod metadata;
mod prepared;
mod project;
mod unpack;

pub use cache::{sha256_file, CacheKey, WheelCache};
pub use error::{advice, BackendFailure, BuildError, ErrorKind};
pub use frontend::{
    interpreter_tag, BuildEnvironmentMaker, BuildOptions, BuiltWheel, Frontend, Isolation,
    MakerError, Source,
};
pub use hooks::HOOKS_SCRIPT;
pub use metadata::{static_metadata, MetadataOrigin, SourceMetadata};
pub use prepared::{BuildKind, Prepared};
pub use project::{BuildSystem, LEGACY_BACKEND, LEGACY_REQUIRES};
pub use unpack::{member_path, read_pkg_info, unpack_sdist, SdistFormat, UnpackLimits};
