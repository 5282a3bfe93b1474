//! Package indexes, this crate's one job: the index client every command shares
//! ([`IndexSource`]), and on it `wheelhouse download`, pre-downloading wheels on a login node
//! for a compute node to install offline. It installs nothing: `install` reads an index
//! through [`IndexSource`] and changes the environment through `environment`.
//!
//! The site's recipe for a package the wheelhouse lacks is `pip download --no-deps X` on a
//! login node, then `pip install X-….whl` in the job. Two things go wrong with it: pip picks
//! wheels for the login node's `python3`, not the cluster's Python module, and nothing warns
//! that a compiled (`linux_x86_64`, `manylinux`) wheel may not work on the cluster. Here the
//! target is the cluster's Python ([`TargetPython`]), wheels are chosen by its tags, the index is
//! read as PEP 691 JSON with the PEP 503 HTML fallback, dependencies come from PEP 658
//! metadata when the index offers it (else from the wheel's METADATA alone, read by HTTP
//! range requests), every file is checked against the index's sha256, and files appear under
//! their name only when whole and chosen (a cut connection resumes; Ctrl-C leaves no part).
//! Site policy holds as for `install`: a `manylinux` wheel is taken only when allowed. Each
//! wheel is classified ([`WheelKind`]) so the caller can print the site's warnings.
//!
//! The index client itself, [`IndexSource`], serves every command that reads indexes.
//!
//! Dependencies are resolved as `install` resolves them, with the `resolver` crate (PubGrub,
//! backtracking like pip's resolver) over the files the index lists (the `resolve` module
//! says how the names are found and the metadata read). With `no_deps` each name gets its newest fitting
//! wheel, and a second requirement of a name that the first choice does not satisfy is a
//! conflict error naming both.
//!
//! ```
//! // A PEP 503 page as an index serves it; hashes ride in the URL fragment.
//! let page = br#"<a href="../../f/six-1.17.0-py2.py3-none-any.whl#sha256=ab12"
//!     data-requires-python="&gt;=2.7">six-1.17.0-py2.py3-none-any.whl</a>"#;
//! let files = download::parse("https://index.example/simple/six/", "text/html", page).unwrap();
//! assert_eq!(files[0].url, "https://index.example/f/six-1.17.0-py2.py3-none-any.whl");
//! assert_eq!(files[0].sha256.as_deref(), Some("ab12"));
//! assert_eq!(files[0].requires_python.as_deref(), Some(">=2.7"));
//! assert_eq!(download::normalize("Foo.Bar_baz"), "foo-bar-baz");
//! ```

mod absolute;
mod cache;
mod error;
mod http;
mod lazy;
mod page;
mod resolve;
mod route;
mod sdist;
mod source;
mod transfer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{
    MarkerEnvironment, MarkerEnvironmentBuilder, Requirement, VerbatimUrl, VersionOrUrl,
};
use wheel_name::{PythonVersion, TagPriority, TagTarget, WheelFilename};

pub use error::{Conflict, Error, ErrorKind, IndexHas, NoWheel, OnlyManylinux};
pub use http::{Client, HttpSettings, Transfers};
pub use page::{join, parse, FileEntry};
pub use route::{CertificateProblem, Fault};
pub use sdist::{no_sdist_metadata, sdist_version, BinaryChoice, SdistMetadata};
pub use source::{
    index_urls, IndexArgs, IndexSource, IndexStrategy, PageInfo, PageOrigin, Project,
};

/// The Python and platform the wheels are for: the cluster's, not this machine's.
#[derive(Clone, Debug)]
pub struct TargetPython {
    pub python: PythonVersion,
    /// `3.11.5` when known (the loaded module's), for `Requires-Python` and markers.
    pub full_version: String,
    /// `linux_x86_64`.
    pub platform: String,
    /// The newest glibc the cluster has, for `manylinux_2_X` tags.
    pub glibc: Option<(u32, u32)>,
}

