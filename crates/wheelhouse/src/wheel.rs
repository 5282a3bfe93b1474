//! `wheelhouse wheel`: build wheels of project directories and sdists into a directory (as
//! `pip wheel -w DIR`), for staff to publish with `wheelhouse add`. The work is the
//! `build-frontend` crate's; this file parses, picks the Python and prints.

use std::path::PathBuf;

use build_frontend::{BuildOptions, Frontend, Isolation, Source};
use clap::Args;
use site_config::{ProcessVars, PythonRequest, SiteConfig};

#[derive(Args)]
pub struct WheelArgs {
    /// Project directories (with pyproject.toml or setup.py) and sdist files (.tar.gz, .zip)
    #[arg(required = true, value_name = "SRC")]
    sources: Vec<PathBuf>,
    /// Where the wheels are written
    #[arg(
        short = 'w',
        long = "wheel-dir",
        value_name = "DIR",
        default_value = "."
    )]
    wheel_dir: PathBuf,
    /// Build with the packages of the target Python's environment instead of an isolated
    /// build environment made from the wheelhouse (its build requirements must be installed)
    #[arg(long)]
    no_build_isolation: bool,
    /// Also search these directories for build requirements, after the site's
    #[arg(short = 'f', long = "find-links", value_name = "DIR")]
    find_links: Vec<PathBuf>,
    /// A setting for the build backend, KEY=VALUE (repeatable; a repeated key is a list)
    #[arg(short = 'C', long = "config-settings", value_name = "KEY=VALUE")]
    config_settings: Vec<String>,
    /// The Python to build for: an environment, an interpreter path, or a version of the
    /// loaded module [default: the active environment, else the loaded module's Python]
    #[arg(short = 'p', long = "python", value_name = "PYTHON")]
    python: Option<String>,
    /// Print errors only
    #[arg(short, long)]
    quiet: bool,
}

const PROGRAM: &str = "wheelhouse wheel";

pub fn run(args: WheelArgs) -> i32 {
    match build(&args) {
        Ok(code) => code,
        Err((code, message)) => {
            crate::out::print_error(PROGRAM, &message);
            code
        }
    }
}

fn build(args: &WheelArgs) -> Result<i32, (i32, String)> {
    let mut config_settings = Vec::new();
    for setting in &args.config_settings {
        let (key, value) = setting.split_once('=').ok_or_else(|| {
            (
                2,
                format!("--config-settings {setting:?} is not KEY=VALUE (e.g. -C --build-option=--quiet)"),
            )
        })?;
        config_settings.push((key.to_string(), value.to_string()));
    }
    let sources = args
        .sources
        .iter()
        .map(|s| Source::from_path(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| (2, e.to_string()))?;
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    let python = match (&args.python, &site.virtual_env) {
        (Some(text), _) => site.find_python(&PythonRequest::parse(text)),
        (None, Some(env)) => Ok(env.join("bin/python")),
        (None, None) => site.find_python(&PythonRequest::Default),
    }
    .map_err(|e| (2, e.to_string()))?;
    let interpreter = interpreter::Interpreter::query(&python).map_err(|e| (2, e.to_string()))?;
    let cancel = crate::signals::cancel_on_signals();
    let dirs = crate::build_args::BuildDirs::new(&site).map_err(|e| (1, e))?;
    let maker = crate::build_args::build_environments(
        &site,
        args.find_links.clone(),
        Default::default(),
        &cancel,
        dirs.pool.path(),
    );
    let isolation = if args.no_build_isolation {
        Isolation::None
    } else {
        Isolation::Isolated(&maker)
    };
    let mut options = BuildOptions::new(&interpreter, isolation, &dirs.work_dir);
    options.config_settings = config_settings;
    let frontend = Frontend::new(options);
    let results = frontend.build_wheels(&sources, &args.wheel_dir, site.job_cpus());
    let mut code = 0;
    let mut built = Vec::new();
    for result in results {
        match result {
            Ok(wheel) => {
                if !args.quiet {
                    outln!("Saved {}", wheel.path.display());
                }
                built.push(wheel.path.display().to_string());
            }
            Err(e) => {
                crate::out::print_error(PROGRAM, &e.to_string());
                let this = crate::exit::build(e.kind());
                code = code.max(this);
            }
        }
    }
    if !args.quiet && !built.is_empty() {
        outln!("Publish with: wheelhouse add {}", built.join(" "));
    }
    Ok(code)
}
