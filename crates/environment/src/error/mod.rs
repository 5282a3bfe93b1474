//! The workflow's one error type: what went wrong, with the names, versions and paths
//! involved and the underlying failure as its source. Its `Display` is the paragraph the user
//! reads; [`Error::kind`] is the kind of failure, which the command line maps to its exit code
//! (its one table, `wheelhouse`'s `exit.rs`).

mod display;
mod request;

use std::path::PathBuf;

/// What kind of failure, for exit codes and for callers that react differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Could not resolve: no matching wheel, a conflict, site policy, a hash mismatch.
    Resolution,
    /// Bad input: an unreadable requirement or configuration, no environment.
    Input,
    /// The installation itself failed; the environment was left as it was.
    Install,
    /// Interrupted (Ctrl-C, SIGTERM); the environment was left as it was.
    Interrupted,
}

/// A failure of the workflow. Each variant is one thing that went wrong; its `Display` is
/// the paragraph that explains it and says what to do next.
#[derive(Debug)]
pub enum Error {
    // What the user asked for: the command line, requirement files, the configuration.
    /// The site's or pip's configuration cannot be used.
    Config(site_config::ConfigError),
    /// A requirements or constraints file cannot be read.
    Requirements(requirements::FileError),
    /// A requirement line that does not parse (`text` as written).
    InvalidRequirement {
        origin: String,
        text: String,
        source: pep508_rs::Pep508Error,
    },
    /// `NAME==VERSION` made from a wheel's or a build's name does not parse.
    NameVersion {
        origin: Option<String>,
        source: pep508_rs::Pep508Error,
    },
    /// A wheel (named directly or fetched) whose file name is not a wheel's.
    InvalidWheelName {
        origin: Option<String>,
        file_name: String,
        source: wheel_name::ParseError,
    },
    /// A wheel file given by path whose name is not a wheel's.
    InvalidWheelFile {
        origin: String,
        path: PathBuf,
        source: wheel_name::ParseError,
    },
    /// `-e` given something that is not a project directory.
    NotEditable { origin: String, given: Editable },
    /// A reference to a version-control system other than git (`hg+`, `svn+`, `bzr+`).
    OtherVcs {
        origin: String,
        text: String,
        vcs: String,
    },
    /// A URL given without the name of what it holds.
    UrlWithoutName { origin: String, text: String },
    /// A path that does not exist.
    PathNotFound { origin: String, path: PathBuf },
    /// A file that is neither a wheel, a source archive nor a project directory.
    NotInstallable { origin: String, path: PathBuf },
    /// `--only-binary :none:` in a requirements file (source builds of named packages).
    OnlyBinaryNone { file: PathBuf, value: String },
    /// `--no-binary` in a requirements file.
    NoBinary { file: PathBuf, value: String },
    /// `--use-feature` with a pip feature that has no counterpart here (`why`).
    UseFeature {
        file: PathBuf,
        value: String,
        why: &'static str,
    },
    /// An option of a requirements file that is not supported.
    UnsupportedOption { file: PathBuf, option: String },
    /// A file a requirement names cannot be read.
    Unreadable {
        origin: Option<String>,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A `#sha256=` fragment the file does not match.
    FragmentHashMismatch {
        origin: String,
        path: PathBuf,
        expected: String,
        actual: String,
    },
    /// Nothing was asked for.
    NothingToInstall,
    /// No `-p` and no active virtual environment.
    NoEnvironment,
    /// `-p` names something that is not a virtual environment (`diagnosis`: the command
    /// line's paragraph saying what it is instead, when it looked).
    NotAnEnvironment {
        path: PathBuf,
        diagnosis: Option<String>,
    },
    /// A lock file given with other requirements (it is installed on its own).
    LockWithOthers,
    /// The interpreter cannot be asked about itself.
    Interpreter(interpreter::QueryError),
    /// The interpreter's version is not a PEP 440 version.
    PythonVersion(pep440_rs::VersionParseError),
    /// A directory that cannot be made absolute.
    BadPath {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The installation report cannot be written where `--report` says.
    ReportNotWritten {
        path: PathBuf,
        source: std::io::Error,
    },

    // URLs named directly and the indexes.
    /// A URL whose last segment is no file name.
    UrlWithoutFileName { origin: String, url: String },
    /// A URL named directly could not be fetched (or did not match its hash).
    Fetch {
        origin: String,
        url: String,
        source: Box<download::Error>,
    },
    /// A URL named directly that is neither a wheel nor a source archive.
    NotWheelOrArchive { origin: String, url: String },
    /// `NAME @ URL` whose wheel is another project's.
    WheelNameMismatch {
        origin: String,
        asked: String,
        file_name: String,
        name: String,
    },
    /// The HTTP client cannot be set up from the settings.
    HttpClient(Box<download::Error>),
    /// An index `package` needed cannot be reached from this node.
    IndexUnreachable {
        package: String,
        url: String,
        best_match: bool,
        source: Box<download::Error>,
    },
    /// The index settings cannot be used for `package`.
    IndexInput {
        package: String,
        source: Box<download::Error>,
    },
    /// An index failed while `package` needed it.
    Index {
        package: String,
        source: Box<download::Error>,
    },

    // Resolution and the cluster's rules.
    /// The resolver found no set of wheels; `indexes` lists what the indexes were asked too.
    Unresolvable {
        source: resolver::ResolveError,
        indexes: Vec<IndexSearched>,
    },
    /// A module's copy on `PYTHONPATH` would hide the version to install.
    Shadowed(Box<Shadowed>),
    /// Packages of a loaded stack module require another version of `key` than the one to
    /// install.
    StackDependents(Box<StackConflict>),
    /// `--require-hashes`: a requirement not pinned with `==`.
    NotPinned { requirement: String },
    /// `--require-hashes`: a requirement without `--hash`.
    NoHash { requirement: String },
    /// `--require-hashes`: a dependency to install that no hashed requirement names.
    DependencyWithoutHash {
        file_name: String,
        key: String,
        wheel: PathBuf,
    },
    /// `--require-hashes`: a wheel that matches none of its hashes.
    HashMismatch {
        wheel: PathBuf,
        sha256: String,
        allowed: Vec<String>,
    },

    // A lock file's wheels.
    /// A lock entry without a usable hash.
    LockNoHash { entry: String, path: PathBuf },
    /// A wheel the lock names cannot be read.
    LockedWheelUnreadable {
        entry: String,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A wheel that does not match the lock's hash.
    LockHashMismatch {
        entry: String,
        path: PathBuf,
        algorithm: &'static str,
        got: String,
        want: String,
    },

    // Sources to build.
    /// A git repository that cannot be cloned.
    GitClone {
        origin: String,
        url: String,
        why: String,
    },
    /// A git revision the repository does not have.
    GitRevision {
        origin: String,
        url: String,
        rev: String,
        why: String,
    },
    /// `git rev-parse HEAD` failed in a fresh checkout.
    GitRevParse { origin: String, why: String },
    /// `#subdirectory=` that leaves the repository.
    SubdirectoryOutside { origin: String, sub: String },
    /// `#subdirectory=` that the repository does not have.
    NoSubdirectory {
        origin: String,
        url: String,
        sub: String,
        revision: Option<String>,
    },
    /// A build made a file that is not named as a wheel.
    BuiltInvalidName {
        what: String,
        file_name: String,
        source: wheel_name::ParseError,
    },
    /// `NAME @ SOURCE` whose build is another project.
    BuiltNameMismatch {
        origin: String,
        asked: String,
        what: String,
        name: String,
    },
    /// Building a source named directly failed (`what` describes it).
    Build {
        origin: String,
        what: String,
        source: Box<build_frontend::BuildError>,
    },
    /// Building a source distribution failed.
    SdistBuild(Box<build_frontend::BuildError>),
    /// A source distribution chosen by the resolver (from a find-links directory or an
    /// index) whose build failed; `context` says why it was built.
    CandidateSdistBuild { context: String, source: Box<Error> },
    /// Building a source distribution (`context`: why it was built) needs `name` itself:
    /// a build dependency cycle.
    BuildCycle { context: String, name: String },
    /// A source distribution whose build failed earlier in this install (its paragraph).
    BuildFailedEarlier(String),
    /// A build environment could not be made.
    BuildEnvironment {
        dir: PathBuf,
        source: venv::VenvError,
    },
    /// The build requirements could not be installed into a build environment.
    BuildRequirements {
        requirements: Vec<String>,
        source: Box<Error>,
    },

    // Carrying out the plan.
    /// A file or directory could not be made, created or read (`action`: `make`, `create`,
    /// `read`).
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A temporary directory (`what`) could not be made.
    TempDir {
        what: &'static str,
        source: std::io::Error,
    },
    /// A wheel's METADATA cannot be read.
    Metadata(wheel_metadata::ArchiveError),
    /// The environment's site-packages cannot be read.
    SiteDir(installer::InstallError),
    /// The installer failed; the environment was left as it was.
    Install(installer::InstallError),
    /// The unpacking threads could not be started.
    ThreadPool(rayon::ThreadPoolBuildError),
    /// Interrupted (`building`: while building sources); nothing was changed.
    Interrupted { building: bool },
}

/// What `-e` was given instead of a project directory.
#[derive(Debug)]
pub enum Editable {
    /// A requirement that names no source.
    Requirement(String),
    /// Neither a path nor a URL.
    Other(String),
    /// A URL.
    Url,
    /// A file.
    File(PathBuf),
    /// A git repository.
    Git(String),
}

/// An index searched for a name the resolver's explanation mentions.
#[derive(Debug)]
pub struct IndexSearched {
    pub key: String,
    /// Whether the index lists a wheel of it.
    pub has_wheel: bool,
    /// The pages asked for it.
    pub asked: Vec<String>,
}

/// A module's copy of `key` on `PYTHONPATH`, imported before the version to install.
#[derive(Debug)]
pub struct Shadowed {
    pub key: String,
    pub version: String,
    pub env: PathBuf,
    /// The module's copy: its name, version and site directory.
    pub name: String,
    pub installed: String,
    pub site_dir: PathBuf,
    /// The lock file's entry, when a lock is installed.
    pub lock_entry: Option<String>,
}

/// A loaded stack's packages that require another version of a package to install.
#[derive(Debug)]
pub struct StackConflict {
    pub key: String,
    pub version: String,
    pub env: PathBuf,
    pub module: String,
    pub module_name: String,
    /// `    NAME VERSION (from MODULE) requires REQUIREMENT`, one per dependent.
    pub dependents: Vec<String>,
    /// Why `key` is installed ("you asked for A; ..."), empty when unknown.
    pub chain: String,
    /// The requirement the stack accepts.
    pub requirement: String,
}

impl Error {
    /// The kind of failure, for the exit code.
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind::*;
        match self {
            Error::Config(_)
            | Error::Requirements(_)
            | Error::InvalidRequirement { .. }
            | Error::NameVersion { .. }
            | Error::InvalidWheelName { .. }
            | Error::InvalidWheelFile { .. }
            | Error::NotEditable { .. }
            | Error::OtherVcs { .. }
            | Error::UrlWithoutName { .. }
            | Error::PathNotFound { .. }
            | Error::NotInstallable { .. }
            | Error::OnlyBinaryNone { .. }
            | Error::NoBinary { .. }
            | Error::UseFeature { .. }
            | Error::UnsupportedOption { .. }
            | Error::Unreadable { .. }
            | Error::NothingToInstall
            | Error::NoEnvironment
            | Error::NotAnEnvironment { .. }
            | Error::LockWithOthers
            | Error::Interpreter(_)
            | Error::PythonVersion(_)
            | Error::BadPath { .. }
            | Error::ReportNotWritten { .. }
            | Error::UrlWithoutFileName { .. }
            | Error::NotWheelOrArchive { .. }
            | Error::WheelNameMismatch { .. }
            | Error::HttpClient(_)
            | Error::IndexInput { .. }
            | Error::NotPinned { .. }
            | Error::NoHash { .. }
            | Error::DependencyWithoutHash { .. }
            | Error::LockNoHash { .. }
            | Error::LockedWheelUnreadable { .. }
            | Error::GitClone { .. }
            | Error::GitRevision { .. }
            | Error::SubdirectoryOutside { .. }
            | Error::NoSubdirectory { .. }
            | Error::BuiltNameMismatch { .. } => Input,
            Error::FragmentHashMismatch { .. }
            | Error::IndexUnreachable { .. }
            | Error::Index { .. }
            | Error::Unresolvable { .. }
            | Error::Shadowed(_)
            | Error::StackDependents(_)
            | Error::HashMismatch { .. }
            | Error::LockHashMismatch { .. }
            | Error::BuildCycle { .. } => Resolution,
            Error::GitRevParse { .. }
            | Error::BuiltInvalidName { .. }
            | Error::BuildFailedEarlier(_)
            | Error::BuildEnvironment { .. }
            | Error::Io { .. }
            | Error::TempDir { .. }
            | Error::Metadata(_)
            | Error::SiteDir(_)
            | Error::Install(_)
            | Error::ThreadPool(_) => Install,
            Error::Interrupted { .. } => Interrupted,
            // A fetch that did not match its hash cannot be done as asked; any other
            // failure to fetch a URL the user named is theirs to check.
            Error::Fetch { source, .. } => match source.kind() {
                download::ErrorKind::Integrity => Resolution,
                _ => Input,
            },
            Error::Build { source, .. } | Error::SdistBuild(source) => build_kind(source),
            Error::CandidateSdistBuild { source, .. } | Error::BuildRequirements { source, .. } => {
                source.kind()
            }
        }
    }

    /// An installer failure: interrupted, or failed with the environment left as it was.
    pub fn from_installer(e: installer::InstallError) -> Error {
        match e {
            installer::InstallError::Interrupted => Error::Interrupted { building: false },
            e => Error::Install(e),
        }
    }
}

/// A build's kind of failure as the workflow's.
fn build_kind(e: &build_frontend::BuildError) -> ErrorKind {
    match e.kind() {
        build_frontend::ErrorKind::Input => ErrorKind::Input,
        // Build requirements the wheelhouse cannot provide: a resolution failure.
        build_frontend::ErrorKind::Environment => ErrorKind::Resolution,
        _ => ErrorKind::Install,
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Config(e) => Some(e),
            Error::Requirements(e) => Some(e),
            Error::InvalidRequirement { source, .. } | Error::NameVersion { source, .. } => {
                Some(source)
            }
            Error::InvalidWheelName { source, .. }
            | Error::InvalidWheelFile { source, .. }
            | Error::BuiltInvalidName { source, .. } => Some(source),
            Error::Unreadable { source, .. }
            | Error::BadPath { source, .. }
            | Error::ReportNotWritten { source, .. }
            | Error::LockedWheelUnreadable { source, .. }
            | Error::Io { source, .. }
            | Error::TempDir { source, .. } => Some(source),
            Error::Interpreter(e) => Some(e),
            Error::PythonVersion(e) => Some(e),
            Error::Fetch { source, .. }
            | Error::IndexUnreachable { source, .. }
            | Error::IndexInput { source, .. }
            | Error::Index { source, .. }
            | Error::HttpClient(source) => Some(source),
            Error::Unresolvable { source, .. } => Some(source),
            Error::Build { source, .. } | Error::SdistBuild(source) => Some(source.as_ref()),
            Error::CandidateSdistBuild { source, .. } | Error::BuildRequirements { source, .. } => {
                Some(source.as_ref())
            }
            Error::BuildEnvironment { source, .. } => Some(source),
            Error::Metadata(e) => Some(e),
            Error::SiteDir(e) | Error::Install(e) => Some(e),
            Error::ThreadPool(e) => Some(e),
            _ => None,
        }
    }
}
