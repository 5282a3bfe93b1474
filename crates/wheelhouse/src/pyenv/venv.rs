//! `wheelhouse venv`: a virtual environment from the loaded module's Python, with pip seeded
//! from the wheelhouse, offline.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use installer::Plan;
use site_config::{Environment, PythonRequest, SiteConfig};
use venv::VenvOptions;

use super::exit;

/// Options of `wheelhouse venv`; the help text is on the subcommand.
#[derive(clap::Args, Debug)]
pub struct VenvArgs {
    /// Where to create the environment
    #[arg(value_name = "ENV")]
    path: PathBuf,
    /// The Python to create the environment with: a version of the loaded module (`3.11`)
    /// or the path of an interpreter (the environment itself is ENV)
    #[arg(short = 'p', long = "python", value_name = "VERSION|PATH")]
    python: Option<String>,
    /// Do not install pip into the environment
    #[arg(long)]
    without_pip: bool,
    /// Let the environment see the interpreter's own site-packages
    #[arg(long)]
    system_site_packages: bool,
    /// The prompt prefix shown while the environment is active [default: its directory name]
    #[arg(long)]
    prompt: Option<String>,
    /// Replace an existing environment at ENV (only an environment, with its pyvenv.cfg, is
    /// ever removed; any other directory is refused)
    #[arg(long)]
    clear: bool,
    /// Accepted for virtualenv compatibility: nothing is ever downloaded
    #[arg(long)]
    no_download: bool,
    /// Search these directories for the pip wheel instead of the site's
    #[arg(short = 'f', long = "find-links", value_name = "DIR")]
    find_links: Vec<PathBuf>,
    #[command(flatten)]
    cache: crate::cache::CacheFlags,
    /// Print errors only
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    packages: super::venv_install::Packages,
}

pub fn run(args: VenvArgs) -> i32 {
    let env = Environment::from_process();
    let site = SiteConfig::from_env(&env);
    match create(&site, &args) {
        Ok(()) => 0,
        Err((code, message)) => {
            let node = site.job.line_prefix();
            crate::print_error(&format!("{node}wheelhouse venv"), &message);
            code
        }
    }
}

fn create(site: &SiteConfig, args: &VenvArgs) -> Result<(), (i32, String)> {
    let started = Instant::now();
    super::venv_install::check_path(site, &args.path).map_err(|m| (exit::INPUT, m))?;
    super::venv_install::check_files(site, &args.packages).map_err(|m| (exit::INPUT, m))?;
    let request = match &args.python {
        None => PythonRequest::Default,
        Some(text) => PythonRequest::parse(text),
    };
    let base = site
        .find_python(&request)
        .map_err(|e| (exit::INPUT, e.to_string()))?;
    let existed = args.path.exists();
    let command: Vec<String> = std::env::args().collect();
    let options = VenvOptions {
        prompt: args.prompt.clone(),
        system_site_packages: args.system_site_packages,
        clear: args.clear,
        command: command.join(" "),
        creator: env!("CARGO_PKG_VERSION").to_string(),
        answers: args.cache.answers(site),
    };
    let created =
        venv::create(&base, &args.path, &options).map_err(|e| (exit::INPUT, e.to_string()))?;
    if args.packages.any() {
        // One install for pip and the packages: one index, one lock. The interpreter's
        // bundled pip is looked for only if the wheelhouse has none.
        let bundled = || find_pip_wheel(site, &created.base, &args.find_links);
        let filled = super::venv_install::fill(
            site,
            &created,
            args.system_site_packages,
            &args.packages,
            (!args.without_pip).then_some(&bundled as &dyn Fn() -> Option<PathBuf>),
            &args.find_links,
            args.cache.options(site),
            existed,
            args.quiet,
        )
        .map_err(|e| (e.exit_code(), e.message))?;
        if !args.quiet {
            outln!(
                "{}",
                super::venv_install::summary(site, &created, &filled, started)
            );
        }
        return Ok(());
    }
    let mut seeded = String::new();
    let cache = args.cache.options(site);
    if !args.without_pip {
        let wheel = find_pip_wheel(site, &created.base, &args.find_links).ok_or_else(|| {
            (
                exit::RESOLUTION,
                format!(
                    "created {} but could not seed pip: no pip wheel for this Python in the \
                     wheelhouse or in the interpreter's bundled wheels. Use the environment \
                     without pip (`wheelhouse install` does not need it), or pass \
                     --find-links DIR holding a pip wheel",
                    created.root.display()
                ),
            )
        })?;
        let layout = environment::layout_for(&created.root, &created.base, &created.python);
        let lock = installer::lock_environment(&created.root, &AtomicBool::new(false), || {})
            .map_err(|e| (exit::INSTALL, e.to_string()))?;
        let own = environment::own_distributions(&layout)
            .map_err(|e| (exit::INSTALL, e.message))?
            .into_iter()
            .filter(|d| d.key == "pip")
            .collect();
        let plan = Plan {
            install: vec![installer::WheelToInstall {
                path: wheel.clone(),
                requested: true,
                direct: false,
            }],
            remove: own,
            allow_incomplete_record: false,
            cache: cache
                .as_ref()
                .map(|c| environment::open_cache(c, &created.root, None)),
        };
        let outcome = installer::execute(&lock, &plan, &layout, &AtomicBool::new(false), &|_| {})
            .map_err(|e| (exit::INSTALL, e.to_string()))?;
        if let (Some(options), Some(used)) = (&cache, &plan.cache) {
            environment::finish_cache(used, options, 0);
        }
        drop(lock);
        if let Some((name, version)) = outcome.installed.first() {
            seeded = format!("{name}=={version} from {}", wheel.display());
        }
    }
    if !args.quiet && !site.job.line_prefix().is_empty() {
        // In a job step every node prints into one output: one line each.
        let pip = (!seeded.is_empty()).then(|| ("pip".to_string(), String::new()));
        let filled = super::venv_install::Filled {
            installed: Some(pip.into_iter().collect()),
        };
        outln!(
            "{}",
            super::venv_install::summary(site, &created, &filled, started)
        );
        return Ok(());
    }
    if !args.quiet {
        let b = &created.base;
        let implementation = match b.implementation.as_str() {
            "cpython" => "CPython",
            "pypy" => "PyPy",
            other => other,
        };
        outln!(
            "created virtual environment {implementation}{} in {}ms",
            b.version_text(),
            started.elapsed().as_millis()
        );
        outln!("  python   {}", base.display());
        outln!("  location {}", created.root.display());
        if !seeded.is_empty() {
            outln!("  seeded   {seeded}");
        }
        outln!(
            "  activate with: source {}/bin/activate",
            super::short(&created.root)
        );
    }
    Ok(())
}

