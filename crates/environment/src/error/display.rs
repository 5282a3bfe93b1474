//! Each failure's paragraph, as the user reads it: what went wrong, where, and what to do.

use std::fmt;

use super::{Error, IndexSearched, Shadowed, StackConflict};
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
            | Error::CandidateSdistBuild { .. }
            | Error::BuildCycle { .. }
            | Error::BuildFailedEarlier(_)
            | Error::BuildEnvironment { .. }
            | Error::BuildRequirements { .. } => self.fmt_build(f),
            _ => self.fmt_request(f),
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
            Error::CandidateSdistBuild { context, source } => write!(f, "{context}: {source}"),
            Error::BuildCycle { context, name } => write!(
                f,
                "{context}: building it needs {name} itself, in the environment it is built in \
                 (a build dependency cycle). Put a wheel of it in a -f directory (`wheelhouse \
                 download` on a login node fetches one) and install again. Nothing was \
                 installed."
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

/// A download failure's message as one sentence ending in a full stop.
fn sentence(e: &download::Error) -> String {
    e.to_string().trim_end_matches('.').to_string() + "."
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
