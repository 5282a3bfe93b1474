//! Pre-downloading wheels on a login node, for a compute node to install offline.
//!
//! The site's recipe for a package the wheelhouse lacks is `pip download --no-deps X` on a
//! login node, then `pip install X-….whl` in the job. Two things go wrong with it: pip picks
//! wheels for the login node's `python3`, not the cluster's Python module, and nothing warns
//! that a compiled (`linux_x86_64`, `manylinux`) wheel may not work on the cluster. Here the
//! target is the cluster's Python ([`Target`]), wheels are chosen by its tags, the index is
//! read as PEP 691 JSON with the PEP 503 HTML fallback, dependencies come from PEP 658
//! metadata when the index offers it (else from the downloaded wheel), every file is checked
//! against the index's sha256, and files appear under their name only when whole (an
//! interrupted download resumes). Each wheel is classified ([`WheelKind`]) so the caller can
//! print the site's warnings.
//!
//! Resolution is greedy, like pip's before its resolver: the newest matching wheel of each
//! name, in the order met; a later requirement that the chosen version does not satisfy is a
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
mod http;
mod page;
mod route;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{
    ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, Requirement, VerbatimUrl, VersionOrUrl,
};
use wheel_name::{PythonVersion, TagPriority, TagTarget, WheelFilename};

pub use http::{Client, HttpSettings};
pub use page::{join, parse, FileEntry};

/// What kind of failure, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input: a requirement, a file, a setting.
    Input,
    /// No wheel matches, or requirements conflict.
    NotFound,
    /// The index could not be reached.
    Network,
    /// The index answered, but not with a usable page or file.
    Index,
    /// A file does not match its hash.
    Integrity,
    /// A download stopped halfway (the part is kept for resuming).
    Interrupted,
    /// A local file could not be written.
    Io,
}

/// A failure, with a message that says what and where.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The Python and platform the wheels are for: the cluster's, not this machine's.
#[derive(Clone, Debug)]
pub struct Target {
    pub python: PythonVersion,
    /// `3.11.5` when known (the loaded module's), for `Requires-Python` and markers.
    pub full_version: String,
    /// `linux_x86_64`.
    pub platform: String,
    /// The newest glibc the cluster has, for `manylinux_2_X` tags.
    pub glibc: Option<(u32, u32)>,
}

impl Target {
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

    fn tags(&self) -> TagPriority {
        TagPriority::new(
            &TagTarget {
                implementation: "cpython".into(),
                python: self.python,
                abi: format!("cp{}{}", self.python.major, self.python.minor),
                platform: self.platform.clone(),
                glibc: self.glibc,
            },
            true,
        )
    }
}

/// What to download.
#[derive(Clone, Debug)]
pub struct Request {
    /// PEP 508 requirements, each with where it came from (`the command line`,
    /// `requirements.txt line 3`), for messages.
    pub requirements: Vec<(String, String)>,
    pub no_deps: bool,
    pub dest: PathBuf,
    /// The index URL first, then the extra ones; candidates from all are merged.
    pub indexes: Vec<String>,
    pub target: Target,
    pub pre: bool,
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
}

/// One wheel in the destination directory.
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

struct Chosen {
    version: Version,
    extras: Vec<ExtraName>,
    requires_dist: Vec<String>,
}

