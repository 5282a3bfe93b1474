//! The site's configuration, as the cluster's environment modules and pip config files give it.
//!
//! Its one job: nothing else in wheelhouse reads environment variables or asks for the working
//! or temporary directory ([`working_dir`], [`SiteConfig::temp_dir`]). Callers take a
//! [`ProcessVars`] snapshot (the process's variables, or a fixed set of pairs in tests) and
//! ask a [`SiteConfig`] built from it. The variables and their defaults are the ones the site's
//! `avail_wheels` reads, so both tools answer the same on the same login node.
//!
//! ```
//! use site_config::{ProcessVars, SiteConfig, SearchPaths};
//!
//! let env = ProcessVars::from_pairs([("WHEELHOUSE", "/srv/wheelhouse"), ("EBVERSIONGENTOO", "2023")]);
//! let site = SiteConfig::from_env(&env);
//! assert_eq!(site.architectures(), ["generic", "x86-64-v3", "x86-64-v4"]);
//! assert!(matches!(site.search_paths().unwrap(), SearchPaths::UnderWheelhouse(_)));
//! ```

mod cpus;
mod ini;
mod install;
mod job;
mod net;
mod python;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use cpus::{CgroupQuota, CpuSource, JobCpus};
pub use ini::{IniError, IniFile};
pub use install::{PipInstallOptions, PythonNotFound, PythonRequest};
pub use job::JobEnv;
pub use net::{DownloadSettings, NetEnv, DEFAULT_INDEX_URL};
pub use python::available_pythons_in;

pub use wheel_name::PythonVersion;

/// Where the wheelhouse lives when `WHEELHOUSE` is not set (the national CVMFS repository).
pub const DEFAULT_WHEELHOUSE: &str = "/cvmfs/soft.computecanada.ca/custom/python/wheelhouse";

/// Where Python modules live when `PYTHON_DIRS` is not set.
pub const DEFAULT_PYTHON_DIRS: &str = "/cvmfs/soft.computecanada.ca/easybuild/software/20*/Core/python:/cvmfs/soft.computecanada.ca/easybuild/software/20*/*/Core/python:/cvmfs/soft.computecanada.ca/easybuild/software/20*/*/Compiler/gcccore/python";

/// A snapshot of the process's environment variables (`ProcessVars::from_process`), or a fixed
/// set of them (`ProcessVars::from_pairs`, in tests): what "environment" means here, as
/// distinct from the `environment` crate and a Python virtual environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessVars {
    vars: HashMap<String, String>,
}