/// The newest pip wheel the interpreter accepts: from the wheelhouse first, else the wheel the
/// interpreter bundles for `ensurepip` (or Debian's copy), so seeding never downloads.
fn find_pip_wheel(
    site: &SiteConfig,
    base: &interpreter::Interpreter,
    find_links: &[PathBuf],
) -> Option<PathBuf> {
    let paths = site
        .pip_install_options()
        .ok()
        .and_then(|options| environment::search_paths(site, &options, find_links).ok());
    if let Some((paths, _)) = paths {
        let index = environment::build_index(site, paths, base, false, &[]);
        if let Some(wheels) = index.usable.get("pip") {
            let mut ranked: Vec<&resolver::WheelCandidate> = wheels
                .iter()
                .filter(|w| !w.version.any_prerelease())
                .collect();
            ranked.sort_by(|a, b| {
                b.version
                    .cmp(&a.version)
                    .then(a.tag_rank.cmp(&b.tag_rank))
                    .then(a.search_rank.cmp(&b.search_rank))
            });
            if let Some(w) = ranked.into_iter().find(|w| supports(&w.path, base)) {
                return Some(w.path.clone());
            }
        }
    }
    let (major, minor, _) = base.version;
    let bundled = [
        base.base_prefix
            .join(format!("lib/python{major}.{minor}/ensurepip/_bundled")),
        base.base_prefix
            .join(format!("lib/pypy{major}.{minor}/ensurepip/_bundled")),
        PathBuf::from("/usr/share/python-wheels"),
    ];
    bundled
        .iter()
        .find_map(|dir| newest_pip_in(dir).filter(|p| supports(p, base)))
}

/// Whether a wheel's `Requires-Python` admits the interpreter (pip drops old Pythons).
fn supports(wheel: &Path, base: &interpreter::Interpreter) -> bool {
    let Ok(text) = wheel_metadata::read_dist_info_file(wheel, "METADATA") else {
        return false;
    };
    let meta = wheel_metadata::CoreMetadata::parse(&text);
    let Some(spec) = meta.requires_python else {
        return true;
    };
    let Ok(spec) = spec.parse::<pep440_rs::VersionSpecifiers>() else {
        return true;
    };
    base.version_text()
        .parse::<pep440_rs::Version>()
        .map(|v| spec.contains(&v))
        .unwrap_or(true)
}

fn newest_pip_in(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<(pep440_rs::Version, PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let wheel = wheel_name::WheelFilename::parse(&name).ok()?;
            if wheel.name() != "pip" {
                return None;
            }
            let version = wheel.version_text().parse().ok()?;
            Some((version, e.path()))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p)
}
