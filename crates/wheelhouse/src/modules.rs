//! `wheelhouse module python` and `wheelhouse site init`: Lmod modulefiles for interpreters,
//! and a whole site in a box. The work is in the `modules` crate.

use std::path::{Path, PathBuf};

use modules::site::{site_plan, SiteLayout};
use modules::{ModulesError, Outcome, PythonInstall};
use site_config::{ProcessVars, SiteConfig};

#[derive(clap::Subcommand)]
pub enum ModuleCommand {
    /// Write a Lua modulefile per interpreter (python/3.11.7.lua) into a MODULEPATH directory.
    ///
    /// Each module sets EBROOTPYTHON and EBVERSIONPYTHON, puts the interpreter first on PATH
    /// (and its include, lib and pkgconfig directories on CPATH, LIBRARY_PATH and
    /// PKG_CONFIG_PATH), conflicts with any other python module, lists what the interpreter
    /// bundles (pip, setuptools, ...) as Lmod extensions, and puts the site directory holding
    /// _manylinux.py and sitecustomize.py on PYTHONPATH. python/.modulerc.lua makes the
    /// newest version the default. A file that wheelhouse did not write, or that was edited
    /// since, is never overwritten.
    #[command(after_help = "Examples:\n  \
        wheelhouse module python /opt/python/3.11.7 --modulepath /opt/modules\n  \
        wheelhouse module python /usr/bin/pypy3 --links /opt/software/python \\\n      \
        --modulepath /opt/modules\n  \
        module use /opt/modules && module avail python")]
    Python(PythonModuleArgs),
}

