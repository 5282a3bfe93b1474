//! `wheelhouse install`: a pip-compatible subset, resolved against the wheelhouse under the
//! cluster's rules, installed atomically.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use installer::{InstalledDist, Plan, Progress};
use interpreter::SiteDirKind;
use pep440_rs::Version;
use pep508_rs::Requirement;
use resolver::{Installed, Request, Source, Upgrade};
use site_config::{Environment, SiteConfig};

use super::{exit, Target};

/// Options of `wheelhouse install`; the help text is on the subcommand.
#[derive(clap::Args, Debug)]
pub struct InstallArgs {
    /// Requirements (`numpy`, `numpy==1.26.4`, `pandas[performance]>=2`) or wheel files
    #[arg(value_name = "REQUIREMENT")]
    requirements: Vec<String>,
    /// Install from this requirements file (nested -r/-c, comments, continuations, ${VAR});
    /// may be repeated
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    requirement_files: Vec<PathBuf>,
    /// Constrain versions with this file, without installing what it names; may be repeated
    #[arg(short = 'c', long = "constraint", value_name = "FILE")]
    constraint_files: Vec<PathBuf>,
    /// The environment to install into (its directory or its python) [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    python: Option<PathBuf>,
    /// Upgrade the named packages to the newest version the wheelhouse has
    #[arg(short = 'U', long)]
    upgrade: bool,
    /// Reinstall every package even when the same version is installed
    #[arg(long)]
    force_reinstall: bool,
    /// Do not install dependencies
    #[arg(long)]
    no_deps: bool,
    /// Say what would be installed, change nothing
    #[arg(long)]
    dry_run: bool,
    /// Every requirement must be pinned with == and carry --hash values, which are checked
    #[arg(long)]
    require_hashes: bool,
    /// Search these directories for wheels instead of the site's (pip's --find-links)
    #[arg(short = 'f', long = "find-links", value_name = "DIR")]
    find_links: Vec<PathBuf>,
    /// Accepted for pip compatibility: no package index is ever used
    #[arg(long)]
    no_index: bool,
    /// Accept manylinux wheels, which site policy refuses (config: allow-manylinux = true)
    #[arg(long)]
    allow_manylinux: bool,
    /// Consider pre-releases and development versions
    #[arg(long)]
    pre: bool,
    /// Byte-compile the installed modules with the target interpreter, in parallel
    #[arg(long, overrides_with = "no_compile")]
    compile: bool,
    /// Do not byte-compile (the default)
    #[arg(long)]
    no_compile: bool,
    /// Print less (errors only)
    #[arg(short, long)]
    quiet: bool,
    /// Print more: each decision and timings
    #[arg(short, long)]
    verbose: bool,
}

pub fn run(args: InstallArgs) -> i32 {
    let env = Environment::from_process();
    let site = SiteConfig::from_env(&env);
    match install(&site, &args) {
        Ok(code) => code,
        Err((code, message)) => {
            crate::print_error("wheelhouse install", &message);
            code
        }
    }
}

type Failure = (i32, String);

fn input(message: impl Into<String>) -> Failure {
    (exit::INPUT, message.into())
}

struct Wanted {
    requirements: Vec<Requirement>,
    constraints: Vec<Requirement>,
    hashes: HashMap<String, Vec<String>>,
    wheel_files: Vec<PathBuf>,
    require_hashes: bool,
}

