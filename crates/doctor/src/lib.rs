//! The troubleshooting list, answered for this session and this environment. Finding the
//! causes is this crate's one job; it changes nothing (each finding names the command that
//! fixes it, and that command goes through `environment`), and what is wrong with the
//! wheelhouse itself is `audit`'s.
//!
//! Most "my environment stopped working" reports come from a handful of causes the site's
//! troubleshooting page lists: a module loaded after the environment was activated, a hand-set
//! `PYTHONPATH` or `PATH`, an environment whose Python module went away, files purged from
//! `$SCRATCH`, dependency conflicts, packages for another Python, the numpy 1/2 ABI break,
//! `manylinux` wheels, and environments on a parallel file system used from jobs. Each check
//! here looks for one of them with file reads only (no Python is started, so it works when the
//! interpreter is broken, and stays well under a second), and every [`Finding`] says what is
//! wrong, why it matters, and the command that fixes it.
//!
//! ```
//! use site_config::{ProcessVars, SiteConfig};
//!
//! let site = SiteConfig::from_env(&ProcessVars::from_pairs([("PYTHONPATH", "/home/me/lib")]));
//! let report = doctor::diagnose(&site, None);
//! assert!(!report.healthy());
//! assert_eq!(report.findings[0].check, "pythonpath-by-hand");
//! ```

mod environment;
mod fs;
mod lock_check;
mod packages;
mod session;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use site_config::SiteConfig;

pub use environment::EnvInfo;
pub use fs::{file_system_kind, FsKind};

/// One problem found: what is wrong, why it matters, the command that fixes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// A stable identifier (`missing-files`, `numpy-abi`...), for scripts.
    pub check: &'static str,
    pub what: String,
    pub why: String,
    pub fix: String,
}

/// Everything `diagnose` found.
#[derive(Debug, Default)]
pub struct Report {
    /// The environment examined, when there was one.
    pub environment: Option<EnvInfo>,
    pub findings: Vec<Finding>,
    /// Checks skipped, and why (no environment given, ...).
    pub notes: Vec<String>,
}

impl Report {
    pub fn healthy(&self) -> bool {
        self.findings.is_empty()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "healthy": self.healthy(),
            "environment": self.environment.as_ref().map(|e| json!({
                "path": e.root,
                "python": e.version,
                "packages": e.package_count,
            })),
            "findings": self.findings.iter().map(|f| json!({
                "check": f.check,
                "what": f.what,
                "why": f.why,
                "fix": f.fix,
            })).collect::<Vec<_>>(),
            "notes": self.notes,
        })
    }
}

/// [`diagnose`], then what differs between the environment and the lock file `lock`; without
/// one, a note when a `pylock.toml` sits beside the environment.
pub fn diagnose_with_lock(site: &SiteConfig, env: Option<&Path>, lock: Option<&Path>) -> Report {
    let mut report = diagnose(site, env);
    let Some(info) = &report.environment else {
        return report;
    };
    match lock {
        Some(lock) => {
            let dists = packages::installed(site, info);
            lock_check::check(site, info, &dists.own, lock, &mut report.findings);
        }
        None => {
            if let Some(found) = lock_check::beside(info) {
                report.notes.push(format!(
                    "a lock file is beside this environment: `wheelhouse doctor --lock {}` \
                     compares them",
                    shown(&found)
                ));
            }
        }
    }
    report
}

/// Examines the session (`site`: the environment variables) and the environment at `env`, or
/// the active one (`VIRTUAL_ENV`) when `env` is `None`.
pub fn diagnose(site: &SiteConfig, env: Option<&Path>) -> Report {
    let mut report = Report::default();
    let root: Option<PathBuf> = env
        .map(Path::to_path_buf)
        .or_else(|| site.virtual_env.clone());
    session::pythonpath(site, &mut report.findings);
    let Some(root) = root else {
        report.notes.push(
            "no environment given and none active: only the session was checked (give one with \
             -p ENV)"
                .into(),
        );
        return report;
    };
    let info = match EnvInfo::read(&root) {
        Ok(info) => info,
        Err(finding) => {
            report.findings.push(*finding);
            return report;
        }
    };
    let active = site
        .virtual_env
        .as_deref()
        .is_some_and(|v| same_dir(v, &info.root));
    environment::interpreter(site, &info, &mut report.findings);
    if active {
        session::module_after_activate(site, &info, &mut report.findings);
    } else {
        report
            .notes
            .push("the environment is not the active one: PATH and module checks skipped".into());
    }
    let dists = packages::installed(site, &info);
    packages::missing_files(&info, &dists.own, &mut report.findings);
    packages::conflicts(&info, &dists, &mut report.findings);
    packages::requires_python(&info, &dists.own, &mut report.findings);
    packages::manylinux(&info, &dists.own, &mut report.findings);
    fs::parallel_file_system(
        site,
        &info,
        file_system_kind(&info.root),
        &mut report.findings,
    );
    report.environment = Some(EnvInfo {
        package_count: dists.own.len(),
        ..info
    });
    report
}

fn same_dir(a: &Path, b: &Path) -> bool {
    a == b
        || std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(b).ok())
            .is_some_and(|(x, y)| x == y)
}

/// `ENV` as the user would type it in a fix: the path given, shortened against the working
/// directory.
pub(crate) fn shown(path: &Path) -> String {
    if let Some(cwd) = site_config::working_dir() {
        if let Ok(rel) = path.strip_prefix(&cwd) {
            return rel.display().to_string();
        }
    }
    path.display().to_string()
}
