//! A project's build system: `[build-system]` of `pyproject.toml` (PEP 517/518), or the
//! setuptools fallback pip uses for projects that have only `setup.py`.

use std::path::{Component, Path};
use std::str::FromStr;

use crate::error::BuildError;

/// The backend pip falls back to, and the requirement it installs for it.
pub const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";
pub const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

/// `pyproject.toml` is read up to this size: a project file, not data.
const MAX_PYPROJECT: u64 = 4 << 20;

/// How to build a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildSystem {
    /// PEP 508 requirements of the build environment (`[build-system] requires`).
    pub requires: Vec<String>,
    /// `module:object` of the backend (`build-backend`).
    pub backend: String,
    /// Directories of the source tree put first on `sys.path` to import an in-tree backend
    /// (`backend-path`), relative to the project's root and proven inside it.
    pub backend_path: Vec<String>,
}

impl BuildSystem {
    /// The build system of the project in `dir`, as pip 26 decides it: `[build-system]`
    /// when present; setuptools' legacy backend (with `setuptools>=40.8.0`) for a
    /// `pyproject.toml` without one or a project with only `setup.py`; `build-backend`
    /// missing means the legacy backend with the given requirements.
    pub fn read(dir: &Path) -> Result<BuildSystem, BuildError> {
        let pyproject = dir.join("pyproject.toml");
        let has_setup_py = dir.join("setup.py").is_file();
        let text = match read_limited(&pyproject) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(BuildError::BadProject {
                    path: pyproject,
                    detail: format!("it cannot be read ({e})"),
                })
            }
        };
        let Some(text) = text else {
            if !has_setup_py {
                return Err(BuildError::NotAProject {
                    path: dir.to_path_buf(),
                });
            }
            return Ok(BuildSystem::legacy());
        };
        let bad = |detail: String| BuildError::BadProject {
            path: pyproject.clone(),
            detail,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| bad(format!("it is not TOML ({})", e.message())))?;
        let Some(build_system) = table.get("build-system") else {
            return Ok(BuildSystem::legacy());
        };
        let build_system = build_system
            .as_table()
            .ok_or_else(|| bad("[build-system] is not a table".into()))?;
        let requires = string_list(build_system, "requires")
            .map_err(bad)?
            .ok_or_else(|| bad("[build-system] has no `requires` list".into()))?;
        for requirement in &requires {
            if let Err(e) = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(requirement)
            {
                return Err(bad(format!(
                    "[build-system] requires has an invalid requirement {requirement:?} ({})",
                    e.message
                )));
            }
        }
        let backend = match build_system.get("build-backend") {
            None => LEGACY_BACKEND.to_string(),
            Some(toml::Value::String(s)) if valid_backend(s) => s.clone(),
            Some(other) => {
                return Err(bad(format!(
                    "`build-backend` must name `module` or `module:object`, not {other}"
                )))
            }
        };
        let backend_path = string_list(build_system, "backend-path")
            .map_err(bad)?
            .unwrap_or_default();
        for entry in &backend_path {
            check_backend_path(dir, entry).map_err(bad)?;
        }
        Ok(BuildSystem {
            requires,
            backend,
            backend_path,
        })
    }

    fn legacy() -> BuildSystem {
        BuildSystem {
            requires: vec![LEGACY_REQUIRES.to_string()],
            backend: LEGACY_BACKEND.to_string(),
            backend_path: Vec::new(),
        }
    }
}

fn read_limited(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_PYPROJECT + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_PYPROJECT {
        return Err(std::io::Error::other("larger than 4 MiB"));
    }
    String::from_utf8(bytes).map_err(|_| std::io::Error::other("not UTF-8"))
}

fn string_list(table: &toml::Table, key: &str) -> Result<Option<Vec<String>>, String> {
    let Some(value) = table.get(key) else {
        return Ok(None);
    };
    let not_list = || format!("[build-system] `{key}` is not a list of strings");
    let array = value.as_array().ok_or_else(not_list)?;
    array
        .iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(not_list))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `module.sub` or `module.sub:object.attr`, identifiers only.
