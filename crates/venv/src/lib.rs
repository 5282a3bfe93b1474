//! Creating a standard virtual environment, as `python -m venv` and `virtualenv` lay it out.
//!
//! `pyvenv.cfg` (which makes the interpreter treat the directory as its prefix), links to the
//! base interpreter under every name scripts use, the install directories, and activation
//! scripts for bash/zsh/sh, csh/tcsh and fish, each with `deactivate`. pip is not seeded here:
//! that is an ordinary wheel install, done by the caller from the wheelhouse (the
//! `environment` crate's `seed_pip`).
//!
//! Not run as a doctest: it links to a real interpreter.
//!
//! ```no_run
//! use std::path::Path;
//!
//! use venv::VenvOptions;
//!
//! let env = venv::create(Path::new("/usr/bin/python3"), Path::new("env"), &VenvOptions::default())
//!     .unwrap();
//! assert!(env.root.join("pyvenv.cfg").is_file());
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use interpreter::Interpreter;

const ACTIVATE_SH: &str = include_str!("activate/activate.sh");
const ACTIVATE_CSH: &str = include_str!("activate/activate.csh");
const ACTIVATE_FISH: &str = include_str!("activate/activate.fish");

/// Options of `wheelhouse venv`.
#[derive(Clone, Debug, Default)]
pub struct VenvOptions {
    /// The prompt prefix; the directory name by default.
    pub prompt: Option<String>,
    pub system_site_packages: bool,
    /// Empty an existing directory first.
    pub clear: bool,
    /// The command line, recorded in `pyvenv.cfg` as venv does.
    pub command: String,
    /// Our version, recorded in `pyvenv.cfg`.
    pub creator: String,
    /// Where the base interpreter's answer is kept between commands (`None`: always ask).
    pub answers: Option<interpreter::AnswerCache>,
}

/// A created environment.
#[derive(Clone, Debug)]
pub struct Venv {
    pub root: PathBuf,
    /// `ROOT/bin/python`.
    pub python: PathBuf,
    /// The base interpreter, described with the environment's install paths.
    pub base: Interpreter,
}

/// Why an environment could not be made.
#[derive(Debug)]
pub enum VenvError {
    /// The path exists and is not an environment; the string says what is there.
    NotAnEnvironment(PathBuf, String),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Interpreter(interpreter::QueryError),
}

