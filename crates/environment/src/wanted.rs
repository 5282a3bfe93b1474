//! What the user asked for: requirements, constraints, wheel files and hashes from the command
//! line, requirement files and the site's pip configuration, with the pip options those files
//! may carry.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep508_rs::Requirement;
use site_config::PipInstallOptions;

use crate::Error;

/// The requirements of one install, gathered from every source.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    pub requirements: Vec<Requirement>,
    pub constraints: Vec<Requirement>,
    /// `--hash` values by normalised name.
    pub hashes: HashMap<String, Vec<String>>,
    /// Wheel files named directly (`./tensorboardX-1.9-py2.py3-none-any.whl`).
    pub wheel_files: Vec<PathBuf>,
    /// Sources to build first: project directories, editable projects, source archives,
    /// git repositories.
    pub sources: Vec<crate::direct::SourceRequest>,
    /// Wheels and source archives named by URL, fetched before anything else.
    pub remote: Vec<crate::direct::RemoteRequest>,
    /// The `direct_url.json` of wheel files that were built from a source.
    pub direct_urls: HashMap<PathBuf, String>,
    /// Normalised names built from a source: installed again even when the same version is
    /// there, as pip reinstalls a project it builds (its files may have changed).
    pub rebuilt: std::collections::HashSet<String>,
    pub require_hashes: bool,
    /// Options met in requirement files, which pip applies to the whole install.
    pub pre: bool,
    pub find_links: Vec<PathBuf>,
    pub no_index: bool,
    /// `--index-url`/`--extra-index-url` lines (the command line's win).
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    pub prefer_binary: bool,
    /// `--only-binary` lines: normalised names, or `:all:`.
    pub only_binary: Vec<String>,
    /// `--no-binary` lines: normalised names, or `:all:`.
    pub no_binary: Vec<String>,
    /// What the files said that has no effect here, for the user to know.
    pub warnings: Vec<String>,
}

/// Reads the requirements of an install: `texts` from the command line, then each
/// requirements and constraints file, then the configuration's constraint files.
pub fn read_wanted(
    options: &PipInstallOptions,
    texts: &[String],
    editables: &[String],
    requirement_files: &[PathBuf],
    constraint_files: &[PathBuf],
    require_hashes: bool,
) -> Result<Wanted, Error> {
    let mut wanted = Wanted {
        require_hashes,
        ..Wanted::default()
    };
    for text in texts {
        wanted.add(text, "command line", false, &[])?;
    }
    for text in editables {
        wanted.add_editable(text, "command line")?;
    }
    let mut files: Vec<(PathBuf, bool)> = requirement_files
        .iter()
        .map(|p| (p.clone(), false))
        .collect();
    files.extend(constraint_files.iter().map(|p| (p.clone(), true)));
    files.extend(options.constraints.iter().map(|p| (p.clone(), true)));
    for (path, constraint) in files {
        let vars = |name: &str| options.variables.raw(name).map(str::to_string);
        let file = if constraint {
            requirements::read_constraint_file(&path, &vars)
        } else {
            requirements::read_requirement_files(&path, &vars)
        }
        .map_err(Error::Requirements)?;
        wanted.apply_options(&file.options, &path)?;
        for line in &file.lines {
            let origin = format!("{}:{}", line.file.display(), line.line);
            if line.editable {
                // pip reads a relative path of a requirements file from the working
                // directory.
                wanted.add_editable(&line.text, &origin)?;
                continue;
            }
            wanted.add(&line.text, &origin, line.constraint, &line.hashes)?;
        }
    }
    if !wanted.hashes.is_empty() {
        wanted.require_hashes = true;
    }
    Ok(wanted)
}

