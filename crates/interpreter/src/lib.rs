//! A Python interpreter as an installer needs to know it, asked of the interpreter itself:
//! this crate's one job. Which interpreter a command means (its `-p`, `VIRTUAL_ENV`, the
//! loaded module) is decided before, by `site-config` and `environment`.
//!
//! One short run of the target interpreter (a stdlib-only script, [`QUERY_SCRIPT`]) gives its
//! version, implementation, ABI, install paths, `sys.path` and PEP 508 marker values. Nothing
//! is guessed from file names: a module's Python, a Debian PyPy and a virtualenv all answer
//! for themselves. `PYTHONPATH` is honoured on purpose: what a module puts there is part of
//! what the environment imports.
//!
//! Not run as a doctest: it starts the interpreter named.
//!
//! ```no_run
//! let python = interpreter::Interpreter::query(std::path::Path::new("python3")).unwrap();
//! println!("{} {}", python.implementation, python.version_text());
//! ```

mod answers;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use serde_json::Value;
use wheel_name::{PythonVersion, TagTarget};

pub use answers::AnswerCache;

/// The script run inside the target interpreter.
pub const QUERY_SCRIPT: &str = include_str!("query.py");

/// Install locations of one prefix (`sysconfig` scheme paths).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemePaths {
    pub purelib: PathBuf,
    pub platlib: PathBuf,
    pub scripts: PathBuf,
    pub data: PathBuf,
    pub include: PathBuf,
}

/// What the interpreter said about itself.
#[derive(Clone, Debug)]
pub struct Interpreter {
    /// `sys.executable`: inside a virtualenv, the environment's own `python`.
    pub executable: PathBuf,
    /// The interpreter a virtualenv points at (`sys._base_executable`).
    pub base_executable: PathBuf,
    pub prefix: PathBuf,
    pub base_prefix: PathBuf,
    pub version: (u32, u32, u32),
    /// `cpython`, `pypy`.
    pub implementation: String,
    /// `SOABI` (`cpython-311-x86_64-linux-gnu`, `pypy39-pp73`).
    pub soabi: Option<String>,
    /// `sys.implementation.cache_tag` (`cpython-311`), for byte-code file names.
    pub cache_tag: Option<String>,
    /// `importlib.util.MAGIC_NUMBER` in hex (`a70d0d0a`): the byte-code format, which can
    /// change under one cache tag (pre-releases).
    pub pyc_magic: Option<String>,
    /// `sysconfig.get_platform()` (`linux-x86_64`).
    pub platform: String,
    /// glibc version, when the C library is glibc.
    pub glibc: Option<(u32, u32)>,
    /// `sys.path` at start-up, in order.
    pub sys_path: Vec<PathBuf>,
    /// The `PYTHONPATH` entries (a module's additions), as they appear in `sys.path`.
    pub pythonpath: Vec<PathBuf>,
    /// Install paths of the prefix asked about (the interpreter's own, or a new environment's).
    pub paths: SchemePaths,
    pub markers: MarkerEnvironment,
}

/// Why an interpreter could not be asked.
#[derive(Debug)]
pub enum QueryError {
    /// It could not be started.
    Spawn {
        python: PathBuf,
        source: std::io::Error,
    },
    /// It ran but failed.
    Failed { python: PathBuf, stderr: String },
    /// It printed something that is not the expected answer.
    BadAnswer { python: PathBuf, detail: String },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Spawn { python, source } => write!(
                f,
                "cannot run the Python interpreter {}: {source}. Check the path, or load a \
                 Python module (`module load python/3.11`)",
                python.display()
            ),
            QueryError::Failed { python, stderr } => write!(
                f,
                "the Python interpreter {} failed when asked about itself: {}",
                python.display(),
                stderr.trim()
            ),
            QueryError::BadAnswer { python, detail } => write!(
                f,
                "the Python interpreter {} gave an answer that could not be read ({detail}); \
                 is it Python 3?",
                python.display()
            ),
        }
    }
}

impl std::error::Error for QueryError {}

impl Interpreter {
    /// Asks an interpreter about itself and its own install paths.
    pub fn query(python: &Path) -> Result<Interpreter, QueryError> {
        Self::run(python, None)
    }

    /// Asks an interpreter about itself, with install paths for a new environment at `prefix`
    /// (the `venv` scheme), as `venv`/`virtualenv` lay it out.
    pub fn query_for_prefix(python: &Path, prefix: &Path) -> Result<Interpreter, QueryError> {
        Self::run(python, Some(prefix))
    }

