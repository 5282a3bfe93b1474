//! What `wheelhouse install` and `wheelhouse venv` read from the site: pip's install options
//! (config file, then `PIP_*` variables, as pip layers them), the interpreter the cluster's
//! rules pick, and the cores this job was given.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::cpus::JobCpus;
use crate::{available_pythons_in, IniFile, PythonVersion, SiteConfig};

/// pip's install options that matter to us, after layering `[global]`, `[install]` and the
/// `PIP_*` environment variables (which win, as in pip).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PipInstallOptions {
    pub find_links: Vec<PathBuf>,
    pub constraints: Vec<PathBuf>,
    pub no_index: bool,
    /// Site policy opt-in for `manylinux` wheels (`allow-manylinux`, or `PIP_ALLOW_MANYLINUX`).
    pub allow_manylinux: bool,
    pub prefer_binary: bool,
    /// Install wheels whose RECORD leaves members unlisted or unhashed, with a warning, instead
    /// of refusing them (`allow-incomplete-record`, or `PIP_ALLOW_INCOMPLETE_RECORD`): for
    /// legacy wheels a site cannot rebuild.
    pub allow_incomplete_record: bool,
    /// `only-binary` values (we only install wheels, so this is informational).
    pub only_binary: Vec<String>,
    pub pre: bool,
    /// The config file read, for messages.
    pub config_file: Option<PathBuf>,
    /// The process variables `${VAR}` in requirement files expand from, as pip expands them.
    pub variables: crate::ProcessVars,
}

fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

impl SiteConfig {
    /// pip's install options for this site. `PIP_CONFIG_FILE=/dev/null` (pip's own way to
    /// switch the file off) reads nothing.
    pub fn pip_install_options(&self) -> Result<PipInstallOptions, crate::ConfigError> {
        let mut opts = PipInstallOptions {
            variables: self.variables.clone(),
            ..PipInstallOptions::default()
        };
        if let Some(config) = &self.pip_config_file {
            if config != Path::new("/dev/null") && config.exists() {
                let ini =
                    IniFile::read(config).map_err(|source| crate::ConfigError::PipConfig {
                        path: config.clone(),
                        source,
                    })?;
                opts.config_file = Some(config.clone());
                for section in ["global", "install"] {
                    apply(&mut opts, |key| ini.get(section, key).map(str::to_string));
                }
            }
        }
        let env = &self.pip_env;
        apply(&mut opts, |key| {
            let var = format!("PIP_{}", key.to_ascii_uppercase().replace('-', "_"));
            env.iter().find(|(k, _)| *k == var).map(|(_, v)| v.clone())
        });
        Ok(opts)
    }
}

fn apply(opts: &mut PipInstallOptions, get: impl Fn(&str) -> Option<String>) {
    if let Some(v) = get("find-links") {
        opts.find_links = v.split_whitespace().map(PathBuf::from).collect();
    }
    if let Some(v) = get("constraint") {
        opts.constraints = v.split_whitespace().map(PathBuf::from).collect();
    }
    if let Some(v) = get("no-index") {
        opts.no_index = truthy(&v);
    }
    if let Some(v) = get("allow-manylinux") {
        opts.allow_manylinux = truthy(&v);
    }
    if let Some(v) = get("allow-incomplete-record") {
        opts.allow_incomplete_record = truthy(&v);
    }
    if let Some(v) = get("prefer-binary") {
        opts.prefer_binary = truthy(&v);
    }
    if let Some(v) = get("pre") {
        opts.pre = truthy(&v);
    }
    if let Some(v) = get("only-binary") {
        opts.only_binary = v
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    }
}

/// How the user asked for an interpreter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PythonRequest {
    /// Nothing given: the loaded module's Python.
    Default,
    /// `3.11`: the loaded module's Python, which must be that version.
    Version(String),
    /// A path to an interpreter or an environment: taken as given, even the system's.
    Path(PathBuf),
}

