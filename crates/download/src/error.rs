//! Why reading an index or downloading failed: one variant per failure a caller could react
//! to, carrying the URL, file, hashes or status involved and the underlying error as its
//! source. The text of each is the paragraph the command line prints; [`Error::kind`] is what
//! the command line's exit-code table maps.
//!
//! Errors are cloned (a project page or METADATA that failed is answered from the source's
//! memory the same way the next time it is asked), so the errors underneath are shared
//! (`Arc`) rather than owned.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use pep508_rs::{Pep508Error, VerbatimUrl};
use wheel_metadata::ArchiveError;

use crate::route::{Fault, Target};

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
    /// Stopped by the user (Ctrl-C): nothing partial was left.
    Cancelled,
    /// A local file could not be written.
    Io,
}

/// A failure, whose text says what and where.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    /// The certificate bundle configured (or the system's) cannot be read.
    #[error(
        "cannot read the certificate bundle {} (pip's `cert`, PIP_CERT or SSL_CERT_FILE): \
         {source}",
        .path.display()
    )]
    CertificateBundle {
        path: PathBuf,
        source: Arc<std::io::Error>,
    },
    /// The certificate bundle holds no certificate.
    #[error("{} holds no PEM certificate", .path.display())]
    NoCertificate { path: PathBuf },
    /// A proxy setting that is not a proxy URL; `proxy` is printable (no credentials),
    /// `settings` names where it can be set.
    #[error(
        "the proxy {proxy} is not usable ({source}): give it as http://HOST:PORT ({settings})"
    )]
    UnusableProxy {
        proxy: String,
        settings: &'static str,
        source: Arc<ureq::Error>,
    },
    /// A requirement that does not parse; `origin` says where it was given.
    #[error("{text:?} ({origin}) is not a valid requirement: {source}")]
    InvalidRequirement {
        text: String,
        origin: String,
        source: Arc<Pep508Error<VerbatimUrl>>,
    },
    /// A requirement on a URL rather than on an index's project.
    #[error("{name} (from {origin}) is a URL requirement: download the file directly")]
    UrlRequirement { name: String, origin: String },
    /// The target Python's version cannot give the markers' values.
    #[error(
        "the Python version {version} is not one the requirements' markers can be evaluated for"
    )]
    PythonWithoutMarkers { version: String },
    /// The target Python's version does not parse.
    #[error("the Python version {version} is not a version: {source}")]
    PythonNotAVersion {
        version: String,
        source: Arc<pep440_rs::VersionParseError>,
    },
    /// `--no-deps`: two requirements of a name that one version cannot satisfy.
    #[error(transparent)]
    Conflict(Box<Conflict>),
    /// The only wheels that fit the target are `manylinux` builds, which site policy refuses.
    #[error(transparent)]
    OnlyManylinux(Box<OnlyManylinux>),
    /// No wheel fits the target.
    #[error(transparent)]
    NoWheel(Box<NoWheel>),
    /// `--no-binary` leaves a package's wheels out and the index has no sdist that fits.
    #[error(
        "no source distribution of {wanted} (from {origin}) at {}, and --no-binary leaves its \
         wheels out. Check the name and version, or leave {name} out of --no-binary",
        .pages.join(", ")
    )]
    NoSdist {
        name: String,
        wanted: String,
        origin: String,
        pages: Vec<String>,
    },
    /// An sdist's dependencies could not be read (`reason`: from its `PKG-INFO` or its
    /// build backend).
    #[error(
        "cannot tell what {file} ({url}) depends on: {reason}. Download it alone with \
         `wheelhouse download --no-deps {name}=={version}` and name the packages it needs"
    )]
    SdistMetadata {
        file: String,
        url: String,
        name: String,
        version: String,
        reason: String,
    },
    /// A file saved as an sdist is not a gzip or zip archive (an error page, say); removed.
    #[error(
        "the index's {file} ({url}) is not a .tar.gz or .zip archive; it was not kept. Tell \
         the index's maintainers, or pin another version"
    )]
    NotAnArchive { file: String, url: String },
    /// The resolver's explanation of why the requirements cannot be met, followed by what
    /// the index has of the dependencies it names (each a [`Error::NoWheel`] or
    /// [`Error::OnlyManylinux`]).
    #[error("{explanation}{}", lines(.missing))]
    Unresolvable {
        explanation: String,
        missing: Vec<Error>,
    },
    /// `url` could not be fetched: `fault` is the part at fault (the host name, the proxy,
    /// the certificate), its text says what to check. `index` is the index (as configured)
    /// whose page it was, when it was one.
    #[error("cannot reach {url}: {fault}")]
    Unreachable {
        url: String,
        fault: Box<Fault>,
        index: Option<String>,
        source: Arc<ureq::Error>,
    },
    /// The answer from `url` stopped halfway (the connection closed or timed out); `proxy` is
    /// the proxy it came through.
    #[error("{}", stopped_halfway(.url, .proxy.as_deref(), .source))]
    StoppedHalfway {
        url: String,
        proxy: Option<String>,
        index: Option<String>,
        source: Arc<std::io::Error>,
    },
    /// An answer other than the page or file (from the index, or from the proxy in its
    /// name when the request went through one).
    #[error("{}", status_text(.url, *.status, .proxy.as_deref()))]
    Status {
        url: String,
        status: u16,
        proxy: Option<String>,
    },
    /// An answer larger than a page or METADATA file can be.
    #[error(
        "{url} is larger than {limit_mib} MiB, more than such a file can be: the index answered \
         with something else"
    )]
    TooLarge { url: String, limit_mib: u64 },
    /// A 304 Not Modified to a request without validators.
    #[error("{url} answered 304 Not Modified to a plain request")]
    NotModifiedToPlainRequest { url: String },
    /// A project page that is not a PEP 503/691 page.
    #[error(
        "the index page {url} is not usable: {reason}. Check --index-url (it must be a PEP \
         503/691 \"simple\" index)"
    )]
    UnusablePage { url: String, reason: String },
    /// A PEP 658 metadata file that is not text.
    #[error("{url} is not UTF-8 text, so not a wheel's METADATA")]
    MetadataNotText { url: String },
    /// A file named as a wheel that does not read as one; it was deleted. `removed`: the
    /// text says so (a file saved to the destination, rather than read aside for its
    /// metadata).
    #[error(
        "{file} from {url} is not a valid wheel ({source}){}",
        said(*.removed, "; it was removed")
    )]
    NotAWheel {
        file: String,
        url: String,
        removed: bool,
        source: Arc<ArchiveError>,
    },
    /// A file whose sha256 is not the one the index gives. `discarded`: a wheel, of which
    /// nothing was saved (rather than a metadata file).
    #[error(
        "{url} does not match the sha256 the index gives (expected {expected}, got \
         {actual}){}. The index or a proxy altered it: try again, and tell the index's \
         administrators if it persists",
        said(*.discarded, "; nothing was saved")
    )]
    HashMismatch {
        url: String,
        expected: String,
        actual: String,
        discarded: bool,
    },
    /// A download that stopped halfway; what arrived is kept at `part` for the next attempt.
    #[error(
        "{} The part received is kept as {} and the same command resumes it",
        stopped_halfway(.url, .proxy.as_deref(), .source),
        .part.display()
    )]
    Incomplete {
        url: String,
        proxy: Option<String>,
        part: PathBuf,
        source: Arc<std::io::Error>,
    },
    /// Stopped by the caller's flag (Ctrl-C): temporary files were removed.
    #[error("interrupted; only complete, verified files were kept")]
    Cancelled,
    /// A local file or directory could not be made, read or written (`action`: `create the
    /// directory`, `write`, `rename`).
    #[error("cannot {action} {}: {source}", .path.display())]
    LocalFile {
        action: &'static str,
        path: PathBuf,
        source: Arc<std::io::Error>,
    },
    /// No temporary directory could be made in any of the places tried, for wheels read
    /// whole.
    #[error(
        "cannot make a temporary directory for wheels read whole ({})",
        each_tried(.tried)
    )]
    NoScratchDirectory {
        tried: Vec<(PathBuf, Arc<std::io::Error>)>,
    },
}