fn read_wanted(site: &SiteConfig, args: &InstallArgs) -> Result<Wanted, Failure> {
    let mut wanted = Wanted {
        requirements: Vec::new(),
        constraints: Vec::new(),
        hashes: HashMap::new(),
        wheel_files: Vec::new(),
        require_hashes: args.require_hashes,
    };
    let add = |text: &str,
               origin: &str,
               constraint: bool,
               hashes: &[String],
               w: &mut Wanted|
     -> Result<(), Failure> {
        let trimmed = text.trim();
        if trimmed.ends_with(".whl") && Path::new(trimmed).is_file() {
            let path = std::path::absolute(trimmed).unwrap_or_else(|_| PathBuf::from(trimmed));
            let name = wheel_name::WheelFilename::parse(
                path.file_name().and_then(|n| n.to_str()).unwrap_or(""),
            )
            .map_err(|e| input(format!("{origin}: {e}")))?;
            let req = Requirement::from_str(&format!("{}=={}", name.name(), name.version_text()))
                .map_err(|e| input(format!("{origin}: {e}")))?;
            w.wheel_files.push(path);
            w.requirements.push(req);
            return Ok(());
        }
        let req = Requirement::from_str(trimmed).map_err(|e| {
            input(format!(
                "{origin}: `{trimmed}` is not a valid requirement: {e}. Write it as pip does: \
                 `name`, `name==1.2`, `name[extra]>=1.0; python_version >= \"3.10\"`."
            ))
        })?;
        if !hashes.is_empty() {
            w.hashes
                .entry(wheel_metadata::normalize_name(req.name.as_ref()))
                .or_default()
                .extend(hashes.iter().cloned());
        }
        if constraint {
            w.constraints.push(req);
        } else {
            w.requirements.push(req);
        }
        Ok(())
    };
    for text in &args.requirements {
        add(text, "command line", false, &[], &mut wanted)?;
    }
    let read_error = |e: requirements::FileError| input(e.to_string());
    let mut files: Vec<(PathBuf, bool)> = args
        .requirement_files
        .iter()
        .map(|p| (p.clone(), false))
        .collect();
    files.extend(args.constraint_files.iter().map(|p| (p.clone(), true)));
    let options = site
        .pip_install_options()
        .map_err(|e| input(e.to_string()))?;
    files.extend(options.constraints.iter().map(|p| (p.clone(), true)));
    for (path, constraint) in files {
        let file = if constraint {
            requirements::read_constraint_file(&path)
        } else {
            requirements::read_requirement_files(&path)
        }
        .map_err(read_error)?;
        for (option, _) in &file.options {
            if option == "--require-hashes" {
                wanted.require_hashes = true;
            }
        }
        for line in &file.lines {
            let origin = format!("{}:{}", line.file.display(), line.line);
            if line.editable {
                return Err(input(format!(
                    "{origin}: `-e {}` asks for an editable install from source; wheelhouse \
                     installs wheels only. Install the project with pip (`pip install -e`) \
                     after the wheels, or build a wheel of it first.",
                    line.text
                )));
            }
            add(
                &line.text,
                &origin,
                line.constraint,
                &line.hashes,
                &mut wanted,
            )?;
        }
    }
    if !wanted.hashes.is_empty() {
        wanted.require_hashes = true;
    }
    Ok(wanted)
}

