//! `sync pylock.toml`, `install -r pylock.toml` and `venv -r pylock.toml`: what a PEP 751
//! lock installs for one environment (its Python, its tags, this node's CPU level), its
//! sources built and checked, then handed to `environment::sync`, which alone changes the
//! environment.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use environment::{Event, LockedWheel, SyncOptions, SyncReport, Target};
use site_config::SiteConfig;

use crate::fetched::Remote;
use crate::sources::ToBuild;
use crate::Error;

/// Whether a `-r` file is a lock file (PEP 751 names them `pylock.toml`, `pylock.NAME.toml`).
pub fn is_lock_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(::lock::is_lock_file_name)
}

/// A lock file read and validated, and where it is: its relative paths start in its
/// directory. Its `lock.warnings` (a newer minor lock-version) are for the caller to say.
#[derive(Debug)]
pub struct LockFile {
    pub lock: ::lock::Lock,
    pub path: PathBuf,
}

impl LockFile {
    pub fn read(path: &Path) -> Result<LockFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::LockUnreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let lock = ::lock::Lock::parse(&text).map_err(|source| Error::LockInvalid {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(LockFile {
            lock,
            path: path.to_path_buf(),
        })
    }

    /// The directory the lock's relative paths start in.
    pub fn dir(&self) -> &Path {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }
}

/// What installing a lock did (or would do, with a dry run).
#[derive(Debug)]
pub struct Installed {
    pub report: SyncReport,
    /// With a dry run: `(name, version)` of the sources that would be built and installed.
    pub would_build: Vec<(String, String)>,
}

/// Chooses the lock's wheels for `target`, builds its sources (before the environment's
/// lock is taken, as `install` builds them), and installs them (`options.exact`: and
/// removes the rest).
pub fn install(
    site: &SiteConfig,
    target: &Target,
    file: &LockFile,
    allow_manylinux: bool,
    options: &SyncOptions,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Installed, Error> {
    let Chosen {
        mut wheels,
        remote,
        builds,
    } = locked_wheels(site, target, file, allow_manylinux)?;
    // Fetched and checked before anything is built or changed.
    let (mut fetched, _fetched_dir) = crate::fetched::fetch(site, target, remote, events)?;
    wheels.append(&mut fetched);
    let mut options = options.clone();
    let mut would_build = Vec::new();
    let _built = if builds.is_empty() {
        None
    } else {
        let cx = crate::sources::Context {
            site,
            target,
            lock: &file.lock,
            lock_dir: file.dir(),
            options: environment::InstallOptions {
                cache: options.cache.clone(),
                allow_manylinux,
                ..environment::InstallOptions::default()
            },
        };
        let mut built = crate::sources::build(&cx, builds, options.dry_run, cancel, events)?;
        wheels.append(&mut built.wheels);
        options.keep.append(&mut built.unchanged);
        would_build = std::mem::take(&mut built.would_build);
        Some(built)
    };
    let report = environment::sync(site, target, &wheels, &options, cancel, events)?;
    Ok(Installed {
        report,
        would_build,
    })
}

/// What a lock installs into one environment, by how each file is had.
struct Chosen {
    /// Local wheel files.
    wheels: Vec<LockedWheel>,
    /// Wheels named by an http(s) URL, to fetch.
    remote: Vec<Remote>,
    /// Entries to build.
    builds: Vec<ToBuild>,
}

/// The lock's wheels for this environment (its Python, its tags, this node's CPU level):
/// local files, and those named by an http(s) URL to fetch; and the entries to build (an
/// sdist, a VCS checkout, a directory, an archive).
fn locked_wheels(
    site: &SiteConfig,
    target: &Target,
    file: &LockFile,
    allow_manylinux: bool,
) -> Result<Chosen, Error> {
    let shown = file.path.display();
    let lock = &file.lock;
    let config = site
        .pip_install_options()
        .map_err(environment::Error::Config)?;
    let it = &target.interpreter;
    let tags =
        wheel_name::TagPriority::new(&it.tag_target(), allow_manylinux || config.allow_manylinux);
    let python = it.markers.python_full_version().version.clone();
    let selection = lock
        .select(&::lock::Target {
            markers: &it.markers,
            python,
            tags: &tags,
            level: site.current_arch.as_deref(),
            known_levels: site.architectures(),
        })
        .map_err(|source| Error::Selection {
            path: file.path.clone(),
            source,
        })?;
    let lock_dir = file.dir();
    let wheelhouse_now = Some(site.wheelhouse.as_path());
    let mut builds = Vec::new();
    let mut wheels = Vec::new();
    let mut remote = Vec::new();
    for s in selection.packages {
        let entry = format!("packages[{}] ({})", s.index, s.name);
        let wheel = match s.choice {
            ::lock::Choice::Wheel(w) => w,
            ::lock::Choice::Build(source) => {
                builds.push(ToBuild {
                    key: s.name,
                    version: s.version,
                    entry: format!("{shown}: {entry}"),
                    source,
                });
                continue;
            }
        };
        let version = match &s.version {
            Some(v) => v.clone(),
            None => wheel_version(&wheel).unwrap_or_default(),
        };
        let http = wheel.url.as_deref().filter(|u| {
            wheel.path.is_none() && (u.starts_with("http://") || u.starts_with("https://"))
        });
        let locked = LockedWheel {
            key: s.name,
            version,
            path: PathBuf::new(),
            hashes: wheel.hashes.clone(),
            entry: format!("{shown}: {entry}"),
            direct_url: None,
        };
        if let Some(url) = http {
            remote.push(Remote {
                wheel: locked,
                url: url.to_string(),
            });
            continue;
        }
        let path: PathBuf = lock
            .local_path(&wheel, lock_dir, wheelhouse_now)
            .map_err(|why| Error::WheelNotLocal {
                path: file.path.clone(),
                entry: entry.clone(),
                why,
            })?;
        wheels.push(LockedWheel { path, ..locked });
    }
    Ok(Chosen {
        wheels,
        remote,
        builds,
    })
}

fn wheel_version(w: &::lock::File) -> Option<String> {
    let parsed = wheel_name::WheelFilename::parse(w.file_name()?).ok()?;
    Some(parsed.version_text().to_string())
}
