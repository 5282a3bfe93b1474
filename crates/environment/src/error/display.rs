//! Each failure's paragraph, as the user reads it: what went wrong, where, and what to do.

use std::fmt;

use super::{Editable, Error, IndexSearched, Shadowed, StackConflict};
use crate::target::short;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => write!(f, "{e}"),
            Error::Requirements(e) => write!(f, "{e}"),
            Error::Interpreter(e) => write!(f, "{e}"),
            Error::PythonVersion(e) => write!(f, "{e}"),
            Error::HttpClient(e) => write!(f, "{e}"),
            Error::ThreadPool(e) => write!(f, "{e}"),
            Error::SiteDir(e) => write!(f, "{e}"),
            Error::Install(e) => write!(f, "{e}\nThe environment was left as it was."),
            Error::Metadata(e) => write!(f, "{}: {}", e.path.display(), e.message),
            Error::Command { message, .. } => f.write_str(message),
            Error::Interrupted { building: false } => {
                f.write_str("interrupted; nothing was changed and the environment is as it was")
            }
            Error::Interrupted { building: true } => f.write_str(
                "interrupted while building; nothing was changed and the environment is as it was",
            ),
            Error::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            Error::TempDir { what, source } => write!(f, "cannot make {what}: {source}"),
            Error::BadPath { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Unresolvable { source, indexes } => unresolvable(f, source, indexes),
            Error::StackDependents(conflict) => stack_dependents(f, conflict),
            Error::Shadowed(shadowed) => shadowed.fmt(f),
            Error::NotPinned { .. }
            | Error::NoHash { .. }
            | Error::DependencyWithoutHash { .. }
            | Error::HashMismatch { .. }
            | Error::LockNoHash { .. }
            | Error::LockedWheelUnreadable { .. }
            | Error::LockHashMismatch { .. } => self.fmt_hashes(f),
            Error::UrlWithoutFileName { .. }
            | Error::Fetch { .. }
            | Error::NotWheelOrArchive { .. }
            | Error::WheelNameMismatch { .. }
            | Error::IndexUnreachable { .. }
            | Error::IndexInput { .. }
            | Error::Index { .. } => self.fmt_remote(f),
            Error::GitClone { .. }
            | Error::GitRevision { .. }
            | Error::GitRevParse { .. }
            | Error::SubdirectoryOutside { .. }
            | Error::NoSubdirectory { .. }
            | Error::BuiltInvalidName { .. }
            | Error::BuiltNameMismatch { .. }
            | Error::Build { .. }
            | Error::SdistBuild(_)
            | Error::IndexSdistBuild { .. }
            | Error::BuildFailedEarlier(_)
            | Error::BuildEnvironment { .. }
            | Error::BuildRequirements { .. } => self.fmt_build(f),
            _ => self.fmt_request(f),
        }
    }
}

