//! Building a package stack (`scipy-stack/2024a`): one prefix holding
//! `lib/pythonX.Y/site-packages` for each Python it serves, installed from the wheelhouse by
//! the same resolver and installer as `wheelhouse install`, then its modulefile.
//!
//! The prefix is built in a hidden directory beside its final place and renamed into place
//! only when every Python's install succeeded; the modulefile is written last. A failed build
//! therefore leaves nothing that `module avail` shows, and nothing half-installed.
//!
//! A stack is self-contained: what the interpreter's own site-packages or a loaded module
//! already provide does not count as installed, since users load the stack without them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use environment::{InstallOptions, Target};
use interpreter::Interpreter;
use site_config::SiteConfig;
use wheel_name::PythonVersion;

use crate::{is_safe_name, is_safe_version, writer, Content, ModulesError, Plan, StackModule};

/// What to build.
#[derive(Clone, Debug)]
pub struct StackRequest {
    /// `scipy-stack`.
    pub name: String,
    /// `2024a`.
    pub version: String,
    /// Pinned requirement files (`-r`).
    pub requirement_files: Vec<PathBuf>,
    /// The Pythons: a version of the module tree (`3.11`) or an interpreter's path.
    pub pythons: Vec<String>,
    /// The stack's final prefix.
    pub prefix: PathBuf,
    /// The MODULEPATH directory for `NAME/VERSION.lua`.
    pub modulepath: PathBuf,
    /// Install exactly the listed requirements, no dependencies.
    pub no_deps: bool,
    /// More wheel directories, after the site's.
    pub find_links: Vec<PathBuf>,
    /// Package indexes for what the wheelhouse lacks.
    pub index: environment::IndexOptions,
}

/// A stack that was built.
#[derive(Clone, Debug)]
pub struct BuiltStack {
    pub module: StackModule,
    pub modulefile: PathBuf,
}

/// The interpreter for `text`: a module Python by version (`3.11`), else a path.
pub fn python_for(site: &SiteConfig, text: &str) -> Result<PathBuf, ModulesError> {
    let is_version = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.');
    if !is_version {
        return Ok(crate::probe::interpreter_at(Path::new(text)));
    }
    site.module_python_for(text)
        .ok_or_else(|| ModulesError::BadInput {
            what: format!("Python {text}"),
            reason: format!(
                "the module tree has no Python {text} (PYTHON_DIRS={}; versions there: {}). \
                 Give a version it has, or the interpreter's path: --python /path/to/python3",
                site.python_dirs,
                {
                    let v: Vec<String> = site
                        .available_pythons()
                        .iter()
                        .map(|p| p.to_string())
                        .collect();
                    if v.is_empty() {
                        "none".to_string()
                    } else {
                        v.join(", ")
                    }
                }
            ),
        })
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ModulesError + '_ {
    move |source| ModulesError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Removes the build directory when dropped (a no-op once it was moved into place), and the
/// parent directory when this build created it and it is empty again.
struct BuildDir(PathBuf, Option<PathBuf>);

impl Drop for BuildDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        if let Some(parent) = &self.1 {
            let _ = std::fs::remove_dir(parent);
        }
    }
}