impl PythonRequest {
    /// `3.11` is a version; anything with a `/` or naming an existing file is a path.
    pub fn parse(text: &str) -> PythonRequest {
        let looks_like_version =
            text.chars().all(|c| c.is_ascii_digit() || c == '.') && text.contains('.');
        if looks_like_version {
            PythonRequest::Version(text.to_string())
        } else {
            PythonRequest::Path(PathBuf::from(text))
        }
    }
}

/// No interpreter fits the cluster rules; the message says what to load.
#[derive(Debug)]
pub struct PythonNotFound {
    pub message: String,
}

impl fmt::Display for PythonNotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PythonNotFound {}

/// The loaded module names an interpreter this user cannot reach: not "no module is loaded",
/// but which file, and why.
fn unusable_module(root: &Path, version: &str) -> PythonNotFound {
    let python = root.join("bin/python3");
    let why = match std::fs::metadata(&python) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            "permission denied: your account may not read the module's files".to_string()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "no such file: the module is broken, or its file system is not mounted on this node"
                .to_string()
        }
        Err(e) => e.to_string(),
        Ok(_) => "not a file".to_string(),
    };
    PythonNotFound {
        message: format!(
            "The loaded Python module {version} (EBROOTPYTHON={}) cannot be used: {}: {why}. \
             Check it with `ls -l {}`, load another version of the module, or give an \
             interpreter's path: --python /path/to/python3",
            root.display(),
            python.display(),
            python.display()
        ),
    }
}

