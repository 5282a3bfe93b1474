//! `wheelhouse lock`: resolve once per Python and CPU level, the same versions everywhere
//! the wheelhouse allows, and write a PEP 751 lock (or a hashed requirements file).
//!
//! The first Python and level chosen decide the versions; every other combination is
//! resolved with those versions as constraints, and only when that fails on its own (a
//! level whose wheelhouse lacks that version) with free choice, which is then said.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use interpreter::Interpreter;
use pep508_rs::Requirement;
use resolver::{Request, Source, Upgrade};
use site_config::{ProcessVars, PythonRequest, SiteConfig};

/// Options of `wheelhouse lock`; the help text is on the subcommand.
#[derive(clap::Args, Debug)]
pub struct LockArgs {
    /// Requirements (`numpy`, `pandas>=2`)
    #[arg(value_name = "REQUIREMENT")]
    requirements: Vec<String>,
    /// Requirements file, or a project's pyproject.toml ([project] dependencies); may be
    /// repeated
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    requirement_files: Vec<PathBuf>,
    /// Constrain versions with this file; may be repeated
    #[arg(short = 'c', long = "constraint", value_name = "FILE")]
    constraint_files: Vec<PathBuf>,
    /// With a pyproject.toml: also lock this optional-dependencies group; may be repeated
    #[arg(long = "extra", value_name = "NAME")]
    extras: Vec<String>,
    /// Lock for this Python: a version of a module (3.11) or an interpreter's path; may be
    /// repeated [default: the active environment's or the loaded module's]
    #[arg(long = "python", value_name = "PYTHON")]
    pythons: Vec<String>,
    /// Lock for this CPU level (x86-64-v3, generic); may be repeated [default: every level
    /// the wheelhouse has, generic being part of each]
    #[arg(long = "arch", value_name = "LEVEL")]
    arches: Vec<String>,
    /// Where to write [default: pylock.toml; requirements: standard output]; `-` is
    /// standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// What to write: a PEP 751 lock, or pinned requirements with --hash lines
    #[arg(long, value_enum, default_value = "pylock")]
    format: LockFormat,
    /// Also search these directories for wheels, after the site's
    #[arg(short = 'f', long = "find-links", value_name = "DIR")]
    find_links: Vec<PathBuf>,
    /// Consider pre-releases and development versions
    #[arg(long)]
    pre: bool,
    /// Accept manylinux wheels, which site policy refuses
    #[arg(long)]
    allow_manylinux: bool,
    /// Print errors only
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockFormat {
    Pylock,
    Requirements,
}

pub fn run(args: LockArgs) -> i32 {
    match lock(&args) {
        Ok(()) => 0,
        Err(e) => {
            crate::out::print_error("wheelhouse lock", &e.to_string());
            crate::exit::environment(e.kind())
        }
    }
}

type Error = environment::Error;

/// One resolution: which Python, which level, what was chosen (key → version, wheel), and
/// which of those were built from a source named directly (key → the source to lock).
struct Resolved {
    python: String,
    level: Option<String>,
    chosen: BTreeMap<String, (String, PathBuf)>,
    sources: BTreeMap<String, ::lock::Source>,
}

fn lock(args: &LockArgs) -> Result<(), Error> {
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    let config = site
        .pip_install_options()
        .map_err(|e| Error::input(e.to_string()))?;
    let texts = requirement_texts(args)?;
    let wanted = environment::read_wanted(
        &config,
        &texts,
        &[],
        &args.requirement_files,
        &args.constraint_files,
        false,
    )?;
    if wanted.requirements.is_empty() && wanted.sources.is_empty() && wanted.remote.is_empty() {
        return Err(Error::input(
            "nothing to lock: give requirements (`wheelhouse lock numpy`), a requirements \
             file (`-r requirements.txt`) or a project (`-r pyproject.toml`)",
        ));
    }
    let interpreters = interpreters(&site, &args.pythons)?;
    let mut find_links = args.find_links.clone();
    find_links.extend(wanted.find_links.iter().cloned());
    // Every level's directories: the node's own level is not what a lock is for.
    let mut all_levels = site.clone();
    all_levels.current_arch = None;
    let (paths, warnings) = environment::search_paths(&all_levels, &config, &find_links)?;
    for w in &warnings {
        errln!("warning: {w}");
    }
    let levels = levels(&site, &paths, &args.arches)?;
    let allow_manylinux = args.allow_manylinux || config.allow_manylinux;
    let pre = args.pre || config.pre || wanted.pre;
    let mut results: Vec<Resolved> = Vec::new();
    let lock_dir = output_dir(args);
    let cancel = crate::signals::cancel_on_signals();
    // The built wheels' directories, kept until the lock is written.
    let mut kept = Vec::new();
    for it in &interpreters {
        // Sources named directly are built for each Python (their metadata may differ).
        let mut wanted = wanted.clone();
        let built = crate::lock_sources::build_for_lock(
            &site,
            it,
            &mut wanted,
            &find_links,
            allow_manylinux,
            (&cancel, args.quiet),
        )?;
        let mut sources = HashMap::new();
        for b in built.iter().flat_map(|b| &b.wheels) {
            let source = crate::lock_sources::lock_source(b, &lock_dir)?;
            sources.insert(b.wheel.clone(), source);
        }
        kept.push(built);
        for level in levels
            .iter()
            .map(Some)
            .chain(levels.is_empty().then_some(None))
        {
            let level_paths = paths_for(&site, &paths, level.map(String::as_str));
            let index = environment::build_index(
                &site,
                level_paths,
                it,
                allow_manylinux,
                &wanted.wheel_files,
            );
            let pins = results.first().map(pins_of).unwrap_or_default();
            let chosen = resolve_one(&wanted, it, &index, &pins, pre)
                .map_err(|m| Error::resolution(format!("for {}: {m}", describe(it, level))))?;
            let sources = chosen
                .iter()
                .filter_map(|(k, (_, w))| Some((k.clone(), sources.get(w)?.clone())))
                .collect();
            results.push(Resolved {
                python: python_of(it),
                level: level.cloned(),
                chosen,
                sources,
            });
        }
    }
    report_differences(&results, args.quiet);
    let lock = build_lock(&site, &interpreters, &levels, &results)?;
    write(args, &lock, &levels, &interpreters)
}

/// The directory the lock is written to: its relative paths start there.
fn output_dir(args: &LockArgs) -> PathBuf {
    let dir = match &args.output {
        Some(o) if o.as_os_str() != "-" => o.parent().map(Path::to_path_buf).unwrap_or_default(),
        _ => PathBuf::new(),
    };
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    installer::paths::normalize(&std::path::absolute(&dir).unwrap_or(dir))
}

/// The first resolution's versions, as constraints for the others.
fn pins_of(first: &Resolved) -> Vec<Requirement> {
    first
        .chosen
        .iter()
        .filter_map(|(k, (v, _))| Requirement::from_str(&format!("{k}=={v}")).ok())
        .collect()
}

/// Resolves for one Python and level: with the pins when they fit, else freely.
fn resolve_one(
    wanted: &environment::Wanted,
    it: &Interpreter,
    index: &resolver::Index,
    pins: &[Requirement],
    pre: bool,
) -> Result<BTreeMap<String, (String, PathBuf)>, String> {
    let resolve = |pins: &[Requirement]| {
        let mut constraints = wanted.constraints.clone();
        constraints.extend(pins.iter().cloned());
        let request = Request {
            requirements: wanted.requirements.clone(),
            constraints,
            markers: it.markers.clone(),
            python_version: it.markers.python_full_version().version.clone(),
            installed: HashMap::new(),
            upgrade: Upgrade::None,
            force_reinstall: false,
            no_deps: false,
            pre,
            conflict_advice: None,
        };
        resolver::resolve(&request, index)
    };
    let resolution = match resolve(pins) {
        Ok(r) => r,
        Err(_) if !pins.is_empty() => resolve(&[]).map_err(|e| e.message)?,
        Err(e) => return Err(e.message),
    };
    Ok(resolution
        .packages
        .iter()
        .filter_map(|p| match &p.source {
            Source::Wheel(path) => Some((p.key.clone(), (p.version.to_string(), path.clone()))),
            Source::Installed => None,
        })
        .collect())
}

/// Command-line requirements, and the optional dependencies `--extra` names from each
/// pyproject.toml given with -r.
fn requirement_texts(args: &LockArgs) -> Result<Vec<String>, Error> {
    let mut texts = args.requirements.clone();
    if args.extras.is_empty() {
        return Ok(texts);
    }
    let projects: Vec<&PathBuf> = args
        .requirement_files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "pyproject.toml"))
        .collect();
    if projects.is_empty() {
        return Err(Error::input(
            "--extra names optional dependencies of a project: give its pyproject.toml with -r",
        ));
    }
    for extra in &args.extras {
        let mut found = false;
        for project in &projects {
            let text = std::fs::read_to_string(project)
                .map_err(|e| Error::input(format!("cannot read {}: {e}", project.display())))?;
            let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                Error::input(format!(
                    "{} is not valid TOML: {}",
                    project.display(),
                    e.message()
                ))
            })?;
            let group = doc
                .get("project")
                .and_then(|p| p.get("optional-dependencies"))
                .and_then(|o| o.get(extra.as_str()))
                .and_then(|g| g.as_array());
            if let Some(group) = group {
                found = true;
                texts.extend(group.iter().filter_map(|v| v.as_str().map(str::to_string)));
            }
        }
        if !found {
            return Err(Error::input(format!(
                "no optional-dependencies group {extra:?} in [project] of {}",
                projects
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(texts)
}

/// The interpreters to lock for: each `--python`, else the active environment's Python,
/// else the loaded module's.
fn interpreters(site: &SiteConfig, pythons: &[String]) -> Result<Vec<Interpreter>, Error> {
    let mut paths = Vec::new();
    for text in pythons {
        let path = match PythonRequest::parse(text) {
            PythonRequest::Version(v) => match site.module_python_for(&v) {
                Some(p) => p,
                None => site
                    .find_python(&PythonRequest::Version(v))
                    .map_err(|e| Error::input(e.message))?,
            },
            request => site
                .find_python(&request)
                .map_err(|e| Error::input(e.message))?,
        };
        paths.push(path);
    }
    if paths.is_empty() {
        match &site.virtual_env {
            Some(env) if env.join("bin/python").exists() => paths.push(env.join("bin/python")),
            _ => paths.push(
                site.find_python(&PythonRequest::Default)
                    .map_err(|e| Error::input(e.message))?,
            ),
        }
    }
    let mut out: Vec<Interpreter> = Vec::new();
    // The answer kept in the cache while the interpreter is unchanged, as every command does.
    let answers = environment::answer_cache(site, None);
    for p in paths {
        let it = Interpreter::query_cached(&p, None, answers.as_ref())
            .map_err(|e| Error::input(e.to_string()))?;
        if !out.iter().any(|o| {
            python_of(o) == python_of(&it)
                && o.markers.implementation_name() == it.markers.implementation_name()
        }) {
            out.push(it);
        }
    }
    Ok(out)
}

/// The CPU levels to lock for: `--arch`, else those of the site's levels the search
/// directories have (none: a plain directory of wheels, locked as it is).
fn levels(site: &SiteConfig, paths: &[PathBuf], asked: &[String]) -> Result<Vec<String>, Error> {
    let present: BTreeSet<String> = paths
        .iter()
        .map(|p| site_config::arch_of_search_path(p))
        .collect();
    if !asked.is_empty() {
        for a in asked {
            if !present.contains(a) {
                return Err(Error::input(format!(
                    "--arch {a}: no search directory is that CPU level; the wheelhouse has {}",
                    present.iter().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
        }
        return Ok(asked.to_vec());
    }
    // `generic` holds what every level shares: a level of its own only where the wheelhouse
    // has no other (no node of a split wheelhouse runs on generic alone).
    let levels: Vec<String> = site
        .architectures()
        .iter()
        .filter(|a| present.contains(**a))
        .map(|a| a.to_string())
        .collect();
    if levels.iter().any(|l| l != "generic") {
        return Ok(levels.into_iter().filter(|l| l != "generic").collect());
    }
    Ok(levels)
}

/// A level's directories: its own first, then generic and those that are no level.
fn paths_for(site: &SiteConfig, paths: &[PathBuf], level: Option<&str>) -> Vec<PathBuf> {
    let Some(level) = level else {
        return paths.to_vec();
    };
    let known = site.architectures();
    let mut kept: Vec<PathBuf> = paths
        .iter()
        .filter(|p| {
            let a = site_config::arch_of_search_path(p);
            a == level || a == "generic" || !known.contains(&a.as_str())
        })
        .cloned()
        .collect();
    kept.sort_by_key(|p| usize::from(site_config::arch_of_search_path(p) != level));
    kept
}

fn python_of(it: &Interpreter) -> String {
    format!("{}.{}", it.version.0, it.version.1)
}

fn describe(it: &Interpreter, level: Option<&String>) -> String {
    match level {
        Some(l) => format!("Python {} on {l}", python_of(it)),
        None => format!("Python {}", python_of(it)),
    }
}

/// Says where a Python or level got other versions than the first.
fn report_differences(results: &[Resolved], quiet: bool) {
    let Some(first) = results.first() else {
        return;
    };
    for r in &results[1..] {
        let differ: Vec<String> = r
            .chosen
            .iter()
            .filter_map(|(k, (v, _))| {
                let other = first.chosen.get(k).map(|(v, _)| v.as_str())?;
                (other != v).then(|| format!("{k} {v} (elsewhere {other})"))
            })
            .collect();
        if !differ.is_empty() && !quiet {
            errln!(
                "note: Python {}{} cannot have the same versions as the others: {}",
                r.python,
                r.level
                    .as_deref()
                    .map(|l| format!(" on {l}"))
                    .unwrap_or_default(),
                differ.join(", ")
            );
        }
    }
}

/// The lock: one entry per name, version and set of Pythons and levels it serves.
fn build_lock(
    site: &SiteConfig,
    interpreters: &[Interpreter],
    levels: &[String],
    results: &[Resolved],
) -> Result<::lock::Lock, Error> {
    let all_pythons: BTreeSet<String> = interpreters.iter().map(python_of).collect();
    // (key, version) → python → (levels, wheels)
    type Serves = BTreeMap<String, (BTreeSet<String>, BTreeSet<PathBuf>)>;
    let mut by_version: BTreeMap<(String, String), Serves> = BTreeMap::new();
    for r in results {
        for (key, (version, wheel)) in &r.chosen {
            let serves = by_version
                .entry((key.clone(), version.clone()))
                .or_default();
            let (lv, wheels) = serves.entry(r.python.clone()).or_default();
            lv.extend(r.level.clone());
            wheels.insert(wheel.clone());
        }
    }
    let all_levels: BTreeSet<String> = levels.iter().cloned().collect();
    let sources: BTreeMap<&String, &::lock::Source> =
        results.iter().flat_map(|r| &r.sources).collect();
    let digests = digest_all(results)?;
    let mut packages = Vec::new();
    for ((key, version), serves) in by_version {
        if let Some(source) = sources.get(&key) {
            let pythons: BTreeSet<String> = serves.into_keys().collect();
            packages.push(::lock::Package {
                marker: marker_for(&pythons, &all_pythons),
                name: key,
                version: Some(version),
                source: (*source).clone(),
                ..::lock::Package::default()
            });
            continue;
        }
        // Pythons served on the same levels share one entry.
        let mut groups: BTreeMap<BTreeSet<String>, (Vec<String>, BTreeSet<PathBuf>)> =
            BTreeMap::new();
        for (python, (lv, wheels)) in serves {
            let g = groups.entry(lv).or_default();
            g.0.push(python);
            g.1.extend(wheels);
        }
        for (lv, (pythons, wheels)) in groups {
            let marker = marker_for(&pythons.iter().cloned().collect(), &all_pythons);
            let files = wheel_files(wheels, levels, &digests)?;
            packages.push(::lock::Package {
                name: key.clone(),
                version: Some(version.clone()),
                marker,
                source: ::lock::Source::Files {
                    wheels: files,
                    sdist: None,
                },
                levels: if lv == all_levels {
                    Vec::new()
                } else {
                    lv.into_iter().collect()
                },
                ..::lock::Package::default()
            });
        }
    }
    let root = std::path::absolute(&site.wheelhouse).unwrap_or(site.wheelhouse.clone());
    let under_root = packages.iter().any(|p| match &p.source {
        ::lock::Source::Files { wheels, .. } => wheels.iter().any(|w| {
            w.path
                .as_deref()
                .is_some_and(|x| Path::new(x).starts_with(&root))
        }),
        _ => false,
    });
    Ok(::lock::Lock {
        lock_version: ::lock::LOCK_VERSION.into(),
        environments: all_pythons
            .iter()
            .map(|p| format!("python_version == \"{p}\""))
            .collect(),
        created_by: format!("wheelhouse {}", env!("CARGO_PKG_VERSION")),
        packages,
        wheelhouse: under_root.then(|| root.display().to_string()),
        levels: levels.to_vec(),
        ..::lock::Lock::default()
    })
}

/// The marker of an entry for some of the lock's Pythons only.
fn marker_for(pythons: &BTreeSet<String>, all: &BTreeSet<String>) -> Option<String> {
    (pythons != all).then(|| {
        pythons
            .iter()
            .map(|p| format!("python_version == \"{p}\""))
            .collect::<Vec<_>>()
            .join(" or ")
    })
}

/// The sha256 and size of every wheel the resolutions chose (sources aside), each file read
/// once, several at once (a wheelhouse is often on a network file system).
fn digest_all(results: &[Resolved]) -> Result<HashMap<PathBuf, (String, u64)>, Error> {
    use rayon::prelude::*;
    let wheels: BTreeSet<&PathBuf> = results
        .iter()
        .flat_map(|r| {
            r.chosen
                .iter()
                .filter(|(k, _)| !r.sources.contains_key(*k))
                .map(|(_, (_, w))| w)
        })
        .collect();
    wheels
        .into_par_iter()
        .map(|w| Ok((w.clone(), digest(w)?)))
        .collect()
}

fn digest(w: &Path) -> Result<(String, u64), Error> {
    let sha = environment::digest_file("sha256", w)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", w.display())))?;
    let size = std::fs::metadata(w).map(|m| m.len()).unwrap_or(0);
    Ok((sha, size))
}

/// The locked files of one entry, the lowest level first (what a tool that knows no levels
/// takes), each with its size and sha256 (computed once per file).
fn wheel_files(
    wheels: BTreeSet<PathBuf>,
    levels: &[String],
    digests: &HashMap<PathBuf, (String, u64)>,
) -> Result<Vec<::lock::File>, Error> {
    let mut files = Vec::new();
    let mut wheels: Vec<PathBuf> = wheels.into_iter().collect();
    // generic (and non-level) wheels first: what a tool that knows no levels takes.
    wheels.sort_by_key(|w| {
        let level = w
            .parent()
            .map(site_config::arch_of_search_path)
            .unwrap_or_default();
        (
            levels
                .iter()
                .position(|l| *l == level && l != "generic")
                .map_or(0, |i| i + 1),
            w.clone(),
        )
    });
    for w in wheels {
        let (sha, size) = match digests.get(&w) {
            Some(d) => d.clone(),
            None => digest(&w)?,
        };
        let absolute = std::path::absolute(&w).unwrap_or(w.clone());
        files.push(::lock::File {
            name: w.file_name().map(|n| n.to_string_lossy().into_owned()),
            path: Some(absolute.display().to_string()),
            size: Some(size),
            hashes: [("sha256".to_string(), sha)].into(),
            ..::lock::File::default()
        });
    }
    Ok(files)
}

fn write(
    args: &LockArgs,
    lock: &::lock::Lock,
    levels: &[String],
    interpreters: &[Interpreter],
) -> Result<(), Error> {
    let text = match args.format {
        LockFormat::Pylock => lock.to_toml(),
        LockFormat::Requirements => crate::lock_sources::requirements_text(lock, &output_dir(args)),
    };
    let output = match (&args.output, args.format) {
        (Some(o), _) => Some(o.clone()),
        (None, LockFormat::Pylock) => Some(PathBuf::from("pylock.toml")),
        (None, LockFormat::Requirements) => None,
    };
    match output.filter(|o| o.as_os_str() != "-") {
        None => out!("{text}"),
        Some(path) => {
            if args.format == LockFormat::Pylock
                && !path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(::lock::is_lock_file_name)
            {
                errln!(
                    "warning: {} is not named as PEP 751 asks (pylock.toml or pylock.NAME.toml); \
                     pip and `wheelhouse install -r` recognise a lock by that name",
                    path.display()
                );
            }
            let tmp = path.with_extension("toml.tmp");
            std::fs::write(&tmp, &text)
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    Error::install(format!("cannot write {}: {e}", path.display()))
                })?;
            if !args.quiet {
                let pythons: Vec<String> = interpreters.iter().map(python_of).collect();
                errln!(
                    "Locked {} packages for Python {}{} into {}",
                    lock.packages.len(),
                    pythons.join(", "),
                    if levels.is_empty() {
                        String::new()
                    } else {
                        format!(" on {}", levels.join(", "))
                    },
                    path.display()
                );
            }
        }
    }
    Ok(())
}
