//! `wheelhouse download`: pre-download wheels on a login node for the cluster's Python, with
//! the site's warnings; the work is the `download` crate's.

use std::path::{Path, PathBuf};

use clap::Args;
use download::{
    BinaryChoice, Client, DownloadRequest, Downloaded, Event, HttpSettings, IndexArgs, IndexSource,
    TargetPython, WheelKind,
};
use site_config::{ProcessVars, PythonVersion, SiteConfig};

/// Options of `wheelhouse download` (pip's names).
#[derive(Args)]
pub struct DownloadArgs {
    /// Requirements (`tensorboardX`, `numpy==1.26.4`)
    #[arg(value_name = "REQUIREMENT")]
    requirements: Vec<String>,
    /// Download what this requirements file names; may be repeated
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    requirement_files: Vec<PathBuf>,
    /// Download only the named packages, not their dependencies
    #[arg(long)]
    no_deps: bool,
    /// Where to save the files
    #[arg(short = 'd', long = "dest", value_name = "DIR", default_value = ".")]
    dest: PathBuf,
    /// The package index [default: PIP_INDEX_URL, the pip configuration's, else the public one]
    #[arg(short = 'i', long = "index-url", value_name = "URL")]
    index_url: Option<String>,
    /// Further indexes to search; may be repeated
    #[arg(long = "extra-index-url", value_name = "URL")]
    extra_index_urls: Vec<String>,
    /// The Python the wheels are for (`3.11`) [default: the loaded module's, EBVERSIONPYTHON]
    #[arg(long = "python-version", value_name = "X.Y")]
    python_version: Option<String>,
    /// Consider pre-releases and development versions
    #[arg(long)]
    pre: bool,
    /// Take `manylinux` wheels, which the site's policy refuses (as `install --allow-manylinux`)
    #[arg(long)]
    allow_manylinux: bool,
    /// Take only wheels of these packages (:all:, :none:, or names, comma-separated), never
    /// their source distributions
    #[arg(long = "only-binary", value_name = "NAMES")]
    only_binary: Vec<String>,
    /// Take source distributions of these packages (:all:, :none:, or names), never wheels
    #[arg(long = "no-binary", value_name = "NAMES")]
    no_binary: Vec<String>,
    /// Prefer an older version with a wheel over a newer one that only a source
    /// distribution provides
    #[arg(long)]
    prefer_binary: bool,
    /// Print errors and warnings only
    #[arg(short, long)]
    quiet: bool,
}

use crate::exit::{INPUT as EXIT_INPUT, INTERRUPTED as EXIT_INTERRUPTED};

pub fn run(args: DownloadArgs) -> i32 {
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    match download(&site, &args) {
        Ok(()) => 0,
        Err((code, message)) => {
            crate::out::print_error("wheelhouse download", &message);
            code
        }
    }
}

fn target(site: &SiteConfig, args: &DownloadArgs) -> Result<TargetPython, (i32, String)> {
    let text = args
        .python_version
        .clone()
        .or_else(|| site.module_python.clone())
        .or_else(|| site.current_python().map(|v| v.to_string()))
        .ok_or_else(|| {
            (
                EXIT_INPUT,
                "no Python module is loaded, so the wheels' Python is unknown (this machine's \
                 python3 is not the one jobs use). Load the module the jobs use (`module load \
                 python/3.11`), or give the version: --python-version 3.11"
                    .to_string(),
            )
        })?;
    let python = PythonVersion::parse(&text).ok_or_else(|| {
        (
            EXIT_INPUT,
            format!("--python-version {text:?} is not a Python version such as 3.11"),
        )
    })?;
    let full_version = if text.split('.').count() >= 3 {
        text
    } else {
        format!("{}.{}.0", python.major, python.minor)
    };
    Ok(TargetPython {
        python,
        full_version,
        platform: format!("linux_{}", std::env::consts::ARCH),
        glibc: download::local_glibc(),
    })
}

