//! `install`: resolve against the wheelhouse under the cluster's rules, plan, and carry the
//! plan out atomically under the environment's lock.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use installer::{EnvLock, InstalledDist, Transaction, WheelToInstall};
use interpreter::SiteDirKind;
use pep440_rs::Version;
use resolver::{Installed, Request, Resolution, Source, Upgrade};
use site_config::SiteConfig;

use crate::target::short;
use crate::wanted::Wanted;
use crate::{Error, Target};

/// The error paragraph for an install with no requirements.
pub const NOTHING_TO_INSTALL: &str = "nothing to install: give requirements (`wheelhouse install \
    numpy`) or a requirements file (`-r requirements.txt`)";

/// What to install and how; the pip-compatible options of `wheelhouse install`.
#[derive(Clone, Debug, Default)]
pub struct InstallOptions {
    /// Requirements, wheel files, source archives or project directories, as typed on the
    /// command line.
    pub requirements: Vec<String>,
    /// `-e PATH`: projects to install editable (PEP 660).
    pub editables: Vec<String>,
    /// `--no-build-isolation`: build sources with the target's own packages.
    pub no_build_isolation: bool,
    /// `-C/--config-settings KEY=VALUE` for build backends.
    pub config_settings: Vec<(String, String)>,
    pub requirement_files: Vec<PathBuf>,
    pub constraint_files: Vec<PathBuf>,
    pub upgrade: bool,
    /// With `upgrade`: upgrade dependencies too (pip's `--upgrade-strategy eager`).
    pub upgrade_eager: bool,
    pub force_reinstall: bool,
    pub no_deps: bool,
    pub dry_run: bool,
    pub require_hashes: bool,
    /// Added after the configuration's find-links, as pip layers them.
    pub find_links: Vec<PathBuf>,
    pub allow_manylinux: bool,
    /// `--only-binary`: normalised names, or `:all:`, whose source distributions (in the
    /// search paths or on an index) are not candidates.
    pub only_binary: Vec<String>,
    /// `--no-binary`: normalised names, or `:all:`, whose wheels (in the search paths or on
    /// an index) are not candidates: their source distributions are built instead. A wheel
    /// file named directly is still installed.
    pub no_binary: Vec<String>,
    /// The source distributions (file names) whose build this install fills an environment
    /// for: met again here, they are a build dependency cycle, an error instead of endless
    /// nested builds.
    pub building: Vec<String>,
    /// `--prefer-binary`: a version with a wheel is tried before a newer source-only one.
    pub prefer_binary: bool,
    pub pre: bool,
    /// Whether to byte-compile afterwards (`--compile`, `--no-compile`, or by file system).
    pub compile: crate::ByteCode,
    /// Install even when packages of a loaded stack module require another version of what
    /// is installed (they may then fail to import).
    pub ignore_stack_requirements: bool,
    /// Threads to unpack with; 0 means the job's CPUs.
    pub threads: usize,
    /// The unpacked-wheel cache (`None`: `--no-cache`, and the default for library callers).
    /// Index pages and metadata are kept there too.
    pub cache: Option<crate::CacheOptions>,
    /// Package indexes, for what the wheelhouse lacks (module `indexes`).
    pub index: crate::IndexOptions,
}

