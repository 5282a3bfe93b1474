//! The frontend's one error type: each a paragraph that says what was wrong and what to do
//! next, and a kind for exit codes.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What kind of failure, for callers that map kinds to exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The source itself is wrong: not a project, a bad `pyproject.toml`, a hostile archive.
    Input,
    /// The build environment could not be made (its requirements did not resolve or install).
    Environment,
    /// The build backend failed or answered nonsense.
    Build,
    /// Reading or writing the file system failed.
    Io,
}

/// How a backend hook failed: the lines to show and the advice that goes with them.
#[derive(Debug)]
pub struct BackendFailure {
    /// The project, as the user named it (a directory or an sdist file).
    pub project: String,
    /// `setuptools.build_meta`.
    pub backend: String,
    /// `build_wheel`, `prepare_metadata_for_build_wheel`, ...
    pub hook: String,
    /// How the hook's process ended (`exit status: 1`).
    pub status: String,
    /// The backend's last lines of output (stdout and stderr together), at most 20.
    pub tail: Vec<String>,
    /// What usually fixes it, from what the output says.
    pub advice: String,
}

/// A failure to prepare or build a source.
#[derive(Debug)]
pub enum BuildError {
    /// A directory with neither `pyproject.toml` nor `setup.py`.
    NotAProject { path: PathBuf },
    /// A source path that does not exist.
    Missing { path: PathBuf },
    /// `pyproject.toml` is unreadable or its `[build-system]` is invalid.
    BadProject { path: PathBuf, detail: String },
    /// An archive that is not a readable sdist.
    Archive { archive: PathBuf, detail: String },
    /// An archive member that would leave the build directory, or a bomb.
    UnsafeArchive {
        archive: PathBuf,
        member: String,
        reason: String,
    },
    /// The build environment could not be made.
    Environment {
        project: String,
        requirements: Vec<String>,
        detail: String,
    },
    /// A backend hook failed.
    Backend(Box<BackendFailure>),
    /// The backend has no `build_editable` hook (PEP 660).
    EditableUnsupported { project: String, backend: String },
    /// An editable build of something that is not a project directory.
    EditableNeedsDirectory { source: PathBuf },
    /// The backend's answer broke the protocol (a wheel name that is not there, ...).
    BadAnswer {
        project: String,
        backend: String,
        hook: String,
        detail: String,
    },
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

impl BuildError {
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> BuildError {
        BuildError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            BuildError::NotAProject { .. }
            | BuildError::Missing { .. }
            | BuildError::BadProject { .. }
            | BuildError::Archive { .. }
            | BuildError::UnsafeArchive { .. }
            | BuildError::EditableNeedsDirectory { .. } => ErrorKind::Input,
            BuildError::Environment { .. } => ErrorKind::Environment,
            BuildError::Backend(_)
            | BuildError::EditableUnsupported { .. }
            | BuildError::BadAnswer { .. } => ErrorKind::Build,
            BuildError::Io { .. } => ErrorKind::Io,
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Missing { path } => write!(
                f,
                "{} does not exist. Give a project directory (with pyproject.toml or setup.py) \
                 or a source archive (.tar.gz, .zip).",
                path.display()
            ),
            BuildError::NotAProject { path } => write!(
                f,
                "{} is not a Python project: it has neither pyproject.toml nor setup.py. \
                 Name the directory that holds one of them (the project's top directory).",
                path.display()
            ),
            BuildError::BadProject { path, detail } => write!(
                f,
                "{} is not a valid project file: {detail}. Fix the [build-system] table \
                 (PEP 518: `requires = [...]`, `build-backend = \"...\"`) and build again.",
                path.display()
            ),
            BuildError::Archive { archive, detail } => write!(
                f,
                "{} {detail}; a source distribution is a .tar.gz (or .zip) archive of one \
                 project directory. Download it again or use another version.",
                archive.display()
            ),
            BuildError::UnsafeArchive {
                archive,
                member,
                reason,
            } => write!(
                f,
                "refusing the source distribution {}: its member `{member}` is unsafe \
                 ({reason}). Nothing was written outside the build directory. The archive is \
                 damaged or hostile; do not build it, and report it to where it came from.",
                archive.display()
            ),
            BuildError::Environment {
                project,
                requirements,
                detail,
            } => write!(
                f,
                "could not make the build environment for {project} (build requirements: \
                 {}): {detail}",
                if requirements.is_empty() {
                    "none".to_string()
                } else {
                    requirements.join(", ")
                }
            ),
            BuildError::Backend(failure) => write_failure(f, failure),
            BuildError::EditableUnsupported { project, backend } => write!(
                f,
                "{project} cannot be installed in editable mode: its build backend `{backend}` \
                 has no `build_editable` hook (PEP 660). For setuptools, require \
                 `setuptools>=64` in [build-system] requires of pyproject.toml; or install it \
                 without -e."
            ),
            BuildError::EditableNeedsDirectory { source } => write!(
                f,
                "{} cannot be installed in editable mode: only a project directory can (an \
                 archive is unpacked into a temporary directory that would not last). Unpack \
                 it and name the directory.",
                source.display()
            ),
            BuildError::BadAnswer {
                project,
                backend,
                hook,
                detail,
            } => write!(
                f,
                "building {project} failed: the build backend `{backend}` answered `{hook}` \
                 with {detail}. The backend is broken or too old for PEP 517; require a newer \
                 version in [build-system] requires."
            ),
            BuildError::Io {
                action,
                path,
                source,
            } => write!(
                f,
                "could not {action} {}: {source}. Check that the file system is writable and \
                 not full, then try again.",
                path.display()
            ),
        }
    }
}