fn install(site: &SiteConfig, args: &InstallArgs) -> Result<i32, Failure> {
    let started = Instant::now();
    // From the start: Ctrl-C (or the scheduler's SIGTERM) sets a flag the installer checks;
    // the environment is then left as it was and we exit 130.
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        let _ = signal_hook::flag::register(signal, cancel.clone());
    }
    let wanted = read_wanted(site, args)?;
    if wanted.requirements.is_empty() {
        return Err(input(
            "nothing to install: give requirements (`wheelhouse install numpy`) or a \
             requirements file (`-r requirements.txt`)",
        ));
    }
    let target = super::target_environment(site, args.python.as_deref()).map_err(input)?;
    let options = site
        .pip_install_options()
        .map_err(|e| input(e.to_string()))?;
    let allow_manylinux = args.allow_manylinux || options.allow_manylinux;
    let paths = super::search_paths(site, &args.find_links).map_err(input)?;

    let quiet = args.quiet;
    let lock = installer::lock_environment(&target.root, &cancel, || {
        if !quiet {
            eprintln!(
                "waiting for another install into {} to finish...",
                super::short(&target.root)
            );
        }
    })
    .map_err(|e| match e {
        installer::InstallError::Interrupted => (
            exit::INTERRUPTED,
            "interrupted while waiting for another install; nothing was changed".to_string(),
        ),
        e => (exit::INSTALL, e.to_string()),
    })?;
    for message in &lock.recovered {
        eprintln!("note: {message}");
    }

    let index = super::build_index(
        site,
        paths,
        &target.interpreter,
        allow_manylinux,
        &wanted.wheel_files,
    );
    let importable = super::importable(&target.interpreter);
    let installed: HashMap<String, Installed> = importable
        .iter()
        .map(|(key, (dist, kind))| {
            (
                key.clone(),
                Installed {
                    name: dist.name.clone(),
                    version: dist.version.clone(),
                    requires_dist: dist.requires_dist.clone(),
                    in_environment: *kind == SiteDirKind::Environment,
                },
            )
        })
        .collect();
    let requested: HashSet<String> = wanted
        .requirements
        .iter()
        .map(|r| wheel_metadata::normalize_name(r.name.as_ref()))
        .collect();
    let python_version =
        Version::from_str(&target.interpreter.version_text()).map_err(|e| input(e.to_string()))?;
    let request = Request {
        requirements: wanted.requirements.clone(),
        constraints: wanted.constraints.clone(),
        markers: target.interpreter.markers.clone(),
        python_version,
        installed,
        upgrade: if args.upgrade {
            Upgrade::Packages(requested.clone())
        } else {
            Upgrade::None
        },
        force_reinstall: args.force_reinstall,
        no_deps: args.no_deps,
        pre: args.pre || options.pre,
    };
    let resolution =
        resolver::resolve(&request, &index).map_err(|e| (exit::RESOLUTION, e.to_string()))?;
    for warning in &resolution.warnings {
        eprintln!("warning: {warning}");
    }
    if args.verbose {
        for p in &resolution.packages {
            match &p.source {
                Source::Wheel(path) => {
                    eprintln!("chose {} {}: {}", p.key, p.version, path.display())
                }
                Source::Installed => eprintln!("chose {} {}: already installed", p.key, p.version),
            }
        }
    }
    let resolved_at = started.elapsed();

    // Cluster rule: a module's copy on PYTHONPATH is imported before the environment's, so
    // installing another version into the environment would be silently hidden.
    let mut plan = Plan::default();
    let mut summary = Vec::new();
    for package in &resolution.packages {
        let Source::Wheel(wheel) = &package.source else {
            if !quiet && requested.contains(&package.key) {
                let (dist, kind) = &importable[&package.key];
                println!(
                    "Requirement already satisfied: {} {} ({})",
                    dist.name,
                    dist.version,
                    where_from(dist, *kind)
                );
            }
            continue;
        };
        if let Some((dist, kind)) = importable.get(&package.key) {
            match kind {
                SiteDirKind::PythonPath => {
                    return Err((
                        exit::RESOLUTION,
                        format!(
                            "{} {} would be installed into {}, but {} {} is on PYTHONPATH ({}), \
                             put there by a module, and it is imported first: the new copy would \
                             be silently hidden. Either keep the module's version (require \
                             {}=={}), or unload the module that provides it (`module list` shows \
                             it; e.g. `module unload scipy-stack`) and install again.",
                            package.key,
                            package.version,
                            super::short(&target.root),
                            dist.name,
                            dist.version,
                            dist.site_dir.display(),
                            dist.name,
                            dist.version
                        ),
                    ))
                }
                SiteDirKind::System => {
                    if !quiet {
                        eprintln!(
                            "note: {} {} in the environment will take precedence over {} {} from {}",
                            package.key,
                            package.version,
                            dist.name,
                            dist.version,
                            dist.site_dir.display()
                        );
                    }
                }
                SiteDirKind::Environment => {}
            }
        }
        // Whatever the environment itself holds of this name is replaced.
        let own = installer::scan_site_dir(&target.layout.purelib)
            .into_iter()
            .chain(if target.layout.platlib != target.layout.purelib {
                installer::scan_site_dir(&target.layout.platlib)
            } else {
                Vec::new()
            })
            .filter(|d| d.key == package.key);
        plan.remove.extend(own);
        plan.install.push((wheel.clone(), package.requested));
        summary.push(format!("{}-{}", package.key, package.version));
    }

    if wanted.require_hashes {
        check_hashes(&plan, &wanted)?;
    }
    if args.dry_run {
        if summary.is_empty() {
            println!("Would install nothing: every requirement is already satisfied");
        } else {
            println!("Would install {}", summary.join(" "));
        }
        return Ok(0);
    }
    if plan.install.is_empty() {
        return Ok(0);
    }

    let bar = progress_bar(plan.install.len(), quiet);
    let threads = site.job_cpus();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| (exit::INSTALL, e.to_string()))?;
    let report = |event: Progress<'_>| match event {
        Progress::Unpacked(name) => {
            bar.set_message(name.to_string());
            bar.inc(1);
        }
        Progress::Committing => bar.set_message("moving into place"),
    };
    let outcome = pool.install(|| installer::execute(&plan, &target.layout, &cancel, &report));
    bar.finish_and_clear();
    let outcome = match outcome {
        Ok(o) => o,
        Err(installer::InstallError::Interrupted) => {
            return Err((
                exit::INTERRUPTED,
                "interrupted; nothing was installed and the environment is as it was".into(),
            ))
        }
        Err(e) => {
            return Err((
                exit::INSTALL,
                format!("{e}\nThe environment was left as it was."),
            ))
        }
    };
    drop(lock);
    if args.compile {
        compile(&target, &outcome, threads, quiet);
    }
    if !quiet {
        let names: Vec<String> = outcome
            .installed
            .iter()
            .map(|(n, v)| format!("{n}-{v}"))
            .collect();
        println!("Successfully installed {}", names.join(" "));
    }
    if args.verbose {
        eprintln!(
            "resolved in {:.0?}, installed {} files with {threads} threads in {:.0?} (total)",
            resolved_at,
            outcome.files,
            started.elapsed()
        );
    }
    Ok(0)
}