impl Error {
    /// What the user asked for cannot be read or used.
    fn fmt_request(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequirement {
                origin,
                text,
                source,
            } => {
                // The parser's message repeats the whole text with a marker line under it:
                // for a long line only its start is echoed.
                let why = if text.len() > 200 {
                    String::new()
                } else {
                    format!(": {source}")
                };
                write!(
                    f,
                    "{origin}: `{}` is not a valid requirement{why}. Write it as pip does: \
                     `name`, `name==1.2`, `name[extra]>=1.0; python_version >= \"3.10\"`.",
                    requirements::excerpt(text, 200)
                )
            }
            Error::NameVersion { origin, source } => write!(f, "{}{source}", prefix(origin)),
            Error::InvalidWheelName {
                origin,
                file_name,
                source,
            } => write!(
                f,
                "{}{file_name} is not a valid wheel name ({source})",
                prefix(origin)
            ),
            Error::InvalidWheelFile {
                origin,
                path,
                source,
            } => write!(
                f,
                "{origin}: {} is not a valid wheel file name ({source}); a wheel is named \
                 NAME-VERSION(-BUILD)-PYTHON-ABI-PLATFORM.whl",
                path.display()
            ),
            Error::NotEditable { origin, given } => not_editable(f, origin, given),
            Error::OtherVcs { origin, text, vcs } => write!(
                f,
                "{origin}: `{text}` names a {vcs} repository; only git repositories are \
                 supported (`name @ git+https://host/repo@rev`). Clone it and install the \
                 directory instead: `wheelhouse install ./checkout`."
            ),
            Error::UrlWithoutName { origin, text } => write!(
                f,
                "{origin}: `{text}` is a URL without a name; write it as pip does: \
                 `NAME @ {text}`."
            ),
            Error::PathNotFound { origin, path } => write!(
                f,
                "{origin}: {} does not exist. Check the path (a project directory, a wheel or a \
                 source archive).",
                path.display()
            ),
            Error::NotInstallable { origin, path } => write!(
                f,
                "{origin}: {} is neither a wheel (.whl), a source archive (.tar.gz, .zip) nor a \
                 project directory.",
                path.display()
            ),
            Error::Unreadable {
                origin,
                path,
                source,
            } => write!(
                f,
                "{}cannot read {}: {source}",
                prefix(origin),
                path.display()
            ),
            Error::FragmentHashMismatch {
                origin,
                path,
                expected,
                actual,
            } => write!(
                f,
                "{origin}: {} does not have the sha256 the requirement gives (expected {expected}, \
                 got {actual}): the file changed since the line was written. Nothing was installed.",
                path.display()
            ),
            Error::NothingToInstall => f.write_str(crate::NOTHING_TO_INSTALL),
            Error::NoEnvironment => f.write_str(
                "No virtual environment is active, and none was given with -p. \
                        Activate one (`source ENV/bin/activate`), pass it with `-p ENV`, or \
                        create one first: `wheelhouse venv ENV`.",
            ),
            Error::NotAnEnvironment { path } => write!(
                f,
                "{} is not a virtual environment (no pyvenv.cfg and bin/python). Packages go \
                 into an environment of your own, never into a module's Python: create one \
                 with `wheelhouse venv {}` (or `virtualenv --no-download`), then install into \
                 it.",
                path.display(),
                path.display()
            ),
            Error::ReportNotWritten { path, source } => write!(
                f,
                "cannot write the installation report to {} ({source}); give a writable path with \
                 --report, or `--report -` for standard output",
                path.display()
            ),
            _ => self.fmt_options(f),
        }
    }

    /// pip's options in a requirements file that wheelhouse refuses.
    fn fmt_options(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OnlyBinaryNone { file, value } => write!(
                f,
                "{}: `--only-binary {value}` asks for source builds of packages \
                 found by name, which wheelhouse does only for packages an index \
                 offers as sources; packages from the wheelhouse are wheels. Remove \
                 the line, or name the source to build (`./proj`, `x-1.0.tar.gz`).",
                file.display()
            ),
            Error::NoBinary { file, value } => write!(
                f,
                "{}: `--no-binary {value}` asks to build packages from their source distributions \
                 instead of wheels; wheelhouse installs packages asked for by name from wheels, and \
                 builds only the sources it is given. Remove the line to install the wheels, or name \
                 the source to build instead of the package (a project directory, a .tar.gz source \
                 archive, or git+https://…).",
                file.display()
            ),
            Error::UseFeature { file, value, why } => write!(
                f,
                "{}: `--use-feature={value}` switches on a pip feature, and wheelhouse has no such \
                 switch ({why}). Remove the line.",
                file.display()
            ),
            Error::UnsupportedOption { file, option } => write!(
                f,
                "{}: the option `{option}` is not supported in a requirements file here \
                 (supported: -r, -c, -f/--find-links, --index-url, --extra-index-url, \
                 --no-index, --trusted-host, --pre, --only-binary, --prefer-binary, \
                 --require-hashes, --hash). Remove it.",
                file.display()
            ),
            _ => unreachable!("every other failure is written by Display::fmt"),
        }
    }
}

/// The cluster's rule: a module's copy on `PYTHONPATH` is never silently shadowed.
impl fmt::Display for Shadowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Shadowed {
            key,
            version,
            env,
            name,
            installed,
            site_dir,
            lock_entry,
        } = self;
        match lock_entry {
            Some(entry) => write!(
                f,
                "{}: the lock installs {} {}, but {} {} is on PYTHONPATH ({}), put there \
                 by a module, and it is imported first: the locked copy would be \
                 silently hidden. Unload the module that provides it (`module list` \
                 shows it) and sync again.",
                entry,
                key,
                version,
                name,
                installed,
                site_dir.display()
            ),
            None => write!(
                f,
                "{} {} would be installed into {}, but {} {} is on PYTHONPATH ({}), \
                 put there by a module, and it is imported first: the new copy would \
                 be silently hidden. Either keep the module's version (require \
                 {}=={}), or unload the module that provides it (`module list` shows \
                 it; e.g. `module unload scipy-stack`) and install again.",
                key,
                version,
                short(env),
                name,
                installed,
                site_dir.display(),
                name,
                installed
            ),
        }
    }
}

