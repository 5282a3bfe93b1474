//! What a lock installs for one Python and one CPU level, as PEP 751's installer steps say:
//! the lock's `requires-python` and `environments`, then each entry's marker, levels and
//! `requires-python`, then one wheel per entry by its tags, else its sdist, VCS checkout,
//! directory or archive, to build. Nothing is resolved: an entry that cannot be installed
//! here is an error naming it, never a choice of something else.

use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerEnvironment, MarkerTree};
use wheel_name::{TagPriority, WheelFilename};

use crate::{File, Lock, LockError, Source};

/// The environment a lock is installed into.
pub struct Target<'a> {
    pub markers: &'a MarkerEnvironment,
    /// `python_full_version`, e.g. 3.11.7.
    pub python: Version,
    /// The tags the interpreter accepts (and the site's manylinux policy).
    pub tags: &'a TagPriority,
    /// This node's CPU level (`RSNT_ARCH`), when known.
    pub level: Option<&'a str>,
    /// Every CPU level the site knows; a wheel in another level's directory is not taken.
    pub known_levels: &'a [&'a str],
}

/// One package the lock installs here.
#[derive(Clone, Debug)]
pub struct Selected {
    /// Index in `packages`.
    pub index: usize,
    pub name: String,
    pub version: Option<String>,
    pub choice: Choice,
}

/// What is installed for an entry: a wheel as it is, or a source to build into one.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    Wheel(File),
    /// An sdist (`Source::Files` with no wheels), a VCS checkout, a directory or an archive.
    Build(Source),
}

impl Selected {
    /// The wheel, when this entry installs one as it is.
    pub fn wheel(&self) -> Option<&File> {
        match &self.choice {
            Choice::Wheel(w) => Some(w),
            Choice::Build(_) => None,
        }
    }
}

/// Everything a lock installs here.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub packages: Vec<Selected>,
}

impl Lock {
    /// The wheels this lock installs into `target`, one per package.
    pub fn select(&self, target: &Target<'_>) -> Result<Selection, LockError> {
        let python = &target.python;
        if let Some(rp) = &self.requires_python {
            if !specifiers(rp).is_some_and(|s| s.contains(python)) {
                return Err(LockError::new(
                    "requires-python",
                    format!(
                        "this lock is for Python {rp}, and this environment's Python is \
                         {python}. Use an environment made with a Python the lock covers, or \
                         make the lock again for this one (`wheelhouse lock --python \
                         {}.{}`).",
                        python.release().first().unwrap_or(&3),
                        python.release().get(1).unwrap_or(&0)
                    ),
                ));
            }
        }
        if !self.environments.is_empty() && !self.environments.iter().any(|e| holds(e, target)) {
            return Err(LockError::new(
                "environments",
                format!(
                    "this environment (Python {python}) matches none of the lock's \
                     environments ({}). Make the lock again for this Python (`wheelhouse lock \
                     --python X.Y`).",
                    self.environments.join("; ")
                ),
            ));
        }
        if let Some(level) = target.level {
            if !self.levels.is_empty() && !self.levels.iter().any(|l| l == level) {
                return Err(LockError::new(
                    "tool.wheelhouse.levels",
                    format!(
                        "this lock was made for the CPU levels {}, and this node is {level}. \
                         Make the lock again with `--arch {level}` added.",
                        self.levels.join(", ")
                    ),
                ));
            }
        }
        let mut selection = Selection::default();
        for (i, p) in self.packages.iter().enumerate() {
            let entry = format!("packages[{i}] ({})", p.name);
            if p.marker.as_deref().is_some_and(|m| !holds(m, target)) {
                continue;
            }
            if let (Some(level), false) = (target.level, p.levels.is_empty()) {
                if !p.levels.iter().any(|l| l == level) {
                    continue;
                }
            }
            if let Some(rp) = &p.requires_python {
                if !specifiers(rp).is_some_and(|s| s.contains(python)) {
                    return Err(LockError::new(
                        &entry,
                        format!(
                            "needs Python {rp}, and this environment's Python is {python}: \
                             this lock was made for another Python. Make it again for this \
                             one (`wheelhouse lock --python X.Y`)."
                        ),
                    ));
                }
            }
            if let Some(other) = selection.packages.iter().find(|s| s.name == p.name) {
                return Err(LockError::new(
                    &entry,
                    format!(
                        "packages[{}] is also {} for this environment; a lock may select one \
                         entry per name",
                        other.index, p.name
                    ),
                ));
            }
            let choice = choose(&p.source, &entry, p.version.as_deref(), target)?;
            selection.packages.push(Selected {
                index: i,
                name: p.name.clone(),
                version: p.version.clone(),
                choice,
            });
        }
        Ok(selection)
    }
}

