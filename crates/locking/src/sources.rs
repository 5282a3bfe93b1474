//! Sources in lock files, both ways. `lock` records what
//! it built (a project directory, an sdist, a git checkout) as PEP 751 `[packages.directory]`,
//! `[packages.sdist]` and `[packages.vcs]` entries; `sync`, `install -r` and `venv -r` turn
//! such entries (and `[packages.archive]`, as `pip lock` writes a named archive) back into
//! sources and build them with the same frontend and built-wheel cache as `install`: an sdist
//! only once its hash is the locked one, a git repository at the locked commit, never its
//! branch's head.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use environment::{
    BuiltSource, BuiltSources, Event, InstallOptions, LockedWheel, RemoteRequest, SourceLocation,
    SourceRequest, Target,
};
use installer::direct_url::DirectReference;
use site_config::SiteConfig;

use crate::Error;

/// The lock entry's source for a wheel built by `lock`; paths under `lock_dir` are written
/// relative to it, as PEP 751 reads them, so a project's lock moves with the project.
pub(crate) fn lock_source(built: &BuiltSource, lock_dir: &Path) -> Result<lock::Source, Error> {
    let request = &built.source;
    match &request.location {
        SourceLocation::Directory(dir) => Ok(lock::Source::Directory {
            path: relative_to(dir, lock_dir),
            editable: request.editable,
            subdirectory: None,
        }),
        SourceLocation::Archive(archive) => {
            let sha256 = environment::digest_file("sha256", archive).map_err(|source| {
                Error::Unreadable {
                    path: archive.clone(),
                    source,
                }
            })?;
            let size = std::fs::metadata(archive).map(|m| m.len()).ok();
            let file = lock::File {
                name: archive
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned()),
                // Fetched from a URL: the URL, not the temporary copy.
                url: request.url.clone(),
                path: request
                    .url
                    .is_none()
                    .then(|| std::path::absolute(archive).unwrap_or(archive.clone()))
                    .map(|p| p.display().to_string()),
                size,
                hashes: [("sha256".to_string(), sha256)].into(),
                ..lock::File::default()
            };
            Ok(lock::Source::Files {
                wheels: Vec::new(),
                sdist: Some(file),
            })
        }
        SourceLocation::Git {
            url,
            revision,
            subdirectory,
        } => Ok(lock::Source::Vcs {
            kind: "git".into(),
            url: Some(url.clone()),
            path: None,
            requested_revision: revision.clone(),
            commit_id: built.commit.clone().ok_or_else(|| Error::UnknownCommit {
                origin: request.origin.clone(),
            })?,
            subdirectory: subdirectory.clone(),
        }),
    }
}

fn relative_to(path: &Path, base: &Path) -> String {
    let base = std::path::absolute(base).unwrap_or(base.to_path_buf());
    match path.strip_prefix(&base) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// Builds (with the cache of built wheels) every source `wanted` names for `target`'s
/// Python; each then takes part in the resolution as a wheel file named directly.
pub(crate) fn build_for_lock(
    site: &SiteConfig,
    target: &Target,
    wanted: &mut environment::Wanted,
    options: &InstallOptions,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Option<BuiltSources>, Error> {
    if wanted.sources.is_empty() && wanted.remote.is_empty() {
        return Ok(None);
    }
    // Only what building says: the rest of an install's events do not happen here.
    let events = |event: Event<'_>| match event {
        Event::Note(_) | Event::Warning(_) => events(event),
        _ => {}
    };
    Ok(environment::prepare_sources(
        site, target, wanted, options, cancel, &events,
    )?)
}

/// An entry of the lock that is built here.
pub(crate) struct ToBuild {
    pub key: String,
    pub version: Option<String>,
    /// `pylock.toml: packages[3] (name)`.
    pub entry: String,
    pub source: lock::Source,
}

/// What building the lock's sources gave: wheels to install, and the names already
/// installed as the lock says (kept as they are).
pub(crate) struct Built {
    pub wheels: Vec<LockedWheel>,
    pub unchanged: Vec<String>,
    /// With a dry run: `(name, version)` that would be built and installed.
    pub would_build: Vec<(String, String)>,
    /// Owns the built wheels' directory until they are installed.
    pub _sources: Option<BuiltSources>,
}

/// Where the lock's paths are read from, and the environment the wheels are for.
pub(crate) struct Context<'a> {
    pub site: &'a SiteConfig,
    pub target: &'a Target,
    pub lock: &'a lock::Lock,
    pub lock_dir: &'a Path,
    pub options: InstallOptions,
}

