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
}

/// Why a wheel with the right name was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Only a `manylinux` platform tag would fit: site policy refuses it.
    Manylinux,
    /// Built for other Pythons or platforms: its python tags, for the message.
    OtherPython(String),
}

/// A rejected wheel.
#[derive(Clone, Debug)]
pub struct RejectedWheel {
    pub filename: String,
    pub version: String,
    pub why: Rejection,
}

/// Every wheel of the search paths, sorted into usable and rejected per normalised name.
#[derive(Debug, Default)]
pub struct Index {
    pub usable: HashMap<String, Vec<WheelCandidate>>,
    pub rejected: HashMap<String, Vec<RejectedWheel>>,
    /// Source distributions (`name-version.tar.gz`, `.zip`), which are never installed but
    /// make a better error message.
    pub sdists: HashMap<String, Vec<String>>,
    /// The search paths, for messages.
    pub search_paths: Vec<PathBuf>,
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
        for (path, filename, search_rank) in files {
            if !filename.ends_with(".whl") {
                if let Some(key) = sdist_name(filename) {
                    index
                        .sdists
                        .entry(key)
                        .or_default()
                        .push(filename.to_string());
                }
                continue;
            }
            let Ok(wheel) = WheelFilename::parse(filename) else {
                continue;
            };
            let key = normalize_name(wheel.name());
            match allowed.rank(&wheel) {
                Some(tag_rank) => {
                    let Ok(version) = Version::from_str(wheel.version_text()) else {
                        continue;
                    };
                    index.usable.entry(key).or_default().push(WheelCandidate {
                        path,
                        filename: filename.to_string(),
                        version,
                        tag_rank,
                        search_rank,
                    });
                }
                None => {
                    let why = if with_manylinux.rank(&wheel).is_some() {
                        Rejection::Manylinux
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
        index
    }
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