/// `--no-deps`: a second requirement of `name` that the version chosen for the first
/// (`chosen_for`, from `chosen_from`) does not satisfy.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "conflict: {name} {chosen} was chosen (for {chosen_for}, from {chosen_from}), but \
     {origin} requires {name}{specifiers}. Pin a version that satisfies both on the command \
     line"
)]
pub struct Conflict {
    pub name: String,
    pub chosen: String,
    pub chosen_for: String,
    pub chosen_from: String,
    pub origin: String,
    pub specifiers: String,
}

/// The only wheels of `wanted` (a requirement) that fit the target are `manylinux` builds,
/// which site policy refuses.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "no wheel of {wanted} (from {origin}) for CPython {python} that the site's policy \
     accepts: the only fitting ones are manylinux builds ({}), which bundle libraries built \
     elsewhere and may not work on the cluster, so `wheelhouse install` refuses them. Ask \
     technical support to add {name} to the wheelhouse; to take the manylinux wheel \
     anyway, at your own risk, pass --allow-manylinux (to `install` too)",
    .wheels.join(", ")
)]
pub struct OnlyManylinux {
    pub name: String,
    pub wanted: String,
    pub origin: String,
    pub python: String,
    pub wheels: Vec<String>,
}

/// No wheel of `wanted` fits the target on the index `pages`; `found` is what they have.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "no wheel of {wanted} (from {origin}) for CPython {python} on {platform} at {}: the \
     index has {found}. Check the name and version; for another Python give \
     --python-version; if it must be built, ask technical support to add it to the \
     wheelhouse",
    .pages.join(", ")
)]
pub struct NoWheel {
    pub wanted: String,
    pub origin: String,
    pub python: String,
    pub platform: String,
    pub pages: Vec<String>,
    pub found: IndexHas,
}