impl TargetPython {
    fn markers(&self) -> Option<MarkerEnvironment> {
        let short = format!("{}.{}", self.python.major, self.python.minor);
        let machine = self.platform.strip_prefix("linux_").unwrap_or("x86_64");
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &self.full_version,
            os_name: "posix",
            platform_machine: machine,
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: "Linux",
            platform_version: "",
            python_full_version: &self.full_version,
            python_version: &short,
            sys_platform: "linux",
        })
        .ok()
    }

    /// The tags the target takes, with `manylinux` ones only when `manylinux` allows.
    fn tags(&self, manylinux: bool) -> TagPriority {
        TagPriority::new(
            &TagTarget {
                implementation: "cpython".into(),
                python: self.python,
                abi: format!("cp{}{}", self.python.major, self.python.minor),
                platform: self.platform.clone(),
                glibc: self.glibc,
            },
            manylinux,
        )
    }
}

/// What to download.
#[derive(Clone, Debug)]
pub struct DownloadRequest {
    /// PEP 508 requirements, each with where it came from (`the command line`,
    /// `requirements.txt line 3`), for messages.
    pub requirements: Vec<(String, String)>,
    pub no_deps: bool,
    pub dest: PathBuf,
    pub target: TargetPython,
    pub pre: bool,
    /// Site policy: `manylinux` wheels are refused unless allowed (`--allow-manylinux`,
    /// pip's `allow-manylinux`), as by `install`.
    pub allow_manylinux: bool,
    /// Which packages may come as sdists or as wheels (`--only-binary`, `--no-binary`,
    /// `--prefer-binary`).
    pub binary: BinaryChoice,
}

/// How far a wheel is from working anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WheelKind {
    /// `none-any`: pure Python.
    Pure,
    /// Compiled for a platform (`linux_x86_64`, an abi3 or cpXY build): the tag.
    Platform(String),
    /// A `manylinux` build, which site policy refuses by default: the tag.
    Manylinux(String),
    /// Not a wheel: a source distribution, built where it is installed.
    Source,
}

/// One file (a wheel, or an sdist) in the destination directory.
#[derive(Clone, Debug)]
pub struct Downloaded {
    pub path: PathBuf,
    pub name: String,
    pub version: String,
    pub kind: WheelKind,
    /// Already there with the right hash: nothing fetched.
    pub already: bool,
    pub resumed: bool,
}