impl Wanted {
    /// A wheel fetched from a URL named directly: installed as a wheel file, recorded with
    /// that URL.
    pub fn add_fetched_wheel(&mut self, path: PathBuf, direct_url: String) -> Result<(), Error> {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let name = wheel_name::WheelFilename::parse(file_name).map_err(|source| {
            Error::InvalidWheelName {
                origin: None,
                file_name: file_name.to_string(),
                source,
            }
        })?;
        let req = Requirement::from_str(&format!("{}=={}", name.name(), name.version_text()))
            .map_err(|source| Error::NameVersion {
                origin: None,
                source,
            })?;
        self.requirements.push(req);
        self.rebuilt
            .insert(wheel_metadata::normalize_name(name.name()));
        self.direct_urls.insert(path.clone(), direct_url);
        self.wheel_files.push(path);
        Ok(())
    }

    /// A wheel built from a source, taking part as a wheel file named directly.
    pub fn add_built(&mut self, built: &crate::sources::BuiltSource) -> Result<(), Error> {
        let extras = if built.extras.is_empty() {
            String::new()
        } else {
            format!("[{}]", built.extras.join(","))
        };
        let req = Requirement::from_str(&format!("{}{extras}=={}", built.name, built.version))
            .map_err(|source| Error::NameVersion {
                origin: None,
                source,
            })?;
        self.requirements.push(req);
        self.wheel_files.push(built.wheel.clone());
        self.direct_urls
            .insert(built.wheel.clone(), built.direct_url.clone());
        self.rebuilt
            .insert(wheel_metadata::normalize_name(&built.name));
        Ok(())
    }

    fn add_editable(&mut self, text: &str, origin: &str) -> Result<(), Error> {
        match crate::direct::classify(text, origin, true)? {
            Some(crate::direct::Direct::Source(source)) => {
                self.sources.push(source);
                Ok(())
            }
            _ => Err(Error::NotEditable {
                origin: origin.to_string(),
                given: crate::Editable::Requirement(text.to_string()),
            }),
        }
    }

    fn add(
        &mut self,
        text: &str,
        origin: &str,
        constraint: bool,
        hashes: &[String],
    ) -> Result<(), Error> {
        let trimmed = text.trim();
        let direct = if constraint {
            None
        } else {
            crate::direct::classify(trimmed, origin, false)?
        };
        if let Some(crate::direct::Direct::Source(source)) = direct {
            self.sources.push(source);
            return Ok(());
        }
        if let Some(crate::direct::Direct::Remote(remote)) = direct {
            self.remote.push(remote);
            return Ok(());
        }
        if let Some(crate::direct::Direct::Wheel(path)) = direct {
            // As pip's os.path.abspath: absolute, `..` resolved lexically (this path is
            // recorded in direct_url.json and shown by freeze).
            let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let name = wheel_name::WheelFilename::parse(file_name).map_err(|source| {
                Error::InvalidWheelFile {
                    origin: origin.to_string(),
                    path: path.clone(),
                    source,
                }
            })?;
            let req = Requirement::from_str(&format!("{}=={}", name.name(), name.version_text()))
                .map_err(|source| Error::NameVersion {
                origin: Some(origin.to_string()),
                source,
            })?;
            if !hashes.is_empty() {
                self.hashes
                    .entry(wheel_metadata::normalize_name(name.name()))
                    .or_default()
                    .extend(hashes.iter().cloned());
            }
            check_fragment_hash(trimmed, &path, origin)?;
            self.wheel_files.push(path);
            self.requirements.push(req);
            return Ok(());
        }
        let req = Requirement::from_str(trimmed).map_err(|source| Error::InvalidRequirement {
            origin: origin.to_string(),
            text: trimmed.to_string(),
            source,
        })?;
        if !hashes.is_empty() {
            self.hashes
                .entry(wheel_metadata::normalize_name(req.name.as_ref()))
                .or_default()
                .extend(hashes.iter().cloned());
        }
        if constraint {
            self.constraints.push(req);
        } else {
            self.requirements.push(req);
        }
        Ok(())
    }

