//! `-p ENV` of install, freeze, list, uninstall and doctor: the virtual environment to act on
//! (pip's `--python`), as its directory or its `bin/python`. Before the environment is
//! opened, a path that is not one is named for what it is (missing, a typo of a neighbour,
//! a file inside an environment, a module's Python, an environment whose Python is gone, a
//! Python version meant for `venv`), and the hint is a command that works.

use std::path::{Path, PathBuf};

use environment::{Error, Target};
use interpreter::AnswerCache;
use site_config::SiteConfig;

use crate::argv;

/// `environment::Target::existing`, with a clear error when `-p` names no environment.
pub(crate) fn target_environment(
    site: &SiteConfig,
    python: Option<&Path>,
    answers: Option<&AnswerCache>,
) -> Result<Target, Error> {
    if let Some(given) = python {
        check(site, given, true).map_err(|diagnosis| Error::NotAnEnvironment {
            path: given.to_path_buf(),
            diagnosis: Some(diagnosis),
        })?;
    }
    Target::existing(site, python, answers)
}

/// The environment's root when `given` names one (its directory or a file in its bin/), else
/// the paragraph saying what `given` is. With `must_run`, an environment whose interpreter
/// is gone is an error too (doctor diagnoses those instead).
pub(crate) fn check(site: &SiteConfig, given: &Path, must_run: bool) -> Result<PathBuf, String> {
    let shown = given.display();
    let text = given.to_string_lossy();
    if given.is_dir() {
        if is_env(given) {
            if must_run {
                python_gone(given)?;
            }
            return Ok(given.to_path_buf());
        }
        if let Some(root) = enclosing_env(given) {
            return Err(format!(
                "-p {shown} is inside the virtual environment {}: give the environment's own \
                 directory: {}",
                root.display(),
                with_env(&root)
            ));
        }
        if has_python(given) {
            return Err(installation(site, given, &given.join("bin/python3")));
        }
        let create = if is_empty_dir(given) {
            format!("wheelhouse venv {}", argv::shell_word(&text))
        } else {
            "wheelhouse venv ENV".to_string()
        };
        return Err(format!(
            "-p {shown} is a directory but not a virtual environment (it has no pyvenv.cfg). \
             -p (--python) names the environment to act on: the directory holding pyvenv.cfg \
             and bin/python. Give that, or create one first: {create}"
        ));
    }
    // A file: ENV/bin/python (or a link to a Python that is gone).
    let env_of_file = given.parent().and_then(Path::parent).filter(|r| is_env(r));
    if given.exists() {
        if let Some(root) = env_of_file {
            if must_run {
                python_gone(root)?;
            }
            return Ok(root.to_path_buf());
        }
        return Err(installation(site, given, given));
    }
    if let Some(root) = env_of_file {
        if given.symlink_metadata().is_ok() {
            // A link whose target is gone: the environment's Python was removed.
            if must_run {
                python_gone(root)?;
            }
            return Ok(root.to_path_buf());
        }
        return Err(format!(
            "-p {shown}: no such file. {} is a virtual environment; give it instead: {}",
            root.display(),
            with_env(root)
        ));
    }
    if looks_like_version(&text) {
        return Err(format!(
            "-p {shown} is not a virtual environment: here -p (--python) names the environment \
             to act on, as pip's --python does, not a Python version. Create an environment \
             with Python {text} and use it: wheelhouse venv --python {text} ENV && {}",
            with_env(Path::new("ENV"))
        ));
    }
    let mut message = format!("-p {shown}: no such file or directory.");
    match neighbour(given) {
        Some(near) => message.push_str(&format!(
            " Did you mean {}? To use it: {}",
            near.display(),
            with_env(&near)
        )),
        None => message.push_str(&format!(
            " -p (--python) names an existing virtual environment; if {shown} is to be a new \
             one, create it first: wheelhouse venv {}",
            argv::shell_word(&text)
        )),
    }
    Err(message)
}

fn is_env(dir: &Path) -> bool {
    dir.join("pyvenv.cfg").is_file()
}

fn has_python(dir: &Path) -> bool {
    ["bin/python3", "bin/python"]
        .iter()
        .any(|p| dir.join(p).exists())
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}