/// What an index has of a project when no wheel fits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndexHas {
    /// Nothing at all.
    Nothing,
    /// Only source distributions, this many.
    OnlySdists(usize),
    /// Wheels of these versions, none for the target.
    OtherWheels(Vec<String>),
}

impl fmt::Display for IndexHas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexHas::Nothing => f.write_str("no wheels"),
            IndexHas::OnlySdists(n) => write!(
                f,
                "only source distributions ({n}), which --only-binary leaves out"
            ),
            IndexHas::OtherWheels(versions) => write!(
                f,
                "wheels of versions {}, none for this Python and platform",
                versions.join(", ")
            ),
        }
    }
}

impl Error {
    /// The kind of failure, for the exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::CertificateBundle { .. }
            | Error::NoCertificate { .. }
            | Error::UnusableProxy { .. }
            | Error::InvalidRequirement { .. }
            | Error::UrlRequirement { .. }
            | Error::PythonWithoutMarkers { .. }
            | Error::PythonNotAVersion { .. } => ErrorKind::Input,
            Error::Conflict(_)
            | Error::OnlyManylinux(_)
            | Error::NoWheel(_)
            | Error::NoSdist { .. }
            | Error::SdistMetadata { .. }
            | Error::Unresolvable { .. } => ErrorKind::NotFound,
            Error::Unreachable { .. } | Error::StoppedHalfway { .. } => ErrorKind::Network,
            Error::Status { .. }
            | Error::TooLarge { .. }
            | Error::NotModifiedToPlainRequest { .. }
            | Error::UnusablePage { .. }
            | Error::MetadataNotText { .. }
            | Error::NotAnArchive { .. }
            | Error::NotAWheel { .. } => ErrorKind::Index,
            Error::HashMismatch { .. } => ErrorKind::Integrity,
            Error::Incomplete { .. } => ErrorKind::Interrupted,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::LocalFile { .. } | Error::NoScratchDirectory { .. } => ErrorKind::Io,
        }
    }

    /// Names the index a network failure came from (a name given first stays).
    pub(crate) fn at_index(mut self, base: &str) -> Error {
        if let Error::Unreachable { index, .. } | Error::StoppedHalfway { index, .. } = &mut self {
            index.get_or_insert_with(|| base.to_string());
        }
        self
    }

    /// The index this node cannot reach (no network, connection refused, unknown host, a
    /// proxy refusing), when that is the failure: for "PACKAGE needs the index URL, which
    /// this node cannot reach" (the message names the URL and what to check).
    pub fn unreachable_index(&self) -> Option<&str> {
        match self {
            Error::Unreachable { index, .. } | Error::StoppedHalfway { index, .. } => {
                index.as_deref()
            }
            _ => None,
        }
    }

    /// A local file error.
    pub(crate) fn local(action: &'static str, path: PathBuf, source: std::io::Error) -> Error {
        Error::LocalFile {
            action,
            path,
            source: Arc::new(source),
        }
    }
}

/// Each error on a line of its own, after the one before.
fn lines(errors: &[Error]) -> String {
    errors.iter().map(|e| format!("\n{e}")).collect()
}

/// `text` when `yes`.
fn said(yes: bool, text: &str) -> &str {
    if yes {
        text
    } else {
        ""
    }
}

/// `DIR: WHY; DIR: WHY`.
fn each_tried(tried: &[(PathBuf, Arc<std::io::Error>)]) -> String {
    let each: Vec<String> = tried
        .iter()
        .map(|(dir, e)| format!("{}: {e}", dir.display()))
        .collect();
    each.join("; ")
}

/// The text of a body that stopped halfway.
fn stopped_halfway(url: &str, proxy: Option<&str>, e: &std::io::Error) -> String {
    let via = match proxy {
        Some(proxy) => format!(" (through the proxy {proxy})"),
        None => String::new(),
    };
    format!(
        "the answer from {url}{via} stopped halfway ({e}). Try again; if it persists, check the \
         network from this node and the proxy settings"
    )
}

