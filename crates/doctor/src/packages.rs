//! The installed packages: files missing from their RECORD, unmet and conflicting
//! dependencies (`pip check`), the numpy 1/2 ABI break, packages for another Python, and
//! `manylinux` wheels.
//!
//! Everything comes from the `.dist-info` directories, which are untrusted text: a RECORD path
//! is used only once proven inside the environment, and nothing unparseable stops the checks.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use installer::InstalledDist;
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, Requirement, VersionOrUrl};
use rayon::prelude::*;
use site_config::SiteConfig;

use crate::{shown, EnvInfo, Finding};

/// The environment's own distributions, and everything importable beside them by key.
pub struct Dists {
    pub own: Vec<InstalledDist>,
    pub importable: HashMap<String, InstalledDist>,
}

pub fn installed(site: &SiteConfig, info: &EnvInfo) -> Dists {
    let own: Vec<InstalledDist> = info
        .site_packages
        .iter()
        .flat_map(|d| installer::scan_site_dir(d))
        .collect();
    let mut importable: HashMap<String, InstalledDist> = HashMap::new();
    // Import order: PYTHONPATH first, then the environment, then the base's site-packages.
    let mut dirs: Vec<PathBuf> = site.job.pythonpath.clone();
    dirs.extend(info.site_packages.iter().cloned());
    if info.system_site_packages {
        if let (Some(home), Some((a, b))) = (&info.home, info.major_minor) {
            if let Some(prefix) = home.parent() {
                dirs.push(prefix.join(format!("lib/python{a}.{b}/site-packages")));
            }
        }
    }
    for dir in dirs {
        for dist in installer::scan_site_dir(&dir) {
            importable.entry(dist.key.clone()).or_insert(dist);
        }
    }
    Dists { own, importable }
}

/// Lexically resolves `rel` against `base`; `None` when it leaves `root` (or is absolute).
pub(crate) fn inside(root: &Path, base: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    if rel.is_absolute() {
        return None;
    }
    let mut out = base.to_path_buf();
    for c in rel.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    out.starts_with(root).then_some(out)
}

/// Every file a package's RECORD lists must exist; byte code is left out (Python rewrites it
/// as needed). `$SCRATCH` purges and interrupted copies delete files one by one.
pub fn missing_files(info: &EnvInfo, own: &[InstalledDist], out: &mut Vec<Finding>) {
    let mut broken: Vec<(usize, usize, String, &InstalledDist)> = own
        .par_iter()
        .filter_map(|dist| {
            let record = std::fs::read_to_string(dist.metadata_dir.join("RECORD")).ok()?;
            let entries = wheel_metadata::parse_record(&record);
            let mut missing = 0;
            let mut first = String::new();
            let mut listed = 0;
            for entry in &entries {
                if entry.path.ends_with(".pyc") {
                    continue;
                }
                let Some(path) = inside(&info.root, &dist.site_dir, &entry.path) else {
                    continue;
                };
                listed += 1;
                if std::fs::symlink_metadata(&path).is_err() {
                    if missing == 0 {
                        first = entry.path.clone();
                    }
                    missing += 1;
                }
            }
            (missing > 0).then_some((missing, listed, first, dist))
        })
        .collect();
    broken.sort_by(|a, b| a.3.key.cmp(&b.3.key));
    for (missing, listed, first, dist) in broken {
        out.push(Finding {
            check: "missing-files",
            what: format!(
                "{} {}: {missing} of the {listed} files its RECORD lists are missing (first: {first})",
                dist.name, dist.version
            ),
            why: "files were deleted after the install (the automatic purge of $SCRATCH, an \
                  interrupted copy, a cleanup by hand); imports of the package fail with \
                  ModuleNotFoundError or ImportError, or only some of its features do"
                .into(),
            fix: format!(
                "wheelhouse install -p {} --force-reinstall '{}=={}'",
                shown(&info.root),
                dist.name,
                dist.version
            ),
        });
    }
}

