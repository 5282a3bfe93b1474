//! Which environment a command acts on, where its parts go, and what it already holds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use installer::{InstalledDist, Layout};
use interpreter::{AnswerCache, Interpreter, SiteDirKind};
use site_config::SiteConfig;

use crate::Error;

/// The environment a command acts on.
pub struct Target {
    pub root: PathBuf,
    pub interpreter: Interpreter,
    pub layout: Layout,
}

/// Where the interpreter's answer is kept between commands: in the cache directory
/// (`--cache-dir`, else the site's), keyed by the variables that shape it; `None` with
/// `--no-cache` or without any cache directory.
pub fn answer_cache(site: &SiteConfig, cache_dir: Option<&Path>) -> Option<AnswerCache> {
    let dir = cache_dir.or(site.cache_dir.as_deref())?;
    Some(AnswerCache::new(dir, &site.interpreter_env))
}

/// Finds the target environment: `-p ENV` (a directory or its `python`), else the active
/// `VIRTUAL_ENV`; the same as [`Target::existing`].
pub fn target_environment(
    site: &SiteConfig,
    python: Option<&Path>,
    answers: Option<&AnswerCache>,
) -> Result<Target, Error> {
    Target::existing(site, python, answers)
}

impl Target {
    /// An existing virtual environment: `-p ENV` (a directory or its `python`), else the
    /// active `VIRTUAL_ENV`. Only virtual environments are targets: a module's Python is
    /// shared and read-only. The interpreter's answer is reused from `answers` while still
    /// valid.
    pub fn existing(
        site: &SiteConfig,
        python: Option<&Path>,
        answers: Option<&AnswerCache>,
    ) -> Result<Target, Error> {
        let (root_hint, executable) = match python {
            Some(p) if p.is_dir() => (Some(p.to_path_buf()), p.join("bin/python")),
            Some(p) => (
                p.parent().and_then(Path::parent).map(Path::to_path_buf),
                p.to_path_buf(),
            ),
            None => match &site.virtual_env {
                Some(env) => (Some(env.clone()), env.join("bin/python")),
                None => return Err(Error::NoEnvironment),
            },
        };
        let is_env = root_hint
            .as_ref()
            .is_some_and(|r| r.join("pyvenv.cfg").is_file());
        if !executable.exists() || !is_env {
            let shown = root_hint.unwrap_or(executable);
            return Err(Error::NotAnEnvironment {
                path: shown,
                diagnosis: None,
            });
        }
        // Asked by absolute path, so that the kept answer is found again from another
        // directory.
        let asked = std::path::absolute(&executable).unwrap_or_else(|_| executable.clone());
        let interpreter =
            Interpreter::query_cached(&asked, None, answers).map_err(Error::Interpreter)?;
        Ok(Target::new(interpreter, &executable))
    }

    /// A virtual environment just made by `venv::create`. Its interpreter is derived from the
    /// base's answer instead of a second query (about 30 ms, per node, per job): the same
    /// Python, with the environment as its prefix and, on its import path, the environment's
    /// site-packages in place of the base's (which a virtual environment does not see unless
    /// `--system-site-packages`).
    pub fn new_venv(created: &venv::Venv, system_site_packages: bool) -> Target {
        let mut it: Interpreter = created.base.clone();
        it.sys_path = venv_sys_path(&it, system_site_packages);
        it.executable = created.python.clone();
        it.prefix = created.root.clone();
        Target::new(it, &created.python)
    }

    /// A stack module's prefix (`scipy-stack/2024a`) being built at `build` for one Python:
    /// `lib/pythonX.Y/site-packages` inside it, each Python's scripts in `bin/pythonX.Y` (their
    /// `#!` names that Python; the modulefile puts the loaded Python's on PATH). A stack is
    /// self-contained: the interpreter's own packages and loaded modules' do not count as
    /// installed, since users load the stack without them.
    pub fn stack_prefix(
        mut interpreter: Interpreter,
        build: &Path,
        python: &Path,
    ) -> Result<Target, Error> {
        let (major, minor, _) = interpreter.version;
        let site_packages = build.join(format!("lib/python{major}.{minor}/site-packages"));
        std::fs::create_dir_all(&site_packages).map_err(|source| Error::Io {
            action: "create",
            path: site_packages.clone(),
            source,
        })?;
        interpreter.paths.purelib = site_packages.clone();
        interpreter.paths.platlib = site_packages;
        interpreter.paths.scripts = build.join(format!("bin/python{major}.{minor}"));
        interpreter.paths.data = build.to_path_buf();
        interpreter.prefix = build.to_path_buf();
        interpreter.sys_path.clear();
        interpreter.pythonpath.clear();
        let layout = layout_for(build, &interpreter, python);
        Ok(Target {
            root: build.to_path_buf(),
            interpreter,
            layout,
        })
    }

