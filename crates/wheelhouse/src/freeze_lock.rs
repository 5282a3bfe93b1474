//! `freeze --hashes` and `freeze --format pylock`: an existing environment as hashed
//! requirements or as a lock.
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
struct Frozen<'a> {
    dist: &'a InstalledDist,
    /// (path, sha256, size)
    wheel: Option<(PathBuf, String, u64)>,
}

/// Prints the environment's packages with hashes (`pylock`: as a lock). `dists` in import
/// path order; the same packages as `freeze` prints, direct references included by name.
pub(crate) fn run(
    site: &SiteConfig,
    target: &environment::Target,
    dists: &[InstalledDist],
    all: bool,
    pylock: bool,
) -> i32 {
    let frozen = find_wheels(site, target, &kept(dists, target, all));
    let missing: Vec<String> = frozen
        .iter()
        .filter(|f| f.wheel.is_none())
        .map(|f| format!("{} {}", f.dist.name, f.dist.version))
        .collect();
    if !missing.is_empty() {
        errln!(
            "warning: no wheelhouse file for {}: {} without a hash (an installed package \
             records its files, not the wheel it came from)",
            missing.join(", "),
            if pylock {
                "left out of the lock"
            } else {
                "printed"
            }
        );
    }
    if pylock {
        outln!("{}", as_lock(site, target, &frozen).to_toml().trim_end());
    } else {
        for f in &frozen {
            match &f.wheel {
                Some((_, sha, _)) => outln!(
                    "{}=={} \\\n    --hash=sha256:{sha}",
                    f.dist.name,
                    f.dist.version
                ),
                None => outln!("{}=={}", f.dist.name, f.dist.version),
            }
        }
    }
    0
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
                let sha = environment::digest_file("sha256", &best.path).ok()?;
                let size = std::fs::metadata(&best.path).ok()?.len();
                Some((best.path.clone(), sha, size))
            });
            Frozen { dist: d, wheel }
        })
        .collect()
}

fn as_lock(site: &SiteConfig, target: &environment::Target, frozen: &[Frozen<'_>]) -> ::lock::Lock {
    let (major, minor, _) = target.interpreter.version;
    let packages = frozen
        .iter()
        .filter_map(|f| {
            let (path, sha, size) = f.wheel.as_ref()?;
            let absolute = std::path::absolute(path).unwrap_or(path.clone());
            Some(::lock::Package {
                name: f.dist.key.clone(),
                version: Some(f.dist.version.clone()),
                source: ::lock::Source::Files {
                    wheels: vec![::lock::File {
                        name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
                        path: Some(absolute.display().to_string()),
                        size: Some(*size),
                        hashes: [("sha256".to_string(), sha.clone())].into(),
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
