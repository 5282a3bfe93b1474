//! Which Python versions the module tree offers, and which one a virtualenv runs.

use std::path::Path;
use std::process::Command;

use wheel_name::PythonVersion;

/// The `major.minor` versions found in `PYTHON_DIRS`: each colon-separated entry is a glob of
/// module directories holding one directory per installed version (`3.11.5`), as the EasyBuild
/// layout has it. Missing or unreadable directories are skipped: a login node may not mount
/// every software environment.
pub fn available_pythons_in(python_dirs: &str) -> Vec<PythonVersion> {
    let mut versions: Vec<PythonVersion> = version_names(python_dirs)
        .iter()
        .filter_map(|name| version_dir(name))
        .collect();
    versions.sort_unstable();
    versions.dedup();
    versions
}

/// The names of the version directories (`3.11.5`) in the module directories `PYTHON_DIRS`
/// names; unreadable ones skipped.
fn version_names(python_dirs: &str) -> Vec<String> {
    let options = glob::MatchOptions {
        require_literal_leading_dot: true,
        ..Default::default()
    };
    let mut names = Vec::new();
    for pattern in python_dirs.split(':').filter(|p| !p.is_empty()) {
        let Ok(dirs) = glob::glob_with(pattern, options) else {
            continue;
        };
        for dir in dirs.flatten() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            names.extend(
                entries
                    .flatten()
                    .filter_map(|e| e.file_name().into_string().ok()),
            );
        }
    }
    names
}

/// The newest micro version of the `python` series among the module directories (`3.11.5`,
/// `3.11.7` → 7); `None` when the tree holds none with a micro version.
pub fn newest_micro_in(python_dirs: &str, python: PythonVersion) -> Option<u32> {
    version_names(python_dirs)
        .iter()
        .filter_map(|name| {
            let mut parts = name.split('.');
            let (major, minor, micro) = (parts.next()?, parts.next()?, parts.next()?);
            let micro: String = micro.chars().take_while(char::is_ascii_digit).collect();
            (major.parse() == Ok(python.major) && minor.parse() == Ok(python.minor))
                .then(|| micro.parse::<u32>().ok())
                .flatten()
        })
        .max()
}

/// The module directories `PYTHON_DIRS` names (globs expanded), whose `*/bin` hold the
/// module Pythons.
pub fn python_module_dirs(python_dirs: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for pattern in python_dirs.split(':').filter(|p| !p.is_empty()) {
        if let Ok(dirs) = glob::glob(pattern) {
            out.extend(dirs.flatten());
        }
    }
    out
}

/// See [`crate::SiteConfig::module_python_for`].
pub fn module_python_for(python_dirs: &str, version: &str) -> Option<std::path::PathBuf> {
    let mut found: Vec<(Vec<u64>, std::path::PathBuf)> = Vec::new();
    for dir in python_module_dirs(python_dirs) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != version && !name.starts_with(&format!("{version}.")) {
                continue;
            }
            let python = entry.path().join("bin/python3");
            if python.is_file() {
                let key = name.split('.').filter_map(|p| p.parse().ok()).collect();
                found.push((key, python));
            }
        }
    }
    found.sort();
    found.pop().map(|(_, python)| python)
}

/// A version directory name: digits, any character, digits, then anything (the reference's
/// `re.match(r"\d+.\d+(.\d+)?")`), of which `major.minor` is kept.
fn version_dir(name: &str) -> Option<PythonVersion> {
    let first = name.chars().next()?;
    if !first.is_ascii_digit() {
        return None;
    }
    PythonVersion::parse(name)
}

/// The Python version of a virtual environment: from its `pyvenv.cfg` (`version_info` as
/// virtualenv writes it, `version` as venv does), else by asking its interpreter.
pub fn virtualenv_python(venv: &Path) -> Option<PythonVersion> {
    if let Ok(cfg) = std::fs::read_to_string(venv.join("pyvenv.cfg")) {
        for line in cfg.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            if matches!(key.trim(), "version_info" | "version") {
                if let Some(version) = PythonVersion::parse(value) {
                    return Some(version);
                }
            }
        }
    }
    let output = Command::new(venv.join("bin/python"))
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .ok()?;
    PythonVersion::parse(String::from_utf8_lossy(&output.stdout).trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_module_dirs() {
        let root = std::env::temp_dir().join(format!("site-config-py-{}", std::process::id()));
        for v in ["3.10.13", "3.11.5", "3.11.7", "3.9.6", "README", "2.7.18"] {
            std::fs::create_dir_all(root.join("2023/Core/python").join(v)).unwrap();
        }
        let pattern = format!("{}/20*/Core/python:/nonexistent/*", root.display());
        let found: Vec<String> = available_pythons_in(&pattern)
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(found, ["2.7", "3.9", "3.10", "3.11"]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn module_python_by_version() {
        let root = std::env::temp_dir().join(format!("site-config-mp-{}", std::process::id()));
        for v in ["3.11.5", "3.11.7", "3.10.2", "3.1.9"] {
            std::fs::create_dir_all(root.join(v).join("bin")).unwrap();
            std::fs::write(root.join(v).join("bin/python3"), "").unwrap();
        }
        let dirs = root.to_str().unwrap();
        assert_eq!(
            module_python_for(dirs, "3.11"),
            Some(root.join("3.11.7/bin/python3"))
        );
        assert_eq!(
            module_python_for(dirs, "3.1"),
            Some(root.join("3.1.9/bin/python3"))
        );
        assert_eq!(module_python_for(dirs, "3.12"), None);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn venv_version_from_cfg() {
        let root = std::env::temp_dir().join(format!("site-config-venv-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(
            root.join("pyvenv.cfg"),
            "home = /usr/bin\nversion_info = 3.12.1.final.0\n",
        )
        .unwrap();
        assert_eq!(virtualenv_python(&root), Some(PythonVersion::new(3, 12)));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
