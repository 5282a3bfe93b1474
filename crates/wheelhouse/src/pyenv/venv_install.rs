//! `wheelhouse venv ENV -r requirements.txt [REQ...]`: create and fill an environment in one
//! process, the job recipe's one line per node:
//!
//! ```text
//! srun --ntasks $SLURM_NNODES --tasks-per-node=1 wheelhouse venv $SLURM_TMPDIR/env -r requirements.txt
//! ```
//!
//! The interpreter is asked once (by `venv::create`, for the new prefix), and pip is resolved
//! with the requested packages, so one install reads the wheelhouse once (one index) and takes
//! the environment's lock once. When N nodes
//! write into one job output, each prints one summary line, prefixed with its node name.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use environment::{Event, InstallOptions, Target};
use site_config::SiteConfig;

/// The requirement options of `wheelhouse venv`.
#[derive(clap::Args, Debug, Default)]
pub struct Packages {
    /// Packages to install once the environment exists (as `wheelhouse install` takes them)
    #[arg(value_name = "REQUIREMENT")]
    pub requirements: Vec<String>,
    /// Install from this requirements file; may be repeated
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirement_files: Vec<PathBuf>,
    /// Constrain versions with this file; may be repeated
    #[arg(short = 'c', long = "constraint", value_name = "FILE")]
    pub constraint_files: Vec<PathBuf>,
    #[command(flatten)]
    pub index: crate::index_flags::IndexFlags,
}

impl Packages {
    pub fn any(&self) -> bool {
        !self.requirements.is_empty() || !self.requirement_files.is_empty()
    }
}

/// What the one-line summary says.
pub struct Filled {
    /// `None` when the install already printed pip's lines on a terminal.
    pub installed: Option<Vec<(String, String)>>,
}

/// Installs `packages` and, with `seed_pip`, pip (unless the requirements name it) into the
/// environment just created. pip comes from the same index as the packages; only when the
/// wheelhouse has none is `seed_pip` asked for another wheel (the interpreter's bundled one)
/// and the install run again. On failure, an environment this command created is removed, so
/// no half-filled environment is left for a job to run in.
#[allow(clippy::too_many_arguments)]
pub fn fill(
    site: &SiteConfig,
    created: &venv::Venv,
    system_site_packages: bool,
    packages: &Packages,
    seed_pip: Option<&dyn Fn() -> Option<PathBuf>>,
    find_links: &[PathBuf],
    cache: Option<environment::CacheOptions>,
    existed: bool,
    quiet: bool,
) -> Result<Filled, locking::Error> {
    let target = Target::new_venv(created, system_site_packages);
    // A lock file is installed as it is, after pip is seeded; nothing beside it.
    let lock_file = packages
        .requirement_files
        .iter()
        .find(|f| locking::is_lock_file(f))
        .cloned();
    if lock_file.is_some()
        && (packages.requirement_files.len() > 1 || !packages.requirements.is_empty())
    {
        if !existed {
            let _ = std::fs::remove_dir_all(&created.root);
        }
        return Err(environment::Error::LockWithOthers.into());
    }
    let mut requirements = packages.requirements.clone();
    let names_pip = requirements.iter().any(|r| starts_with_name(r, "pip"));
    let seed_pip = seed_pip.filter(|_| !names_pip);
    if seed_pip.is_some() {
        requirements.push("pip".into());
    }
    let cancel = crate::signals::cancel_on_signals();
    let prefix = site.job.line_prefix();
    let interactive = prefix.is_empty() && std::io::stdout().is_terminal() && !quiet;
    let attempt = |requirements: Vec<String>| {
        let options = InstallOptions {
            requirements,
            requirement_files: if lock_file.is_some() {
                Vec::new()
            } else {
                packages.requirement_files.clone()
            },
            constraint_files: packages.constraint_files.clone(),
            find_links: find_links.to_vec(),
            cache: cache.clone(),
            index: packages.index.options(Some(cancel.clone())),
            // As `install` without flags: compiled on a network file system only.
            compile: environment::ByteCode::OnNetworkFileSystem,
            ..InstallOptions::default()
        };
        if interactive {
            super::install::run_install(site, &target, &options, &cancel, quiet, false, true)
                .map(|_| Filled { installed: None })
        } else {
            let events = |event: Event<'_>| match event {
                Event::Warning(m) => errln!("{prefix}warning: {m}"),
                Event::Recovered(m) => errln!("{prefix}note: {m}"),
                _ => {}
            };
            environment::install(site, &target, &options, &cancel, &events).map(|r| Filled {
                installed: Some(r.installed),
            })
        }
    };
    let mut result = if lock_file.is_some() && requirements.is_empty() {
        Ok(Filled {
            installed: Some(Vec::new()),
        })
    } else {
        attempt(requirements.clone())
    };
    if let (Err(e), Some(bundled)) = (&result, seed_pip) {
        // The resolver's paragraph for a name without wheels: "No matching distribution
        // found for pip: ...".
        let pip_missing = matches!(e, environment::Error::Unresolvable { source, .. }
            if source.to_string().contains("found for pip:"));
        if pip_missing {
            if let Some(wheel) = bundled() {
                requirements.pop();
                requirements.push(wheel.display().to_string());
                result = attempt(requirements);
            }
        }
    }
    // The lock's own failures join the install's from here on.
    let mut result = result.map_err(locking::Error::from);
    if let (Ok(filled), Some(lock)) = (&mut result, &lock_file) {
        let options = environment::SyncOptions {
            cache: cache.clone(),
            compile: environment::ByteCode::OnNetworkFileSystem,
            ..environment::SyncOptions::default()
        };
        let said = (true, prefix.as_str());
        match crate::sync::install_lock(site, &target, lock, false, &options, &cancel, said) {
            Ok(installed) => {
                if let Some(list) = &mut filled.installed {
                    list.extend(installed);
                } else if !quiet && !installed.is_empty() {
                    let names: Vec<String> =
                        installed.iter().map(|(n, v)| format!("{n}-{v}")).collect();
                    outln!("Successfully installed {}", names.join(" "));
                }
            }
            Err(e) => result = Err(e),
        }
    }
    if result.is_err() && !existed {
        let _ = std::fs::remove_dir_all(&created.root);
    }
    result
}