fn download(site: &SiteConfig, args: &DownloadArgs) -> Result<(), (i32, String)> {
    let mut requirements: Vec<(String, String)> = args
        .requirements
        .iter()
        .map(|r| (r.clone(), "the command line".to_string()))
        .collect();
    // Index options inside requirement files count, as in pip (the command line wins).
    let mut file_index: Option<String> = None;
    let mut file_extra: Vec<String> = Vec::new();
    let vars = |name: &str| site.variables.raw(name).map(str::to_string);
    for file in &args.requirement_files {
        let read = requirements::read_requirement_files(file, &vars)
            .map_err(|e| (EXIT_INPUT, e.to_string()))?;
        for (option, value) in &read.options {
            match option.as_str() {
                "--index-url" => file_index = Some(value.clone()),
                "--extra-index-url" => file_extra.push(value.clone()),
                _ => {}
            }
        }
        requirements.extend(
            read.lines
                .into_iter()
                .filter(|l| !l.constraint && !l.editable)
                .map(|l| {
                    let origin = format!("{} line {}", l.file.display(), l.line);
                    (l.text, origin)
                }),
        );
    }
    if requirements.is_empty() {
        return Err((
            EXIT_INPUT,
            "nothing to download: give requirements (`wheelhouse download --no-deps \
             tensorboardX`) or a requirements file (`-r requirements.txt`)"
                .into(),
        ));
    }
    let settings = site
        .download_settings()
        .map_err(|e| (EXIT_INPUT, e.to_string()))?;
    let config = site
        .pip_install_options()
        .map_err(|e| (EXIT_INPUT, e.to_string()))?;
    let allow_manylinux = args.allow_manylinux || config.allow_manylinux;
    let (only_binary, no_binary) =
        crate::binary_args::binary_choices(&args.only_binary, &args.no_binary);
    let mut extra_index_urls = file_extra;
    extra_index_urls.extend(args.extra_index_urls.iter().cloned());
    let indexes = download::index_urls(
        &settings,
        &IndexArgs {
            index_url: args.index_url.clone().or(file_index),
            extra_index_urls,
            no_index: false,
        },
    );
    if indexes.is_empty() {
        return Err((
            EXIT_INPUT,
            "the pip configuration says `no-index` (or PIP_NO_INDEX is set), so there is no \
             index to download from: give one with --index-url URL"
                .into(),
        ));
    }
    let mut client = Client::new(&HttpSettings::from_settings(&settings))
        .map_err(|e| (EXIT_INPUT, e.to_string()))?;
    let cancel = cancel_on_signals();
    client.set_cancel(cancel.clone());
    std::fs::create_dir_all(&args.dest).map_err(|e| {
        (
            EXIT_INPUT,
            format!("cannot create the directory {}: {e}", args.dest.display()),
        )
    })?;
    let source = IndexSource::new(client, indexes, site.cache_dir.as_deref(), &args.dest);
    let request = DownloadRequest {
        requirements,
        no_deps: args.no_deps,
        dest: args.dest.clone(),
        target: target(site, args)?,
        pre: args.pre,
        allow_manylinux,
        binary: BinaryChoice {
            only_binary,
            no_binary,
            prefer_binary: args.prefer_binary,
        },
    };
    let quiet = args.quiet;
    let progress = crate::download_progress::DownloadProgress::new(quiet);
    let events = |event: Event<'_>| match event {
        Event::Warning(text) => progress.above(|| errln!("warning: {text}")),
        Event::Page(url) => progress.page(url),
        Event::Saved(d) => progress.saved(|| {
            if !quiet {
                if d.already {
                    outln!("File was already downloaded {}", d.path.display());
                } else {
                    outln!(
                        "Saved {}{}",
                        d.path.display(),
                        if d.resumed { " (resumed)" } else { "" }
                    );
                }
            }
            warn(d);
        }),
    };
    let index = environment::IndexOptions {
        index_url: source.urls().first().cloned(),
        extra_index_urls: source.urls().iter().skip(1).cloned().collect(),
        ..Default::default()
    };
    let python = request.target.python;
    let sdist_metadata =
        |archive: &Path| crate::build_args::sdist_metadata(site, python, &index, &cancel, archive);
    let saved = download::download(&source, &request, &sdist_metadata, &events);
    progress.finish();
    let saved = saved.map_err(|e| (crate::exit::download(e.kind()), e.to_string()))?;
    if !quiet {
        let names: Vec<&str> = saved.iter().map(|d| d.name.as_str()).collect();
        outln!("Successfully downloaded {}", names.join(" "));
        let files: Vec<String> = saved.iter().map(|d| d.path.display().to_string()).collect();
        let manylinux = saved
            .iter()
            .any(|d| matches!(d.kind, WheelKind::Manylinux(_)));
        outln!(
            "Install them in the job with: wheelhouse install {}{}",
            if manylinux { "--allow-manylinux " } else { "" },
            files.join(" ")
        );
    }
    Ok(())
}

/// Ctrl-C (or the scheduler's SIGTERM) stops the transfers at their next chunk and their
/// temporary files are removed; a second one exits at once (a stalled server).
fn cancel_on_signals() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        // In this order: the exit looks at the flag before the first signal sets it.
        let _ = signal_hook::flag::register_conditional_shutdown(
            signal,
            EXIT_INTERRUPTED,
            cancel.clone(),
        );
        let _ = signal_hook::flag::register(signal, cancel.clone());
    }
    cancel
}

/// The site's warnings for a wheel that is not pure Python.
fn warn(d: &Downloaded) {
    let file = d.path.file_name().unwrap_or_default().to_string_lossy();
    match &d.kind {
        WheelKind::Pure => {}
        WheelKind::Source => errln!(
            "note: {file} is a source distribution, not a wheel: `wheelhouse install` builds it \
             where it is installed, with its build requirements from the wheelhouse (a compiled \
             extension also needs its compiler and libraries there)."
        ),
        WheelKind::Platform(tag) => errln!(
            "warning: {file} is compiled for one platform ({tag}), not `none-any`: it might not \
             function correctly on the cluster. Contact technical support so that the wheel is \
             compiled and made available in the wheelhouse."
        ),
        WheelKind::Manylinux(tag) => errln!(
            "warning: {file} is a manylinux wheel ({tag}), not `none-any`: it might not function \
             correctly on the cluster (it was built elsewhere, against libraries the cluster may \
             not have). The site's policy refuses manylinux wheels; it was taken because of \
             --allow-manylinux (`wheelhouse install` needs it too). Contact technical support so that the wheel is \
             compiled and made available in the wheelhouse."
        ),
    }
}