impl fmt::Display for VenvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VenvError::NotAnEnvironment(p, what) => write!(
                f,
                "{} already exists and is not a virtual environment (it has no pyvenv.cfg): \
                 {what}. Nothing was changed; wheelhouse never deletes a directory that is \
                 not an environment. Choose another path for the environment (e.g. \
                 {}/env), or move that {} away yourself",
                p.display(),
                p.display(),
                if p.is_dir() { "directory" } else { "file" }
            ),
            VenvError::Io { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            VenvError::Interpreter(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for VenvError {}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> VenvError + '_ {
    move |source| VenvError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a directory holds, for an error message: a few names and the count.
fn describe_contents(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let count = names.len();
    let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    let more = if count > shown.len() { ", ..." } else { "" };
    format!("it holds {count} entries ({}{more})", shown.join(", "))
}

/// Creates (or refreshes) an environment at `root` for the interpreter `base_python`.
pub fn create(base_python: &Path, root: &Path, options: &VenvOptions) -> Result<Venv, VenvError> {
    let root = std::path::absolute(root).map_err(io(root))?;
    if std::fs::symlink_metadata(&root).is_ok() {
        if !root.is_dir() {
            return Err(VenvError::NotAnEnvironment(root, "it is a file".into()));
        }
        let empty = std::fs::read_dir(&root)
            .map_err(io(&root))?
            .next()
            .is_none();
        let is_env = root.join("pyvenv.cfg").is_file();
        if !empty && !is_env {
            let what = describe_contents(&root);
            return Err(VenvError::NotAnEnvironment(root, what));
        }
        // Only an environment (or an empty directory) is ever cleared.
        if options.clear && is_env {
            std::fs::remove_dir_all(&root).map_err(io(&root))?;
        }
    }
    let base = Interpreter::query_cached(base_python, Some(&root), options.answers.as_ref())
        .map_err(VenvError::Interpreter)?;
    let paths = &base.paths;
    for dir in [&paths.scripts, &paths.purelib, &paths.platlib] {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    // venv's convenience link for 64-bit layouts that look in lib64.
    let lib64 = root.join("lib64");
    if cfg!(target_pointer_width = "64")
        && paths.purelib.starts_with(root.join("lib"))
        && std::fs::symlink_metadata(&lib64).is_err()
    {
        std::os::unix::fs::symlink("lib", &lib64).map_err(io(&lib64))?;
    }
    let executable = base.base_executable.clone();
    let (major, minor, _) = base.version;
    let mut names = vec![
        "python".to_string(),
        format!("python{major}"),
        format!("python{major}.{minor}"),
    ];
    if base.implementation == "pypy" {
        names.extend([
            "pypy".to_string(),
            format!("pypy{major}"),
            format!("pypy{major}.{minor}"),
        ]);
    }
    for name in &names {
        let link = paths.scripts.join(name);
        if std::fs::symlink_metadata(&link).is_ok() {
            std::fs::remove_file(&link).map_err(io(&link))?;
        }
        std::os::unix::fs::symlink(&executable, &link).map_err(io(&link))?;
    }
    let home = executable.parent().unwrap_or(Path::new("/"));
    let implementation = match base.implementation.as_str() {
        "cpython" => "CPython",
        "pypy" => "PyPy",
        other => other,
    };
    let prompt = options.prompt.clone().unwrap_or_else(|| {
        root.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "venv".into())
    });
    let mut cfg = format!(
        "home = {}\nimplementation = {implementation}\nversion_info = {}.final.0\n\
         version = {}\ninclude-system-site-packages = {}\nexecutable = {}\ncommand = {}\n\
         wheelhouse = {}\n",
        home.display(),
        base.version_text(),
        base.version_text(),
        options.system_site_packages,
        std::fs::canonicalize(&executable)
            .unwrap_or_else(|_| executable.clone())
            .display(),
        options.command,
        options.creator,
    );
    if options.prompt.is_some() {
        cfg.push_str(&format!("prompt = {prompt}\n"));
    }
    write(&root.join("pyvenv.cfg"), &cfg)?;
    let env_text = root.display().to_string();
    for (file, template) in [
        ("activate", ACTIVATE_SH),
        ("activate.csh", ACTIVATE_CSH),
        ("activate.fish", ACTIVATE_FISH),
    ] {
        let text = template
            .replace("@ENV_QUOTED@", &single_quote(&env_text))
            .replace("@PROMPT_QUOTED@", &single_quote(&prompt))
            .replace("@ENV@", &env_text);
        write(&paths.scripts.join(file), &text)?;
    }
    write(
        &root.join(".gitignore"),
        "# created by wheelhouse venv\n*\n",
    )?;
    Ok(Venv {
        python: paths.scripts.join("python"),
        root,
        base,
    })
}

fn write(path: &Path, text: &str) -> Result<(), VenvError> {
    std::fs::write(path, text).map_err(io(path))
}

/// `'text'`, with embedded single quotes closed, escaped and reopened: valid in sh, csh and
/// fish alike.
fn single_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_directory_that_is_not_an_environment() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("data.txt"), "keep me").unwrap();
        let err = create(Path::new("python3"), tmp.path(), &VenvOptions::default()).unwrap_err();
        assert!(matches!(&err, VenvError::NotAnEnvironment(_, what) if what.contains("data.txt")));
        assert!(!err.to_string().contains("--clear"));
        let clear = VenvOptions {
            clear: true,
            ..VenvOptions::default()
        };
        assert!(create(Path::new("python3"), tmp.path(), &clear).is_err());
        assert!(tmp.path().join("data.txt").exists());
    }

    #[test]
    fn quoting() {
        assert_eq!(single_quote("/a b/it's"), "'/a b/it'\\''s'");
    }
}
