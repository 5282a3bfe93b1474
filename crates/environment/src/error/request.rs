//! The paragraphs for what the user asked for: requirements, `-e`, paths, the options of a
//! requirements file, the target environment.

use std::fmt;

use super::{Editable, Error};

impl Error {
    /// What the user asked for cannot be read or used.
    pub(super) fn fmt_request(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            Error::NotAnEnvironment {
                diagnosis: Some(diagnosis),
                ..
            } => f.write_str(diagnosis),
            Error::NotAnEnvironment {
                path,
                diagnosis: None,
            } => write!(
                f,
                "{} is not a virtual environment (no pyvenv.cfg and bin/python). Packages go \
                 into an environment of your own, never into a module's Python: create one \
                 with `wheelhouse venv {}` (or `virtualenv --no-download`), then install into \
                 it.",
                path.display(),
                path.display()
            ),
            Error::LockWithOthers => f.write_str(
                "a lock file (pylock.toml) is installed on its own: give it as the only -r, \
                 without other requirements, or lock everything together (`wheelhouse lock`)",
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

/// `ORIGIN: ` before a message, when there is an origin.
fn prefix(origin: &Option<String>) -> String {
    origin
        .as_deref()
        .map(|o| format!("{o}: "))
        .unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::{Error, ErrorKind};

    /// Failures written past the first dispatch still get their own paragraph and kind.
    #[test]
    fn each_failure_has_its_paragraph_and_kind() {
        let file = PathBuf::from("r.txt");
        let cases = [
            (
                Error::UnsupportedOption {
                    file: file.clone(),
                    option: "--frobnicate".into(),
                },
                ErrorKind::Input,
                "r.txt: the option `--frobnicate` is not supported in a requirements file here",
            ),
            (
                Error::NoBinary {
                    file,
                    value: ":all:".into(),
                },
                ErrorKind::Input,
                "r.txt: `--no-binary :all:` asks to build packages",
            ),
            (
                Error::NotAnEnvironment {
                    path: "env".into(),
                    diagnosis: Some("-p env is a typo of envs".into()),
                },
                ErrorKind::Input,
                "-p env is a typo of envs",
            ),
            (
                Error::NotAnEnvironment {
                    path: "env".into(),
                    diagnosis: None,
                },
                ErrorKind::Input,
                "env is not a virtual environment (no pyvenv.cfg and bin/python).",
            ),
            (
                Error::Io {
                    action: "read",
                    path: "w.whl".into(),
                    source: std::io::Error::other("gone"),
                },
                ErrorKind::Install,
                "cannot read w.whl: gone",
            ),
            (
                Error::Interrupted { building: true },
                ErrorKind::Interrupted,
                "interrupted while building; nothing was changed",
            ),
            (
                Error::BuildCycle {
                    context: "x-1.0.tar.gz".into(),
                    name: "x".into(),
                },
                ErrorKind::Resolution,
                "x-1.0.tar.gz: building it needs x itself, in the environment it is built in (a \
                 build dependency cycle).",
            ),
        ];
        for (error, kind, start) in cases {
            assert_eq!(error.kind(), kind, "{error}");
            assert!(error.to_string().starts_with(start), "{error}");
        }
        assert_eq!(
            Error::NothingToInstall.to_string(),
            crate::NOTHING_TO_INSTALL
        );
    }
}