impl SiteConfig {
    /// The interpreter to build an environment with. The loaded module's Python first
    /// (`EBROOTPYTHON`, or a module directory's `python3` on `PATH`); the operating system's
    /// own Python only when given by path, because packages in the wheelhouse are built for
    /// the module Pythons.
    pub fn find_python(&self, request: &PythonRequest) -> Result<PathBuf, PythonNotFound> {
        if let PythonRequest::Path(path) = request {
            let candidates = if path.is_dir() {
                vec![path.join("bin/python"), path.join("bin/python3")]
            } else if path.components().count() == 1 {
                self.path_dirs.iter().map(|d| d.join(path)).collect()
            } else {
                vec![path.clone()]
            };
            return candidates
                .into_iter()
                .find(|p| p.is_file())
                .ok_or_else(|| PythonNotFound {
                    message: format!(
                        "No Python interpreter at {}. Give the path of an interpreter \
                     (`--python /path/to/bin/python3`) or a version of a loaded module \
                     (`--python 3.11`).",
                        path.display()
                    ),
                });
        }
        let wanted = match request {
            PythonRequest::Version(v) => Some(v.as_str()),
            _ => None,
        };
        let matches = |version: &str| match wanted {
            None => true,
            Some(w) => version == w || version.starts_with(&format!("{w}.")),
        };
        // The module's root, as the python module sets it.
        if let (Some(root), Some(version)) = (&self.module_python_root, &self.module_python) {
            if matches(version) {
                for name in ["bin/python3", "bin/python"] {
                    let p = root.join(name);
                    if p.is_file() {
                        return Ok(p);
                    }
                }
                return Err(unusable_module(root, version));
            }
        }
        // A module directory's interpreter on PATH (a module that sets PATH but not EBROOT*).
        let module_dirs = crate::python::python_module_dirs(&self.python_dirs);
        for dir in &self.path_dirs {
            if !module_dirs.iter().any(|m| dir.starts_with(m)) {
                continue;
            }
            let p = dir.join("python3");
            if p.is_file() {
                let version = dir
                    .parent()
                    .and_then(Path::file_name)
                    .and_then(|n| n.to_str())
                    .unwrap_or("");
                if matches(version) {
                    return Ok(p);
                }
            }
        }
        // `--python 3.12` with no module loaded: that module's own interpreter, as `module
        // load python/3.12` would give it (module Pythons find their libraries by RPATH).
        if let Some(found) =
            wanted.and_then(|w| crate::python::module_python_for(&self.python_dirs, w))
        {
            return Ok(found);
        }
        let offered = available_pythons_in(&self.python_dirs);
        let list = if offered.is_empty() {
            "none found (check PYTHON_DIRS)".to_string()
        } else {
            offered
                .iter()
                .map(PythonVersion::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        // A version asked for that no module offers: `module load python/3.7` would fail too.
        if let Some(w) = wanted.filter(|_| !offered.is_empty()) {
            let offered_here = offered.iter().any(|v| {
                let v = v.to_string();
                matches(&v) || w.starts_with(&format!("{v}."))
            });
            if !offered_here {
                let newest = offered
                    .last()
                    .map(PythonVersion::to_string)
                    .unwrap_or_default();
                return Err(PythonNotFound {
                    message: format!(
                        "This site has no Python {w} module (versions available: {list}). Load \
                         one of those (`module load python/{newest}`) and run the command again \
                         without --python {w}, or give an interpreter's path: --python \
                         /path/to/python3"
                    ),
                });
            }
        }
        let suggestion = wanted
            .map(str::to_string)
            .or_else(|| offered.last().map(PythonVersion::to_string))
            .unwrap_or_else(|| "3.11".into());
        let loaded = match (&self.module_python, wanted) {
            (Some(v), Some(w)) => format!("The loaded Python module is {v}, not {w}."),
            _ => "No Python module is loaded.".to_string(),
        };
        Err(PythonNotFound {
            message: format!(
                "{loaded} Environments are built with the Python of a loaded module, the one \
                 the wheelhouse is built for. Versions available: {list}. Load one and run \
                 the command again:\n    module load python/{suggestion}\nTo use another \
                 interpreter anyway, give its path: --python /path/to/python3"
            ),
        })
    }

    /// Cores this job may use: `SLURM_CPUS_PER_TASK` when set, else the smaller of the cgroup
    /// CPU quota and the affinity mask; never the node's full count. `wheelhouse cpus` prints
    /// the same number, and [`SiteConfig::job_cpus_explained`] says where it came from.
    pub fn job_cpus(&self) -> usize {
        self.job_cpus_explained().count
    }

    /// [`SiteConfig::job_cpus`] with every limit that was read.
    pub fn job_cpus_explained(&self) -> JobCpus {
        let mut cpus = JobCpus::detect(self.slurm_cpus_per_task);
        if cpus.slurm.is_none() {
            cpus.slurm_invalid = self.job.cpus_per_task_text.clone();
        }
        cpus
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProcessVars;

    fn site(pairs: &[(&str, &str)]) -> SiteConfig {
        SiteConfig::from_env(&ProcessVars::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn pip_options_layer_config_then_environment() {
        let tmp = std::env::temp_dir().join(format!("pipopts-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let conf = tmp.join("pip.conf");
        std::fs::write(
            &conf,
            "[global]\nfind-links = /g\n[install]\nfind-links = /a /b\nconstraint = /c.txt\nprefer-binary = true\n",
        )
        .unwrap();
        let c = conf.to_str().unwrap();
        let opts = site(&[("PIP_CONFIG_FILE", c)])
            .pip_install_options()
            .unwrap();
        assert_eq!(opts.find_links, [PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(opts.constraints, [PathBuf::from("/c.txt")]);
        assert!(opts.prefer_binary && !opts.allow_manylinux);
        let opts = site(&[
            ("PIP_CONFIG_FILE", c),
            ("PIP_FIND_LINKS", "/env"),
            ("PIP_ALLOW_MANYLINUX", "1"),
        ])
        .pip_install_options()
        .unwrap();
        assert_eq!(opts.find_links, [PathBuf::from("/env")]);
        assert!(opts.allow_manylinux);
        let none = site(&[("PIP_CONFIG_FILE", "/dev/null")])
            .pip_install_options()
            .unwrap();
        assert!(none.find_links.is_empty() && none.config_file.is_none());
    }

    #[test]
    fn the_module_python_is_found_and_the_system_one_is_not() {
        let tmp = std::env::temp_dir().join(format!("findpy-{}", std::process::id()));
        let root = tmp.join("python/3.11.5");
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::write(root.join("bin/python3"), "").unwrap();
        let dirs = tmp.join("python");
        let r = root.to_str().unwrap();
        let d = dirs.to_str().unwrap();
        let loaded = site(&[
            ("EBROOTPYTHON", r),
            ("EBVERSIONPYTHON", "3.11.5"),
            ("PYTHON_DIRS", d),
        ]);
        assert_eq!(
            loaded.find_python(&PythonRequest::Default).unwrap(),
            root.join("bin/python3")
        );
        assert!(loaded.find_python(&PythonRequest::parse("3.11")).is_ok());
        let err = loaded
            .find_python(&PythonRequest::parse("3.12"))
            .unwrap_err()
            .to_string();
        // No 3.12 module at all: `module load python/3.12` would fail, so it is not offered.
        assert!(
            err.contains("This site has no Python 3.12 module (versions available: 3.11)")
                && err.contains("`module load python/3.11`")
                && !err.contains("module load python/3.12"),
            "{err}"
        );
        std::fs::create_dir_all(dirs.join("3.12.1/bin")).unwrap();
        let err = loaded
            .find_python(&PythonRequest::parse("3.12"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("The loaded Python module is 3.11.5, not 3.12")
                && err.contains("module load python/3.12"),
            "{err}"
        );
        // With its interpreter there, `--python 3.12` takes it without the module loaded.
        std::fs::write(dirs.join("3.12.1/bin/python3"), "").unwrap();
        assert_eq!(
            loaded.find_python(&PythonRequest::parse("3.12")).unwrap(),
            dirs.join("3.12.1/bin/python3")
        );
        std::fs::remove_dir_all(dirs.join("3.12.1")).unwrap();
        // Not loaded, but the module's bin directory is on PATH.
        let bin = root.join("bin");
        let on_path = site(&[("PATH", bin.to_str().unwrap()), ("PYTHON_DIRS", d)]);
        assert_eq!(
            on_path.find_python(&PythonRequest::Default).unwrap(),
            root.join("bin/python3")
        );
        // Nothing loaded: the system python3 on PATH is not taken.
        let none = site(&[("PATH", "/usr/bin:/bin"), ("PYTHON_DIRS", d)]);
        let err = none
            .find_python(&PythonRequest::Default)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("No Python module is loaded") && err.contains("module load python/3.11"),
            "{err}"
        );
        assert_eq!(
            PythonRequest::parse("/usr/bin/python3"),
            PythonRequest::Path("/usr/bin/python3".into())
        );
        // Loaded, but its interpreter is gone: said as such, not "no module is loaded".
        std::fs::remove_file(root.join("bin/python3")).unwrap();
        let err = loaded
            .find_python(&PythonRequest::Default)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("The loaded Python module 3.11.5 (EBROOTPYTHON=")
                && err.contains("bin/python3: no such file"),
            "{err}"
        );
    }

    #[test]
    fn job_cpus_follow_slurm() {
        assert_eq!(site(&[("SLURM_CPUS_PER_TASK", "1")]).job_cpus(), 1);
        // An invalid value is ignored, and `cpus --explain` says so instead of "not set".
        for bad in ["abc", "0", "-2"] {
            let text = site(&[("SLURM_CPUS_PER_TASK", bad)])
                .job_cpus_explained()
                .to_string();
            assert!(
                text.contains(&format!(
                    "SLURM_CPUS_PER_TASK: \"{bad}\" is invalid, ignored"
                )),
                "{text}"
            );
            assert!(!text.contains("not set"), "{text}");
        }
        let text = site(&[]).job_cpus_explained().to_string();
        assert!(text.contains("SLURM_CPUS_PER_TASK: not set"), "{text}");
        assert!(site(&[]).job_cpus() >= 1);
    }
}
