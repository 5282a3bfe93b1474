//! The module side of a cluster's Python: Lmod modulefiles for interpreters
//! (`python/3.11.7`) and package stacks (`scipy-stack/2024a`), the two files those modules
//! put on `PYTHONPATH` (`_manylinux.py`, `sitecustomize.py`), and a whole small site (a
//! "site in a box") laid out as the cluster's is.
//!
//! A Python module sets `EBROOTPYTHON`/`EBVERSIONPYTHON`, puts the interpreter first on
//! `PATH` and lists what the interpreter bundles as Lmod extensions. A stack module puts
//! its prefix on `EBPYTHONPREFIXES`, which `sitecustomize.py` turns into `sys.path`
//! entries after the environment's own, and lists its packages as extensions so
//! `module spider numpy` finds it. Everything written is recorded in a manifest, and a file
//! someone else wrote, or edited since, is never overwritten (see [`writer`]). `stack build`
//! installs a stack's packages through `environment` (a stack-prefix target), as every
//! command that changes an environment does; this crate writes only the module side's files
//! (modulefiles, hooks, profiles, the site in a box's layout).
//!
//! ```
//! use modules::lua::PythonModule;
//!
//! let module = PythonModule {
//!     version: "3.11.7".into(),
//!     implementation: "CPython".into(),
//!     root: "/opt/python/3.11.7".into(),
//!     dev_prefix: None,
//!     executable: "/opt/python/3.11.7/bin/python3.11".into(),
//!     site_dir: Some("/opt/site/python-site".into()),
//!     bundled: vec![("pip".into(), "24.2".into())],
//! };
//! assert_eq!(module.file_name(), std::path::Path::new("python/3.11.7.lua"));
//! let text = module.render();
//! assert!(text.contains("conflict(\"python\")"));
//! assert!(text.contains("extensions(\"pip/24.2\")"));
//! ```

pub mod cpu;
pub mod hooks;
pub mod lua;
pub mod probe;
pub mod site;
pub mod stack;
pub mod writer;

use std::fmt;
use std::path::{Path, PathBuf};

pub use lua::{PythonModule, StackModule};
pub use probe::{probe, pythons_on_path, PythonInstall};
pub use writer::{apply, Content, Outcome, Plan};

/// Name of the manifest that records what wheelhouse wrote in a directory tree.
pub const MANIFEST: &str = ".wheelhouse-manifest.json";

/// An error of the module tools; each names the path or interpreter involved and what to do.
#[derive(Debug)]
pub enum ModulesError {
    /// A file could not be read or written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Files are in the way that wheelhouse did not write, or that changed since.
    NotOurs {
        files: Vec<PathBuf>,
        manifest: PathBuf,
    },
    /// The manifest is not one wheelhouse wrote.
    BadManifest { path: PathBuf },
    /// An interpreter could not be asked about itself.
    Probe { python: PathBuf, detail: String },
    /// Two interpreters of the same version were given; a module name holds one.
    SameVersion {
        version: String,
        first: PathBuf,
        second: PathBuf,
    },
    /// No interpreter was given and none was found.
    NoPython,
    /// A stack's prefix cannot be made a place to install into.
    StackTarget(Box<environment::Error>),
    /// Installing a stack (`stack`: `NAME/VERSION`) for one Python (its `version` and
    /// `python` path) failed.
    StackInstall {
        stack: String,
        version: String,
        python: PathBuf,
        source: Box<environment::Error>,
    },
    /// A stack's build (`stack`: `NAME/VERSION`) was interrupted.
    StackInterrupted { stack: String },
    /// A name or path that cannot be used (reason given).
    BadInput { what: String, reason: String },
}