fn where_from(dist: &InstalledDist, kind: SiteDirKind) -> String {
    let place = super::short(&dist.site_dir);
    match kind {
        SiteDirKind::Environment => format!("in {place}"),
        SiteDirKind::PythonPath => format!("from PYTHONPATH: {place}"),
        SiteDirKind::System => format!("from {place}"),
    }
}

fn check_hashes(plan: &Plan, wanted: &Wanted) -> Result<(), Failure> {
    for req in &wanted.requirements {
        let key = wheel_metadata::normalize_name(req.name.as_ref());
        let pinned = matches!(&req.version_or_url, Some(pep508_rs::VersionOrUrl::VersionSpecifier(s))
            if s.iter().count() == 1 && s.iter().all(|v| matches!(v.operator(), pep440_rs::Operator::Equal | pep440_rs::Operator::ExactEqual)));
        if !pinned {
            return Err(input(format!(
                "in --require-hashes mode every requirement must be pinned with ==; `{req}` is not"
            )));
        }
        if !wanted.hashes.contains_key(&key) {
            return Err(input(format!(
                "in --require-hashes mode every requirement needs --hash=sha256:...; `{req}` has none"
            )));
        }
    }
    for (wheel, _) in &plan.install {
        let name = wheel.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let key = wheel_name::WheelFilename::parse(name)
            .map(|w| wheel_metadata::normalize_name(w.name()))
            .unwrap_or_default();
        let Some(allowed) = wanted.hashes.get(&key) else {
            return Err(input(format!(
                "in --require-hashes mode every package installed needs a pinned requirement \
                 with --hash; the dependency {name} has none. Add `{key}==VERSION --hash=sha256:...` \
                 (`pip hash {}` prints the hash)",
                wheel.display()
            )));
        };
        let bytes = std::fs::read(wheel).map_err(|e| {
            (
                exit::INSTALL,
                format!("cannot read {}: {e}", wheel.display()),
            )
        })?;
        let digest = sha256_hex(&bytes);
        if !allowed
            .iter()
            .any(|h| h.strip_prefix("sha256:").unwrap_or(h) == digest)
        {
            return Err((
                exit::RESOLUTION,
                format!(
                    "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE: {} has \
                     sha256:{digest}, expected one of {}. The wheel changed since the hashes \
                     were recorded; nothing was installed.",
                    wheel.display(),
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn progress_bar(len: usize, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} installing [{bar:30}] {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}

/// Byte-compiles the environment's site-packages with its own interpreter (`compileall`,
/// one worker per core). Failures are reported, not fatal: pip treats them the same way.
fn compile(target: &Target, _outcome: &installer::Outcome, threads: usize, quiet: bool) {
    let mut dirs = vec![target.layout.purelib.clone()];
    if target.layout.platlib != target.layout.purelib {
        dirs.push(target.layout.platlib.clone());
    }
    let status = std::process::Command::new(&target.layout.python)
        .args(["-m", "compileall", "-q", "-j"])
        .arg(threads.to_string())
        .args(&dirs)
        .stdout(std::process::Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) && !quiet {
        eprintln!("warning: byte-compiling some modules failed; they will be compiled when first imported");
    }
}