    /// As [`Interpreter::query`] (or [`Interpreter::query_for_prefix`] with a prefix), reusing
    /// an answer kept in `cache` while nothing it depends on has changed (see [`AnswerCache`]).
    pub fn query_cached(
        python: &Path,
        prefix: Option<&Path>,
        cache: Option<&AnswerCache>,
    ) -> Result<Interpreter, QueryError> {
        // The key is read once: it names the record and is checked against it.
        let Some((cache, key)) = cache.and_then(|c| Some((c, c.key(python, prefix)?))) else {
            return Self::run(python, prefix);
        };
        if let Some(answer) = cache.lookup(&key, python) {
            if let Ok(interpreter) = Self::from_json(&answer) {
                return Ok(interpreter);
            }
        }
        let answer = Self::ask(python, prefix)?;
        let interpreter = Self::from_json(&answer).map_err(|detail| QueryError::BadAnswer {
            python: python.to_path_buf(),
            detail,
        })?;
        cache.store(&key, python, &answer);
        Ok(interpreter)
    }

    fn run(python: &Path, prefix: Option<&Path>) -> Result<Interpreter, QueryError> {
        let answer = Self::ask(python, prefix)?;
        Self::from_json(&answer).map_err(|detail| QueryError::BadAnswer {
            python: python.to_path_buf(),
            detail,
        })
    }

