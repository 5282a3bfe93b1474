//! The session's variables: a module loaded after `activate`, `PATH` and `PYTHONPATH` edited
//! by hand. The site's advice is to load every module first, then activate, and to leave
//! both variables to the modules.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use site_config::SiteConfig;

use crate::{shown, EnvInfo, Finding};

/// Whether a directory belongs to a loaded module (under an `EBROOT*` prefix) or to the
/// site's software stack (CVMFS).
fn from_a_module(site: &SiteConfig, dir: &Path) -> bool {
    dir.starts_with("/cvmfs")
        || site
            .module_roots
            .iter()
            .any(|(_, root, _)| dir.starts_with(root))
}

/// The text of the loaded modulefiles (`_LMFILES_`), read once; a file that cannot be read,
/// or that is larger than any modulefile, counts as empty.
fn loaded_modulefiles(site: &SiteConfig) -> Vec<String> {
    const LARGEST: u64 = 1 << 20;
    site.job
        .loaded_modulefiles
        .iter()
        .filter_map(|f| {
            let meta = std::fs::metadata(f).ok()?;
            if meta.len() > LARGEST {
                return None;
            }
            std::fs::read_to_string(f).ok()
        })
        .collect()
}

/// `PYTHONPATH` entries no module put there. An entry counts as a module's when it is under
/// CVMFS or a loaded module's `EBROOT*`, or when a loaded modulefile names it (a site's own
/// python module puts the directory of `_manylinux.py` there). Lmod's own reference counts
/// cannot tell: it counts an entry set by hand before the first `module load` as its own.
pub fn pythonpath(site: &SiteConfig, out: &mut Vec<Finding>) {
    let modulefiles = loaded_modulefiles(site);
    let named_by_a_module = |dir: &Path| {
        let text = dir.to_string_lossy();
        let text = text.trim_end_matches('/');
        // The whole path as one word of the file, not a prefix of a longer path.
        let ends = |c: Option<char>| c.is_none_or(|c| "\"'[]{}:;, \t\n".contains(c));
        !text.is_empty()
            && modulefiles.iter().any(|m| {
                m.match_indices(text).any(|(at, _)| {
                    ends(m[..at].chars().next_back()) && ends(m[at + text.len()..].chars().next())
                })
            })
    };
    let by_hand: Vec<&PathBuf> = site
        .job
        .pythonpath
        .iter()
        .filter(|p| !from_a_module(site, p) && !named_by_a_module(p))
        .collect();
    if by_hand.is_empty() {
        return;
    }
    let list: Vec<String> = by_hand.iter().map(|p| p.display().to_string()).collect();
    // The modules' own entries stay: `unset PYTHONPATH` would also drop the site's
    // `_manylinux.py` directory that its python module put there.
    let kept: Vec<String> = site
        .job
        .pythonpath
        .iter()
        .filter(|p| !by_hand.contains(p))
        .map(|p| p.display().to_string())
        .collect();
    let clear = if kept.is_empty() {
        "unset PYTHONPATH".to_string()
    } else {
        format!("export PYTHONPATH={}", shell_word(&kept.join(":")))
    };
    out.push(Finding {
        check: "pythonpath-by-hand",
        what: format!(
            "PYTHONPATH holds {} (set by hand, not by a module)",
            list.join(", ")
        ),
        why: "directories on PYTHONPATH are imported before the environment's own packages, \
              for every Python (also other versions), so they shadow what the environment \
              installed and break it in ways that are hard to trace (ModuleNotFoundError, \
              wrong versions)"
            .into(),
        fix: format!(
            "{clear} (remove the export from ~/.bashrc), then install what it provided into the \
             environment: wheelhouse install PACKAGE"
        ),
    });
}

