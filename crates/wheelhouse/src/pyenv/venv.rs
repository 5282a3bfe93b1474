//! `wheelhouse venv`: a virtual environment from the loaded module's Python, with pip seeded
//! from the wheelhouse, offline.

use std::path::PathBuf;
use std::time::Instant;

use site_config::{ProcessVars, PythonRequest, SiteConfig};
use venv::VenvOptions;

use crate::exit;

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
    cache: crate::cache_args::CacheFlags,
    /// Print errors only
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    packages: super::venv_install::Packages,
}

pub fn run(args: VenvArgs) -> i32 {
    let env = ProcessVars::from_process();
    let site = SiteConfig::from_env(&env);
    match create(&site, &args) {
        Ok(()) => 0,
        Err((code, message)) => {
            let node = site.job.line_prefix();
            crate::out::print_error(&format!("{node}wheelhouse venv"), &message);
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
        let cache = args.cache.options(site);
        let bundled =
            || environment::pip_wheel(site, &created.base, &args.find_links, cache.as_ref());
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
        .map_err(|e| (crate::exit::environment(e.kind()), e.to_string()))?;
        if !args.quiet {
            outln!(
                "{}",
                super::venv_install::summary(
                    site,
                    &created,
                    &filled,
                    started,
                    existed && !args.clear
                )
            );
        }
        return Ok(());
    }
    let mut seeded = String::new();
    let cache = args.cache.options(site);
    if !args.without_pip {
        let wheel = environment::pip_wheel(site, &created.base, &args.find_links, cache.as_ref())
            .ok_or_else(|| {
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
        let target = environment::Target::new_venv(&created, args.system_site_packages);
        let cancel = crate::signals::cancel_on_signals();
        let installed = environment::seed_pip(&target, &wheel, cache.as_ref(), &cancel)
            .map_err(|e| (crate::exit::environment(e.kind()), e.to_string()))?;
        if let Some((name, version)) = installed {
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
            super::venv_install::summary(site, &created, &filled, started, existed && !args.clear)
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