impl fmt::Display for ModulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModulesError::Io { path, source } => {
                write!(f, "cannot write or read {}: {source}", path.display())
            }
            ModulesError::NotOurs { files, manifest } => {
                let list: Vec<String> = files
                    .iter()
                    .map(|p| format!("    {}", p.display()))
                    .collect();
                write!(
                    f,
                    "refusing to overwrite {} file(s) that wheelhouse did not write, or that were \
                     edited since (not as recorded in {}):\n{}\nNothing was changed. Move them \
                     away (or merge your edits into the new version afterwards) and run the \
                     command again",
                    files.len(),
                    manifest.display(),
                    list.join("\n")
                )
            }
            ModulesError::BadManifest { path } => write!(
                f,
                "{} is not a manifest wheelhouse wrote (it cannot be read as one), so there is \
                 no telling which files are ours. Nothing was changed. Restore it, or remove it \
                 and the generated files it listed, and run the command again",
                path.display()
            ),
            ModulesError::Probe { python, detail } => write!(
                f,
                "cannot use the Python interpreter {}: {detail}. Give the path of a working \
                 interpreter (--python /path/to/python3) or the prefix it is installed in",
                python.display()
            ),
            ModulesError::SameVersion {
                version,
                first,
                second,
            } => write!(
                f,
                "two interpreters are Python {version} ({} and {}); one module name \
                 (python/{version}) can hold only one. Give one of them",
                first.display(),
                second.display()
            ),
            ModulesError::NoPython => write!(
                f,
                "no Python interpreter was found on PATH (python3, python3.N, pypy3). Give \
                 one or more with --python /path/to/python3"
            ),
            ModulesError::BadInput { what, reason } => write!(f, "{what}: {reason}"),
            ModulesError::StackTarget(e) => write!(f, "{e}"),
            ModulesError::StackInstall {
                stack,
                version,
                python,
                source,
            } => write!(
                f,
                "the stack {stack} cannot be built for Python {version} ({}): {}\nNothing was \
                 installed and no module was written.",
                python.display(),
                source.to_string().trim_end()
            ),
            ModulesError::StackInterrupted { stack } => write!(
                f,
                "the build of {stack} was interrupted; nothing was installed and no module was \
                 written"
            ),
        }
    }
}

impl std::error::Error for ModulesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ModulesError::Io { source, .. } => Some(source),
            ModulesError::StackTarget(source) | ModulesError::StackInstall { source, .. } => {
                Some(source.as_ref())
            }
            _ => None,
        }
    }
}

/// The manifest in charge of `dir`: a site's (in `dir` or up to two levels above, as
/// `wheelhouse site init` lays it out), else one in `dir` itself.
pub fn manifest_for(dir: &Path) -> PathBuf {
    for ancestor in dir.ancestors().take(3) {
        let candidate = ancestor.join(MANIFEST);
        if candidate.is_file() {
            return candidate;
        }
    }
    dir.join(MANIFEST)
}

/// A version usable as a module file name: starts with a digit, then digits, letters, `.`,
/// `+`, `_` or `-` only (nothing that could leave the directory).
pub fn is_safe_version(version: &str) -> bool {
    version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '_' | '-'))
}

/// A module name (`scipy-stack`): a letter or digit first, then letters, digits, `.`, `_`,
/// `-`, `+`.
pub fn is_safe_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '_' | '-'))
}

/// How a Python module reaches its interpreter.
#[derive(Clone, Debug)]
pub enum PythonRoot {
    /// The interpreter's own prefix, when its `bin/` already holds `python` and `python3`.
    Own,
    /// A prefix of links made under this directory (`DIR/<version>/bin/python` → the
    /// interpreter), for interpreters whose `bin/` has no `python` (Debian's `pypy3`).
    Links(PathBuf),
}