    /// pip's `--target DIR`: packages directly in DIR, scripts in DIR/bin, data under DIR,
    /// for `interpreter` (whose `#!` the scripts get). As pip does, nothing installed
    /// elsewhere counts: DIR receives every package the requirements need.
    pub fn target_dir(interpreter: &Interpreter, dir: &Path) -> Result<Target, Error> {
        let dir = absolute_dir(dir)?;
        let mut it = interpreter.clone();
        it.paths.purelib = dir.clone();
        it.paths.platlib = dir.clone();
        it.paths.scripts = dir.join("bin");
        it.paths.data = dir.clone();
        it.prefix = dir.clone();
        it.sys_path = vec![dir.clone()];
        it.pythonpath.clear();
        let layout = layout_for(&dir, &it, &interpreter.executable);
        Ok(Target {
            root: dir,
            interpreter: it,
            layout,
        })
    }

    /// pip's `--prefix DIR`: the layout of a Python installation under DIR
    /// (`lib/pythonX.Y/site-packages`, `bin`), for `interpreter`. What the interpreter can
    /// already import still counts as installed, as with pip.
    pub fn prefix(interpreter: &Interpreter, dir: &Path) -> Result<Target, Error> {
        let dir = absolute_dir(dir)?;
        let (major, minor, _) = interpreter.version;
        let site_packages = dir.join(format!("lib/python{major}.{minor}/site-packages"));
        let mut it = interpreter.clone();
        it.paths.purelib = site_packages.clone();
        it.paths.platlib = site_packages.clone();
        it.paths.scripts = dir.join("bin");
        it.paths.data = dir.clone();
        it.prefix = dir.clone();
        if !it.sys_path.contains(&site_packages) {
            it.sys_path.insert(0, site_packages);
        }
        let layout = layout_for(&dir, &it, &interpreter.executable);
        Ok(Target {
            root: dir,
            interpreter: it,
            layout,
        })
    }

    /// The target for an interpreter already queried (`venv` has just created it).
    pub fn new(interpreter: Interpreter, python: &Path) -> Target {
        let root = interpreter.prefix.clone();
        let layout = layout_for(&root, &interpreter, python);
        Target {
            root,
            interpreter,
            layout,
        }
    }

    /// The distributions installed in the environment itself (purelib and platlib), the one
    /// list every command that changes the environment works from.
    pub fn own_distributions(&self) -> Result<Vec<InstalledDist>, Error> {
        own_distributions(&self.layout)
    }
}

/// `dir`, created if need be, as an absolute path (RECORD and scripts name it).
fn absolute_dir(dir: &Path) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        action: "create",
        path: dir.to_path_buf(),
        source,
    })?;
    std::path::absolute(dir).map_err(|source| Error::BadPath {
        path: dir.to_path_buf(),
        source,
    })
}