/// Progress, for the caller to print.
pub enum Event<'a> {
    Page(&'a str),
    Saved(&'a Downloaded),
    /// Something the resolver noticed (an unreadable requirement in a wheel's metadata).
    Warning(&'a str),
}

fn kind_of(wheel: &WheelFilename) -> WheelKind {
    let tags = wheel.tags();
    if tags
        .iter()
        .any(|t| t.abi() == "none" && t.platform() == "any")
    {
        return WheelKind::Pure;
    }
    let text = |t: &wheel_name::Tag| t.to_string();
    match tags.iter().find(|t| wheel_name::is_manylinux(t.platform())) {
        Some(t) => WheelKind::Manylinux(text(t)),
        None => WheelKind::Platform(tags.first().map(text).unwrap_or_default()),
    }
}

/// A requirement as given, parsed.
pub(crate) struct Wanted {
    pub(crate) req: Requirement<VerbatimUrl>,
    pub(crate) origin: String,
    pub(crate) key: String,
    pub(crate) spec: Option<VersionSpecifiers>,
}

/// Downloads what `request` asks for into `request.dest`: with its dependencies, as the
/// resolver chooses them (module `resolve`), or with `no_deps` the newest fitting file of each
/// (a wheel, else an sdist; module `sdist`). The files of every index are candidates together
/// (pip's rule for `download`). `sdist_metadata` reads a chosen sdist's dependencies.
pub fn download(
    source: &IndexSource,
    request: &DownloadRequest,
    sdist_metadata: &SdistMetadata<'_>,
    events: &dyn Fn(Event<'_>),
) -> Result<Vec<Downloaded>, Error> {
    std::fs::create_dir_all(&request.dest)
        .map_err(|e| Error::local("create the directory", request.dest.clone(), e))?;
    let mut wanted = Vec::new();
    for (text, origin) in &request.requirements {
        let req =
            Requirement::<VerbatimUrl>::from_str(text).map_err(|e| Error::InvalidRequirement {
                text: text.clone(),
                origin: origin.clone(),
                source: Arc::new(e),
            })?;
        let spec = match &req.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(s)) => Some(s.clone()),
            Some(VersionOrUrl::Url(_)) => {
                return Err(Error::UrlRequirement {
                    name: req.name.to_string(),
                    origin: origin.clone(),
                })
            }
            None => None,
        };
        wanted.push(Wanted {
            key: normalize(req.name.as_ref()),
            req,
            origin: origin.clone(),
            spec,
        });
    }
    if request.no_deps {
        direct(source, request, &wanted, events)
    } else {
        resolve::download(source, request, &wanted, sdist_metadata, events)
    }
}

/// `--no-deps`: the newest fitting file of each name; a second requirement of a name that
/// the first choice does not satisfy is a conflict naming both.
fn direct(
    source: &IndexSource,
    request: &DownloadRequest,
    wanted: &[Wanted],
    events: &dyn Fn(Event<'_>),
) -> Result<Vec<Downloaded>, Error> {
    let python = Version::from_str(&request.target.full_version).ok();
    let mut chosen: HashMap<&str, (&Wanted, Version)> = HashMap::new();
    let mut picked = Vec::new();
    for w in wanted {
        if let Some((first, version)) = chosen.get(w.key.as_str()) {
            if w.spec.as_ref().is_some_and(|s| !s.contains(version)) {
                return Err(Error::Conflict(Box::new(Conflict {
                    name: w.req.name.to_string(),
                    chosen: version.to_string(),
                    chosen_for: first.req.to_string(),
                    chosen_from: first.origin.clone(),
                    origin: w.origin.clone(),
                    specifiers: w.spec.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                })));
            }
            continue;
        }
        for index in source.urls() {
            events(Event::Page(&IndexSource::page_url(index, &w.key)));
        }
        let project = source.project(&w.key)?;
        let (file, version) = choose(
            request,
            &w.req,
            &w.key,
            w.spec.as_ref(),
            python.as_ref(),
            &w.origin,
            &project,
        )?;
        picked.push(file);
        chosen.insert(&w.key, (w, version));
    }
    // Every name has its file before anything is saved: a failure leaves nothing behind.
    let mut out = Vec::new();
    for file in &picked {
        let item = match file {
            Chosen::Wheel(entry, wheel) => save(source, request, entry, wheel)?,
            Chosen::Sdist(entry, version) => save_sdist(source, request, entry, version)?,
        };
        events(Event::Saved(&item));
        out.push(item);
    }
    Ok(out)
}

/// A file chosen for a package.
pub(crate) enum Chosen {
    Wheel(FileEntry, WheelFilename),
    /// An sdist, and its version.
    Sdist(FileEntry, Version),
}

/// The file to download for `req`: the newest version's wheel, else its sdist (pip's rule,
/// under `--only-binary`, `--no-binary` and `--prefer-binary`), or the error that says what
/// the index has instead.
pub(crate) fn choose(
    request: &DownloadRequest,
    req: &Requirement<VerbatimUrl>,
    key: &str,
    spec: Option<&VersionSpecifiers>,
    python: Option<&Version>,
    origin: &str,
    project: &Project,
) -> Result<(Chosen, Version), Error> {
    let choice = &request.binary;
    let filter = filter(request, spec, python);
    let sdist = if choice.wheels_only(key) {
        None
    } else {
        sdist::newest(project, key, &filter)
    };
    let wheel =
        (!choice.sources_only(key)).then(|| pick(request, req, key, spec, python, origin, project));
    match (wheel, sdist) {
        (Some(Ok((_, _, v))), Some((entry, version)))
            if sdist::sdist_wins(choice, Some(&v), &version) =>
        {
            Ok((Chosen::Sdist(entry, version.clone()), version))
        }
        (Some(Ok((entry, wheel, version))), _) => Ok((Chosen::Wheel(entry, wheel), version)),
        (_, Some((entry, version))) => Ok((Chosen::Sdist(entry, version.clone()), version)),
        (Some(Err(e)), None) => Err(e),
        (None, None) => Err(Error::NoSdist {
            name: req.name.to_string(),
            wanted: format!(
                "{}{}",
                req.name,
                spec.map(|s| s.to_string()).unwrap_or_default()
            ),
            origin: origin.to_string(),
            pages: project.asked(),
        }),
    }
}

/// Which files of a project `spec` and the target admit: yanked files only when pinned with
/// `==` (PEP 592), pre-releases with `--pre` or when a specifier names one.
fn filter<'a>(
    request: &DownloadRequest,
    spec: Option<&'a VersionSpecifiers>,
    python: Option<&'a Version>,
) -> sdist::Filter<'a> {
    sdist::Filter {
        spec,
        python,
        pinned: spec.is_some_and(|s| s.iter().any(|s| s.operator().to_string() == "==")),
        allow_pre: request.pre
            || spec.is_some_and(|s| s.iter().any(|s| s.version().any_prerelease())),
    }
}