/// The first directory on `PATH` holding an executable `python`.
fn first_python_on_path(site: &SiteConfig) -> Option<PathBuf> {
    site.path_dirs.iter().find_map(|dir| {
        let p = dir.join("python");
        let meta = std::fs::metadata(&p).ok()?;
        (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then(|| dir.clone())
    })
}

/// With the environment active: the loaded Python module must be the one it was made with,
/// and `python` on `PATH` must be the environment's.
pub fn module_after_activate(site: &SiteConfig, info: &EnvInfo, out: &mut Vec<Finding>) {
    let env = shown(&info.root);
    if let (Some(loaded), Some((major, minor))) = (&site.module_python, info.major_minor) {
        let mut parts = loaded.split('.');
        let same =
            parts.next() == Some(&major.to_string()) && parts.next() == Some(&minor.to_string());
        if !same {
            out.push(Finding {
                check: "module-python-mismatch",
                what: format!(
                    "the loaded Python module is {loaded} (EBVERSIONPYTHON), but {env} was made \
                     with Python {}",
                    info.version
                ),
                why: "a Python module loaded after the environment was activated changes PATH \
                      and the module's variables behind it: `python` may no longer be the \
                      environment's, and compiled packages built for one Python version do not \
                      import in another"
                    .into(),
                fix: format!(
                    "deactivate; module load python/{major}.{minor}; source {env}/bin/activate"
                ),
            });
            return;
        }
    }
    // Same version, another build: the loaded module is not the Python the environment
    // links to (another software environment's python/3.11, say).
    if let (Some(root), Some(home)) = (&site.module_python_root, &info.home) {
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        if !canon(home).starts_with(canon(root)) {
            out.push(Finding {
                check: "module-python-mismatch",
                what: format!(
                    "the loaded Python module is {} (EBROOTPYTHON), but {env} was made with the \
                     Python in {}",
                    root.display(),
                    home.display()
                ),
                why: "a Python module loaded after the environment was activated is another \
                      build than the environment's: compiled packages may not load, and `python` \
                      may not be the environment's"
                    .into(),
                fix: format!(
                    "deactivate; module load (the modules used to build {env}); source {env}/bin/activate \
                     (or rebuild it with the loaded one, keeping its packages: wheelhouse freeze -p {env} \
                     > {env}.txt && wheelhouse venv --clear {env} -r {env}.txt)"
                ),
            });
            return;
        }
    }
    let bin = info.root.join("bin");
    let Some(first) = first_python_on_path(site) else {
        return;
    };
    let same = |dir: &Path| {
        dir == bin || std::fs::canonicalize(dir).ok() == std::fs::canonicalize(&bin).ok()
    };
    if same(&first) {
        return;
    }
    // The environment's bin comes first on PATH but its `python` is broken: the interpreter
    // check says so; another `python` further on is no PATH edit.
    if let Some(env_at) = site.path_dirs.iter().position(|d| same(d)) {
        if site.path_dirs.iter().position(|d| *d == first) > Some(env_at) {
            return;
        }
    }
    if from_a_module(site, &first) {
        out.push(Finding {
            check: "module-after-activate",
            what: format!(
                "`python` on PATH is {}/python, from a module, not {env}/bin/python",
                first.display()
            ),
            why: "a module loaded after `activate` put its own directories in front of the \
                  environment's: `python` and `pip` now run outside the environment, and what \
                  you install or import is not what the environment holds"
                .into(),
            fix: format!(
                "deactivate; module load ...(every module first); source {env}/bin/activate"
            ),
        });
    } else {
        out.push(Finding {
            check: "path-by-hand",
            what: format!(
                "`python` on PATH is {}/python, put before {env}/bin by hand",
                first.display()
            ),
            why: "a PATH edited after `activate` (or in ~/.bashrc) runs another Python than the \
                  environment's, so packages installed in the environment are not found"
                .into(),
            fix: format!(
                "remove the PATH change (see ~/.bashrc), then: deactivate; source {env}/bin/activate"
            ),
        });
    }
}

/// A word as bash reads it back in a pasted fix: quoted unless it holds only safe characters.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