/// The entry's wheel for `target`, else its sdist (PEP 751: a wheel is preferred), else its
/// VCS checkout, directory or archive.
fn choose(
    source: &Source,
    entry: &str,
    version: Option<&str>,
    target: &Target<'_>,
) -> Result<Choice, LockError> {
    let (wheels, sdist) = match source {
        Source::Files { wheels, sdist } => (wheels, sdist),
        other => return Ok(Choice::Build(other.clone())),
    };
    match choose_wheel(wheels, entry, version, target) {
        Ok(w) => Ok(Choice::Wheel(w)),
        Err(_) if sdist.is_some() => Ok(Choice::Build(Source::Files {
            wheels: Vec::new(),
            sdist: sdist.clone(),
        })),
        Err(e) => Err(e),
    }
}

fn choose_wheel(
    wheels: &[File],
    entry: &str,
    version: Option<&str>,
    target: &Target<'_>,
) -> Result<File, LockError> {
    // The node's own level first, then generic and directories that are no level at all;
    // another level's file may use instructions this node lacks.
    let level_rank = |w: &File| -> Option<u32> {
        let level = level_of(w);
        match (target.level, level.as_deref()) {
            (Some(here), Some(l)) if l == here => Some(0),
            (_, Some(l)) if l == "generic" || !target.known_levels.contains(&l) => Some(1),
            (None, _) => Some(1),
            _ => None,
        }
    };
    let best = wheels
        .iter()
        .filter_map(|w| {
            let parsed = WheelFilename::parse(w.file_name()?).ok()?;
            let tag = target.tags.rank(&parsed)?;
            Some(((level_rank(w)?, tag), w))
        })
        .min_by_key(|(rank, _)| *rank);
    match best {
        Some((_, w)) => Ok(w.clone()),
        None => {
            let names: Vec<&str> = wheels.iter().filter_map(File::file_name).collect();
            Err(LockError::new(
                entry,
                format!(
                    "no wheel of version {} in the lock fits this environment (Python {}{}); \
                     the lock has {}. Make the lock again for this Python and CPU level \
                     (`wheelhouse lock --python X.Y --arch LEVEL`).",
                    version.unwrap_or("?"),
                    target.python,
                    target
                        .level
                        .map(|l| format!(", CPU level {l}"))
                        .unwrap_or_default(),
                    names.join(", ")
                ),
            ))
        }
    }
}

/// The CPU level of a wheel: the name of the directory that holds it.
pub fn level_of(w: &File) -> Option<String> {
    let from = w.path.as_deref().or(w.url.as_deref())?;
    let mut parts = from.rsplit(['/', '\\']);
    parts.next()?;
    parts.next().filter(|d| !d.is_empty()).map(str::to_string)
}

fn holds(marker: &str, target: &Target<'_>) -> bool {
    MarkerTree::from_str(marker).is_ok_and(|m| m.evaluate(target.markers, &[]))
}

fn specifiers(text: &str) -> Option<VersionSpecifiers> {
    VersionSpecifiers::from_str(text).ok()
}