/// The files of the Python modules for `installs` under `modulepath`: one modulefile per
/// interpreter, `python/.modulerc.lua` naming the newest as default, the link prefixes when
/// asked for, and `_manylinux.py` + `sitecustomize.py` in `site_dir` when given.
pub fn python_module_plan(
    installs: &[PythonInstall],
    modulepath: &Path,
    links: Option<&Path>,
    site_dir: Option<&Path>,
) -> Result<(Plan, Vec<PythonModule>), ModulesError> {
    for (i, a) in installs.iter().enumerate() {
        if let Some(b) = installs[i + 1..].iter().find(|b| b.version == a.version) {
            return Err(ModulesError::SameVersion {
                version: a.version.clone(),
                first: a.executable.clone(),
                second: b.executable.clone(),
            });
        }
    }
    let mut plan = Plan::default();
    if let Some(dir) = site_dir {
        plan.add(
            dir.join(hooks::MANYLINUX_FILE),
            Content::text(hooks::MANYLINUX_PY),
        );
        plan.add(
            dir.join(hooks::SITECUSTOMIZE_FILE),
            Content::text(hooks::SITECUSTOMIZE_PY),
        );
    }
    let mut modules = Vec::new();
    for install in installs {
        let bin = install.executable.parent().unwrap_or(Path::new("/"));
        let has_own = bin.join("python").is_file() && bin.join("python3").is_file();
        let root = match (links, has_own) {
            (Some(dir), _) => {
                let root = dir.join(&install.version);
                let mut names = vec![
                    "python".to_string(),
                    "python3".to_string(),
                    format!("python{}", install.minor_version()),
                ];
                if install.implementation == "PyPy" {
                    names.push("pypy3".into());
                }
                for name in names {
                    plan.add(
                        root.join("bin").join(name),
                        Content::Symlink(install.real_executable.clone()),
                    );
                }
                root
            }
            (None, true) => bin.parent().unwrap_or(Path::new("/")).to_path_buf(),
            (None, false) => {
                return Err(ModulesError::BadInput {
                    what: format!("the interpreter {}", install.executable.display()),
                    reason: format!(
                        "its directory {} has no `python` and `python3`, which `module load` \
                         must put on PATH. Give --links DIR: wheelhouse then makes \
                         DIR/{}/bin/python (links to the interpreter) and the module uses that",
                        bin.display(),
                        install.version
                    ),
                })
            }
        };
        let dev_prefix = (!matches!(
            install.base_prefix.to_str(),
            Some("/usr" | "/" | "/usr/local")
        ))
        .then(|| install.base_prefix.clone());
        let module = PythonModule {
            version: install.version.clone(),
            implementation: install.implementation.clone(),
            root,
            dev_prefix,
            executable: install.real_executable.clone(),
            site_dir: site_dir.map(Path::to_path_buf),
            bundled: install.bundled.clone(),
        };
        plan.add(
            modulepath.join(module.file_name()),
            Content::text(module.render()),
        );
        modules.push(module);
    }
    // The default is the newest version, among these and those already in the directory.
    let mut versions: Vec<String> = installs.iter().map(|i| i.version.clone()).collect();
    if let Ok(entries) = std::fs::read_dir(modulepath.join("python")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(version) = name.strip_suffix(".lua") {
                if is_safe_version(version) {
                    versions.push(version.to_string());
                }
            }
        }
    }
    let key = |v: &String| -> Vec<u64> {
        v.split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    if let Some(newest) = versions.iter().max_by_key(|v| key(v)) {
        plan.add(
            modulepath.join("python/.modulerc.lua"),
            Content::text(lua::python_default_rc(newest)),
        );
    }
    Ok((plan, modules))
}

#[cfg(test)]
mod tests {
    use super::ModulesError;

    /// A stack's failed install keeps the install's error (and so its kind) as its source.
    #[test]
    fn a_failed_stack_install_says_which_python_and_keeps_the_cause() {
        let e = ModulesError::StackInstall {
            stack: "scipy-stack/2025a".into(),
            version: "3.11".into(),
            python: "/cvmfs/python/3.11/bin/python".into(),
            source: Box::new(environment::Error::NothingToInstall),
        };
        assert_eq!(
            e.to_string(),
            format!(
                "the stack scipy-stack/2025a cannot be built for Python 3.11 \
                 (/cvmfs/python/3.11/bin/python): {}\nNothing was installed and no module \
                 was written.",
                environment::NOTHING_TO_INSTALL.trim_end()
            )
        );
        let source = std::error::Error::source(&e).expect("the install's error");
        assert_eq!(source.to_string(), environment::NOTHING_TO_INSTALL);
        assert_eq!(
            ModulesError::StackInterrupted {
                stack: "scipy-stack/2025a".into()
            }
            .to_string(),
            "the build of scipy-stack/2025a was interrupted; nothing was installed and no \
             module was written"
        );
    }
}