impl ProcessVars {
    /// The current process environment (variables that are not UTF-8 are skipped:
    /// `std::env::vars` would panic on them).
    pub fn from_process() -> ProcessVars {
        ProcessVars {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    /// A fixed environment, for tests and embedding.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> ProcessVars {
        ProcessVars {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Every set variable whose name starts with `prefix`, sorted by name.
    pub fn vars_with_prefix(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .vars
            .iter()
            .filter(|(k, v)| k.starts_with(prefix) && !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.sort();
        out
    }

    /// A variable's value as set, an empty value included (`${VAR}` in requirement files
    /// expands to it).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// A variable's value; an empty value counts as unset, as the reference treats it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The process's working directory, to show paths relative to it (`None` when it was
/// removed). Site-config is the one place that asks the process about itself.
pub fn working_dir() -> Option<PathBuf> {
    std::env::current_dir().ok()
}

/// An error reading the site configuration; every variant names the file or variable involved.
#[derive(Debug)]
pub enum ConfigError {
    /// The pip configuration file could not be read or parsed.
    PipConfig { path: PathBuf, source: IniError },
    /// The pip configuration file has no `find-links` in `[wheel]`, `[install]` or `[global]`.
    NoFindLinks { path: PathBuf },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::PipConfig { path, source } => write!(
                f,
                "cannot read the pip configuration file {} (from PIP_CONFIG_FILE): {source}. \
                 Fix the file or unset PIP_CONFIG_FILE to search every directory of $WHEELHOUSE",
                path.display()
            ),
            ConfigError::NoFindLinks { path } => write!(
                f,
                "the pip configuration file {} (from PIP_CONFIG_FILE) sets no `find-links` in its \
                 [wheel], [install] or [global] section, so there is no wheelhouse directory to \
                 search. Add `find-links = DIR ...` under [wheel], or unset PIP_CONFIG_FILE",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Where to look for wheels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchPaths {
    /// The directories listed by `find-links` in the pip configuration file, in order.
    Listed {
        config: PathBuf,
        paths: Vec<PathBuf>,
    },
    /// No pip configuration file: every directory exactly two levels below this root
    /// (`gentoo2023/x86-64-v3`, ...), found by walking it.
    UnderWheelhouse(PathBuf),
}

/// The site configuration read from a [`ProcessVars`].
#[derive(Clone, Debug)]
pub struct SiteConfig {
    /// `WHEELHOUSE`, or [`DEFAULT_WHEELHOUSE`].
    pub wheelhouse: PathBuf,
    /// `PIP_CONFIG_FILE`, when set.
    pub pip_config_file: Option<PathBuf>,
    /// `PYTHON_DIRS`, or [`DEFAULT_PYTHON_DIRS`]: colon-separated globs of module directories.
    pub python_dirs: String,
    /// `RSNT_ARCH`: the CPU level of this node.
    pub current_arch: Option<String>,
    /// `EBVERSIONGENTOO`: the software environment's Gentoo year.
    pub gentoo_year: Option<i64>,
    /// `EBVERSIONPYTHON`: the version of the loaded Python module.
    pub module_python: Option<String>,
    /// `VIRTUAL_ENV`: the activated virtual environment.
    pub virtual_env: Option<PathBuf>,
    /// `EBROOTPYTHON`: the loaded Python module's prefix.
    pub module_python_root: Option<PathBuf>,
    /// `PATH`, split.
    pub path_dirs: Vec<PathBuf>,
    /// `SLURM_CPUS_PER_TASK`: the cores the job step was given.
    pub slurm_cpus_per_task: Option<usize>,
    /// Every `PIP_*` variable, which pip lets override its configuration file.
    pub pip_env: Vec<(String, String)>,
    /// The Slurm job and shell variables (`SLURM_TMPDIR`, `SLURMD_NODENAME`, `PYTHONPATH`...).
    pub job: JobEnv,
    /// Proxy and certificate variables (`HTTPS_PROXY`, `NO_PROXY`, `SSL_CERT_FILE`...).
    pub net: NetEnv,
    /// `EBPYTHONPREFIXES`: the prefixes of loaded stack modules, whose
    /// `lib/pythonX.Y/site-packages` the site's `sitecustomize.py` puts on `sys.path`.
    pub python_prefixes: Vec<PathBuf>,
    /// `EBROOT<NAME>` variables with their `EBVERSION<NAME>`: `(NAME, root, version)`.
    pub module_roots: Vec<(String, PathBuf, Option<String>)>,
    /// The unpacked-wheel cache: `WHEELHOUSE_CACHE_DIR`, else `$XDG_CACHE_HOME/wheelhouse`,
    /// else `$HOME/.cache/wheelhouse`; `None` without any of them.
    pub cache_dir: Option<PathBuf>,
    /// The variables that can change what a Python interpreter says about itself, which key
    /// its kept answer: `PYTHON*` (`PYTHONPATH`, `PYTHONHOME`, `PYTHONNOUSERSITE`…), `EB*` of
    /// loaded modules (the site's `sitecustomize.py` reads `EBPYTHONPREFIXES`), `HOME` (the
    /// user site directory) and the dynamic loader's `LD_*`.
    pub interpreter_env: Vec<(String, String)>,
    /// `SOURCE_DATE_EPOCH` is set: `py_compile` then writes hash-checked byte code, which
    /// the unpacked-wheel cache does not keep.
    pub source_date_epoch: bool,
    /// The whole snapshot: `${VAR}` references in requirement files expand from it, and build
    /// hooks keep its `PATH` after their build environment's scripts directory.
    pub variables: ProcessVars,
}

/// A loaded stack module, found from a directory inside its prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedStack {
    /// `scipy-stack/2024a` (or `scipy-stack` when its version variable is unset; the prefix
    /// itself when no `EBROOT<NAME>` names it).
    pub module: String,
    /// The module's name alone, for `module unload NAME`.
    pub name: String,
    pub prefix: PathBuf,
}

impl SiteConfig {
    /// The directory for temporary files: `TMPDIR`, else `/tmp` (as the standard library
    /// chooses).
    pub fn temp_dir(&self) -> PathBuf {
        self.variables
            .raw("TMPDIR")
            .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
    }

    /// Reads every variable once.
    pub fn from_env(env: &ProcessVars) -> SiteConfig {
        SiteConfig {
            wheelhouse: PathBuf::from(env.get("WHEELHOUSE").unwrap_or(DEFAULT_WHEELHOUSE)),
            pip_config_file: env.get("PIP_CONFIG_FILE").map(PathBuf::from),
            python_dirs: env
                .get("PYTHON_DIRS")
                .unwrap_or(DEFAULT_PYTHON_DIRS)
                .to_string(),
            current_arch: env.get("RSNT_ARCH").map(str::to_string),
            gentoo_year: env
                .get("EBVERSIONGENTOO")
                .and_then(|v| v.trim().parse().ok()),
            module_python: env.get("EBVERSIONPYTHON").map(str::to_string),
            virtual_env: env.get("VIRTUAL_ENV").map(PathBuf::from),
            module_python_root: env.get("EBROOTPYTHON").map(PathBuf::from),
            path_dirs: env
                .get("PATH")
                .unwrap_or("")
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
            slurm_cpus_per_task: env
                .get("SLURM_CPUS_PER_TASK")
                .and_then(|v| v.trim().parse().ok()),
            pip_env: env.vars_with_prefix("PIP_"),
            job: JobEnv::from_env(env),
            net: NetEnv::from_env(env),
            python_prefixes: env
                .get("EBPYTHONPREFIXES")
                .unwrap_or("")
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
            module_roots: env
                .vars_with_prefix("EBROOT")
                .into_iter()
                .map(|(k, v)| {
                    let name = k["EBROOT".len()..].to_string();
                    let version = env.get(&format!("EBVERSION{name}")).map(str::to_string);
                    (name, PathBuf::from(v), version)
                })
                .collect(),
            cache_dir: env
                .get("WHEELHOUSE_CACHE_DIR")
                .map(PathBuf::from)
                .or_else(|| {
                    env.get("XDG_CACHE_HOME")
                        .map(|d| Path::new(d).join("wheelhouse"))
                })
                .or_else(|| {
                    env.get("HOME")
                        .map(|d| Path::new(d).join(".cache/wheelhouse"))
                }),
            interpreter_env: ["PYTHON", "EB", "LD_", "HOME"]
                .iter()
                .flat_map(|prefix| env.vars_with_prefix(prefix))
                .filter(|(k, _)| !k.starts_with("HOME") || k == "HOME")
                .collect(),
            source_date_epoch: env.get("SOURCE_DATE_EPOCH").is_some(),
            variables: env.clone(),
        }
    }

    /// The loaded stack module (from `EBPYTHONPREFIXES`) whose prefix holds `dir`, named as
    /// `module list` shows it: the `EBROOT<NAME>` pointing at the prefix gives the name, with
    /// EasyBuild's spelling undone (`SCIPYMINUSSTACK` → `scipy-stack`).
    pub fn loaded_stack_for(&self, dir: &Path) -> Option<LoadedStack> {
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let dir = canonical(dir);
        let prefix = self
            .python_prefixes
            .iter()
            .find(|p| dir.starts_with(canonical(p)))?;
        let root = canonical(prefix);
        let named = self
            .module_roots
            .iter()
            .find(|(_, r, _)| canonical(r) == root);
        let (module, name) = match named {
            Some((var, _, version)) => {
                let name = var.replace("MINUS", "-").to_ascii_lowercase();
                let module = match version {
                    Some(v) => format!("{name}/{v}"),
                    None => name.clone(),
                };
                (module, name)
            }
            None => (prefix.display().to_string(), prefix.display().to_string()),
        };
        Some(LoadedStack {
            module,
            name,
            prefix: prefix.clone(),
        })
    }

    /// The CPU levels this software environment offers (sorted).
    pub fn architectures(&self) -> &'static [&'static str] {
        wheel_name::architectures_for_gentoo(self.gentoo_year)
    }

    /// The interpreter of the module tree's Python `version` (`3.11`, or a full `3.11.7`):
    /// `<dir>/<version>/bin/python3` in the `PYTHON_DIRS` directories, the newest matching
    /// version directory first; `None` when the tree has none.
    pub fn module_python_for(&self, version: &str) -> Option<PathBuf> {
        python::module_python_for(&self.python_dirs, version)
    }

    /// The Python versions the module tree offers, sorted ascending.
    pub fn available_pythons(&self) -> Vec<PythonVersion> {
        available_pythons_in(&self.python_dirs)
    }

    /// The micro version of the newest `python` module of that series (`3.11.7` → 7).
    pub fn newest_micro(&self, python: PythonVersion) -> Option<u32> {
        python::newest_micro_in(&self.python_dirs, python)
    }

    /// The Python the user works with: the activated virtual environment's, else the loaded
    /// module's (`EBVERSIONPYTHON`); `None` when neither is there. The operating system's own
    /// Python never counts: on a cluster it is not the one packages are built for.
    pub fn current_python(&self) -> Option<PythonVersion> {
        if let Some(venv) = &self.virtual_env {
            if let Some(version) = python::virtualenv_python(venv) {
                return Some(version);
            }
        }
        self.module_python.as_deref().and_then(PythonVersion::parse)
    }

    /// Where to look for wheels: the pip configuration file's `find-links` when
    /// `PIP_CONFIG_FILE` is set, else every directory two levels below the wheelhouse root.
    ///
    /// The reference reads `[wheel] find-links`; site files set the same list in `[install]`
    /// and `[download]` too, so those are accepted as fallbacks rather than failing.
    pub fn search_paths(&self) -> Result<SearchPaths, ConfigError> {
        let Some(config) = &self.pip_config_file else {
            return Ok(SearchPaths::UnderWheelhouse(self.wheelhouse.clone()));
        };
        let ini = IniFile::read(config).map_err(|source| ConfigError::PipConfig {
            path: config.clone(),
            source,
        })?;
        let paths = find_links(&ini).ok_or_else(|| ConfigError::NoFindLinks {
            path: config.clone(),
        })?;
        Ok(SearchPaths::Listed {
            config: config.clone(),
            paths,
        })
    }
}

/// The `find-links` directories an install searches, from a pip configuration file: its
/// `[install]` section's, else `[global]`'s, as `pip install` (and
/// [`SiteConfig::pip_install_options`]) read them; `None` when neither sets it.
pub fn install_find_links(ini: &IniFile) -> Option<Vec<PathBuf>> {
    first_find_links(ini, &["install", "global"])
}

/// The `find-links` directories of a pip configuration file, in order, from the first of
/// `[wheel]`, `[install]`, `[download]`, `[global]` that sets it (see
/// [`SiteConfig::search_paths`]); `None` when none does.
pub fn find_links(ini: &IniFile) -> Option<Vec<PathBuf>> {
    first_find_links(ini, &["wheel", "install", "download", "global"])
}

/// `find-links` of the first of `sections` that sets it, split as pip splits it.
fn first_find_links(ini: &IniFile, sections: &[&str]) -> Option<Vec<PathBuf>> {
    let value = sections
        .iter()
        .find_map(|section| ini.get(section, "find-links"))?;
    Some(value.split_whitespace().map(PathBuf::from).collect())
}

/// The arch of a wheel: the last component of its search path, as the reference takes it
/// (`os.path.basename`: a trailing slash gives an empty arch).
pub fn arch_of_search_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    match text.rfind('/') {
        Some(i) => text[i + 1..].to_string(),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_dir_and_raw_values_come_from_the_snapshot() {
        let vars = ProcessVars::from_pairs([("TMPDIR", "/scratch/tmp"), ("EMPTY", "")]);
        let site = SiteConfig::from_env(&vars);
        assert_eq!(site.temp_dir(), PathBuf::from("/scratch/tmp"));
        assert_eq!(site.variables.raw("EMPTY"), Some(""));
        assert_eq!(site.variables.get("EMPTY"), None);
        let site = SiteConfig::from_env(&ProcessVars::default());
        assert_eq!(site.temp_dir(), PathBuf::from("/tmp"));
        assert_eq!(
            site.pip_install_options().unwrap().variables,
            ProcessVars::default()
        );
    }

    #[test]
    fn defaults() {
        let site = SiteConfig::from_env(&ProcessVars::default());
        assert_eq!(site.wheelhouse, PathBuf::from(DEFAULT_WHEELHOUSE));
        assert_eq!(
            site.architectures(),
            ["avx", "avx2", "avx512", "generic", "sse3"]
        );
        assert_eq!(site.current_python(), None);
    }

    #[test]
    fn module_python_is_current() {
        let site = SiteConfig::from_env(&ProcessVars::from_pairs([("EBVERSIONPYTHON", "3.11.5")]));
        assert_eq!(site.current_python(), Some(PythonVersion::new(3, 11)));
    }

    #[test]
    fn loaded_stacks_are_named_from_their_root_variables() {
        let site = SiteConfig::from_env(&ProcessVars::from_pairs([
            (
                "EBPYTHONPREFIXES",
                "/nonexistent/stack/2024a:/nonexistent/other",
            ),
            ("EBROOTSCIPYMINUSSTACK", "/nonexistent/stack/2024a"),
            ("EBVERSIONSCIPYMINUSSTACK", "2024a"),
        ]));
        let found = site
            .loaded_stack_for(Path::new(
                "/nonexistent/stack/2024a/lib/python3.11/site-packages",
            ))
            .unwrap();
        assert_eq!(found.module, "scipy-stack/2024a");
        assert_eq!(found.name, "scipy-stack");
        assert_eq!(
            site.loaded_stack_for(Path::new("/nonexistent/other/lib"))
                .unwrap()
                .module,
            "/nonexistent/other"
        );
        assert_eq!(site.loaded_stack_for(Path::new("/usr/lib")), None);
    }

    #[test]
    fn arch_is_basename() {
        assert_eq!(
            arch_of_search_path(Path::new("/w/gentoo2023/x86-64-v3")),
            "x86-64-v3"
        );
        assert_eq!(arch_of_search_path(Path::new("/w/generic/")), "");
    }

    #[test]
    fn find_links_from_pip_config() {
        let dir = std::env::temp_dir().join(format!("site-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("pip.conf");
        std::fs::write(&conf, "[global]\ndisable-pip-version-check = true\n[wheel]\nfind-links = /a/x86-64-v3 /a/generic\n").unwrap();
        let site = SiteConfig::from_env(&ProcessVars::from_pairs([(
            "PIP_CONFIG_FILE",
            conf.to_str().unwrap(),
        )]));
        assert_eq!(
            site.search_paths().unwrap(),
            SearchPaths::Listed {
                config: conf.clone(),
                paths: vec!["/a/x86-64-v3".into(), "/a/generic".into()]
            }
        );
        std::fs::write(&conf, "[global]\ntimeout = 3\n").unwrap();
        let err = site.search_paths().unwrap_err().to_string();
        assert!(
            err.contains("sets no `find-links`") && err.contains("pip.conf"),
            "{err}"
        );
        std::fs::remove_file(&conf).unwrap();
        let err = site.search_paths().unwrap_err().to_string();
        assert!(
            err.contains("cannot read the pip configuration file"),
            "{err}"
        );
    }
}