/// Downloads what `request` asks for into `request.dest`.
pub fn download(
    client: &Client,
    request: &Request,
    events: &dyn Fn(Event<'_>),
) -> Result<Vec<Downloaded>, Error> {
    std::fs::create_dir_all(&request.dest).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!(
                "cannot create the directory {}: {e}",
                request.dest.display()
            ),
        )
    })?;
    let markers = request.target.markers();
    let tags = request.target.tags();
    let python = Version::from_str(&request.target.full_version).ok();
    let mut queue: VecDeque<(Requirement<VerbatimUrl>, String)> = VecDeque::new();
    for (text, origin) in &request.requirements {
        let req = Requirement::<VerbatimUrl>::from_str(text).map_err(|e| {
            Error::new(
                ErrorKind::Input,
                format!("{text:?} ({origin}) is not a valid requirement: {e}"),
            )
        })?;
        queue.push_back((req, origin.clone()));
    }
    let mut chosen: HashMap<String, Chosen> = HashMap::new();
    let mut out = Vec::new();
    while let Some((req, origin)) = queue.pop_front() {
        let key = normalize(req.name.as_ref());
        let spec = match &req.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(s)) => Some(s.clone()),
            Some(VersionOrUrl::Url(_)) => {
                return Err(Error::new(
                    ErrorKind::Input,
                    format!(
                        "{} (from {origin}) is a URL requirement: download the file directly",
                        req.name
                    ),
                ))
            }
            None => None,
        };
        if let Some(prev) = chosen.get_mut(&key) {
            if spec.as_ref().is_some_and(|s| !s.contains(&prev.version)) {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "conflict: {} {} was chosen, but {origin} requires {}{}. Pin a version \
                         that satisfies both on the command line",
                        req.name,
                        prev.version,
                        req.name,
                        spec.map(|s| s.to_string()).unwrap_or_default()
                    ),
                ));
            }
            let new: Vec<ExtraName> = req
                .extras
                .iter()
                .filter(|e| !prev.extras.contains(e))
                .cloned()
                .collect();
            if !new.is_empty() && !request.no_deps {
                prev.extras.extend(new);
                let from = format!("{} {}", req.name, prev.version);
                for dep in dependencies(&prev.requires_dist, markers.as_ref(), &prev.extras) {
                    queue.push_back((dep, from.clone()));
                }
            }
            continue;
        }
        let (entry, wheel, version) = choose(
            client,
            request,
            &req,
            &key,
            spec.as_ref(),
            &tags,
            python.as_ref(),
            &origin,
            events,
        )?;
        let dest = request.dest.join(&entry.filename);
        let kind = kind_of(&wheel);
        let (already, resumed) = if present(&dest, entry.sha256.as_deref()) {
            (true, false)
        } else {
            (
                false,
                client.fetch(&entry.url, &dest, entry.sha256.as_deref())?,
            )
        };
        // PEP 658: the index's copy of METADATA, checked against its hash; else the wheel's.
        let served = match (&entry.metadata, request.no_deps) {
            (Some(hash), false) => client
                .small(&format!("{}.metadata", entry.url), hash.as_deref())?
                .and_then(|b| String::from_utf8(b).ok()),
            _ => None,
        };
        // A wheel we cannot read is not a wheel: never leave it under a wheel's name.
        let metadata = match wheel_metadata::read_dist_info_file(&dest, "METADATA") {
            Ok(m) => served.unwrap_or(m),
            Err(e) => {
                let _ = std::fs::remove_file(&dest);
                return Err(Error::new(
                    ErrorKind::Index,
                    format!(
                        "{} from {} is not a valid wheel ({e}); it was removed",
                        entry.filename, entry.url
                    ),
                ));
            }
        };
        let meta = wheel_metadata::CoreMetadata::parse(&metadata);
        let item = Downloaded {
            path: dest,
            name: wheel.name().to_string(),
            version: wheel.version_text().to_string(),
            kind,
            already,
            resumed,
        };
        events(Event::Saved(&item));
        out.push(item);
        if !request.no_deps {
            let from = format!("{} {}", req.name, version);
            for dep in dependencies(&meta.requires_dist, markers.as_ref(), &req.extras) {
                queue.push_back((dep, from.clone()));
            }
        }
        chosen.insert(
            key,
            Chosen {
                version,
                extras: req.extras.clone(),
                requires_dist: meta.requires_dist,
            },
        );
    }
    Ok(out)
}

fn dependencies(
    requires_dist: &[String],
    markers: Option<&MarkerEnvironment>,
    extras: &[ExtraName],
) -> Vec<Requirement<VerbatimUrl>> {
    requires_dist
        .iter()
        .filter_map(|t| Requirement::<VerbatimUrl>::from_str(t).ok())
        .filter(|r| markers.is_none_or(|m| r.evaluate_markers(m, extras)))
        .collect()
}

