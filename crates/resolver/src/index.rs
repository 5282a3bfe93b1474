//! The wheels a target can use, by package, and the ones it cannot with the reason why.

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;

use pep440_rs::Version;
use wheel_metadata::normalize_name;
use wheel_name::{TagPriority, WheelFilename};

/// A wheel the target accepts.
#[derive(Clone, Debug)]
pub struct WheelCandidate {
    pub path: PathBuf,
    pub filename: String,
    pub version: Version,
    /// Rank of its best tag for the target (lower fits better).
    pub tag_rank: u32,
    /// Position of its search path (the arch directory comes before the generic ones).
    pub search_rank: u32,
    /// The build tag as pip compares it (number, then the rest); `None` sorts first.
    pub build: Option<(u64, String)>,
}

impl WheelCandidate {
    /// The tag rank of a source distribution taking part as a candidate (built when its
    /// metadata is first read): any wheel of the same version fits better.
    pub const SOURCE_TAG_RANK: u32 = u32::MAX;

    /// Whether this candidate is a source distribution rather than a wheel.
    pub fn is_source(&self) -> bool {
        self.tag_rank == Self::SOURCE_TAG_RANK
    }
}

/// Why a wheel with the right name was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Only a `manylinux` platform tag would fit: site policy refuses it.
    Manylinux,
    /// Built for other Pythons: its python tags, for the message.
    OtherPython(String),
    /// Built for this Python but a platform this node cannot run (musllinux, a `manylinux`
    /// newer than its glibc, another machine): its platform tags, for the message.
    OtherPlatform(String),
    /// `--no-binary` asks for the package's source distribution instead.
    NoBinary,
}

/// A rejected wheel.
#[derive(Clone, Debug)]
pub struct RejectedWheel {
    pub filename: String,
    pub version: String,
    pub why: Rejection,
}

/// Where a wheel's core metadata can be had without opening the wheel (the wheelhouse's
/// catalog, when it is fresh). `None` means "open the wheel".
pub trait StoredMetadata {
    fn core_metadata(&self, wheel: &std::path::Path) -> Option<wheel_metadata::CoreMetadata>;
}

/// An optional [`StoredMetadata`] (a newtype so the index stays `Debug` and `Default`).
#[derive(Default)]
pub struct KnownMetadata(pub Option<Box<dyn StoredMetadata + Sync>>);

impl std::fmt::Debug for KnownMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "KnownMetadata(some)"
        } else {
            "KnownMetadata(none)"
        })
    }
}

/// Every wheel of the search paths, sorted into usable and rejected per normalised name.
#[derive(Debug, Default)]
pub struct Index {
    pub usable: HashMap<String, Vec<WheelCandidate>>,
    pub rejected: HashMap<String, Vec<RejectedWheel>>,
    /// Source distributions (`name-version.tar.gz`, `.zip`) in the search paths. They take
    /// part only when the caller adds them to `usable` (`install` does, unless
    /// `--only-binary`); otherwise they make a better error message.
    pub sdists: HashMap<String, Vec<String>>,
    /// Where each of those source distributions is, for a hint that builds it.
    pub sdist_paths: HashMap<String, Vec<PathBuf>>,
    /// Why those source distributions were left out (`--only-binary`), for the message;
    /// `None`: a package asked for by name is installed from wheels only.
    pub sdists_left_out: Option<String>,
    /// The command, up to the file to name, that builds a source distribution into the same
    /// environment from the same sources (`wheelhouse install -p ENV -f DIR`), for the hint.
    pub build_command: Option<String>,
    /// pip's `--prefer-binary`: a version with a wheel is tried before any version that
    /// only a source distribution provides, however new.
    pub prefer_binary: bool,
    /// The search paths, for messages.
    pub search_paths: Vec<PathBuf>,
    /// Files skipped because pip would reject their names, one message each.
    pub warnings: Vec<String>,
    /// Metadata known without opening wheels.
    pub known_metadata: KnownMetadata,
    /// The Pythons the site offers as modules (`3.11.7`, or `3.11` when the micro version is
    /// unknown), for a `module load` line when `Requires-Python` rules this one out.
    pub available_pythons: Vec<String>,
    /// Set when the index is partial (a package index's pages are read as names are met):
    /// the names whose candidates are final. A dependency without candidates that is not
    /// among them stops the solve ([`crate::resolve_noting`] names it among those looked
    /// up), so the caller reads its page and solves again, instead of the solver
    /// backtracking through every version of a package whose dependency only looks missing.
    pub settled: Option<std::collections::HashSet<String>>,
}