/// Builds the stack and writes its modulefile. `manifest` records the modulefile (see
/// [`writer`]). `cancel` is set by the caller's signal handlers: the build then stops and
/// leaves nothing behind.
pub fn build_stack(
    site: &SiteConfig,
    request: &StackRequest,
    manifest: &Path,
    cancel: &AtomicBool,
    events: &(dyn Fn(&str) + Sync),
) -> Result<BuiltStack, ModulesError> {
    if !is_safe_name(&request.name) || !is_safe_version(&request.version) {
        return Err(ModulesError::BadInput {
            what: format!("the stack name {}/{}", request.name, request.version),
            reason: "give NAME/VERSION, such as scipy-stack/2024a: a name of letters, digits, \
                     '.', '_', '-' and a version starting with a digit"
                .into(),
        });
    }
    if request.pythons.is_empty() {
        return Err(ModulesError::BadInput {
            what: "no Python given".into(),
            reason: "name the Pythons the stack is for: --python 3.11 (a version of the module \
                     tree) or --python /path/to/python3, repeatable"
                .into(),
        });
    }
    let prefix = std::path::absolute(&request.prefix).map_err(io(&request.prefix))?;
    let modulefile = request
        .modulepath
        .join(format!("{}/{}.lua", request.name, request.version));
    for (what, path) in [("prefix", &prefix), ("modulefile", &modulefile)] {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(ModulesError::BadInput {
                what: format!("the stack {}/{}", request.name, request.version),
                reason: format!(
                    "its {what} {} already exists. A stack version is never changed in place \
                     (users' environments rely on it): build a new version, or remove the old \
                     one first",
                    path.display()
                ),
            });
        }
    }
    let pythons: Vec<PathBuf> = request
        .pythons
        .iter()
        .map(|p| python_for(site, p))
        .collect::<Result<_, _>>()?;
    let parent = prefix.parent().unwrap_or(Path::new("/")).to_path_buf();
    let created_parent = (!parent.exists()).then(|| parent.clone());
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let leaf = prefix
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stack".into());
    let build = BuildDir(
        parent.join(format!(".{leaf}.build-{}", std::process::id())),
        created_parent,
    );
    let _ = std::fs::remove_dir_all(&build.0);
    std::fs::create_dir_all(&build.0).map_err(io(&build.0))?;

    let mut versions: Vec<PythonVersion> = Vec::new();
    let mut packages: BTreeSet<(String, String)> = BTreeSet::new();
    for python in &pythons {
        let interpreter =
            Interpreter::query_for_prefix(python, &build.0).map_err(|e| ModulesError::Probe {
                python: python.clone(),
                detail: e.to_string(),
            })?;
        let (major, minor, _) = interpreter.version;
        let version = PythonVersion::new(major, minor);
        if versions.contains(&version) {
            return Err(ModulesError::BadInput {
                what: format!("Python {version}"),
                reason: "it was given twice; a stack holds one site-packages per Python version"
                    .into(),
            });
        }
        events(&format!(
            "building {}/{} for Python {version} ({})",
            request.name,
            request.version,
            python.display()
        ));
        let target = Target::stack_prefix(interpreter, &build.0, python)
            .map_err(|e| ModulesError::StackTarget(Box::new(e)))?;
        let options = InstallOptions {
            requirement_files: request.requirement_files.clone(),
            no_deps: request.no_deps,
            find_links: request.find_links.clone(),
            index: request.index.clone(),
            // A stack is published to a tree its users cannot write (often CVMFS): without
            // byte code, every import of it would compile in memory, each time.
            compile: environment::ByteCode::Compile,
            ..InstallOptions::default()
        };
        // The caller's cancel flag: Ctrl-C stops the Python being installed, not only the
        // next one.
        let report =
            environment::install(site, &target, &options, cancel, &|_| {}).map_err(|e| {
                ModulesError::StackInstall {
                    stack: format!("{}/{}", request.name, request.version),
                    version: version.to_string(),
                    python: python.clone(),
                    source: Box::new(e),
                }
            })?;
        for (name, v) in report.installed {
            packages.insert((name, v));
        }
        versions.push(version);
    }
    write_dispatchers(
        &build.0,
        &format!("{}/{}", request.name, request.version),
        &versions,
    )
    .map_err(io(&build.0))?;
    // The environment lock is the install's; a stack prefix is read-only once published.
    let _ = std::fs::remove_file(build.0.join(".wheelhouse.lock"));
    versions.sort();
    if cancel.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(ModulesError::StackInterrupted {
            stack: format!("{}/{}", request.name, request.version),
        });
    }
    std::fs::rename(&build.0, &prefix).map_err(io(&prefix))?;
    let module = StackModule {
        name: request.name.clone(),
        version: request.version.clone(),
        prefix: prefix.clone(),
        pythons: versions,
        packages: packages.into_iter().collect(),
    };
    let mut plan = Plan::default();
    plan.add(modulefile.clone(), Content::text(module.render()));
    if let Err(e) = writer::apply(&plan, manifest) {
        let _ = std::fs::remove_dir_all(&prefix);
        return Err(e);
    }
    Ok(BuiltStack { module, modulefile })
}

/// The install target for one Python: the build prefix, with `lib/pythonX.Y/site-packages`
/// (the name `sitecustomize.py` looks for, PyPy included), scripts in `bin/pythonX.Y`, and
/// nothing counted as installed.
/// One script in `bin/` for each script any Python's install put in `bin/pythonX.Y/`: it runs
/// the copy for the Python loaded when it runs (`EBVERSIONPYTHON`), as `sitecustomize.py`
/// picks `lib/pythonX.Y` by the running Python; a module swap needs no reload. Evaluated at
/// load time in the modulefile instead, a later `module load python/...` would leave the
/// other Python's scripts on PATH.
fn write_dispatchers(
    build: &Path,
    module: &str,
    versions: &[PythonVersion],
) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut names = BTreeSet::new();
    for v in versions {
        let dir = build.join(format!("bin/python{v}"));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            // Names go into a shell script: only the plain ones (all that entry points and
            // wheels' scripts use in practice) get a dispatcher.
            if let Ok(name) = entry.file_name().into_string() {
                let plain = name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b));
                if plain && !name.starts_with('-') {
                    names.insert(name);
                }
            }
        }
    }
    let built_for: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
    for name in names {
        let text = format!(
            "#!/bin/sh\n\
             # {name} of {module}, for the Python loaded when it runs.\n\
             v=${{EBVERSIONPYTHON:-}}\n\
             major=${{v%%.*}}; rest=${{v#*.}}; minor=${{rest%%.*}}\n\
             script=\"${{0%/*}}/python$major.$minor/\"{quoted}\n\
             if [ -n \"$v\" ] && [ -x \"$script\" ]; then exec \"$script\" \"$@\"; fi\n\
             echo \"{name} ({module}) is built for Python {pythons}, and Python ${{v:-(none)}} \
             is loaded. Load one it is built for: module load python/{newest}\" >&2\n\
             exit 1\n",
            quoted = shell_quote(&name),
            pythons = built_for.join(", "),
            newest = built_for.last().map(String::as_str).unwrap_or("3"),
        );
        let path = build.join("bin").join(&name);
        std::fs::write(&path, text)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// `'text'`, with embedded single quotes closed, escaped and reopened.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}