/// Checks and builds every entry of `items`: an sdist's or archive's hash before anything
/// is built, a git checkout at the locked commit. An entry whose installed copy is already
/// the locked commit or archive is not built again.
pub(crate) fn build(
    cx: &Context<'_>,
    items: Vec<ToBuild>,
    dry_run: bool,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Built, Error> {
    let own = cx.target.own_distributions()?;
    let mut wanted = environment::Wanted::default();
    let mut unchanged = Vec::new();
    let mut would_build = Vec::new();
    let mut pending = Vec::new();
    for item in items {
        let (request, expected) = request_for(cx, &item)?;
        let installed = own.iter().find(|d| d.key == item.key);
        let same = installed.is_some_and(|d| {
            expected.as_ref().is_some_and(|want| {
                d.direct_reference.as_ref() == Some(want)
                    || matches!((&d.direct_reference, want),
                        (Some(DirectReference::Url(have)), DirectReference::Url(w))
                            if w.starts_with('#') && have.ends_with(w.as_str()))
            })
        });
        if same || dry_run {
            unchanged.push(item.key.clone());
            if !same {
                let version = item.version.clone().unwrap_or_else(|| "?".into());
                would_build.push((item.key.clone(), version));
            }
            continue;
        }
        match request {
            Request::Local(r) => wanted.sources.push(r),
            Request::Remote(r) => wanted.remote.push(r),
        }
        pending.push(item);
    }
    if pending.is_empty() {
        return Ok(Built {
            wheels: Vec::new(),
            unchanged,
            would_build,
            _sources: None,
        });
    }
    let built =
        environment::prepare_sources(cx.site, cx.target, &mut wanted, &cx.options, cancel, events)?;
    let mut wheels = Vec::new();
    for b in built.iter().flat_map(|b| &b.wheels) {
        let Some(item) = pending.iter().find(|i| i.entry == b.source.origin) else {
            continue;
        };
        wheels.push(locked_wheel(item, b)?);
    }
    Ok(Built {
        wheels,
        unchanged,
        would_build,
        _sources: built,
    })
}

enum Request {
    Local(SourceRequest),
    Remote(RemoteRequest),
}

/// What to build for an entry, and the direct reference an installed copy that needs no
/// build has (`#sha256=…` alone: an archive's hash, wherever it was).
fn request_for(
    cx: &Context<'_>,
    item: &ToBuild,
) -> Result<(Request, Option<DirectReference>), Error> {
    let in_lock_dir = |p: &str| {
        let p = Path::new(p);
        let joined = if p.is_absolute() {
            p.to_path_buf()
        } else {
            cx.lock_dir.join(p)
        };
        installer::paths::normalize(&std::path::absolute(&joined).unwrap_or(joined))
    };
    match &item.source {
        lock::Source::Files {
            sdist: Some(file), ..
        }
        | lock::Source::Archive(file) => archive_request(cx, item, file),
        lock::Source::Vcs {
            kind,
            url,
            path,
            commit_id,
            subdirectory,
            ..
        } => {
            if kind != "git" {
                return Err(Error::NotGit {
                    entry: item.entry.clone(),
                    vcs: kind.clone(),
                });
            }
            let repo = match (url, path) {
                (Some(u), _) => u.clone(),
                (None, Some(p)) => in_lock_dir(p).display().to_string(),
                (None, None) => unreachable!("the lock's parser requires a url or a path"),
            };
            let sub = subdirectory
                .as_ref()
                .map(|s| format!("#subdirectory={s}"))
                .unwrap_or_default();
            let expected = DirectReference::Url(format!("git+{repo}@{commit_id}{sub}"));
            let location = SourceLocation::Git {
                url: repo,
                revision: Some(commit_id.clone()),
                subdirectory: subdirectory.clone(),
            };
            Ok((
                Request::Local(local_request(item, location)),
                Some(expected),
            ))
        }
        lock::Source::Directory {
            path,
            editable,
            subdirectory,
        } => {
            let mut dir = in_lock_dir(path);
            if let Some(sub) = subdirectory {
                dir = dir.join(sub);
            }
            let mut r = local_request(item, SourceLocation::Directory(dir));
            r.editable = *editable;
            // A directory's files may have changed: built again each time, as pip does.
            Ok((Request::Local(r), None))
        }
        lock::Source::Files { sdist: None, .. } => Err(Error::NoWheelNorSdist {
            entry: item.entry.clone(),
        }),
    }
}

fn local_request(item: &ToBuild, location: SourceLocation) -> SourceRequest {
    SourceRequest {
        location,
        editable: false,
        name: Some(item.key.clone()),
        url: None,
        extras: Vec::new(),
        origin: item.entry.clone(),
    }
}

/// An sdist or archive entry: fetched by its URL, or its local file checked first.
fn archive_request(
    cx: &Context<'_>,
    item: &ToBuild,
    file: &lock::File,
) -> Result<(Request, Option<DirectReference>), Error> {
    let sha256 = file.sha256().ok_or_else(|| Error::NoSdistHash {
        entry: item.entry.clone(),
        file: file.file_name().map(str::to_string),
    })?;
    let expected = Some(DirectReference::Url(format!("#sha256={sha256}")));
    if let Some(url) = file
        .url
        .as_deref()
        .filter(|u| file.path.is_none() && (u.starts_with("http://") || u.starts_with("https://")))
    {
        let remote = RemoteRequest {
            url: url.to_string(),
            sha256: Some(sha256.to_string()),
            name: item.key.clone(),
            extras: Vec::new(),
            origin: item.entry.clone(),
        };
        return Ok((Request::Remote(remote), expected));
    }
    let path = cx
        .lock
        .local_path(file, cx.lock_dir, Some(&cx.site.wheelhouse))
        .map_err(|why| Error::ArchiveNotLocal {
            entry: item.entry.clone(),
            why,
        })?;
    check_archive(&item.entry, &path, sha256)?;
    Ok((
        Request::Local(local_request(item, SourceLocation::Archive(path))),
        expected,
    ))
}

/// The archive must be there and be the locked one, before anything runs its build.
fn check_archive(entry: &str, path: &Path, sha256: &str) -> Result<(), Error> {
    let got =
        environment::digest_file("sha256", path).map_err(|source| Error::ArchiveUnreadable {
            entry: entry.to_string(),
            path: path.to_path_buf(),
            source,
        })?;
    if !got.eq_ignore_ascii_case(sha256) {
        return Err(Error::ArchiveHashMismatch {
            entry: entry.to_string(),
            path: path.to_path_buf(),
            got,
            want: sha256.to_string(),
        });
    }
    Ok(())
}

/// The built wheel as the sync installs it; its version must be the locked one (a directory
/// may have moved on since the lock was made).
fn locked_wheel(item: &ToBuild, built: &BuiltSource) -> Result<LockedWheel, Error> {
    if let Some(want) = &item.version {
        let same = match (
            want.parse::<pep440_rs::Version>(),
            built.version.parse::<pep440_rs::Version>(),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => *want == built.version,
        };
        if !same {
            return Err(Error::VersionChanged {
                entry: item.entry.clone(),
                locked: want.clone(),
                built: built.version.clone(),
            });
        }
    }
    let mut direct_url = built.direct_url.clone();
    if let lock::Source::Vcs {
        requested_revision,
        subdirectory,
        commit_id,
        ..
    } = &item.source
    {
        let commit = built.commit.as_deref().unwrap_or("");
        if !commit.starts_with(commit_id.as_str()) {
            return Err(Error::CommitMismatch {
                entry: item.entry.clone(),
                commit: commit.to_string(),
                locked: commit_id.clone(),
            });
        }
        if let SourceLocation::Git { url, .. } = &built.source.location {
            direct_url = installer::direct_url::for_git(
                url,
                commit,
                requested_revision.as_deref(),
                subdirectory.as_deref(),
            );
        }
    }
    let sha256 = environment::digest_file("sha256", &built.wheel).map_err(|source| {
        Error::BuiltWheelUnreadable {
            path: built.wheel.clone(),
            source,
        }
    })?;
    Ok(LockedWheel {
        key: item.key.clone(),
        version: built.version.clone(),
        path: PathBuf::from(&built.wheel),
        hashes: [("sha256".to_string(), sha256)].into(),
        entry: item.entry.clone(),
        direct_url: Some(direct_url),
    })
}