impl Index {
    /// Sorts `(path, file name, search rank)` triples; `allowed` are the target's tags under
    /// the site policy, `with_manylinux` the same target with `manylinux` allowed (to tell a
    /// policy refusal from a wrong Python).
    pub fn build<'a>(
        files: impl IntoIterator<Item = (PathBuf, &'a str, u32)>,
        allowed: &TagPriority,
        with_manylinux: &TagPriority,
        search_paths: Vec<PathBuf>,
    ) -> Index {
        let mut index = Index {
            search_paths,
            ..Index::default()
        };
        index.add(files, allowed, with_manylinux);
        index
    }

    /// Sorts more files into the index, as [`Index::build`] does (the files of a package
    /// index, found after the wheelhouse's).
    pub fn add<'a>(
        &mut self,
        files: impl IntoIterator<Item = (PathBuf, &'a str, u32)>,
        allowed: &TagPriority,
        with_manylinux: &TagPriority,
    ) {
        let index = self;
        for (path, filename, search_rank) in files {
            if !filename.ends_with(".whl") {
                if let Some(key) = sdist_name(filename) {
                    index
                        .sdist_paths
                        .entry(key.clone())
                        .or_default()
                        .push(path.clone());
                    index
                        .sdists
                        .entry(key)
                        .or_default()
                        .push(filename.to_string());
                }
                continue;
            }
            let wheel = match WheelFilename::parse(filename) {
                Ok(w) if pip_accepts_name(w.name()) => w,
                _ => {
                    index
                        .warnings
                        .push(invalid(&path, "its name is not a valid wheel file name"));
                    continue;
                }
            };
            let key = normalize_name(wheel.name());
            match allowed.rank(&wheel) {
                Some(tag_rank) => {
                    let Ok(version) = Version::from_str(wheel.version_text()) else {
                        index
                            .warnings
                            .push(invalid(&path, "its version is not a valid PEP 440 version"));
                        continue;
                    };
                    index.usable.entry(key).or_default().push(WheelCandidate {
                        path,
                        filename: filename.to_string(),
                        version,
                        tag_rank,
                        search_rank,
                        build: wheel.build().map(|b| {
                            let digits =
                                b.len() - b.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                            (
                                b[..digits].parse().unwrap_or(u64::MAX),
                                b[digits..].to_string(),
                            )
                        }),
                    });
                }
                None => {
                    let why = if with_manylinux.rank(&wheel).is_some() {
                        Rejection::Manylinux
                    } else if allowed.accepts_python_abi(&wheel) {
                        Rejection::OtherPlatform(wheel.platform_column())
                    } else {
                        Rejection::OtherPython(wheel.python_column())
                    };
                    index.rejected.entry(key).or_default().push(RejectedWheel {
                        filename: filename.to_string(),
                        version: wheel.version_text().to_string(),
                        why,
                    });
                }
            }
        }
    }
}

/// The distribution part of a wheel file name as pip's `packaging` accepts it: word
/// characters, digits, `.` and `_` (dashes were escaped), and no `__` run.
fn pip_accepts_name(name: &str) -> bool {
    !name.contains("__")
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

fn invalid(path: &std::path::Path, why: &str) -> String {
    format!(
        "skipping {}: {why} (pip ignores it too); ask the wheelhouse staff to rename it",
        path.display()
    )
}

/// The normalised project name of a source distribution file name, `name-version.tar.gz`.
fn sdist_name(filename: &str) -> Option<String> {
    let stem = filename
        .strip_suffix(".tar.gz")
        .or_else(|| filename.strip_suffix(".zip"))
        .or_else(|| filename.strip_suffix(".tar.bz2"))?;
    let (name, version) = stem.rsplit_once('-')?;
    version
        .starts_with(|c: char| c.is_ascii_digit())
        .then(|| normalize_name(name))
}
