//! `freeze --hashes` and `freeze --format pylock`: an existing environment as hashed
//! requirements or as a lock. The command line prints what [`frozen`] finds.
//!
//! An installed package's RECORD hashes its files, not the wheel it came from, so the hash
//! printed is that of the wheelhouse file an install on this node takes for the installed
//! name and version (the CPU level's directory first). A package with no such file (built
//! from a source, downloaded, or gone from the wheelhouse) gets no hash, and a warning.

use std::collections::HashSet;
use std::path::PathBuf;

use installer::InstalledDist;
use site_config::SiteConfig;

/// One installed package and its wheelhouse file, when there is one.
#[derive(Debug)]
pub struct Frozen<'a> {
    pub dist: &'a InstalledDist,
    pub wheel: Option<WheelFile>,
}

/// A wheelhouse file, with its sha256 and size.
#[derive(Clone, Debug)]
pub struct WheelFile {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

/// The packages `freeze` prints (`dists` in import path order: the first of each name, pip's
/// tools aside unless `all`), sorted by name, each with the wheelhouse file an install on
/// this node takes for its name and version.
pub fn frozen<'a>(
    site: &SiteConfig,
    target: &environment::Target,
    dists: &'a [InstalledDist],
    all: bool,
) -> Vec<Frozen<'a>> {
    find_wheels(site, target, &kept(dists, target, all))
}

/// What `freeze` prints: the first of each name on the import path, pip's tools aside.
fn kept<'a>(
    dists: &'a [InstalledDist],
    target: &environment::Target,
    all: bool,
) -> Vec<&'a InstalledDist> {
    let mut seen = HashSet::new();
    let (major, minor, _) = target.interpreter.version;
    let mut skip = vec!["pip"];
    if (major, minor) < (3, 12) {
        skip.extend(["setuptools", "wheel", "distribute"]);
    }
    let mut out: Vec<&InstalledDist> = dists
        .iter()
        .filter(|d| seen.insert(d.key.clone()))
        .filter(|d| all || !skip.contains(&d.key.as_str()))
        .collect();
    out.sort_by_key(|d| d.name.to_lowercase());
    out
}

fn find_wheels<'a>(
    site: &SiteConfig,
    target: &environment::Target,
    dists: &[&'a InstalledDist],
) -> Vec<Frozen<'a>> {
    let index = site.pip_install_options().ok().and_then(|config| {
        let (paths, _) = environment::search_paths(site, &config, &[]).ok()?;
        Some(environment::build_index(
            site,
            paths,
            &target.interpreter,
            config.allow_manylinux,
            &[],
        ))
    });
    dists
        .iter()
        .map(|d| {
            let wheel = index.as_ref().and_then(|index| {
                let version: pep440_rs::Version = d.version.parse().ok()?;
                let best = index
                    .usable
                    .get(&d.key)?
                    .iter()
                    .filter(|c| c.version == version)
                    .min_by_key(|c| (c.tag_rank, c.search_rank))?;
                let sha256 = environment::digest_file("sha256", &best.path).ok()?;
                let size = std::fs::metadata(&best.path).ok()?.len();
                Some(WheelFile {
                    path: best.path.clone(),
                    sha256,
                    size,
                })
            });
            Frozen { dist: d, wheel }
        })
        .collect()
}

/// The environment as a lock for its Python and this node's CPU level: the packages with a
/// wheelhouse file.
pub fn frozen_lock(
    site: &SiteConfig,
    target: &environment::Target,
    frozen: &[Frozen<'_>],
) -> ::lock::Lock {
    let (major, minor, _) = target.interpreter.version;
    let packages = frozen
        .iter()
        .filter_map(|f| {
            let WheelFile { path, sha256, size } = f.wheel.as_ref()?;
            let absolute = std::path::absolute(path).unwrap_or(path.clone());
            Some(::lock::Package {
                name: f.dist.key.clone(),
                version: Some(f.dist.version.clone()),
                source: ::lock::Source::Files {
                    wheels: vec![::lock::File {
                        name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
                        path: Some(absolute.display().to_string()),
                        size: Some(*size),
                        hashes: [("sha256".to_string(), sha256.clone())].into(),
                        ..::lock::File::default()
                    }],
                    sdist: None,
                },
                ..::lock::Package::default()
            })
        })
        .collect();
    let root = std::path::absolute(&site.wheelhouse).unwrap_or(site.wheelhouse.clone());
    ::lock::Lock {
        lock_version: ::lock::LOCK_VERSION.into(),
        environments: vec![format!("python_version == \"{major}.{minor}\"")],
        created_by: format!("wheelhouse {} (freeze)", env!("CARGO_PKG_VERSION")),
        packages,
        wheelhouse: Some(root.display().to_string()),
        levels: site.current_arch.iter().cloned().collect(),
        ..::lock::Lock::default()
    }
}
