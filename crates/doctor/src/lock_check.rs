//! `doctor --lock FILE`: what differs between an environment and a lock file (missing,
//! extra, another version, a locked file changed on disk), and a hint when a lock sits beside
//! an environment. File reads only, as every check here: which entries apply is told from
//! the environment's Python version (`python_version` markers) and this node's CPU level.
//! Contents are compared, not sizes: the locked wheels against their sha256, and the
//! installed files of each locked package against the hashes its RECORD took at install (an
//! edit by hand keeps a file's size often enough).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use installer::InstalledDist;
use site_config::SiteConfig;

use crate::{EnvInfo, Finding};

/// Packages a sync keeps although a lock does not name them.
const SEED: [&str; 3] = ["pip", "setuptools", "wheel"];

pub fn check(
    site: &SiteConfig,
    info: &EnvInfo,
    own: &[InstalledDist],
    lock_path: &Path,
    findings: &mut Vec<Finding>,
) {
    let shown = lock_path.display();
    let env = crate::shown(&info.root);
    let sync = format!("wheelhouse sync -p {env} {shown}");
    let lock = match std::fs::read_to_string(lock_path)
        .map_err(|e| e.to_string())
        .and_then(|t| lock::Lock::parse(&t).map_err(|e| e.to_string()))
    {
        Ok(lock) => lock,
        Err(e) => {
            findings.push(Finding {
                check: "lock-unreadable",
                what: format!("the lock file {shown} cannot be used: {e}"),
                why: "nothing can be compared with it, and `sync` would refuse it".into(),
                fix: "make the lock again on the login node: `wheelhouse lock -r \
                      requirements.txt`"
                    .into(),
            });
            return;
        }
    };
    let version = info.major_minor.map(|(a, b)| format!("\"{a}.{b}\""));
    let level = site.current_arch.as_deref();
    let applies = |p: &lock::Package| {
        let marker_ok = match (&p.marker, &version) {
            (None, _) => true,
            (Some(m), Some(v)) if m.contains("python_version") => m.contains(v.as_str()),
            _ => true,
        };
        let level_ok = p.levels.is_empty() || level.is_none_or(|l| p.levels.iter().any(|x| x == l));
        marker_ok && level_ok
    };
    let installed: HashMap<&str, &InstalledDist> =
        own.iter().map(|d| (d.key.as_str(), d)).collect();
    let (mut missing, mut other, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    let mut same = Vec::new();
    let mut named = BTreeSet::new();
    for p in lock.packages.iter().filter(|p| applies(p)) {
        named.insert(p.name.as_str());
        let want = p.version.as_deref().unwrap_or("?");
        match installed.get(p.name.as_str()) {
            None => missing.push(format!("{} {want}", p.name)),
            Some(d) if !same_version(&d.version, want) => {
                other.push(format!("{} {} (the lock has {want})", d.name, d.version))
            }
            Some(d) => same.push(*d),
        }
        changed.extend(changed_files(&lock, p, lock_path, site, level));
    }
    let edited = edited_files(&info.root, &same);
    let extra: Vec<String> = own
        .iter()
        .filter(|d| !named.contains(d.key.as_str()) && !SEED.contains(&d.key.as_str()))
        .map(|d| format!("{} {}", d.name, d.version))
        .collect();
    let mut push = |check: &'static str, list: Vec<String>, what: &str, why: &str, fix: &str| {
        if !list.is_empty() {
            findings.push(Finding {
                check,
                what: format!("{what}: {}", list.join(", ")),
                why: why.into(),
                fix: fix.into(),
            });
        }
    };
    push(
        "lock-missing",
        missing,
        &format!("the lock {shown} names packages the environment does not have"),
        "code that imports them fails, and the environment is not the one the lock describes",
        &sync,
    );
    push(
        "lock-other-version",
        other,
        &format!("installed versions differ from the lock {shown}"),
        "results may differ from the runs made with the locked versions",
        &sync,
    );
    push(
        "lock-extra",
        extra,
        &format!("the environment has packages the lock {shown} does not name"),
        "they were installed by hand since the lock was made, and a job synced from the lock \
         will not have them",
        &format!("{sync} (removes them), or add them to the requirements and lock again"),
    );
    let reinstall = format!(
        "wheelhouse install -p {env} --force-reinstall {} (puts the installed files back)",
        edited
            .iter()
            .map(|(_, pin)| format!("'{pin}'"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    push(
        "lock-installed-edited",
        edited.into_iter().map(|(text, _)| text).collect(),
        &format!("files of packages the lock {shown} names were changed after their install"),
        "the code that runs is not the locked package's: an edit by hand, or a tool that wrote \
         into the environment",
        &reinstall,
    );
    push(
        "lock-file-changed",
        changed,
        &format!("wheels the lock {shown} names are gone or changed on disk"),
        "a sync from this lock will fail with a hash error: the wheelhouse changed since the \
         lock was made",
        "make the lock again (`wheelhouse lock ...`), or ask the site's staff about the file",
    );
}

/// Each package's installed files whose content is not what its RECORD says (byte code
/// aside: Python rewrites it): `(name version: path and N more, name==version)`.
fn edited_files(root: &Path, dists: &[&InstalledDist]) -> Vec<(String, String)> {
    use rayon::prelude::*;
    let mut found: Vec<(String, String, String)> = dists
        .par_iter()
        .filter_map(|dist| {
            let record = std::fs::read_to_string(dist.metadata_dir.join("RECORD")).ok()?;
            let mut edited: Vec<String> = Vec::new();
            for entry in wheel_metadata::parse_record(&record) {
                let Some(hash) = wheel_metadata::RecordHash::parse(&entry.hash) else {
                    continue;
                };
                if entry.path.ends_with(".pyc") || !hash.is_supported() {
                    continue;
                }
                let Some(path) = crate::packages::inside(root, &dist.site_dir, &entry.path) else {
                    continue;
                };
                // A missing file is the `missing-files` check's.
                if let Ok(data) = std::fs::read(&path) {
                    if !hash.matches(&data) {
                        edited.push(entry.path.clone());
                    }
                }
            }
            let first = edited.first()?;
            let more = match edited.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            Some((
                dist.key.clone(),
                format!("{} {}: {first}{more}", dist.name, dist.version),
                format!("{}=={}", dist.name, dist.version),
            ))
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|(_, text, pin)| (text, pin))
        .collect()
}

/// The lock's files for this level that are missing or whose sha256 is not the locked one.
fn changed_files(
    lock: &lock::Lock,
    p: &lock::Package,
    lock_path: &Path,
    site: &SiteConfig,
    level: Option<&str>,
) -> Vec<String> {
    let lock::Source::Files { wheels, .. } = &p.source else {
        return Vec::new();
    };
    let dir = lock_path.parent().unwrap_or(Path::new("."));
    let known = site.architectures();
    wheels
        .iter()
        .filter(|w| {
            let l = lock::level_of(w).unwrap_or_default();
            level.is_none_or(|here| l == here || l == "generic" || !known.contains(&l.as_str()))
        })
        .filter_map(|w| {
            let path: PathBuf = lock.local_path(w, dir, Some(&site.wheelhouse)).ok()?;
            let name = w.file_name().unwrap_or("?").to_string();
            match (std::fs::metadata(&path), w.sha256()) {
                (Err(_), _) => Some(format!("{name} (missing: {})", path.display())),
                (Ok(m), _) if w.size.is_some_and(|s| s != m.len()) => Some(format!(
                    "{name} ({} bytes, locked {})",
                    m.len(),
                    w.size.unwrap_or(0)
                )),
                (Ok(_), Some(want)) => match sha256_file(&path) {
                    Ok(got) if got.eq_ignore_ascii_case(want) => None,
                    Ok(_) => Some(format!("{name} (its content is not the locked sha256)")),
                    Err(e) => Some(format!("{name} (cannot be read: {e})")),
                },
                (Ok(_), None) => None,
            }
        })
        .collect()
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let digest = wheel_metadata::RecordHash::file_hex_digest("sha256", path)?;
    Ok(digest.expect("sha256 is supported"))
}

fn same_version(a: &str, b: &str) -> bool {
    match (
        a.parse::<pep440_rs::Version>(),
        b.parse::<pep440_rs::Version>(),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A lock file beside the environment (in it, or in its parent directory).
pub fn beside(info: &EnvInfo) -> Option<PathBuf> {
    let mut dirs = vec![info.root.clone()];
    dirs.extend(info.root.parent().map(Path::to_path_buf));
    dirs.into_iter()
        .map(|d| d.join("pylock.toml"))
        .find(|p| p.is_file())
}