    /// pip's global options inside a requirements file, which apply to the whole install
    /// (index options too, as in pip).
    fn apply_options(&mut self, options: &[(String, String)], file: &Path) -> Result<(), Error> {
        for (name, value) in options {
            match name.as_str() {
                "--require-hashes" => self.require_hashes = true,
                "--pre" => self.pre = true,
                "--no-index" => self.no_index = true,
                "--prefer-binary" => self.prefer_binary = true,
                "--find-links" => {
                    // pip reads a relative directory from the requirements file's directory
                    // when it exists there, else from the working directory.
                    let beside = file.parent().unwrap_or(Path::new("")).join(value);
                    let path = if Path::new(value).is_relative() && beside.exists() {
                        beside
                    } else {
                        PathBuf::from(value)
                    };
                    if !self.find_links.contains(&path) {
                        self.find_links.push(path);
                    }
                }
                "--only-binary" => {
                    for name in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                        match name {
                            ":none:" => self.only_binary.clear(),
                            ":all:" => self.only_binary.push(name.to_string()),
                            _ => self.only_binary.push(wheel_metadata::normalize_name(name)),
                        }
                    }
                }
                "--no-binary" => {
                    for name in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                        match name {
                            ":none:" => self.no_binary.clear(),
                            ":all:" => self.no_binary.push(name.to_string()),
                            _ => self.no_binary.push(wheel_metadata::normalize_name(name)),
                        }
                    }
                }
                "--use-feature" => self.warnings.push(use_feature(value, file)?),
                "--index-url" => self.index_url = Some(value.clone()),
                "--extra-index-url" => {
                    if !self.extra_index_urls.contains(value) {
                        self.extra_index_urls.push(value.clone());
                    }
                }
                "--trusted-host" => self.warnings.push(format!(
                    "{}: `--trusted-host {value}` has no effect here: plain http:// indexes are \
                     read without it, and https:// certificates are always checked (give the \
                     host's certificate authority with `cert` in the pip configuration or \
                     PIP_CERT).",
                    file.display()
                )),
                other => {
                    return Err(Error::UnsupportedOption {
                        file: file.to_path_buf(),
                        option: other.to_string(),
                    })
                }
            }
        }
        Ok(())
    }
}

/// pip's `--use-feature` switches on experimental behaviours of pip itself. One pip has
/// always on does nothing in pip either: a warning, so a file pip reads is read here too.
/// Any other would pretend to change something: refused with the reason.
fn use_feature(value: &str, file: &Path) -> Result<String, Error> {
    let why = match value {
        "truststore" | "no-binary-enable-wheel-cache" | "build-constraint" => {
            return Ok(format!(
                "{}: `--use-feature={value}` is ignored: pip has it always on, so the line \
                 does nothing in pip either.",
                file.display()
            ));
        }
        "fast-deps" => {
            "it makes pip read a wheel's dependencies without downloading it whole; wheelhouse \
             always does, reading the wheelhouse in place"
        }
        "inprocess-build-deps" | "venv-isolation" => {
            "it changes how pip isolates builds, which wheelhouse does its own way"
        }
        _ => "it is not a feature pip 26 knows either",
    };
    Err(Error::UseFeature {
        file: file.to_path_buf(),
        value: value.to_string(),
        why,
    })
}