/// Options of `wheelhouse module python`.
#[derive(clap::Args)]
pub struct PythonModuleArgs {
    /// Interpreters, or the prefixes they are installed in (PREFIX/bin/python3)
    #[arg(value_name = "PREFIX", required = true)]
    prefixes: Vec<PathBuf>,
    /// The MODULEPATH directory to write python/VERSION.lua into
    #[arg(long, value_name = "DIR")]
    modulepath: PathBuf,
    /// Make DIR/VERSION/bin/{python,python3,pythonX.Y} links to each interpreter and use them as
    /// the module's root (needed when the interpreter's bin/ has no `python`, as Debian's pypy3)
    #[arg(long, value_name = "DIR")]
    links: Option<PathBuf>,
    /// Where _manylinux.py and sitecustomize.py go (put on PYTHONPATH by the modules)
    /// [default: MODULEPATH/../python-site]
    #[arg(long, value_name = "DIR")]
    site_dir: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
pub enum SiteCommand {
    /// Lay out a complete small site: wheelhouse tree, pip configs, Python modules, profiles.
    ///
    /// Creates the wheelhouse tree (generic/, gentoo2023/{generic,x86-64-v3,x86-64-v4}), one
    /// pip configuration per CPU level (pip/pip-LEVEL.conf: find-links in the site's order,
    /// constraint, only-binary, prefer-binary), python-site/ with _manylinux.py and
    /// sitecustomize.py, a Python module per interpreter (modules/python/VERSION.lua, linked
    /// under software/python/VERSION) and profile.sh / profile.csh, which set what the
    /// cluster's base module sets: MODULEPATH, WHEELHOUSE, RSNT_ARCH (this node's CPU level,
    /// from /proc/cpuinfo), PIP_CONFIG_FILE for that level, EBVERSIONGENTOO and PYTHON_DIRS.
    ///
    /// Running it again is safe: files still as written are updated, and a file that
    /// wheelhouse did not write, or that was edited since, stops the command before anything
    /// changes (exit 2).
    #[command(after_help = "Examples:\n  \
        wheelhouse site init ~/site\n  \
        wheelhouse site init /opt/site \\\n      \
        --python /usr/bin/python3.11 --python /usr/bin/pypy3\n  \
        source ~/site/profile.sh && module avail python")]
    Init(SiteInitArgs),
}

/// Options of `wheelhouse site init`.
#[derive(clap::Args)]
pub struct SiteInitArgs {
    /// The site directory (created if missing)
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// An interpreter to make a module of; may be repeated [default: python3, python3.N and
    /// pypy3 found on PATH]
    #[arg(long = "python", value_name = "PATH")]
    pythons: Vec<PathBuf>,
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn code_of(error: &ModulesError) -> i32 {
    crate::exit::modules(error)
}

use modules::manifest_for;

fn probe_all(paths: &[PathBuf]) -> Result<Vec<PythonInstall>, ModulesError> {
    paths.iter().map(|p| modules::probe(&absolute(p))).collect()
}

fn report(outcome: &Outcome, root: &Path) {
    let show = |p: &PathBuf| p.strip_prefix(root).unwrap_or(p).display().to_string();
    for p in &outcome.written {
        outln!("wrote {}", show(p));
    }
    if !outcome.unchanged.is_empty() {
        outln!("{} file(s) already up to date", outcome.unchanged.len());
    }
}

pub fn run_module(command: ModuleCommand) -> i32 {
    let ModuleCommand::Python(args) = command;
    let result = (|| -> Result<(), ModulesError> {
        let modulepath = absolute(&args.modulepath);
        let site_dir = args.site_dir.as_deref().map(absolute).unwrap_or_else(|| {
            modulepath
                .parent()
                .unwrap_or(Path::new("/"))
                .join("python-site")
        });
        let installs = probe_all(&args.prefixes)?;
        let links = args.links.as_deref().map(absolute);
        let (plan, modules) =
            modules::python_module_plan(&installs, &modulepath, links.as_deref(), Some(&site_dir))?;
        let outcome = modules::apply(&plan, &manifest_for(&modulepath))?;
        report(&outcome, &modulepath);
        for m in &modules {
            outln!(
                "python/{}: {} {} ({})",
                m.version,
                m.implementation,
                m.version,
                m.executable.display()
            );
        }
        Ok(())
    })();
    match result {
        Ok(()) => 0,
        Err(e) => {
            crate::out::print_error("wheelhouse module python", &e.to_string());
            code_of(&e)
        }
    }
}

pub fn run_site(command: SiteCommand) -> i32 {
    let SiteCommand::Init(args) = command;
    let result = (|| -> Result<SiteLayout, ModulesError> {
        let layout = SiteLayout::new(absolute(&args.dir));
        modules::site::check_site_path(&layout.root)?;
        let installs = if args.pythons.is_empty() {
            let site = SiteConfig::from_env(&ProcessVars::from_process());
            let found = modules::pythons_on_path(&site.path_dirs);
            if found.is_empty() {
                return Err(ModulesError::NoPython);
            }
            found
        } else {
            probe_all(&args.pythons)?
        };
        let (dirs, plan, modules) = site_plan(&layout, &installs)?;
        let outcome = modules::apply(&plan, &layout.manifest())?;
        for dir in dirs {
            std::fs::create_dir_all(&dir).map_err(|source| ModulesError::Io {
                path: dir.clone(),
                source,
            })?;
        }
        report(&outcome, &layout.root);
        for m in &modules {
            outln!(
                "python/{}: {} ({})",
                m.version,
                m.implementation,
                m.executable.display()
            );
        }
        outln!(
            "this node's CPU level: {} (RSNT_ARCH)\nStart with:\n    source {}/profile.sh\n    module avail python",
            modules::cpu::this_node_arch(),
            layout.root.display()
        );
        Ok(layout)
    })();
    match result {
        Ok(_) => 0,
        Err(e) => {
            crate::out::print_error("wheelhouse site init", &e.to_string());
            code_of(&e)
        }
    }
}

#[derive(clap::Subcommand)]
pub enum StackCommand {
    /// Install a pinned stack for several Pythons into one prefix and write its modulefile.
    ///
    /// Resolves the requirements against the wheelhouse for each Python, with the site's rules
    /// (PIP_CONFIG_FILE: find-links, constraints; no manylinux), keeping every version the
    /// requirements pin, and installs them into PREFIX/lib/pythonX.Y/site-packages. What the
    /// interpreter or a loaded module already provides does not count: a stack is
    /// self-contained. The prefix is built in a hidden directory beside it and moved into
    /// place when every Python succeeded; then MODULEPATH/NAME/VERSION.lua is written
    /// (EBPYTHONPREFIXES, the Pythons it supports, `extensions` for `module spider`). A failed
    /// build leaves nothing behind.
    ///
    /// Exit codes: 0 built; 1 cannot resolve for one of the Pythons (the message names it);
    /// 2 bad input or the stack version exists; 3 installation failed.
    #[command(after_help = "Examples:\n  \
        wheelhouse stack build scipy-stack/2024a -r scipy-stack.txt \\\n      \
        --python 3.10 --python 3.11 \\\n      \
        --prefix /opt/site/software/scipy-stack/2024a \\\n      \
        --modulepath /opt/site/modules\n  \
        module load python/3.11 scipy-stack/2024a && module spider numpy")]
    Build(StackBuildArgs),
}

/// Options of `wheelhouse stack build`.
#[derive(clap::Args)]
pub struct StackBuildArgs {
    /// The module's name and version, such as scipy-stack/2024a
    #[arg(value_name = "NAME/VERSION")]
    name: String,
    /// Pinned requirements file (numpy==1.26.4, ...); may be repeated
    #[arg(
        short = 'r',
        long = "requirement",
        value_name = "FILE",
        required = true
    )]
    requirement_files: Vec<PathBuf>,
    /// A Python to build for: a version of the module tree (3.11) or an interpreter's path;
    /// repeat for several (--python 3.11 --python 3.12)
    #[arg(long = "python", value_name = "X.Y|PATH", required = true)]
    pythons: Vec<String>,
    /// The stack's prefix (must not exist yet)
    #[arg(long, value_name = "DIR")]
    prefix: PathBuf,
    /// The MODULEPATH directory for NAME/VERSION.lua
    #[arg(long, value_name = "DIR")]
    modulepath: PathBuf,
    /// Install only what the requirements list, without their dependencies
    #[arg(long)]
    no_deps: bool,
    /// Also search these wheel directories, after the site's
    #[arg(short = 'f', long = "find-links", value_name = "DIR")]
    find_links: Vec<PathBuf>,
    #[command(flatten)]
    index: crate::index_flags::IndexFlags,
    /// Output format: `text`, or `json` (one object: name, version, prefix, modulefile,
    /// pythons, packages) for scripts
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

pub fn run_stack(command: StackCommand) -> i32 {
    let StackCommand::Build(args) = command;
    let format = args.format.clone();
    let result = (|| -> Result<modules::stack::BuiltStack, ModulesError> {
        let (name, version) = args
            .name
            .split_once('/')
            .ok_or_else(|| ModulesError::BadInput {
                what: format!("the stack name {}", args.name),
                reason: "give NAME/VERSION, such as scipy-stack/2024a".into(),
            })?;
        let site = SiteConfig::from_env(&ProcessVars::from_process());
        let modulepath = absolute(&args.modulepath);
        let cancel = crate::signals::cancel_on_signals();
        let request = modules::stack::StackRequest {
            name: name.to_string(),
            version: version.to_string(),
            requirement_files: args.requirement_files.clone(),
            pythons: args.pythons.clone(),
            prefix: absolute(&args.prefix),
            modulepath: modulepath.clone(),
            no_deps: args.no_deps,
            find_links: args.find_links.clone(),
            index: args.index.options(Some(cancel.clone())),
        };
        let cancel = crate::signals::cancel_on_signals();
        let json = args.format == "json";
        modules::stack::build_stack(
            &site,
            &request,
            &manifest_for(&modulepath),
            &cancel,
            &|line| {
                if !json {
                    outln!("{line}")
                }
            },
        )
    })();
    match result {
        Ok(built) if format == "json" => {
            let m = &built.module;
            let value = serde_json::json!({
                "name": m.name,
                "version": m.version,
                "prefix": m.prefix,
                "modulefile": built.modulefile,
                "pythons": m.pythons.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                "packages": m.packages.iter().map(|(n, v)| serde_json::json!({"name": n, "version": v})).collect::<Vec<_>>(),
            });
            outln!("{value}");
            0
        }
        Ok(built) => {
            let m = &built.module;
            outln!(
                "{}/{}: {} package(s) for Python {} in {}",
                m.name,
                m.version,
                m.packages.len(),
                m.pythons
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                m.prefix.display()
            );
            outln!("wrote {}", built.modulefile.display());
            0
        }
        Err(e) => {
            crate::out::print_error("wheelhouse stack build", &e.to_string());
            code_of(&e)
        }
    }
}