/// Puts a chosen sdist in the destination (unless it is there whole already; one read whole
/// for its metadata is moved there) and checks that it is an archive.
pub(crate) fn save_sdist(
    source: &IndexSource,
    request: &DownloadRequest,
    entry: &FileEntry,
    version: &Version,
) -> Result<Downloaded, Error> {
    let dest = request.dest.join(&entry.filename);
    let fetched = source.fetch(entry, &dest)?;
    if !sdist::looks_like_archive(&dest) {
        let _ = std::fs::remove_file(&dest);
        return Err(Error::NotAnArchive {
            file: entry.filename.clone(),
            url: entry.url.clone(),
        });
    }
    let name = entry
        .filename
        .rsplit_once('-')
        .map_or(entry.filename.as_str(), |(name, _)| name);
    Ok(Downloaded {
        path: dest,
        name: name.to_string(),
        version: version.to_string(),
        kind: WheelKind::Source,
        already: fetched.already,
        resumed: fetched.resumed,
    })
}

/// Puts a chosen wheel in the destination (unless it is there whole already) and checks
/// that it opens as a wheel.
pub(crate) fn save(
    source: &IndexSource,
    request: &DownloadRequest,
    entry: &FileEntry,
    wheel: &WheelFilename,
) -> Result<Downloaded, Error> {
    let dest = request.dest.join(&entry.filename);
    let fetched = source.fetch(entry, &dest)?;
    // A wheel we cannot read is not a wheel: never leave it under a wheel's name.
    if let Err(e) = wheel_metadata::read_dist_info_file(&dest, "METADATA") {
        return Err(not_a_wheel(entry, &dest, e, true));
    }
    Ok(Downloaded {
        path: dest,
        name: wheel.name().to_string(),
        version: wheel.version_text().to_string(),
        kind: kind_of(wheel),
        already: fetched.already,
        resumed: fetched.resumed,
    })
}

/// How a file reached its destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// It was there whole already: nothing fetched.
    pub already: bool,
    /// An earlier attempt's part was completed.
    pub resumed: bool,
}

/// Removes a file that does not open as a wheel; the error says so when `said`.
pub(crate) fn not_a_wheel(
    entry: &FileEntry,
    dest: &Path,
    why: wheel_metadata::ArchiveError,
    said: bool,
) -> Error {
    let _ = std::fs::remove_file(dest);
    Error::NotAWheel {
        file: entry.filename.clone(),
        url: entry.url.clone(),
        removed: said,
        source: Arc::new(why),
    }
}

/// The file is already there, whole: its hash matches (or the index gives none and it opens
/// as a wheel).
pub(crate) fn present(dest: &Path, sha256: Option<&str>) -> bool {
    if !dest.is_file() {
        return false;
    }
    match sha256 {
        Some(expected) => std::fs::read(dest)
            .map(|b| {
                use sha2::Digest;
                http::hex(&sha2::Sha256::digest(&b)).eq_ignore_ascii_case(expected)
            })
            .unwrap_or(false),
        None => wheel_metadata::read_dist_info_file(dest, "METADATA").is_ok(),
    }
}