/// The file is already there, whole: its hash matches (or the index gives none and it opens
/// as a wheel).
fn present(dest: &Path, sha256: Option<&str>) -> bool {
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

#[allow(clippy::too_many_arguments)]
fn choose(
    client: &Client,
    request: &Request,
    req: &Requirement<VerbatimUrl>,
    key: &str,
    spec: Option<&VersionSpecifiers>,
    tags: &TagPriority,
    python: Option<&Version>,
    origin: &str,
    events: &dyn Fn(Event<'_>),
) -> Result<(FileEntry, WheelFilename, Version), Error> {
    let mut files: Vec<FileEntry> = Vec::new();
    let mut asked = Vec::new();
    for index in &request.indexes {
        let url = format!("{}/{key}/", index.trim_end_matches('/'));
        events(Event::Page(&url));
        let Some(page) = client.page(&url)? else {
            asked.push(format!("{url} (not found)"));
            continue;
        };
        let entries = page::parse(&url, &page.content_type, &page.body).map_err(|e| {
            Error::new(
                ErrorKind::Index,
                format!("the index page {url} is not usable: {e}. Check --index-url (it must be a PEP 503/691 \"simple\" index)"),
            )
        })?;
        asked.push(url);
        files.extend(entries);
    }
    let pinned = spec.is_some_and(|s| s.iter().any(|s| s.operator().to_string() == "=="));
    let allow_pre =
        request.pre || spec.is_some_and(|s| s.iter().any(|s| s.version().any_prerelease()));
    let mut best: Option<(Version, u32, FileEntry, WheelFilename)> = None;
    let mut seen_versions: Vec<String> = Vec::new();
    let mut sdists = 0;
    for entry in files {
        // A file name is untrusted: it becomes a path only after parsing as a wheel name,
        // which admits no separators.
        if !entry.filename.ends_with(".whl") {
            sdists += 1;
            continue;
        }
        if entry.filename.contains(['/', '\\']) || entry.filename.starts_with('.') {
            continue;
        }
        let Ok(wheel) = WheelFilename::parse(&entry.filename) else {
            continue;
        };
        if normalize(wheel.name()) != key {
            continue;
        }
        let Ok(version) = Version::from_str(wheel.version_text()) else {
            continue;
        };
        seen_versions.push(version.to_string());
        if entry.yanked && !pinned {
            continue;
        }
        if version.any_prerelease() && !allow_pre {
            continue;
        }
        if spec.is_some_and(|s| !s.contains(&version)) {
            continue;
        }
        if let (Some(rp), Some(py)) = (&entry.requires_python, python) {
            if VersionSpecifiers::from_str(rp).is_ok_and(|s| !s.contains(py)) {
                continue;
            }
        }
        let Some(rank) = tags.rank(&wheel) else {
            continue;
        };
        let better = match &best {
            None => true,
            Some((v, r, _, _)) => version > *v || (version == *v && rank < *r),
        };
        if better {
            best = Some((version, rank, entry, wheel));
        }
    }
    match best {
        Some((version, _, entry, wheel)) => Ok((entry, wheel, version)),
        None => {
            seen_versions.sort();
            seen_versions.dedup();
            let t = &request.target;
            let found = if seen_versions.is_empty() && sdists > 0 {
                format!("only source distributions ({sdists}), which wheelhouse does not build")
            } else if seen_versions.is_empty() {
                "no wheels".to_string()
            } else {
                format!(
                    "wheels of versions {}, none for this Python and platform",
                    seen_versions.join(", ")
                )
            };
            Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "no wheel of {}{} (from {origin}) for CPython {} on {} at {}: the index has {found}. \
                     Check the name and version; for another Python give --python-version; if it must \
                     be built, ask technical support to add it to the wheelhouse",
                    req.name,
                    spec.map(|s| s.to_string()).unwrap_or_default(),
                    t.full_version,
                    t.platform,
                    asked.join(", "),
                ),
            ))
        }
    }
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