    /// Runs the query script: its JSON answer.
    fn ask(python: &Path, prefix: Option<&Path>) -> Result<Value, QueryError> {
        let mut command = Command::new(python);
        command.arg("-c").arg(QUERY_SCRIPT);
        if let Some(prefix) = prefix {
            command.arg(prefix);
        }
        // An unbuffered, warning-free answer; the user's PYTHONPATH is kept on purpose.
        command
            .env("PYTHONIOENCODING", "utf-8")
            .env_remove("PYTHONWARNINGS");
        let output = command.output().map_err(|source| QueryError::Spawn {
            python: python.to_path_buf(),
            source,
        })?;
        if !output.status.success() {
            return Err(QueryError::Failed {
                python: python.to_path_buf(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        let bad = |detail: String| QueryError::BadAnswer {
            python: python.to_path_buf(),
            detail,
        };
        serde_json::from_slice(&output.stdout).map_err(|e| bad(e.to_string()))
    }

    /// Builds the description from the query script's JSON answer.
    pub fn from_json(value: &Value) -> Result<Interpreter, String> {
        let text = |key: &str| -> Result<String, String> {
            value[key]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("no `{key}`"))
        };
        let path = |key: &str| text(key).map(PathBuf::from);
        let version = value["version"]
            .as_array()
            .filter(|v| v.len() == 3)
            .and_then(|v| {
                Some((
                    v[0].as_u64()? as u32,
                    v[1].as_u64()? as u32,
                    v[2].as_u64()? as u32,
                ))
            })
            .ok_or("no `version`")?;
        let p = &value["paths"];
        let scheme = |key: &str| -> Result<PathBuf, String> {
            p[key]
                .as_str()
                .map(PathBuf::from)
                .ok_or_else(|| format!("no install path `{key}`"))
        };
        let paths = SchemePaths {
            purelib: scheme("purelib")?,
            platlib: scheme("platlib")?,
            scripts: scheme("scripts")?,
            data: scheme("data")?,
            include: scheme("include")?,
        };
        let sys_path: Vec<PathBuf> = value["sys_path"]
            .as_array()
            .ok_or("no `sys_path`")?
            .iter()
            .filter_map(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect();
        let pythonpath_text = text("pythonpath").unwrap_or_default();
        let pythonpath = pythonpath_text
            .split(':')
            .filter(|s| !s.is_empty())
            .map(|s| std::fs::canonicalize(s).unwrap_or_else(|_| PathBuf::from(s)))
            .collect();
        let m = &value["markers"];
        let mt = |key: &str| m[key].as_str().unwrap_or("");
        let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: mt("implementation_name"),
            implementation_version: mt("implementation_version"),
            os_name: mt("os_name"),
            platform_machine: mt("platform_machine"),
            platform_python_implementation: mt("platform_python_implementation"),
            platform_release: mt("platform_release"),
            platform_system: mt("platform_system"),
            platform_version: mt("platform_version"),
            python_full_version: mt("python_full_version"),
            python_version: mt("python_version"),
            sys_platform: mt("sys_platform"),
        })
        .map_err(|e| format!("marker values: {e}"))?;
        let glibc = value["libc"].as_str().and_then(|s| {
            let v = s.strip_prefix("glibc ")?;
            let mut it = v.split('.');
            Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
        });
        Ok(Interpreter {
            executable: path("executable")?,
            base_executable: path("base_executable")?,
            prefix: path("prefix")?,
            base_prefix: path("base_prefix")?,
            version,
            implementation: text("implementation")?,
            soabi: value["soabi"].as_str().map(str::to_string),
            cache_tag: value["cache_tag"].as_str().map(str::to_string),
            pyc_magic: value["pyc_magic"]
                .as_str()
                .filter(|m| m.len() <= 16 && m.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(str::to_string),
            platform: text("platform")?,
            glibc,
            sys_path,
            pythonpath,
            paths,
            markers,
        })
    }

    /// `3.11.7`.
    pub fn version_text(&self) -> String {
        format!("{}.{}.{}", self.version.0, self.version.1, self.version.2)
    }

    /// `3.11`.
    pub fn python_version(&self) -> PythonVersion {
        PythonVersion::new(self.version.0, self.version.1)
    }

    /// Whether this interpreter runs inside a virtual environment.
    pub fn is_virtualenv(&self) -> bool {
        self.prefix != self.base_prefix
    }

    /// The interpreter's ABI tag: `cp311`, `pypy39_pp73`.
    pub fn abi_tag(&self) -> String {
        let (major, minor, _) = self.version;
        match (self.implementation.as_str(), self.soabi.as_deref()) {
            ("cpython", Some(soabi)) => {
                // `cpython-311-x86_64-linux-gnu` or `cpython-311d-...`: keep the flags.
                let part = soabi.split('-').nth(1).unwrap_or("");
                format!("cp{part}")
            }
            ("cpython", None) => format!("cp{major}{minor}"),
            (_, Some(soabi)) => soabi
                .split('-')
                .take(2)
                .collect::<Vec<_>>()
                .join("_")
                .replace('.', "_"),
            (name, None) => format!("{name}{major}{minor}"),
        }
    }

    /// What compatibility tags are generated for.
    pub fn tag_target(&self) -> TagTarget {
        TagTarget {
            implementation: self.implementation.clone(),
            python: self.python_version(),
            abi: self.abi_tag(),
            platform: self.platform.replace(['-', '.'], "_"),
            glibc: self.glibc,
        }
    }

    /// The directories whose distributions count as installed, in import order, each with
    /// where it comes from.
    pub fn site_dirs(&self) -> Vec<(PathBuf, SiteDirKind)> {
        let own = [&self.paths.purelib, &self.paths.platlib];
        let mut out: Vec<(PathBuf, SiteDirKind)> = Vec::new();
        for entry in &self.sys_path {
            let canonical = std::fs::canonicalize(entry).unwrap_or_else(|_| entry.clone());
            if !canonical.is_dir() || out.iter().any(|(p, _)| *p == canonical) {
                continue;
            }
            let kind = if own.iter().any(|p| {
                std::fs::canonicalize(p)
                    .map(|c| c == canonical)
                    .unwrap_or(false)
            }) {
                SiteDirKind::Environment
            } else if self.pythonpath.contains(&canonical) {
                SiteDirKind::PythonPath
            } else {
                SiteDirKind::System
            };
            out.push((canonical, kind));
        }
        out
    }
}

/// Where a directory on `sys.path` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteDirKind {
    /// The target environment's own site-packages: we install and uninstall here.
    Environment,
    /// A `PYTHONPATH` entry, typically a module's (`scipy-stack`): read-only, and it comes
    /// before the environment's site-packages at import time.
    PythonPath,
    /// The interpreter's standard library and system site-packages: read-only, after the
    /// environment's site-packages.
    System,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_the_machine_python() {
        let python = Interpreter::query(Path::new("python3")).expect("python3 on PATH");
        assert_eq!(python.version.0, 3);
        assert!(python.paths.purelib.ends_with("site-packages"));
        if python.implementation == "cpython" {
            assert_eq!(
                python.abi_tag(),
                format!("cp{}{}", python.version.0, python.version.1)
            );
        }
        let target = python.tag_target();
        assert_eq!(target.platform, "linux_x86_64");
    }

    /// A kept answer is read back from the cache directory, where anything may have been
    /// written: any key of any type (nested ones too) is an error or an answer, never a panic.
    #[test]
    fn answers_of_any_shape_never_panic() {
        let answer = Interpreter::ask(Path::new("python3"), None).unwrap();
        let shapes = [
            Value::Null,
            serde_json::json!(-1),
            serde_json::json!(1e300),
            serde_json::json!("x"),
            serde_json::json!([]),
            serde_json::json!([4294967296u64, -1, "a"]),
            serde_json::json!({"a": 1}),
        ];
        let Value::Object(top) = &answer else {
            panic!("{answer}")
        };
        for (key, value) in top {
            for shape in &shapes {
                let mut changed = answer.clone();
                changed[key] = shape.clone();
                let _ = Interpreter::from_json(&changed);
                if let Value::Object(inner) = value {
                    for inner_key in inner.keys() {
                        let mut changed = answer.clone();
                        changed[key][inner_key] = shape.clone();
                        let _ = Interpreter::from_json(&changed);
                    }
                }
            }
        }
        for shape in &shapes {
            let _ = Interpreter::from_json(shape);
        }
    }

    #[test]
    fn prefix_paths_follow_the_venv_scheme() {
        let dir = std::env::temp_dir().join("interp-prefix-test");
        let python = Interpreter::query_for_prefix(Path::new("python3"), &dir).unwrap();
        assert!(python.paths.purelib.starts_with(&dir));
        assert_eq!(python.paths.scripts, dir.join("bin"));
    }
}