/// A file name the index gives, as a wheel of `key`: `None` for source distributions, other
/// names, and names that could be a path (an untrusted name becomes a path only after parsing
/// as a wheel name, which admits no separators).
fn wheel_of(entry: &FileEntry, key: &str) -> Option<(WheelFilename, Version)> {
    if !entry.filename.ends_with(".whl")
        || entry.filename.contains(['/', '\\'])
        || entry.filename.starts_with('.')
    {
        return None;
    }
    let wheel = WheelFilename::parse(&entry.filename).ok()?;
    if normalize(wheel.name()) != key {
        return None;
    }
    let version = Version::from_str(wheel.version_text()).ok()?;
    Some((wheel, version))
}

/// Whether the index's `Requires-Python` for a file admits the target.
fn python_fits(entry: &FileEntry, python: Option<&Version>) -> bool {
    match (&entry.requires_python, python) {
        (Some(rp), Some(py)) => VersionSpecifiers::from_str(rp).map_or(true, |s| s.contains(py)),
        _ => true,
    }
}

/// The newest wheel of the project that `req` and the target accept (under the site's
/// `manylinux` policy), or the error saying what the index has instead.
fn pick(
    request: &DownloadRequest,
    req: &Requirement<VerbatimUrl>,
    key: &str,
    spec: Option<&VersionSpecifiers>,
    python: Option<&Version>,
    origin: &str,
    project: &Project,
) -> Result<(FileEntry, WheelFilename, Version), Error> {
    let tags = request.target.tags(request.allow_manylinux);
    let with_manylinux = request.target.tags(true);
    let filter = filter(request, spec, python);
    let mut best: Option<(Version, u32, FileEntry, WheelFilename)> = None;
    let mut seen_versions: Vec<String> = Vec::new();
    let mut manylinux: Vec<String> = Vec::new();
    let mut sdists = 0;
    for entry in &project.files {
        if !entry.filename.ends_with(".whl") {
            sdists += 1;
            continue;
        }
        let Some((wheel, version)) = wheel_of(entry, key) else {
            continue;
        };
        seen_versions.push(version.to_string());
        if !filter.admits(entry, &version) {
            continue;
        }
        let Some(rank) = tags.rank(&wheel) else {
            if with_manylinux.rank(&wheel).is_some() {
                manylinux.push(entry.filename.clone());
            }
            continue;
        };
        let better = match &best {
            None => true,
            Some((v, r, _, _)) => version > *v || (version == *v && rank < *r),
        };
        if better {
            best = Some((version, rank, entry.clone(), wheel));
        }
    }
    if let Some((version, _, entry, wheel)) = best {
        return Ok((entry, wheel, version));
    }
    let t = &request.target;
    let wanted = format!(
        "{}{}",
        req.name,
        spec.map(|s| s.to_string()).unwrap_or_default()
    );
    if !manylinux.is_empty() {
        return Err(Error::OnlyManylinux(Box::new(OnlyManylinux {
            name: req.name.to_string(),
            wanted,
            origin: origin.to_string(),
            python: t.full_version.clone(),
            wheels: manylinux,
        })));
    }
    seen_versions.sort();
    seen_versions.dedup();
    let found = if seen_versions.is_empty() && sdists > 0 {
        IndexHas::OnlySdists(sdists)
    } else if seen_versions.is_empty() {
        IndexHas::Nothing
    } else {
        IndexHas::OtherWheels(seen_versions)
    };
    Err(Error::NoWheel(Box::new(NoWheel {
        wanted,
        origin: origin.to_string(),
        python: t.full_version.clone(),
        platform: t.platform.clone(),
        pages: project.asked(),
        found,
    })))
}

/// The glibc of this machine (a login node has the compute nodes' C library), for the newest
/// `manylinux_2_X` tag a wheel may carry.
pub fn local_glibc() -> Option<(u32, u32)> {
    // SAFETY: gnu_get_libc_version returns a static NUL-terminated string.
    let text = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
    let mut parts = text.to_str().ok()?.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// PEP 503 normalisation (the one the installer and the resolver use).
pub use wheel_metadata::normalize_name as normalize;