/// The marker environment of the environment's Python on this machine, built from
/// `pyvenv.cfg` (no interpreter is started).
fn markers(info: &EnvInfo) -> Option<MarkerEnvironment> {
    let (a, b) = info.major_minor?;
    let short = format!("{a}.{b}");
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &info.version,
        os_name: "posix",
        platform_machine: std::env::consts::ARCH,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: "Linux",
        platform_version: "",
        python_full_version: &info.version,
        python_version: &short,
        sys_platform: "linux",
    })
    .ok()
}

/// What `pip check` reports: requirements of installed packages that are not installed or
/// whose installed version does not match; the numpy 1/2 case gets its own finding.
pub fn conflicts(info: &EnvInfo, dists: &Dists, out: &mut Vec<Finding>) {
    let env = shown(&info.root);
    let markers = markers(info);
    let mut own: Vec<&InstalledDist> = dists.own.iter().collect();
    own.sort_by(|a, b| a.key.cmp(&b.key));
    for dist in own {
        for text in &dist.requires_dist {
            let Ok(req) = Requirement::<pep508_rs::VerbatimUrl>::from_str(text) else {
                continue;
            };
            if let Some(m) = &markers {
                if !req.evaluate_markers(m, &[]) {
                    continue;
                }
            }
            let key = wheel_metadata::normalize_name(req.name.as_ref());
            let Some(dep) = dists.importable.get(&key) else {
                out.push(Finding {
                    check: "missing-dependency",
                    what: format!("{} {} requires {}, which is not installed", dist.name, dist.version, req.name),
                    why: format!("importing {} (or the part of it that needs {}) fails with ModuleNotFoundError", dist.name, req.name),
                    fix: format!("wheelhouse install -p {env} '{}'", strip_marker(text)),
                });
                continue;
            };
            let Some(VersionOrUrl::VersionSpecifier(spec)) = &req.version_or_url else {
                continue;
            };
            let Ok(version) = Version::from_str(&dep.version) else {
                continue;
            };
            if spec.contains(&version) {
                continue;
            }
            if key == "numpy" {
                out.push(numpy_abi(
                    &env,
                    (&dist.name, &dist.version),
                    &dep.version,
                    &version,
                    &spec.to_string(),
                ));
                continue;
            }
            out.push(Finding {
                check: "dependency-conflict",
                what: format!(
                    "{} {} has requirement {}{spec}, but {} {} is installed",
                    dist.name, dist.version, req.name, dep.name, dep.version
                ),
                why: "the package was made for other versions of its dependency; it may fail \
                      at import or misbehave later"
                    .into(),
                fix: format!(
                    "wheelhouse install -p {env} '{}{spec}' (or upgrade {}: wheelhouse install -p {env} --upgrade {})",
                    req.name, dist.name, dist.name
                ),
            });
        }
    }
}

fn strip_marker(text: &str) -> &str {
    text.split(';').next().unwrap_or(text).trim()
}

/// numpy 2 changed the C ABI: a compiled package built against numpy 1 cannot import with
/// numpy 2 (`numpy.core.multiarray failed to import`), and one built against numpy 2 needs it.
fn numpy_abi(
    env: &str,
    (name, dist_version): (&str, &str),
    installed: &str,
    version: &Version,
    spec: &str,
) -> Finding {
    let numpy2 = version.release().first().is_some_and(|&m| m >= 2);
    let (why, fix) = if numpy2 {
        (
            format!(
                "{} was built against numpy 1.x; numpy 2 changed the binary interface, so \
                 importing it fails with `ImportError: numpy.core.multiarray failed to import` \
                 or crashes",
                name
            ),
            format!("wheelhouse install -p {env} 'numpy<2'"),
        )
    } else {
        (
            format!(
                "{} was built against numpy 2 and does not work with numpy 1.x (import errors \
                 about the numpy C API version)",
                name
            ),
            format!(
                "wheelhouse install -p {env} 'numpy{spec}' (or keep numpy 1: wheelhouse install \
                 -p {env} '{}<{}')",
                name, dist_version
            ),
        )
    };
    Finding {
        check: "numpy-abi",
        what: format!(
            "{} {} requires numpy{spec}, but numpy {installed} is installed",
            name, dist_version
        ),
        why,
        fix,
    }
}