/// The text of an unexpected HTTP status.
fn status_text(url: &str, status: u16, proxy: Option<&str>) -> String {
    let target = Target::parse(url);
    let plain = target.scheme.eq_ignore_ascii_case("http");
    match proxy {
        // A proxy answers plain-HTTP requests for the index: 403/407 and 502-504 are usually
        // its own. (Through an https tunnel, every answer is the index's.)
        Some(proxy) if plain && matches!(status, 403 | 407 | 502..=504) => format!(
            "HTTP {status} for {url} through the proxy {proxy}: the proxy (or the index behind \
             it) refused. Check the proxy (HTTP_PROXY, or pip's `proxy` setting) and whether it \
             lets this node reach {}",
            target.host
        ),
        _ => format!("the index answered HTTP {status} for {url}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(text: &str) -> Arc<std::io::Error> {
        Arc::new(std::io::Error::other(text.to_string()))
    }

    /// The texts are the paragraphs the command line prints, word for word as before the
    /// errors were typed.
    #[test]
    fn texts() {
        let url = "http://index.test/f/a-1-py3-none-any.whl";
        let hash = |discarded| Error::HashMismatch {
            url: url.into(),
            expected: "ab".into(),
            actual: "cd".into(),
            discarded,
        };
        assert_eq!(
            hash(true).to_string(),
            format!(
                "{url} does not match the sha256 the index gives (expected ab, got cd); nothing \
                 was saved. The index or a proxy altered it: try again, and tell the index's \
                 administrators if it persists"
            )
        );
        assert_eq!(
            hash(false).to_string(),
            format!(
                "{url} does not match the sha256 the index gives (expected ab, got cd). The \
                 index or a proxy altered it: try again, and tell the index's administrators if \
                 it persists"
            )
        );
        let status = |status, proxy: Option<&str>| {
            Error::Status {
                url: url.into(),
                status,
                proxy: proxy.map(str::to_string),
            }
            .to_string()
        };
        assert_eq!(
            status(407, Some("http://proxy:3128")),
            format!(
                "HTTP {} for {url} through the proxy http://proxy:3128: the proxy (or the index \
                 behind it) refused. Check the proxy (HTTP_PROXY, or pip's `proxy` setting) and \
                 whether it lets this node reach index.test",
                407
            )
        );
        assert_eq!(
            status(404, Some("http://proxy:3128")),
            format!("the index answered HTTP 404 for {url}")
        );
        let incomplete = Error::Incomplete {
            url: url.into(),
            proxy: None,
            part: PathBuf::from("/d/.a.part"),
            source: io("reset"),
        };
        assert_eq!(
            incomplete.to_string(),
            format!(
                "the answer from {url} stopped halfway (reset). Try again; if it persists, check \
                 the network from this node and the proxy settings The part received is kept as \
                 /d/.a.part and the same command resumes it"
            )
        );
        assert_eq!(incomplete.kind(), ErrorKind::Interrupted);
        let scratch = Error::NoScratchDirectory {
            tried: vec![("/a".into(), io("full")), ("/b".into(), io("gone"))],
        };
        assert_eq!(
            scratch.to_string(),
            "cannot make a temporary directory for wheels read whole (/a: full; /b: gone)"
        );
        let missing = Error::NoWheel(Box::new(NoWheel {
            wanted: "x".into(),
            origin: "a dependency".into(),
            python: "3.11.5".into(),
            platform: "linux_x86_64".into(),
            pages: vec!["http://index.test/x/ (not found)".into()],
            found: IndexHas::Nothing,
        }));
        let unresolvable = Error::Unresolvable {
            explanation: "x is needed".into(),
            missing: vec![missing.clone()],
        };
        assert_eq!(unresolvable.to_string(), format!("x is needed\n{missing}"));
        assert_eq!(
            missing.to_string(),
            "no wheel of x (from a dependency) for CPython 3.11.5 on linux_x86_64 at \
             http://index.test/x/ (not found): the index has no wheels. Check the name and \
             version; for another Python give --python-version; if it must be built, ask \
             technical support to add it to the wheelhouse"
        );
    }

    /// Only a network failure names the index it came from.
    #[test]
    fn only_network_failures_name_their_index() {
        let halfway = Error::StoppedHalfway {
            url: "u".into(),
            proxy: None,
            index: None,
            source: io("x"),
        };
        let named = halfway.at_index("first").at_index("second");
        assert_eq!(named.unreachable_index(), Some("first"));
        let page = Error::UnusablePage {
            url: "u".into(),
            reason: "r".into(),
        };
        assert_eq!(page.at_index("first").unreachable_index(), None);
    }
}
