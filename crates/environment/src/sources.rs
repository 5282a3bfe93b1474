//! Turning sources named directly (project directories, editable projects, source archives,
//! git repositories) into wheels before resolution, with the PEP 517 frontend: each built
//! wheel then takes part in the install as a wheel file named directly, with the
//! `direct_url.json` that says where it came from (PEP 610), as pip records it.
//!
//! Builds run before the environment's lock is taken (a build can take minutes; the
//! environment is not changed by it), in isolated build environments made by
//! [`BuildEnvironments`], several at once within the job's CPUs. Wheels built from archives
//! are kept in the cache directory, keyed by the archive's hash and the interpreter, so the
//! nodes of a job build a source once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use build_frontend::{BuildOptions, Frontend, Isolation, Source, WheelCache};
use site_config::SiteConfig;

use crate::build_env::BuildEnvironments;
use crate::direct::{SourceLocation, SourceRequest};
use crate::{Error, Event, InstallOptions, Target};

/// Wheels built for one install; they live as long as this value.
pub struct BuiltSources {
    _work: tempfile::TempDir,
    pub wheels: Vec<BuiltSource>,
}

/// One built wheel and where it came from.
pub struct BuiltSource {
    pub wheel: PathBuf,
    pub name: String,
    pub version: String,
    pub extras: Vec<String>,
    /// The `direct_url.json` to install with it.
    pub direct_url: String,
    /// What was built (a lock records it).
    pub source: SourceRequest,
    /// For a git source: the commit checked out.
    pub commit: Option<String>,
}

/// Fetches what `wanted` names by URL and builds every source it names, for `target`'s
/// interpreter: afterwards each is a wheel file of `wanted`, with its `direct_url.json`.
/// `None` when there was nothing to do.
pub fn prepare(
    site: &SiteConfig,
    target: &Target,
    wanted: &mut crate::Wanted,
    options: &InstallOptions,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Option<BuiltSources>, Error> {
    if wanted.sources.is_empty() && wanted.remote.is_empty() {
        return Ok(None);
    }
    let work = work_dir(site)?;
    crate::remote::fetch(site, wanted, &work.path().join("fetched"), events)?;
    let wheels = if wanted.sources.is_empty() {
        Vec::new()
    } else {
        build_in(
            site,
            target,
            &wanted.sources,
            options,
            work.path(),
            cancel,
            events,
        )?
    };
    for wheel in &wheels {
        wanted.add_built(wheel)?;
    }
    Ok(Some(BuiltSources {
        _work: work,
        wheels,
    }))
}

fn work_dir(site: &SiteConfig) -> Result<tempfile::TempDir, Error> {
    tempfile::Builder::new()
        .prefix("wheelhouse-build-")
        .tempdir_in(site.temp_dir())
        .map_err(|source| Error::TempDir {
            what: "a build directory",
            source,
        })
}

/// Builds every source of `requests` for `target`'s interpreter.
pub fn build_sources(
    site: &SiteConfig,
    target: &Target,
    requests: &[SourceRequest],
    options: &InstallOptions,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<BuiltSources, Error> {
    let work = work_dir(site)?;
    let wheels = build_in(site, target, requests, options, work.path(), cancel, events)?;
    Ok(BuiltSources {
        _work: work,
        wheels,
    })
}

#[allow(clippy::too_many_arguments)]
fn build_in(
    site: &SiteConfig,
    target: &Target,
    requests: &[SourceRequest],
    options: &InstallOptions,
    work: &Path,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Vec<BuiltSource>, Error> {
    // Builds that need the same build requirements take turns in one environment.
    let shared = crate::SharedEnvironments::in_dir(&work.join("build-envs"));
    let maker = maker(site, options, cancel, shared);
    let frontend = frontend(site, target, options, &maker, work);
    let out = work.join("wheels");
    // Sources are located first (git clones), then built: the wheels several at once within
    // the job's CPUs (each build may run a compiler), editable ones one by one.
    let mut located = Vec::new();
    for (i, request) in requests.iter().enumerate() {
        if cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(interrupted());
        }
        let checkout = work.join(format!("checkout-{i}"));
        located.push(locate(request, &checkout)?);
        events(Event::Note(&format!("building {}", describe(request))));
    }
    let wheel_sources: Vec<Source> = requests
        .iter()
        .zip(&located)
        .filter(|(r, _)| !r.editable)
        .map(|(_, (source, _, _))| source.clone())
        .collect();
    let mut built_wheels = frontend
        .build_wheels(&wheel_sources, &out, site.job_cpus())
        .into_iter();
    let mut wheels = Vec::new();
    for (request, (source, direct_url, commit)) in requests.iter().zip(located) {
        if cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(interrupted());
        }
        let built = if request.editable {
            frontend.build_editable(source.path(), &out)
        } else {
            built_wheels.next().expect("one result per wheel source")
        }
        .map_err(|source| Error::Build {
            origin: request.origin.clone(),
            what: describe(request),
            source: Box::new(source),
        })?;
        let mut built = built_source(request, built.path, direct_url)?;
        built.commit = commit;
        wheels.push(built);
    }
    Ok(wheels)
}

fn interrupted() -> Error {
    Error::Interrupted { building: true }
}

/// Build environments whose requirements come from the install's own sources (its `-f`
/// directories and indexes) under its rules.
fn maker<'a>(
    site: &'a SiteConfig,
    options: &InstallOptions,
    cancel: &'a AtomicBool,
    shared: crate::SharedEnvironments,
) -> BuildEnvironments<'a> {
    BuildEnvironments {
        site,
        find_links: options.find_links.clone(),
        allow_manylinux: options.allow_manylinux,
        cache: options.cache.clone(),
        index: options.index.clone(),
        cancel,
        shared,
        building: options.building.clone(),
    }
}