impl Error {
    /// `--require-hashes` and the hashes of a lock file.
    fn fmt_hashes(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotPinned { requirement } => write!(
                f,
                "in --require-hashes mode every requirement must be pinned with ==; `{requirement}` is not"
            ),
            Error::NoHash { requirement } => write!(
                f,
                "in --require-hashes mode every requirement needs --hash=sha256:...; `{requirement}` has none"
            ),
            Error::DependencyWithoutHash {
                file_name,
                key,
                wheel,
            } => write!(
                f,
                "in --require-hashes mode every package installed needs a pinned requirement \
                 with --hash; the dependency {file_name} has none. Add `{key}==VERSION --hash=sha256:...` \
                 (`pip hash {}` prints the hash)",
                wheel.display()
            ),
            Error::HashMismatch {
                wheel,
                sha256,
                allowed,
            } => write!(
                f,
                "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE: {} has \
                 sha256:{}, expected one of {}. The wheel changed since the hashes were \
                 recorded; nothing was installed.",
                wheel.display(),
                sha256,
                allowed.join(", ")
            ),
            Error::LockNoHash { entry, path } => write!(
                f,
                "{}: the lock gives no sha256, sha384 or sha512 hash for {}; nothing was \
                 installed. Make the lock again (`wheelhouse lock`).",
                entry,
                path.display()
            ),
            Error::LockedWheelUnreadable {
                entry,
                path,
                source,
            } => write!(
                f,
                "{}: cannot read the wheel {} that the lock names ({source}); nothing was installed. \
                 If the wheelhouse changed, make the lock again (`wheelhouse lock`).",
                entry,
                short(path)
            ),
            Error::LockHashMismatch {
                entry,
                path,
                algorithm: algo,
                got,
                want,
            } => write!(
                f,
                "{}: {} has {algo}:{got}, but the lock says {algo}:{want}. The file changed since \
                 the lock was made; nothing was installed. Check where it comes from, then make \
                 the lock again (`wheelhouse lock`) if the new file is wanted.",
                entry,
                path.display()
            ),
            _ => unreachable!("every other failure is written by Display::fmt"),
        }
    }

    /// URLs named directly and the indexes.
    fn fmt_remote(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UrlWithoutFileName { origin, url } => write!(
                f,
                "{}: {} does not end in a file name (a .whl, .tar.gz or .zip)",
                origin, url
            ),
            Error::Fetch {
                origin,
                url,
                source,
            } => write!(
                f,
                "{}: {} could not be fetched: {}. Nothing was installed.",
                origin, url, source
            ),
            Error::NotWheelOrArchive { origin, url } => write!(
                f,
                "{}: {} is neither a wheel (.whl) nor a source archive (.tar.gz, .zip)",
                origin, url
            ),
            Error::WheelNameMismatch {
                origin,
                asked,
                file_name,
                name,
            } => write!(
                f,
                "{origin}: `{asked} @ …` names the wheel {file_name}, which is `{}`. Use its own \
                 name: `{} @ …`.",
                name, name
            ),
            Error::IndexUnreachable {
                package,
                url,
                best_match,
                source,
            } => {
                let why = if *best_match {
                    format!(
                        "{package} was looked up on the index {url} (--index-strategy best-match)"
                    )
                } else {
                    format!(
                        "{package} is not in the wheelhouse for this Python, so it was looked up on \
                         the index {url}"
                    )
                };
                // The client's message names the page and what to check (address, network,
                // proxy); ours says why the index was needed and the way out on a cluster.
                write!(
                    f,
                    "{why}, which this node cannot reach: {} On a login node, `wheelhouse download \
                     {package}` and install the downloaded file in the job, or ask technical \
                     support to add {package} to the wheelhouse. Nothing was installed.",
                    sentence(source)
                )
            }
            Error::IndexInput { package, source } => write!(f, "{package}: {source}"),
            Error::Index { package, source } => {
                write!(f, "{package}: {} Nothing was installed.", sentence(source))
            }
            _ => unreachable!("every other failure is written by Display::fmt"),
        }
    }

    /// Sources, their builds and build environments.
    fn fmt_build(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::GitClone { origin, url, why } => write!(
                f,
                "{origin}: the git repository {url} could not be cloned: {why}. Check the URL \
                 (and that this node can reach it: compute nodes often have no internet)."
            ),
            Error::GitRevision {
                origin,
                url,
                rev,
                why,
            } => write!(
                f,
                "{origin}: the git repository {url} has no revision `{rev}`: {why}. Give a \
                 branch, tag or commit it has (`git ls-remote {url}` lists them)."
            ),
            Error::GitRevParse { origin, why } => {
                write!(f, "{origin}: git rev-parse failed: {why}")
            }
            Error::SubdirectoryOutside { origin, sub } => write!(
                f,
                "{}: `#subdirectory={sub}` must be a path inside the repository",
                origin
            ),
            Error::NoSubdirectory {
                origin,
                url,
                sub,
                revision,
            } => write!(
                f,
                "{}: the repository {url} has no directory `{sub}` at {}",
                origin,
                revision.as_deref().unwrap_or("its default branch")
            ),
            Error::BuiltInvalidName {
                what,
                file_name,
                source,
            } => write!(
                f,
                "the build of {} made {file_name}, which is not a valid wheel name ({source})",
                what
            ),
            Error::BuiltNameMismatch {
                origin,
                asked,
                what,
                name,
            } => write!(
                f,
                "{}: `{asked} @ …` names {}, but what it builds is `{name}`. Use the project's \
                 own name: `{name} @ …`.",
                origin, what
            ),
            Error::Build {
                origin,
                what,
                source,
            } => write!(
                f,
                "{}: building {} failed: {source}\nNothing was installed; the environment was left as \
                 it was.",
                origin, what
            ),
            Error::SdistBuild(e) => write!(
                f,
                "the build failed: {e}\nNothing was installed; the environment was left as it was."
            ),
            Error::IndexSdistBuild {
                key,
                filename,
                source,
            } => write!(
                f,
                "{key}: the index has no wheel that this Python and the site's policy \
                 accept, so its source distribution {} was built: {}",
                filename, source
            ),
            Error::BuildFailedEarlier(message) => f.write_str(message),
            Error::BuildEnvironment { dir, source } => write!(
                f,
                "cannot make a build environment in {}: {source}",
                dir.display()
            ),
            Error::BuildRequirements {
                requirements,
                source,
            } => write!(
                f,
                "the build requirements {} could not be installed: {}",
                requirements.join(", "),
                source
            ),
            _ => unreachable!("every other failure is written by Display::fmt"),
        }
    }
}