fn starts_with_name(requirement: &str, name: &str) -> bool {
    let r = requirement.trim();
    r.len() >= name.len()
        && r[..name.len()].eq_ignore_ascii_case(name)
        && !r[name.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// The job line: `node1: created /localscratch/7/env (CPython 3.11.7): 12 packages in 0.84s`.
/// An environment that was there before (`existed`, not `--clear`ed) is not said to be
/// created: `… env existed (CPython 3.11.7): 0 packages added in 0.06s`.
pub fn summary(
    site: &SiteConfig,
    created: &venv::Venv,
    filled: &Filled,
    started: Instant,
    existed: bool,
) -> String {
    let b = &created.base;
    let Some(installed) = &filled.installed else {
        return format!(
            "created {} ({} {}); activate with: source {}/bin/activate",
            created.root.display(),
            if b.implementation == "pypy" {
                "PyPy"
            } else {
                "CPython"
            },
            b.version_text(),
            super::short(&created.root)
        );
    };
    let implementation = match b.implementation.as_str() {
        "cpython" => "CPython",
        "pypy" => "PyPy",
        other => other,
    };
    let count = format!(
        "{} package{}",
        installed.len(),
        if installed.len() == 1 { "" } else { "s" }
    );
    let seconds = started.elapsed().as_secs_f64();
    let prefix = site.job.line_prefix();
    let root = created.root.display();
    let version = b.version_text();
    if existed {
        format!(
            "{prefix}{root} existed ({implementation} {version}): {count} added in {seconds:.2}s"
        )
    } else {
        format!("{prefix}created {root} ({implementation} {version}): {count} in {seconds:.2}s")
    }
}

/// `$SLURM_TMPDIR/env` with `SLURM_TMPDIR` unset becomes `/env`: creating that at the root of
/// the node (or failing to, as a user) would hide the real mistake.
pub fn check_path(site: &SiteConfig, path: &Path) -> Result<(), String> {
    let at_root = path.parent() == Some(Path::new("/"));
    if at_root && site.job.tmpdir.is_none() {
        let node = site
            .job
            .node_name
            .as_deref()
            .map(|n| format!(" on {n}"))
            .unwrap_or_default();
        return Err(format!(
            "{} is at the root of the file system, and SLURM_TMPDIR is not set{node}: was the \
             path written as $SLURM_TMPDIR/{}? SLURM_TMPDIR exists only inside a job (sbatch, \
             salloc, srun), where it names the node's local disk. Run the command inside the \
             job, or give another directory (e.g. $HOME/envs/{}); nothing was created",
            path.display(),
            path.file_name().unwrap_or_default().to_string_lossy(),
            path.file_name().unwrap_or_default().to_string_lossy(),
        ));
    }
    Ok(())
}

/// A requirements file missing on one node (a node-local path, a relative path from another
/// directory) fails before anything is created, naming the node and the directory looked in.
pub fn check_files(site: &SiteConfig, packages: &Packages) -> Result<(), String> {
    for file in packages
        .requirement_files
        .iter()
        .chain(&packages.constraint_files)
    {
        if file.is_file() {
            continue;
        }
        let node = site
            .job
            .node_name
            .as_deref()
            .map(|n| format!(" on {n}"))
            .unwrap_or_default();
        let cwd = site_config::working_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "?".into());
        return Err(format!(
            "the requirements file {} is not there{node} (looked from {cwd}). Every node of a \
             job reads it: keep it on a shared file system (home, project) and give its full \
             path, e.g. -r $HOME/requirements.txt; nothing was created",
            file.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_named() {
        assert!(starts_with_name("pip==24.2", "pip"));
        assert!(starts_with_name("PIP", "pip"));
        assert!(!starts_with_name("pipx", "pip"));
        assert!(!starts_with_name("pip-tools", "pip"));
    }
}