fn frontend<'a>(
    site: &SiteConfig,
    target: &Target,
    options: &InstallOptions,
    maker: &'a BuildEnvironments<'a>,
    work: &Path,
) -> Frontend<'a> {
    let isolation = if options.no_build_isolation {
        Isolation::None
    } else {
        Isolation::Isolated(maker)
    };
    let mut build_options = BuildOptions::new(&target.interpreter, isolation, work);
    build_options.config_settings = options.config_settings.clone();
    build_options.inherited_path = site.variables.raw("PATH").map(Into::into);
    build_options.cache = options
        .cache
        .as_ref()
        .map(|c| WheelCache::new(&c.dir.join("built-wheels-v1")));
    Frontend::new(build_options)
}

/// Builds the source distribution `archive` (one from an index) into a wheel in `out`, as
/// the install's own sources are built; the wheel's path.
pub(crate) fn build_archive(
    site: &SiteConfig,
    target: &Target,
    options: &InstallOptions,
    archive: &Path,
    out: &Path,
    cancel: &AtomicBool,
) -> Result<PathBuf, Error> {
    let work = out.with_extension("work");
    std::fs::create_dir_all(&work).map_err(|source| Error::Io {
        action: "make",
        path: work.clone(),
        source,
    })?;
    let mut maker = maker(site, options, cancel, crate::SharedEnvironments::none());
    maker.building.extend(archive_name(archive));
    let frontend = frontend(site, target, options, &maker, &work);
    let built = frontend
        .build_wheel(&Source::Sdist(archive.to_path_buf()), out)
        .map_err(|e| Error::SdistBuild(Box::new(e)))?;
    Ok(built.path)
}

/// The file name of a source distribution, which names it in build dependency cycles.
pub(crate) fn archive_name(archive: &Path) -> Option<String> {
    Some(archive.file_name()?.to_string_lossy().into_owned())
}

