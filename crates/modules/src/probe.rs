//! What a Python module needs to know of its interpreter, asked of the interpreter.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ModulesError;

/// Run with `-E -s`: neither the caller's PYTHON* variables nor a user site may change what
/// the interpreter says it bundles.
const PROBE_SCRIPT: &str = r#"
import json, os, platform, sys, sysconfig
bundled = {}
try:
    import importlib.metadata as md
    paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    for dist in md.distributions(path=paths):
        name = dist.metadata["Name"]
        if name and dist.version:
            bundled.setdefault(name.lower(), dist.version)
except Exception:
    pass
print(json.dumps({
    "version": platform.python_version(),
    "implementation": platform.python_implementation(),
    "executable": sys.executable,
    "real_executable": os.path.realpath(sys.executable),
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "bundled": sorted(bundled.items()),
}))
"#;

/// An interpreter, as it describes itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PythonInstall {
    /// `3.11.7`.
    pub version: String,
    /// `CPython`, `PyPy`.
    pub implementation: String,
    /// `sys.executable`: where it says it runs from (a launcher such as pyenv's shim is
    /// seen through).
    pub executable: PathBuf,
    /// That path with links resolved: what the module's links point at.
    pub real_executable: PathBuf,
    /// `sys.base_prefix`: the installation's prefix.
    pub base_prefix: PathBuf,
    /// Distributions in its own site-packages, `(lower-case name, version)`, sorted.
    pub bundled: Vec<(String, String)>,
}

impl PythonInstall {
    /// `major.minor`.
    pub fn minor_version(&self) -> String {
        self.version
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// The interpreter of `path`: an interpreter itself, or a prefix whose `bin/` holds
/// `python3`, `python` or `pypy3`.
pub fn interpreter_at(path: &Path) -> PathBuf {
    if path.is_dir() {
        for name in ["bin/python3", "bin/python", "bin/pypy3"] {
            let candidate = path.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    path.to_path_buf()
}

/// Asks the interpreter at `path` (or in prefix `path`) about itself.
pub fn probe(path: &Path) -> Result<PythonInstall, ModulesError> {
    let python = interpreter_at(path);
    let failed = |detail: String| ModulesError::Probe {
        python: python.clone(),
        detail,
    };
    let output = Command::new(&python)
        .args(["-E", "-s", "-c", PROBE_SCRIPT])
        .output()
        .map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no message").to_string();
        return Err(failed(format!("it exited with {}: {last}", output.status)));
    }
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|_| failed("its answer was not the expected JSON; is it Python 3?".into()))?;
    let text = |key: &str| -> Result<String, ModulesError> {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| failed(format!("its answer lacks `{key}`")))
    };
    let version = text("version")?;
    if !crate::is_safe_version(&version) {
        return Err(failed(format!(
            "it reports an unusable version {version:?}"
        )));
    }
    let bundled = value
        .get("bundled")
        .and_then(|b| b.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|pair| {
                    let name = pair.get(0)?.as_str()?;
                    let version = pair.get(1)?.as_str()?;
                    // Lmod splits extensions on `,` and `/`: names or versions holding them
                    // would corrupt the list.
                    let clean = |s: &str| !s.is_empty() && !s.contains([',', '/', '"', '\n']);
                    (clean(name) && clean(version)).then(|| (name.to_string(), version.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(PythonInstall {
        version,
        implementation: text("implementation")?,
        executable: PathBuf::from(text("executable")?),
        real_executable: PathBuf::from(text("real_executable")?),
        base_prefix: PathBuf::from(text("base_prefix")?),
        bundled,
    })
}

/// The interpreters on this machine: `python3`, `python3.N` and `pypy3` on `path_dirs`, one
/// per version (the first found wins), Python 3.6 and newer.
pub fn pythons_on_path(path_dirs: &[PathBuf]) -> Vec<PythonInstall> {
    let mut names = vec!["python3".to_string(), "pypy3".to_string()];
    names.extend((6..=20).map(|minor| format!("python3.{minor}")));
    let mut found: Vec<PythonInstall> = Vec::new();
    for dir in path_dirs {
        for name in &names {
            let candidate = dir.join(name);
            if !candidate.is_file() {
                continue;
            }
            let Ok(install) = probe(&candidate) else {
                continue;
            };
            let too_old = install
                .minor_version()
                .split_once('.')
                .and_then(|(_, minor)| minor.parse::<u32>().ok())
                .is_none_or(|minor| minor < 6);
            if too_old || found.iter().any(|f| f.version == install.version) {
                continue;
            }
            found.push(install);
        }
    }
    found
}
