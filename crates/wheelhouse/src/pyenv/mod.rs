//! The environment commands: `venv`, `install`, `freeze`, `list`, `uninstall`.
//!
//! Shared here: which environment a command acts on, the wheelhouse as an index for that
//! environment's interpreter, and what is already importable there.

pub mod inspect;
pub mod install;
pub mod venv;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use catalog::Wheelhouse;
use installer::{InstalledDist, Layout};
use interpreter::{Interpreter, SiteDirKind};
use resolver::Index;
use site_config::{SearchPaths, SiteConfig};
use wheel_name::TagPriority;

/// Exit codes of the environment commands.
pub mod exit {
    /// Could not resolve: no matching wheel, a conflict, site policy.
    pub const RESOLUTION: i32 = 1;
    /// Bad input: usage, unreadable requirement or configuration, no environment.
    pub const INPUT: i32 = 2;
    /// The installation itself failed; the environment was left as it was.
    pub const INSTALL: i32 = 3;
    /// Interrupted (Ctrl-C, SIGTERM); the environment was left as it was.
    pub const INTERRUPTED: i32 = 130;
}

/// The environment a command acts on.
pub struct Target {
    pub root: PathBuf,
    pub interpreter: Interpreter,
    pub layout: Layout,
}

/// Finds the target environment: `-p ENV` (a directory or its `python`), else the active
/// `VIRTUAL_ENV`. Only virtual environments are targets: a module's Python is shared and
/// read-only.
pub fn target_environment(site: &SiteConfig, python: Option<&Path>) -> Result<Target, String> {
    let (root_hint, executable) = match python {
        Some(p) if p.is_dir() => (Some(p.to_path_buf()), p.join("bin/python")),
        Some(p) => (
            p.parent().and_then(Path::parent).map(Path::to_path_buf),
            p.to_path_buf(),
        ),
        None => match &site.virtual_env {
            Some(env) => (Some(env.clone()), env.join("bin/python")),
            None => {
                return Err(
                    "No virtual environment is active, and none was given with -p. \
                    Activate one (`source ENV/bin/activate`), pass it with `-p ENV`, or create \
                    one first: `wheelhouse venv ENV`."
                        .into(),
                )
            }
        },
    };
    let is_env = root_hint
        .as_ref()
        .is_some_and(|r| r.join("pyvenv.cfg").is_file());
    if !executable.exists() || !is_env {
        let shown = root_hint.unwrap_or(executable);
        return Err(format!(
            "{} is not a virtual environment (no pyvenv.cfg and bin/python). Packages go into \
             an environment of your own, never into a module's Python: create one with \
             `wheelhouse venv {}` (or `virtualenv --no-download`), then install into it.",
            shown.display(),
            shown.display()
        ));
    }
    let interpreter = Interpreter::query(&executable).map_err(|e| e.to_string())?;
    let root = interpreter.prefix.clone();
    let layout = layout_for(&root, &interpreter, &executable);
    Ok(Target {
        root,
        interpreter,
        layout,
    })
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

/// Where wheels are searched, in order of preference.
pub fn search_paths(site: &SiteConfig, find_links: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if !find_links.is_empty() {
        return Ok(find_links.to_vec());
    }
    let options = site.pip_install_options().map_err(|e| e.to_string())?;
    if !options.find_links.is_empty() {
        return Ok(options.find_links);
    }
    match site.search_paths().map_err(|e| e.to_string())? {
        SearchPaths::Listed { paths, .. } => Ok(paths),
        SearchPaths::UnderWheelhouse(root) => {
            let (mut paths, _) =
                Wheelhouse::open(&root).resolve(&SearchPaths::UnderWheelhouse(root));
            // This node's CPU level first, then the generic wheels; other levels' wheels would
            // not run here when RSNT_ARCH says which one this is.
            if let Some(arch) = &site.current_arch {
                let known = site.architectures();
                let name = |p: &Path| site_config::arch_of_search_path(p);
                paths.retain(|p| {
                    let a = name(p);
                    a == *arch || a == "generic" || !known.contains(&a.as_str())
                });
                paths.sort_by_key(|p| if name(p) == *arch { 0 } else { 1 });
            }
            Ok(paths)
        }
    }
}

/// The wheelhouse as an index for one interpreter. `extra_wheels` are wheel files named on
/// the command line, searched before everything else.
pub fn build_index(
    site: &SiteConfig,
    paths: Vec<PathBuf>,
    interpreter: &Interpreter,
    allow_manylinux: bool,
    extra_wheels: &[PathBuf],
) -> Index {
    let listing = Wheelhouse::open(&site.wheelhouse).list_paths(&paths);
    let target = interpreter.tag_target();
    let allowed = TagPriority::new(&target, allow_manylinux);
    let with_manylinux = TagPriority::new(&target, true);
    let direct = extra_wheels.iter().filter_map(|p| {
        let name = p.file_name()?.to_str()?;
        Some((p.clone(), name, 0u32))
    });
    let found = listing
        .files
        .iter()
        .map(|f| (listing.path_of(f), listing.name(f), f.search_path + 1));
    let mut index = Index::build(direct.chain(found), &allowed, &with_manylinux, paths);
    index.search_paths.extend(extra_wheels.iter().cloned());
    index
}

/// What the interpreter can already import, by normalised name: the first of each name on
/// `sys.path`, with where it lives.
pub fn importable(interpreter: &Interpreter) -> HashMap<String, (InstalledDist, SiteDirKind)> {
    let mut out: HashMap<String, (InstalledDist, SiteDirKind)> = HashMap::new();
    for (dir, kind) in interpreter.site_dirs() {
        for dist in installer::scan_site_dir(&dir) {
            out.entry(dist.key.clone()).or_insert((dist, kind));
        }
    }
    out
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
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rel) = path.strip_prefix(&cwd) {
            return format!("./{}", rel.display());
        }
    }
    path.display().to_string()
}