fn valid_backend(spec: &str) -> bool {
    let dotted = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|part| {
                let mut chars = part.chars();
                chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                    && chars.all(|c| c.is_alphanumeric() || c == '_')
            })
    };
    match spec.split_once(':') {
        Some((module, object)) => dotted(module) && dotted(object),
        None => dotted(spec),
    }
}

/// PEP 517: `backend-path` entries are relative and inside the source tree (links resolved).
fn check_backend_path(root: &Path, entry: &str) -> Result<(), String> {
    let path = Path::new(entry);
    let lexically_inside = !path.is_absolute()
        && path
            .components()
            .try_fold(0i64, |depth, c| {
                let depth = match c {
                    Component::ParentDir => depth - 1,
                    Component::Normal(_) => depth + 1,
                    _ => depth,
                };
                (depth >= 0).then_some(depth)
            })
            .is_some();
    let really_inside = match (root.join(path).canonicalize(), root.canonicalize()) {
        (Ok(real), Ok(root)) => real.starts_with(root),
        // A directory that does not exist is the backend's import error to report.
        _ => true,
    };
    if lexically_inside && really_inside {
        Ok(())
    } else {
        Err(format!(
            "`backend-path` entry {entry:?} is outside the project's directory"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(pyproject: Option<&str>, setup_py: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = pyproject {
            std::fs::write(dir.path().join("pyproject.toml"), text).unwrap();
        }
        if setup_py {
            std::fs::write(dir.path().join("setup.py"), "").unwrap();
        }
        dir
    }

    #[test]
    fn reads_and_falls_back_as_pip_does() {
        let dir = project(
            Some(
                "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
            ),
            false,
        );
        let system = BuildSystem::read(dir.path()).unwrap();
        assert_eq!(system.requires, ["hatchling"]);
        assert_eq!(system.backend, "hatchling.build");

        let legacy = BuildSystem::read(project(None, true).path()).unwrap();
        assert_eq!(legacy.backend, LEGACY_BACKEND);
        assert_eq!(legacy.requires, [LEGACY_REQUIRES]);
        // A pyproject.toml without [build-system] (only [tool.x]) is the legacy backend too.
        let tool_only = project(Some("[tool.black]\nline-length = 88\n"), true);
        assert_eq!(
            BuildSystem::read(tool_only.path()).unwrap().backend,
            LEGACY_BACKEND
        );
        // `requires` without `build-backend`: setuptools' legacy backend with those requires.
        let early = project(
            Some("[build-system]\nrequires = [\"setuptools\", \"cython\"]\n"),
            true,
        );
        let early = BuildSystem::read(early.path()).unwrap();
        assert_eq!(
            (early.backend.as_str(), early.requires.len()),
            (LEGACY_BACKEND, 2)
        );
    }

    #[test]
    fn refuses_what_pip_refuses() {
        let none = project(None, false);
        let err = BuildSystem::read(none.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("neither pyproject.toml nor setup.py"),
            "{err}"
        );
        for (text, expect) in [
            ("[build-system]\nbuild-backend = \"x\"\n", "no `requires`"),
            ("[build-system]\nrequires = \"setuptools\"\n", "not a list"),
            (
                "[build-system]\nrequires = [\"not a req!\"]\n",
                "invalid requirement",
            ),
            ("[build-system\n", "not TOML"),
            (
                "[build-system]\nrequires = []\nbuild-backend = \"a b\"\n",
                "module:object",
            ),
            (
                "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"../x\"]\n",
                "outside",
            ),
            (
                "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"/etc\"]\n",
                "outside",
            ),
        ] {
            let dir = project(Some(text), true);
            let err = BuildSystem::read(dir.path()).unwrap_err().to_string();
            assert!(err.contains(expect), "{text}: {err}");
        }
    }
}