/// `ORIGIN: ` before a message, when there is an origin.
fn prefix(origin: &Option<String>) -> String {
    origin
        .as_deref()
        .map(|o| format!("{o}: "))
        .unwrap_or_default()
}

/// A download failure's message as one sentence ending in a full stop.
fn sentence(e: &download::Error) -> String {
    e.to_string().trim_end_matches('.').to_string() + "."
}

fn not_editable(f: &mut fmt::Formatter<'_>, origin: &str, given: &Editable) -> fmt::Result {
    match given {
        Editable::Requirement(text) => write!(
            f,
            "{origin}: `-e {text}` needs a project directory (`-e ./proj`)."
        ),
        Editable::Other(text) => write!(
            f,
            "{origin}: `-e {text}` needs a project directory or a git URL (`-e ./proj`, \
             `-e git+https://host/repo#egg=name`)."
        ),
        Editable::Url => write!(
            f,
            "{origin}: `-e` needs a project directory, not a URL; download the archive, \
             unpack it and install the directory with -e."
        ),
        Editable::File(path) => write!(
            f,
            "{origin}: `-e` needs a project directory, and {} is a file; install the file \
             without -e.",
            path.display()
        ),
        Editable::Git(url) => write!(
            f,
            "{}: an editable install from git is not supported; clone the repository \
             and install the checkout editable: `git clone {url} src && wheelhouse \
             install -e ./src`",
            origin
        ),
    }
}

/// The resolver's explanation, with the indexes' side for the names it mentions.
fn unresolvable(
    f: &mut fmt::Formatter<'_>,
    source: &resolver::ResolveError,
    indexes: &[IndexSearched],
) -> fmt::Result {
    write!(f, "{source}")?;
    for searched in indexes {
        write!(f, "\n{searched}")?;
    }
    Ok(())
}

impl fmt::Display for IndexSearched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "The index was searched for {} too{}: {}.",
            self.key,
            if self.has_wheel {
                ""
            } else {
                " (no wheel there)"
            },
            self.asked.join(", ")
        )
    }
}

fn stack_dependents(f: &mut fmt::Formatter<'_>, c: &StackConflict) -> fmt::Result {
    write!(
        f,
        "{key} {version} would be installed into {env}, but the loaded module {module} \
         provides packages that require another version of it:\n{list}\n{chain}The \
         environment's {key} would be imported instead of the stack's, and those packages \
         would then fail (for compiled ones, with errors such as `numpy.core.multiarray failed \
         to import`). Two ways out:\n    keep the version the stack accepts: add \
         '{requirement}' to what you install (or to your requirements file)\n    or unload \
         the stack first: module unload {module_name}\nTo install it anyway (the stack's \
         packages may then fail), add --ignore-stack-requirements.",
        key = c.key,
        version = c.version,
        env = short(&c.env),
        module = c.module,
        list = c.dependents.join("\n"),
        chain = c.chain,
        requirement = c.requirement,
        module_name = c.module_name,
    )
}