fn write_failure(f: &mut fmt::Formatter<'_>, failure: &BackendFailure) -> fmt::Result {
    let doing = match failure.hook.as_str() {
        "build_wheel" => "building a wheel",
        "build_editable" => "building an editable wheel",
        hook if hook.starts_with("prepare_metadata") => "preparing the metadata",
        hook if hook.starts_with("get_requires") => "asking the backend for its requirements",
        _ => "running the build backend",
    };
    write!(
        f,
        "{doing} for {} failed: the build backend `{}` ({}) ended with {}.",
        failure.project, failure.backend, failure.hook, failure.status
    )?;
    if failure.tail.is_empty() {
        write!(f, " It printed nothing.")?;
    } else {
        write!(f, " Its last lines:")?;
        for line in &failure.tail {
            write!(f, "\n    {line}")?;
        }
        writeln!(f)?;
    }
    write!(f, "{}", failure.advice)
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// What usually fixes a failed build on a cluster, read from the backend's output;
/// `isolated` when the build ran in an environment of its own.
pub fn advice(log: &str, isolated: bool) -> String {
    let lower = log.to_ascii_lowercase();
    if lower.contains("python.h: no such file") {
        return "The compiler found no Python.h: the package compiles against the Python \
                headers. Load the Python module the environment was made with (e.g. `module \
                load python/3.11`), which ships its headers; outside modules, install the \
                system's python3-dev package."
            .into();
    }
    if let Some(header) = missing_header(log) {
        return format!(
            "The compiler found no {header}: a library the package needs is not loaded. Find \
             its module with `module spider NAME` (e.g. `module spider hdf5`), `module load` \
             it, and build again."
        );
    }
    if let Some(lib) = after(&lower, "cannot find -l") {
        return format!(
            "The linker found no lib{lib}: load the module that provides it (`module spider \
             {lib}`) and build again."
        );
    }
    let no_compiler = [
        "unable to execute '",
        "command not found",
        "failed: no such file",
    ]
    .iter()
    .any(|p| lower.contains(p))
        && ["gcc", "cc'", "g++", "gfortran", "c++"]
            .iter()
            .any(|c| lower.contains(c));
    if no_compiler || lower.contains("no acceptable c compiler") {
        return "No compiler was found: load one (`module load gcc`, or your site's compiler \
                module) and build again."
            .into();
    }
    if lower.contains("can't find rust compiler") || lower.contains("cargo: not found") {
        return "The package needs Rust: `module load rust` and build again.".into();
    }
    if let Some(module) = after(log, "No module named '") {
        return if isolated {
            format!(
                "The build imports `{module}`, which its isolated build environment lacks: the \
                 project's [build-system] requires does not list it. Report it to the project; \
                 meanwhile install `{module}` and the build requirements into your environment \
                 and build with --no-build-isolation."
            )
        } else {
            format!(
                "The build imports `{module}`, which the environment lacks: with \
                 --no-build-isolation the build requirements must be installed first (install \
                 `{module}`), or build without that option."
            )
        };
    }
    if lower.contains("invalid command 'bdist_wheel'") {
        // setuptools before 70.1 builds wheels only with the `wheel` package beside it.
        return if isolated {
            "The project's setuptools is older than 70.1 and its [build-system] requires does \
             not list `wheel`, which such a setuptools needs to build wheels. Report it to the \
             project; meanwhile build in an environment holding both: `wheelhouse install \
             'setuptools>=70.1'` there, then build with --no-build-isolation."
                .into()
        } else {
            "The setuptools the build used is older than 70.1, which builds wheels only with \
             the `wheel` package beside it. Activate an environment, install a newer one into \
             it (`wheelhouse install 'setuptools>=70.1'`) and build again, or build without \
             --no-build-isolation."
                .into()
        };
    }
    "On a cluster this is usually a compiler or library that is not loaded: load the \
     modules the package needs (`module load gcc`, `module spider NAME` to find a library) \
     and build again, or check whether the site already has a wheel (`avail_wheels NAME`)."
        .into()
}

/// `foo.h` from the compiler's `fatal error: foo.h: No such file or directory`.
fn missing_header(log: &str) -> Option<String> {
    let start = log.find("fatal error: ")? + "fatal error: ".len();
    let rest = &log[start..];
    let end = rest.find(": No such file")?;
    let header = &rest[..end];
    (header.len() < 200 && !header.contains('\n')).then(|| header.to_string())
}

/// The word after `marker` (up to a quote, space or line end).
fn after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let word: String = text[start..]
        .chars()
        .take_while(|c| !matches!(c, '\'' | '"' | ' ' | '\n' | '\r' | ':'))
        .take(100)
        .collect();
    (!word.is_empty()).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::advice;

    #[test]
    fn advice_follows_the_output() {
        let log = "src/x.c:1:10: fatal error: Python.h: No such file or directory";
        assert!(advice(log, true).contains("module load python"));
        let log = "src/x.c:1:10: fatal error: hdf5.h: No such file or directory";
        assert!(advice(log, true).contains("no hdf5.h"));
        let log = "error: command 'gcc' failed: No such file or directory";
        assert!(advice(log, true).contains("module load gcc"));
        let log = "/usr/bin/ld: cannot find -lfftw3: No such file";
        assert!(advice(log, true).contains("libfftw3"));
        let log = "ModuleNotFoundError: No module named 'numpy'";
        assert!(advice(log, true).contains("does not list it"));
        assert!(advice(log, false).contains("install `numpy`"));
        assert!(advice("Traceback ...", true).contains("module load gcc"));
        let log = "error: invalid command 'bdist_wheel'";
        assert!(advice(log, false).contains("wheelhouse install 'setuptools>=70.1'"));
        assert!(!advice(log, false).contains("module load gcc"));
    }
}
