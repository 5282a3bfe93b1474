//! The environment as its files describe it (`pyvenv.cfg`, `bin/python`), and the check that
//! its interpreter still exists.

use std::path::{Path, PathBuf};

use site_config::SiteConfig;

use crate::{shown, Finding};

/// An environment, from `pyvenv.cfg` and its directory tree.
#[derive(Clone, Debug, Default)]
pub struct EnvInfo {
    pub root: PathBuf,
    /// The Python version it was made with (`3.11.5`), from `pyvenv.cfg`.
    pub version: String,
    pub major_minor: Option<(u32, u32)>,
    /// `home`: the base interpreter's directory.
    pub home: Option<PathBuf>,
    pub system_site_packages: bool,
    /// `lib/python3.11/site-packages` (and `lib64`'s when it is another directory).
    pub site_packages: Vec<PathBuf>,
    /// Distributions installed in the environment itself.
    pub package_count: usize,
}

impl EnvInfo {
    /// Reads `ROOT/pyvenv.cfg`; a directory without one is a finding, not a panic.
    pub fn read(root: &Path) -> Result<EnvInfo, Box<Finding>> {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let cfg = match std::fs::read_to_string(root.join("pyvenv.cfg")) {
            Ok(text) => text,
            Err(e) => {
                return Err(Box::new(Finding {
                    check: "not-an-environment",
                    what: format!(
                        "{} is not a virtual environment (cannot read its pyvenv.cfg: {e})",
                        shown(&root)
                    ),
                    why: "the checks need an environment made by `wheelhouse venv` or \
                          `virtualenv`; a deleted or half-copied one has no pyvenv.cfg"
                        .into(),
                    fix: format!("wheelhouse venv {} -r requirements.txt", shown(&root)),
                }))
            }
        };
        let mut info = EnvInfo {
            root: root.clone(),
            ..EnvInfo::default()
        };
        for line in cfg.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "home" => info.home = Some(PathBuf::from(value)),
                "version" | "version_info" if info.version.is_empty() => {
                    // `3.11.5` or virtualenv's `3.11.5.final.0`.
                    let parts: Vec<&str> = value.split('.').take(3).collect();
                    info.version = parts.join(".");
                }
                "include-system-site-packages" => {
                    info.system_site_packages = value.eq_ignore_ascii_case("true")
                }
                _ => {}
            }
        }
        let mut parts = info.version.split('.').map(|p| p.parse::<u32>().ok());
        if let (Some(Some(major)), Some(Some(minor))) = (parts.next(), parts.next()) {
            info.major_minor = Some((major, minor));
        }
        for lib in ["lib", "lib64"] {
            let Ok(entries) = std::fs::read_dir(root.join(lib)) else {
                continue;
            };
            for entry in entries.flatten() {
                let dir = entry.path().join("site-packages");
                let canonical = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
                let seen = info
                    .site_packages
                    .iter()
                    .any(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()) == canonical);
                if dir.is_dir() && !seen {
                    info.site_packages.push(dir);
                }
            }
        }
        Ok(info)
    }
}

/// `bin/python` must lead to an interpreter: a module version removed from the software stack
/// leaves a dangling link, and the environment then cannot start at all.
pub fn interpreter(site: &SiteConfig, info: &EnvInfo, out: &mut Vec<Finding>) {
    let python = info.root.join("bin/python");
    let dangling =
        std::fs::symlink_metadata(&python).is_ok() && std::fs::metadata(&python).is_err();
    let missing = std::fs::symlink_metadata(&python).is_err();
    if !dangling && !missing {
        return;
    }
    let target = std::fs::read_link(&python)
        .map(|t| format!(" (it points to {}, which no longer exists)", t.display()))
        .unwrap_or_default();
    let wanted = info
        .major_minor
        .map(|(a, b)| format!("{a}.{b}"))
        .unwrap_or_else(|| "3.11".into());
    let offered = site.available_pythons();
    let load = if offered.iter().any(|v| v.to_string() == wanted) || offered.is_empty() {
        wanted.clone()
    } else {
        offered
            .last()
            .map(ToString::to_string)
            .unwrap_or(wanted.clone())
    };
    out.push(Finding {
        check: "broken-interpreter",
        what: format!(
            "{}/bin/python {}{target}",
            shown(&info.root),
            if missing {
                "is missing"
            } else {
                "is a broken link"
            }
        ),
        why: format!(
            "the environment was made with Python {} from a module or software environment that \
             is gone (or moved); nothing in it can run, and it cannot be repaired in place",
            if info.version.is_empty() {
                "?"
            } else {
                &info.version
            }
        ),
        // No `-r requirements.txt`: the user may have none, and the environment's own list
        // cannot be read without its Python.
        fix: format!(
            "module load python/{load} && wheelhouse venv --clear {}, then install its \
             packages again",
            shown(&info.root)
        ),
    });
}