/// What happens along the way, for the caller to print.
pub enum Event<'a> {
    /// Another install holds the environment's lock; we wait.
    WaitingForLock(&'a Path),
    /// An interrupted earlier install was undone or finished when the lock was taken.
    Recovered(&'a str),
    Warning(&'a str),
    Note(&'a str),
    /// A requested package is already installed and kept.
    AlreadySatisfied {
        name: &'a str,
        version: &'a str,
        place: String,
    },
    /// The resolver's choice for one package.
    Chose {
        key: &'a str,
        version: &'a Version,
        source: &'a Source,
    },
    /// Unpacking starts: this many wheels.
    Installing(usize),
    Progress(installer::Progress<'a>),
}

/// What an install did.
#[derive(Debug, Default)]
pub struct Report {
    /// `name-version` of what would be installed (dry run) or was.
    pub would_install: Vec<String>,
    pub dry_run: bool,
    /// `(name, version)` of each installed distribution.
    pub installed: Vec<(String, String)>,
    pub files: usize,
    pub threads: usize,
    pub resolved_in: Duration,
    pub elapsed: Duration,
    /// What the unpacked-wheel cache did, when used.
    pub cache: Option<crate::CacheReport>,
    /// With `--compile`: the source files handed to the compiler (those installed without
    /// byte code from the cache).
    pub compiled: usize,
    /// The wheels installed (or that would be, in a dry run), for `--report`.
    pub planned: Vec<WheelToInstall>,
    /// The extras asked for, by normalised name, for `--report`.
    pub requested_extras: HashMap<String, Vec<String>>,
}

/// Installs into `target`. `cancel` is set by the caller's signal handlers (Ctrl-C, the
/// scheduler's SIGTERM); the environment is then left as it was.
///
/// The steps, each a function below: read what is asked for (command line, requirement
/// files, the pip configuration); find the search paths; take the environment's lock (which
/// also finishes or undoes an interrupted earlier install); index the candidate wheels for
/// the target's interpreter; resolve; turn the choice into a plan under the cluster's rules;
/// carry the plan out; byte-compile and keep the cache's accounts.
pub fn install(
    site: &SiteConfig,
    target: &Target,
    options: &InstallOptions,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Report, Error> {
    // The search directories are read once for the whole install (checked, then listed).
    crate::with_shared_listings(|| install_listed(site, target, options, cancel, events))
}

fn install_listed(
    site: &SiteConfig,
    target: &Target,
    options: &InstallOptions,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Report, Error> {
    let started = Instant::now();
    // Whether to compile is decided once; planning and carrying out both ask.
    let options = &InstallOptions {
        compile: options.compile.decided(&target.root),
        // What the cache remembers of wheels is asked once per wheel and install: the
        // resolver asks, the unpacking reuses the answer.
        cache: options.cache.as_ref().map(|c| crate::CacheOptions {
            remembered: Default::default(),
            ..c.clone()
        }),
        ..options.clone()
    };
    // The pip configuration is read once and serves every step below.
    let config = site.pip_install_options().map_err(Error::Config)?;
    let mut wanted = read_request(&config, options)?;
    for warning in &wanted.warnings {
        events(Event::Warning(warning));
    }
    // Sources are built before the lock is taken: a build may take minutes and does not
    // change the environment. The built wheels live as long as `_built`.
    let _built = crate::sources::prepare(site, target, &mut wanted, options, cancel, events)?;
    let paths = find_search_paths(site, &config, options, &wanted, events)?;
    let lock = take_lock(target, cancel, events)?;
    let allow_manylinux = options.allow_manylinux || config.allow_manylinux;
    let mut index = crate::build_index(
        site,
        paths,
        &target.interpreter,
        allow_manylinux,
        &wanted.wheel_files,
    );
    for warning in &index.warnings {
        events(Event::Warning(warning));
    }
    // The search paths' source distributions are candidates too, built when first read.
    let mut builds =
        crate::sdists::SourceBuilds::new(site, target, options, &wanted, &config, cancel, events);
    builds.add_local(&mut index, &wanted);
    // Made without touching the network: a page is fetched only for a package that needs it.
    let indexes =
        crate::indexes::configured(site, target, options, &wanted, &builds, cancel, events)?;
    let chosen = choose(
        target,
        &wanted,
        &mut index,
        (indexes.as_ref(), &builds),
        options,
        config.pre,
        events,
    )?;
    let resolved_in = started.elapsed();
    let (plan, summary) = plan_for(site, target, options, &config, &wanted, &chosen, events)?;
    let mut report = Report {
        would_install: summary,
        dry_run: options.dry_run,
        resolved_in,
        planned: plan.install.clone(),
        requested_extras: requested_extras(&wanted),
        ..Report::default()
    };
    if !options.dry_run && !plan.install.is_empty() {
        carry_out(
            site,
            target,
            options,
            lock,
            &plan,
            cancel,
            events,
            &mut report,
        )?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

fn requested_extras(wanted: &Wanted) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for r in &wanted.requirements {
        out.entry(wheel_metadata::normalize_name(r.name.as_ref()))
            .or_default()
            .extend(r.extras.iter().map(|e| e.to_string()));
    }
    out
}

/// What is asked for: the command line's requirements and files, with the options inside
/// the files; at least one requirement.
fn read_request(
    config: &site_config::PipInstallOptions,
    options: &InstallOptions,
) -> Result<Wanted, Error> {
    let wanted = crate::read_wanted(
        config,
        &options.requirements,
        &options.editables,
        &options.requirement_files,
        &options.constraint_files,
        options.require_hashes,
    )?;
    if wanted.requirements.is_empty() && wanted.sources.is_empty() && wanted.remote.is_empty() {
        return Err(Error::NothingToInstall);
    }
    Ok(wanted)
}

/// The wheel directories to search, in the site's order, with `-f` and the files' own
/// `--find-links` after the configuration's.
fn find_search_paths(
    site: &SiteConfig,
    config: &site_config::PipInstallOptions,
    options: &InstallOptions,
    wanted: &Wanted,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Vec<PathBuf>, Error> {
    let mut find_links = options.find_links.clone();
    find_links.extend(wanted.find_links.iter().cloned());
    match crate::search_paths(site, config, &find_links) {
        Ok((paths, warnings)) => {
            for w in &warnings {
                events(Event::Warning(w));
            }
            Ok(paths)
        }
        // A wheel given by path needs no wheelhouse unless it has dependencies to resolve;
        // those then fail with the usual "no wheel" paragraph.
        Err(_) if !wanted.wheel_files.is_empty() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The environment's lock, reporting a wait and what an interrupted earlier install left.
fn take_lock(
    target: &Target,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<EnvLock, Error> {
    let lock = installer::lock_environment(&target.root, cancel, || {
        events(Event::WaitingForLock(&target.root))
    })
    .map_err(Error::from_installer)?;
    for message in &lock.recovered {
        events(Event::Recovered(message));
    }
    Ok(lock)
}

/// The resolver's choice, with what the interpreter can already import (which counts as
/// installed when it fits) and the names asked for by name.
struct Chosen {
    resolution: Resolution,
    importable: HashMap<String, (InstalledDist, SiteDirKind)>,
    requested: HashSet<String>,
}

/// Resolves over the wheelhouse (and the indexes, for what it lacks); the chosen index
/// wheels are then fetched, unless this is a dry run.
fn choose(
    target: &Target,
    wanted: &Wanted,
    index: &mut resolver::Index,
    (indexes, builds): (
        Option<&crate::indexes::Indexes<'_>>,
        &crate::sdists::SourceBuilds<'_>,
    ),
    options: &InstallOptions,
    config_pre: bool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Chosen, Error> {
    let importable = crate::importable(&target.interpreter);
    let requested: HashSet<String> = wanted
        .requirements
        .iter()
        .map(|r| wheel_metadata::normalize_name(r.name.as_ref()))
        .collect();
    let request = request_for(target, wanted, &importable, &requested, options, config_pre)?;
    let mut resolution = match indexes {
        Some(indexes) => indexes.resolve(&request, index)?,
        None => {
            let outcome = resolver::resolve_with(&request, index, builds);
            if let Some(e) = builds.take_failure() {
                return Err(e);
            }
            outcome.map_err(|source| Error::Unresolvable {
                source,
                indexes: Vec::new(),
            })?
        }
    };
    for warning in &resolution.warnings {
        events(Event::Warning(warning));
    }
    for p in &resolution.packages {
        events(Event::Chose {
            key: &p.key,
            version: &p.version,
            source: &p.source,
        });
    }
    if let (Some(indexes), false) = (indexes, options.dry_run) {
        indexes.fetch_chosen(&mut resolution)?;
    }
    builds.use_built(&mut resolution)?;
    Ok(Chosen {
        resolution,
        importable,
        requested,
    })
}

/// The installer's plan for the choice: the cluster's rules (a module's copy is never
/// shadowed, a loaded stack's packages keep what they need), the cache, direct files and
/// hashes.
fn plan_for(
    site: &SiteConfig,
    target: &Target,
    options: &InstallOptions,
    config: &site_config::PipInstallOptions,
    wanted: &Wanted,
    chosen: &Chosen,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<(Transaction, Vec<String>), Error> {
    let (mut plan, summary) = plan(
        target,
        &chosen.resolution,
        &chosen.importable,
        &chosen.requested,
        events,
    )?;
    if !options.ignore_stack_requirements {
        crate::check_loaded_stack_dependents(site, target, &chosen.resolution, &chosen.importable)?;
    }
    plan.allow_incomplete_record = config.allow_incomplete_record;
    if !options.dry_run {
        // Byte code is kept in the cache only when it is checked by timestamp: with
        // `SOURCE_DATE_EPOCH` set, `py_compile` writes hash-checked byte code instead.
        let it = &target.interpreter;
        let pyc = it
            .cache_tag
            .clone()
            .zip(it.pyc_magic.clone())
            .filter(|_| options.compile.applies_to(&target.root) && !site.source_date_epoch);
        // The compile workers are as many as the cores: they get sources from memory and
        // answer byte code, no file-system work to wait on.
        let workers = if options.threads == 0 {
            site.job_cpus()
        } else {
            options.threads
        };
        let compiler = pyc
            .is_some()
            .then_some((target.layout.python.as_path(), workers));
        plan.cache = options
            .cache
            .as_ref()
            .map(|c| crate::cache::open(c, &target.root, pyc, compiler));
    }
    for w in &mut plan.install {
        w.direct = wanted.wheel_files.contains(&w.path);
        w.direct_url = wanted.direct_urls.get(&w.path).cloned();
    }
    if wanted.require_hashes {
        crate::hashes::check(&plan, wanted)?;
    }
    Ok((plan, summary))
}

/// Carries the plan out on the job's cores (the lock is let go once it is), then
/// byte-compiles (`--compile`) and settles the cache's accounts.
#[allow(clippy::too_many_arguments)]
fn carry_out(
    site: &SiteConfig,
    target: &Target,
    options: &InstallOptions,
    lock: EnvLock,
    plan: &Transaction,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
    report: &mut Report,
) -> Result<(), Error> {
    let threads = if options.threads == 0 {
        site.job_cpus()
    } else {
        options.threads
    };
    let outcome = execute(&lock, plan, target, threads, cancel, events)?;
    drop(lock);
    for w in &outcome.warnings {
        events(Event::Warning(w));
    }
    let mut pycs_kept = 0;
    if options.compile.applies_to(&target.root) {
        // Byte code compiled as the cache was filled is in place and kept already.
        if let Some(compiler) = plan.cache.as_ref().and_then(|c| c.compiler.as_ref()) {
            pycs_kept = compiler.compiled.load(std::sync::atomic::Ordering::Relaxed);
            report.compiled = pycs_kept;
            if let Some(w) = compiler.failure() {
                events(Event::Warning(&w));
            }
        }
        match crate::compile::compile(target, threads, &outcome.modules) {
            Ok(n) => report.compiled += n,
            Err(w) => events(Event::Warning(&w)),
        }
        if let Some(used) = &plan.cache {
            pycs_kept += crate::cache::keep_pycs(used, &target.root, threads);
        }
    }
    if let (Some(used), Some(cache)) = (&plan.cache, &options.cache) {
        report.cache = Some(crate::cache::finish(used, cache, pycs_kept));
    }
    report.installed = outcome.installed;
    report.files = outcome.files;
    report.threads = threads;
    Ok(())
}

fn request_for(
    target: &Target,
    wanted: &Wanted,
    importable: &HashMap<String, (InstalledDist, SiteDirKind)>,
    requested: &HashSet<String>,
    options: &InstallOptions,
    config_pre: bool,
) -> Result<Request, Error> {
    let installed: HashMap<String, Installed> = importable
        .iter()
        .filter(|(key, _)| !wanted.rebuilt.contains(*key))
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
    let python_version =
        Version::from_str(&target.interpreter.version_text()).map_err(Error::PythonVersion)?;
    Ok(Request {
        requirements: wanted.requirements.clone(),
        constraints: wanted.constraints.clone(),
        markers: target.interpreter.markers.clone(),
        python_version,
        installed,
        upgrade: if options.upgrade && options.upgrade_eager {
            Upgrade::All
        } else if options.upgrade {
            Upgrade::Packages(requested.clone())
        } else {
            Upgrade::None
        },
        force_reinstall: options.force_reinstall,
        no_deps: options.no_deps,
        pre: options.pre || config_pre || wanted.pre,
        conflict_advice: None,
    })
}

/// Turns a resolution into the installer's plan, applying the cluster's shadowing rule.
fn plan(
    target: &Target,
    resolution: &Resolution,
    importable: &HashMap<String, (InstalledDist, SiteDirKind)>,
    requested: &HashSet<String>,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<(Transaction, Vec<String>), Error> {
    let own = target.own_distributions()?;
    let mut plan = Transaction::default();
    let mut summary = Vec::new();
    for package in &resolution.packages {
        let Source::Wheel(wheel) = &package.source else {
            if requested.contains(&package.key) {
                if let Some((dist, kind)) = importable.get(&package.key) {
                    events(Event::AlreadySatisfied {
                        name: &dist.name,
                        version: &dist.version,
                        place: where_from(dist, *kind),
                    });
                }
            }
            continue;
        };
        if let Some((dist, kind)) = importable.get(&package.key) {
            match kind {
                // Cluster rule: a module's copy on PYTHONPATH is imported before the
                // environment's, so another version installed into the environment would be
                // silently hidden.
                SiteDirKind::PythonPath => {
                    return Err(Error::Shadowed(Box::new(crate::Shadowed {
                        key: package.key.clone(),
                        version: package.version.to_string(),
                        env: target.root.clone(),
                        name: dist.name.clone(),
                        installed: dist.version.clone(),
                        site_dir: dist.site_dir.clone(),
                        lock_entry: None,
                    })))
                }
                SiteDirKind::System => events(Event::Note(&format!(
                    "{} {} in the environment will take precedence over {} {} from {}",
                    package.key,
                    package.version,
                    dist.name,
                    dist.version,
                    dist.site_dir.display()
                ))),
                SiteDirKind::Environment => {}
            }
        }
        // Whatever the environment itself holds of this name is replaced.
        plan.remove
            .extend(own.iter().filter(|d| d.key == package.key).cloned());
        plan.install.push(WheelToInstall {
            path: wheel.clone(),
            requested: package.requested,
            direct: false,
            direct_url: None,
            bytes: None,
        });
        summary.push(format!("{}-{}", package.key, package.version));
    }
    Ok((plan, summary))
}

/// Carries out a plan under the lock, unpacking on `threads` cores.
pub fn execute(
    lock: &EnvLock,
    plan: &Transaction,
    target: &Target,
    threads: usize,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<installer::Outcome, Error> {
    events(Event::Installing(plan.install.len()));
    let report = |event: installer::Progress<'_>| events(Event::Progress(event));
    let commit = || installer::commit(lock, plan, &target.layout, cancel, &report);
    // The process's pool when it has the size asked for (a sync checked its hashes on it):
    // starting threads of another costs more than a small install's staging.
    if rayon::current_thread_index().is_none() && rayon::current_num_threads() == threads.max(1) {
        return commit().map_err(Error::from_installer);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(Error::ThreadPool)?;
    pool.install(commit).map_err(Error::from_installer)
}

fn where_from(dist: &InstalledDist, kind: SiteDirKind) -> String {
    let place = short(&dist.site_dir);
    match kind {
        SiteDirKind::Environment => format!("in {place}"),
        SiteDirKind::PythonPath => format!("from PYTHONPATH: {place}"),
        SiteDirKind::System => format!("from {place}"),
    }
}