/// The source to build, the `direct_url.json` it is installed with, and for git the commit.
fn locate(
    request: &SourceRequest,
    checkout: &Path,
) -> Result<(Source, String, Option<String>), Error> {
    match &request.location {
        SourceLocation::Directory(dir) => Ok((
            Source::Directory(dir.clone()),
            installer::direct_url::for_directory(dir, request.editable),
            None,
        )),
        SourceLocation::Archive(archive) => {
            let sha256 =
                build_frontend::sha256_file(archive).map_err(|source| Error::Unreadable {
                    origin: None,
                    path: archive.clone(),
                    source,
                })?;
            let direct_url = match &request.url {
                Some(url) => installer::direct_url::for_archive_url(url, &sha256),
                None => installer::direct_url::for_archive(archive, &sha256),
            };
            Ok((Source::Sdist(archive.clone()), direct_url, None))
        }
        SourceLocation::Git {
            url,
            revision,
            subdirectory,
        } => {
            if request.editable {
                return Err(Error::NotEditable {
                    origin: request.origin.clone(),
                    given: crate::Editable::Git(url.clone()),
                });
            }
            let commit = git_checkout(url, revision.as_deref(), checkout, &request.origin)?;
            let mut dir = checkout.to_path_buf();
            if let Some(sub) = subdirectory {
                let relative = Path::new(sub);
                if relative.is_absolute()
                    || relative
                        .components()
                        .any(|c| !matches!(c, std::path::Component::Normal(_)))
                {
                    return Err(Error::SubdirectoryOutside {
                        origin: request.origin.clone(),
                        sub: sub.clone(),
                    });
                }
                dir = dir.join(relative);
                if !dir.is_dir() {
                    return Err(Error::NoSubdirectory {
                        origin: request.origin.clone(),
                        url: url.clone(),
                        sub: sub.clone(),
                        revision: revision.clone(),
                    });
                }
            }
            Ok((
                Source::Directory(dir),
                installer::direct_url::for_git(
                    url,
                    &commit,
                    revision.as_deref(),
                    subdirectory.as_deref(),
                ),
                Some(commit),
            ))
        }
    }
}

/// Clones `url` into `dir` and checks out `revision`; the commit checked out.
fn git_checkout(
    url: &str,
    revision: Option<&str>,
    dir: &Path,
    origin: &str,
) -> Result<String, Error> {
    let run = |args: &[&str], cwd: Option<&Path>| -> Result<String, String> {
        let mut command = Command::new("git");
        command
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(std::process::Stdio::null());
        if let Some(cwd) = cwd {
            command.current_dir(cwd);
        }
        match command.output() {
            Ok(out) if out.status.success() => {
                Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
            }
            Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
            Err(e) => Err(format!(
                "git could not be run ({e}); load a git module or install git"
            )),
        }
    };
    let dir_text = dir.to_string_lossy().to_string();
    run(&["clone", "--quiet", "--", url, &dir_text], None).map_err(|why| Error::GitClone {
        origin: origin.to_string(),
        url: url.to_string(),
        why,
    })?;
    if let Some(rev) = revision {
        run(&["checkout", "--quiet", rev, "--"], Some(dir)).map_err(|why| Error::GitRevision {
            origin: origin.to_string(),
            url: url.to_string(),
            rev: rev.to_string(),
            why,
        })?;
    }
    run(&["rev-parse", "HEAD"], Some(dir)).map_err(|why| Error::GitRevParse {
        origin: origin.to_string(),
        why,
    })
}

fn built_source(
    request: &SourceRequest,
    wheel: PathBuf,
    direct_url: String,
) -> Result<BuiltSource, Error> {
    let file_name = wheel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let parsed =
        wheel_name::WheelFilename::parse(file_name).map_err(|source| Error::BuiltInvalidName {
            what: describe(request),
            file_name: file_name.to_string(),
            source,
        })?;
    let name = parsed.name().to_string();
    if let Some(asked) = &request.name {
        if wheel_metadata::normalize_name(asked) != wheel_metadata::normalize_name(&name) {
            return Err(Error::BuiltNameMismatch {
                origin: request.origin.clone(),
                asked: asked.clone(),
                what: describe(request),
                name,
            });
        }
    }
    Ok(BuiltSource {
        version: parsed.version_text().to_string(),
        name,
        extras: request.extras.clone(),
        wheel,
        direct_url,
        source: request.clone(),
        commit: None,
    })
}

fn describe(request: &SourceRequest) -> String {
    let what = match &request.location {
        SourceLocation::Directory(d) => d.display().to_string(),
        SourceLocation::Archive(a) => match &request.url {
            Some(url) => url.clone(),
            None => a.display().to_string(),
        },
        SourceLocation::Git { url, revision, .. } => match revision {
            Some(r) => format!("git+{url}@{r}"),
            None => format!("git+{url}"),
        },
    };
    if request.editable {
        format!("{what} (editable)")
    } else {
        what
    }
}