/// A `#sha256=…` fragment on a direct reference (freeze's `name @ file:///…#sha256=…`) is
/// checked against the file before anything else happens.
fn check_fragment_hash(text: &str, path: &Path, origin: &str) -> Result<(), Error> {
    let Some((_, fragment)) = text.split_once('#') else {
        return Ok(());
    };
    let Some(expected) = fragment
        .split('&')
        .find_map(|part| part.strip_prefix("sha256="))
    else {
        return Ok(());
    };
    // Streamed: a wheel can be gigabytes.
    let actual = wheel_metadata::RecordHash::file_hex_digest("sha256", path)
        .map_err(|source| Error::Unreadable {
            origin: Some(origin.to_string()),
            path: path.to_path_buf(),
            source,
        })?
        .expect("sha256 is a supported algorithm");
    if !actual.eq_ignore_ascii_case(expected.trim()) {
        return Err(Error::FragmentHashMismatch {
            origin: origin.to_string(),
            path: path.to_path_buf(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use site_config::ProcessVars;

    fn site() -> PipInstallOptions {
        site_config::SiteConfig::from_env(&ProcessVars::from_pairs([(
            "PIP_CONFIG_FILE",
            "/dev/null",
        )]))
        .pip_install_options()
        .unwrap()
    }

    #[test]
    fn options_in_files_apply_to_the_install() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("local")).unwrap();
        let reqs = tmp.path().join("reqs.txt");
        std::fs::write(
            &reqs,
            "--pre\n-f local\n-f /elsewhere\n--prefer-binary\n--only-binary :all:\nsix==1.17 --hash=sha256:abc\n",
        )
        .unwrap();
        let wanted = read_wanted(&site(), &[], &[], &[reqs], &[], false).unwrap();
        assert!(wanted.pre && wanted.prefer_binary && wanted.require_hashes);
        assert_eq!(
            wanted.find_links,
            [tmp.path().join("local"), PathBuf::from("/elsewhere")]
        );
        assert_eq!(wanted.hashes["six"], ["sha256:abc"]);
    }

    #[test]
    fn only_binary_and_no_binary_lines_name_packages_as_pip_reads_them() {
        let tmp = tempfile::tempdir().unwrap();
        let reqs = tmp.path().join("r.txt");
        std::fs::write(
            &reqs,
            "--only-binary :all:\n--only-binary :none:\n--only-binary Six,Foo_Bar\n\
             --no-binary :all:\nsix\n",
        )
        .unwrap();
        let wanted =
            read_wanted(&site(), &[], &[], std::slice::from_ref(&reqs), &[], false).unwrap();
        assert_eq!(wanted.only_binary, ["six", "foo-bar"]);
        assert_eq!(wanted.no_binary, [":all:"]);
    }

    #[test]
    fn lines_that_do_nothing_in_pip_are_read_with_a_warning_or_silently() {
        let tmp = tempfile::tempdir().unwrap();
        let reqs = tmp.path().join("r.txt");
        std::fs::write(&reqs, "--use-feature=truststore\n--no-binary :none:\nsix\n").unwrap();
        let wanted =
            read_wanted(&site(), &[], &[], std::slice::from_ref(&reqs), &[], false).unwrap();
        assert_eq!(wanted.warnings.len(), 1, "{:?}", wanted.warnings);
        assert!(wanted.warnings[0].contains("pip has it always on"));
    }

    #[test]
    fn pip_features_are_refused_with_a_true_reason() {
        let tmp = tempfile::tempdir().unwrap();
        for (text, want) in [
            (
                "--use-feature=fast-deps\nsix\n",
                "`--use-feature=fast-deps` switches on a pip feature",
            ),
            (
                "--use-feature=warp-drive\nsix\n",
                "not a feature pip 26 knows",
            ),
        ] {
            let reqs = tmp.path().join("r.txt");
            std::fs::write(&reqs, text).unwrap();
            let err = read_wanted(&site(), &[], &[], std::slice::from_ref(&reqs), &[], false)
                .unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Input);
            let message = err.to_string();
            assert!(
                message.contains("r.txt") && message.contains(want),
                "{text}: {err}"
            );
            assert!(!message.contains("never does"), "{err}");
        }
    }

    #[test]
    fn a_wheel_path_becomes_a_pinned_requirement() {
        let tmp = tempfile::tempdir().unwrap();
        let wheel = tmp
            .path()
            .join("sub/../tensorboardX-1.9-py2.py3-none-any.whl");
        std::fs::write(
            tmp.path().join("tensorboardX-1.9-py2.py3-none-any.whl"),
            b"",
        )
        .unwrap();
        let wanted = read_wanted(
            &site(),
            &[wheel.display().to_string()],
            &[],
            &[],
            &[],
            false,
        );
        // `sub` does not exist, so the path is not a file; the plain file is.
        assert!(wanted.is_err());
        let wheel = tmp.path().join("tensorboardX-1.9-py2.py3-none-any.whl");
        let wanted = read_wanted(
            &site(),
            &[wheel.display().to_string()],
            &[],
            &[],
            &[],
            false,
        )
        .unwrap();
        assert_eq!(wanted.requirements[0].to_string(), "tensorboardx==1.9");
        assert_eq!(wanted.wheel_files, [wheel]);
    }
}