/// Packages whose `Requires-Python` excludes the environment's Python.
pub fn requires_python(info: &EnvInfo, own: &[InstalledDist], out: &mut Vec<Finding>) {
    let Ok(python) = Version::from_str(&info.version) else {
        return;
    };
    for dist in own {
        let Some(text) = &dist.requires_python else {
            continue;
        };
        let Ok(spec) = VersionSpecifiers::from_str(text) else {
            continue;
        };
        if spec.contains(&python) {
            continue;
        }
        out.push(Finding {
            check: "requires-python",
            what: format!(
                "{} {} requires a different Python: {} not in '{text}'",
                dist.name, dist.version, info.version
            ),
            why: "it was installed for another Python version (copied in, or installed with \
                  another interpreter) and may use syntax or modules this Python lacks"
                .into(),
            fix: format!(
                "install a version made for Python {}: wheelhouse install -p {} --force-reinstall {} \
                 (see `avail_wheels {} --all-versions`), or use a newer Python module",
                info.version,
                shown(&info.root),
                dist.name,
                dist.name
            ),
        });
    }
}

/// `manylinux` (and `musllinux`) wheels, which the site's policy keeps out: built elsewhere,
/// against libraries the cluster may not have, without its CPU optimisations.
pub fn manylinux(info: &EnvInfo, own: &[InstalledDist], out: &mut Vec<Finding>) {
    for dist in own {
        let Ok(wheel) = std::fs::read_to_string(dist.metadata_dir.join("WHEEL")) else {
            continue;
        };
        let tags: Vec<&str> = wheel
            .lines()
            .filter_map(|l| l.strip_prefix("Tag:"))
            .map(str::trim)
            .filter(|t| t.contains("manylinux") || t.contains("musllinux"))
            .collect();
        let Some(tag) = tags.first() else {
            continue;
        };
        out.push(Finding {
            check: "manylinux",
            what: format!(
                "{} {} was installed from a manylinux wheel ({tag})",
                dist.name, dist.version
            ),
            why: "manylinux wheels are built elsewhere, against system libraries this cluster \
                  may not provide and without its CPU optimisations; the site does not support \
                  them and they may not function correctly"
                .into(),
            fix: format!(
                "wheelhouse install -p {} --force-reinstall {} (the wheelhouse's build); if the \
                 wheelhouse lacks it, ask technical support to add it",
                shown(&info.root),
                dist.name
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_abi_both_ways() {
        let old = numpy_abi(
            "env",
            ("oldext", "1.0"),
            "2.1.0",
            &Version::from_str("2.1.0").unwrap(),
            "<2",
        );
        assert_eq!(
            old.what,
            "oldext 1.0 requires numpy<2, but numpy 2.1.0 is installed"
        );
        assert!(
            old.why.contains("built against numpy 1.x")
                && old.fix == "wheelhouse install -p env 'numpy<2'"
        );
        let new = numpy_abi(
            "env",
            ("newext", "3.0"),
            "1.26.4",
            &Version::from_str("1.26.4").unwrap(),
            ">=2",
        );
        assert!(new.why.contains("built against numpy 2"), "{}", new.why);
        assert!(
            new.fix.starts_with("wheelhouse install -p env 'numpy>=2'"),
            "{}",
            new.fix
        );
        assert!(new.fix.contains("'newext<3.0'"), "{}", new.fix);
    }

    #[test]
    fn record_paths_stay_inside() {
        let root = Path::new("/e");
        let site = Path::new("/e/lib/python3.11/site-packages");
        assert_eq!(
            inside(root, site, "../../../bin/tool"),
            Some(PathBuf::from("/e/bin/tool"))
        );
        assert_eq!(inside(root, site, "../../../../etc/passwd"), None);
        assert_eq!(inside(root, site, "/etc/passwd"), None);
        assert_eq!(inside(root, site, "a/./b.py"), Some(site.join("a/b.py")));
    }
}