/// The distributions installed under a layout's purelib and platlib (once each when they are
/// the same directory). An unreadable site-packages is an error: treating it as empty would
/// install duplicates over what is there.
pub fn own_distributions(layout: &Layout) -> Result<Vec<InstalledDist>, Error> {
    let mut dirs = vec![&layout.purelib];
    if layout.platlib != layout.purelib {
        dirs.push(&layout.platlib);
    }
    let mut out = Vec::new();
    for dir in dirs {
        out.extend(installer::read_site_dir(dir).map_err(Error::SiteDir)?);
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// The import path of a new virtual environment of `base`: the base's, with the
/// environment's own site-packages where the base's first site directory was (and the base's
/// site directories kept only with `system_site_packages`); `PYTHONPATH` entries stay.
fn venv_sys_path(base: &Interpreter, system_site_packages: bool) -> Vec<PathBuf> {
    let own = [base.paths.purelib.clone(), base.paths.platlib.clone()];
    let is_site = |p: &Path| {
        p.file_name()
            .is_some_and(|n| n == "site-packages" || n == "dist-packages")
    };
    let mut sys_path = Vec::new();
    let mut inserted = false;
    for entry in &base.sys_path {
        if is_site(entry) && !base.pythonpath.contains(entry) {
            if !inserted {
                for dir in &own {
                    if !sys_path.contains(dir) {
                        sys_path.push(dir.clone());
                    }
                }
                inserted = true;
            }
            if !system_site_packages {
                continue;
            }
        }
        sys_path.push(entry.clone());
    }
    if !inserted {
        for dir in own {
            if !sys_path.contains(&dir) {
                sys_path.push(dir);
            }
        }
    }
    sys_path
}

/// Install paths of an environment, as pip uses them for a virtualenv (headers under
/// `include/site/pythonX.Y`, inside the environment).
pub fn layout_for(root: &Path, interpreter: &Interpreter, python: &Path) -> Layout {
    let (major, minor, _) = interpreter.version;
    let python = if python.is_absolute() {
        python.to_path_buf()
    } else {
        root.join("bin/python")
    };
    Layout {
        root: root.to_path_buf(),
        purelib: interpreter.paths.purelib.clone(),
        platlib: interpreter.paths.platlib.clone(),
        scripts: interpreter.paths.scripts.clone(),
        include: root.join(format!("include/site/python{major}.{minor}")),
        data: root.to_path_buf(),
        python,
    }
}

/// What the interpreter can already import, by normalised name: the first of each name on
/// `sys.path`, with where it lives.
pub fn importable(interpreter: &Interpreter) -> HashMap<String, (InstalledDist, SiteDirKind)> {
    first_of_each(&interpreter.site_dirs())
}

/// The first distribution of each name in `dirs`, in their order, with where it lives.
fn first_of_each(dirs: &[(PathBuf, SiteDirKind)]) -> HashMap<String, (InstalledDist, SiteDirKind)> {
    let mut out: HashMap<String, (InstalledDist, SiteDirKind)> = HashMap::new();
    for (dir, kind) in dirs {
        for dist in installer::scan_site_dir(dir) {
            out.entry(dist.key.clone()).or_insert((dist, *kind));
        }
    }
    out
}

/// The distributions a `PYTHONPATH` entry makes importable ahead of the environment's own, by
/// normalised name: [`importable`]'s answers that come from such an entry, found without
/// reading the directories that come after the last of them on `sys.path` (none at all
/// without `PYTHONPATH`).
pub fn shadowing(interpreter: &Interpreter) -> HashMap<String, InstalledDist> {
    if interpreter.pythonpath.is_empty() {
        return HashMap::new();
    }
    let dirs = interpreter.site_dirs();
    let Some(last) = dirs
        .iter()
        .rposition(|(_, k)| *k == SiteDirKind::PythonPath)
    else {
        return HashMap::new();
    };
    first_of_each(&dirs[..=last])
        .into_iter()
        .filter(|(_, (_, kind))| *kind == SiteDirKind::PythonPath)
        .map(|(key, (dist, _))| (key, dist))
        .collect()
}

/// Every distribution on the import path, in path order (for freeze and list).
pub fn importable_in_order(interpreter: &Interpreter) -> Vec<(InstalledDist, SiteDirKind)> {
    let mut out = Vec::new();
    for (dir, kind) in interpreter.site_dirs() {
        for dist in installer::scan_site_dir(&dir) {
            out.push((dist, kind));
        }
    }
    out
}

/// `./ENV` style display of a path relative to the working directory, when shorter.
pub fn short(path: &Path) -> String {
    if let Some(cwd) = site_config::working_dir() {
        if let Ok(rel) = path.strip_prefix(&cwd) {
            return format!("./{}", rel.display());
        }
    }
    path.display().to_string()
}