/// The environment a directory is inside of (ENV/bin, ENV/lib/python3.11), a few levels up.
fn enclosing_env(dir: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(dir).ok()?;
    absolute
        .ancestors()
        .skip(1)
        .take(4)
        .find(|a| is_env(a))
        .map(Path::to_path_buf)
}

/// This command line with `-p` naming `env`.
fn with_env(env: &Path) -> String {
    argv::replaced_option_value(&["-p", "--python"], &env.to_string_lossy())
}

/// `-p` names a Python installation (a module's prefix, /usr/bin/python3): packages never go
/// there; an environment made from it is what to give.
fn installation(site: &SiteConfig, given: &Path, python: &Path) -> String {
    let shown = given.display();
    let absolute = std::path::absolute(python).unwrap_or_else(|_| python.to_path_buf());
    let is_module = site
        .module_python_root
        .as_deref()
        .is_some_and(|root| same_file(root, given) || absolute.starts_with(root));
    let create = if is_module {
        "wheelhouse venv ENV".to_string()
    } else {
        format!(
            "wheelhouse venv --python {} ENV",
            argv::shell_word(&python.to_string_lossy())
        )
    };
    let what = if is_module && given.is_dir() {
        "the loaded module's Python installation, not a virtual environment"
    } else if is_module {
        "the loaded module's Python interpreter, not a virtual environment's"
    } else if given.is_dir() {
        "a Python installation, not a virtual environment"
    } else {
        "a Python interpreter outside any virtual environment"
    };
    format!(
        "-p {shown} is {what}: packages go into an environment \
         of your own, never into a shared Python. Create one with it and use that: {create} \
         && {}",
        with_env(Path::new("ENV"))
    )
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// An environment whose bin/python no longer runs (the module it was made with is gone).
fn python_gone(root: &Path) -> Result<(), String> {
    let python = root.join("bin/python");
    if python.exists() {
        return Ok(());
    }
    let cfg = std::fs::read_to_string(root.join("pyvenv.cfg")).unwrap_or_default();
    let value = |key: &str| {
        cfg.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_string())
    };
    let target = std::fs::read_link(&python)
        .map(|t| format!("points to {}, which no longer exists", t.display()))
        .unwrap_or_else(|_| "is missing".to_string());
    let version = value("version")
        .or_else(|| value("version_info"))
        .unwrap_or_default();
    let series: Vec<&str> = version.split('.').take(2).collect();
    let load = if series.len() == 2 {
        format!("module load python/{}", series.join("."))
    } else {
        "module load python".to_string()
    };
    let made_with = value("home")
        .map(|h| format!(" (made with the Python in {h})"))
        .unwrap_or_default();
    Err(format!(
        "{} is a virtual environment whose Python is gone: its bin/python {target}{made_with}. \
         It cannot be repaired in place: recreate it with a loaded Python, then install its \
         packages again: {load} && wheelhouse venv --clear {}",
        root.display(),
        argv::shell_word(&root.to_string_lossy())
    ))
}

fn looks_like_version(text: &str) -> bool {
    let text = text.strip_prefix("python").unwrap_or(text);
    !text.is_empty() && text.split('.').all(|p| p.parse::<u32>().is_ok())
}

/// A virtual environment beside `given` whose name is a small typo away.
fn neighbour(given: &Path) -> Option<PathBuf> {
    let name = given.file_name()?.to_string_lossy().into_owned();
    let parent = match given.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut best: Option<(usize, PathBuf)> = None;
    for entry in std::fs::read_dir(&parent).ok()?.flatten() {
        let other = entry.file_name().to_string_lossy().into_owned();
        let path = given.with_file_name(&other);
        if !is_env(&path) {
            continue;
        }
        let distance = edit_distance(&name, &other);
        if distance <= 2 && best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, path));
        }
    }
    best.map(|(_, p)| p)
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_near() {
        assert_eq!(edit_distance("env3111", "env311"), 1);
        assert_eq!(edit_distance("env", "env"), 0);
        assert_eq!(edit_distance("abc", "xyz"), 3);
        assert!(looks_like_version("3.11") && looks_like_version("python3.11"));
        assert!(!looks_like_version("env") && !looks_like_version("3.x"));
    }
}
