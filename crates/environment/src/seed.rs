//! Seeding pip into a new environment, offline: the newest pip wheel the interpreter accepts
//! from the wheelhouse, else the one the interpreter bundles for `ensurepip`, installed like
//! any wheel (through the unpacked-wheel cache, under the environment's lock).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use installer::{Transaction, WheelToInstall};
use interpreter::Interpreter;
use site_config::SiteConfig;

use crate::{Error, Target};

/// The newest pip wheel `base` accepts: from the wheelhouse first, else the wheel the
/// interpreter bundles for `ensurepip` (or Debian's copy), so seeding never downloads. A
/// wheel's `Requires-Python` is read from what `cache` remembers of it when it can be (the
/// wheel is then not opened).
pub fn pip_wheel(
    site: &SiteConfig,
    base: &Interpreter,
    find_links: &[PathBuf],
    cache: Option<&crate::CacheOptions>,
) -> Option<PathBuf> {
    // The search directories are read once (checked, then listed).
    crate::with_shared_listings(|| pip_wheel_listed(site, base, find_links, cache))
}

fn pip_wheel_listed(
    site: &SiteConfig,
    base: &Interpreter,
    find_links: &[PathBuf],
    cache: Option<&crate::CacheOptions>,
) -> Option<PathBuf> {
    let supports = |wheel: &Path| supports(wheel, base, cache);
    let paths = site
        .pip_install_options()
        .ok()
        .and_then(|options| crate::search_paths(site, &options, find_links).ok());
    if let Some((paths, _)) = paths {
        let index = crate::build_index(site, paths, base, false, &[]);
        if let Some(wheels) = index.usable.get("pip") {
            let mut ranked: Vec<&resolver::WheelCandidate> = wheels
                .iter()
                .filter(|w| !w.version.any_prerelease())
                .collect();
            ranked.sort_by(|a, b| {
                b.version
                    .cmp(&a.version)
                    .then(a.tag_rank.cmp(&b.tag_rank))
                    .then(a.search_rank.cmp(&b.search_rank))
            });
            if let Some(w) = ranked.into_iter().find(|w| supports(&w.path)) {
                return Some(w.path.clone());
            }
        }
    }
    let (major, minor, _) = base.version;
    let bundled = [
        base.base_prefix
            .join(format!("lib/python{major}.{minor}/ensurepip/_bundled")),
        base.base_prefix
            .join(format!("lib/pypy{major}.{minor}/ensurepip/_bundled")),
        PathBuf::from("/usr/share/python-wheels"),
    ];
    bundled
        .iter()
        .find_map(|dir| newest_pip_in(dir).filter(|p| supports(p)))
}

/// Installs the pip wheel `wheel` into `target` (replacing a pip it holds); the installed
/// `(name, version)`.
pub fn seed_pip(
    target: &Target,
    wheel: &Path,
    cache: Option<&crate::CacheOptions>,
    cancel: &AtomicBool,
) -> Result<Option<(String, String)>, Error> {
    let lock =
        installer::lock_environment(&target.root, cancel, || {}).map_err(Error::from_installer)?;
    let plan = Transaction {
        install: vec![WheelToInstall {
            path: wheel.to_path_buf(),
            requested: true,
            direct: false,
            direct_url: None,
            bytes: None,
        }],
        remove: target
            .own_distributions()?
            .into_iter()
            .filter(|d| d.key == "pip")
            .collect(),
        allow_incomplete_record: false,
        cache: cache.map(|c| crate::open_cache(c, &target.root, None, None)),
    };
    let outcome = installer::commit(&lock, &plan, &target.layout, cancel, &|_| {})
        .map_err(Error::from_installer)?;
    if let (Some(options), Some(used)) = (cache, &plan.cache) {
        crate::finish_cache(used, options, 0);
    }
    Ok(outcome.installed.into_iter().next())
}

/// Whether a wheel's `Requires-Python` admits the interpreter (pip drops old Pythons).
fn supports(wheel: &Path, base: &Interpreter, cache: Option<&crate::CacheOptions>) -> bool {
    let remembered = cache.and_then(|c| {
        let cache = installer::wheel_cache::Cache::new(&c.dir);
        installer::remembered_metadata(&cache, wheel, &c.remembered)
    });
    let Some(text) =
        remembered.or_else(|| wheel_metadata::read_dist_info_file(wheel, "METADATA").ok())
    else {
        return false;
    };
    let meta = wheel_metadata::CoreMetadata::parse(&text);
    let Some(spec) = meta.requires_python else {
        return true;
    };
    let Ok(spec) = spec.parse::<pep440_rs::VersionSpecifiers>() else {
        return true;
    };
    base.version_text()
        .parse::<pep440_rs::Version>()
        .map(|v| spec.contains(&v))
        .unwrap_or(true)
}

fn newest_pip_in(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<(pep440_rs::Version, PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let wheel = wheel_name::WheelFilename::parse(&name).ok()?;
            if wheel.name() != "pip" {
                return None;
            }
            let version = wheel.version_text().parse().ok()?;
            Some((version, e.path()))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p)
}
