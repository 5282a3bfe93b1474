//! Step 2 of unpacking: where each member goes (the wheel spec's mapping of the archive root
//! and `<name>.data/<scheme>/` to the environment's paths), proven inside the environment,
//! and which RECORD hash it must have.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use wheel_metadata::{RecordEntry, RecordHash};

use super::archive::OpenedWheel;
use crate::error::InstallError;
use crate::paths::Confinement;
use crate::Layout;

/// One archive file and where it goes.
#[derive(Clone)]
pub(super) struct Member {
    pub index: usize,
    /// The archive path, as RECORD names it.
    pub name: String,
    pub size: u64,
    /// Relative to the environment root.
    pub target: PathBuf,
    /// Where it is written, relative to the staging directory (see `StageParts`): set once
    /// the members are mapped, `target` until then.
    pub staged: PathBuf,
    /// For a Python source: where its `__pycache__` directory is staged (see `StageParts`;
    /// a top-level module's is not beside it). Set with `staged`.
    pub pycache: PathBuf,
    pub executable: bool,
    /// From `.data/scripts`: a `#!python` first line is rewritten.
    pub script: bool,
    /// The hash RECORD gives; `None` only when incomplete RECORDs are allowed.
    pub expected: Option<RecordHash>,
}

/// Maps every member, checking RECORD covers it. Returns the members and the warnings about
/// unverified members when `allow_incomplete_record` lets them through.
pub(super) fn map_members(
    wheel: &Path,
    opened: &OpenedWheel<'_>,
    layout: &Layout,
    confinement: &Confinement,
    allow_incomplete_record: bool,
) -> Result<(Vec<Member>, Vec<String>), InstallError> {
    let dist_info = &opened.dist_info;
    let record: HashMap<&str, &RecordEntry> =
        opened.record.iter().map(|e| (e.path.as_str(), e)).collect();
    let data_prefix = format!("{}.data/", dist_info.trim_end_matches(".dist-info"));
    let root_lib = if opened.info.root_is_purelib {
        &layout.purelib
    } else {
        &layout.platlib
    };
    // Entry-point launchers that setuptools also put in `.data/scripts` are written by us
    // instead, as pip does.
    let launchers: Vec<&str> = opened
        .entry_points
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let unsafe_path = |member: &str, why| InstallError::UnsafePath {
        wheel: wheel.to_path_buf(),
        member: member.escape_debug().to_string(),
        why,
    };
    let mut warnings = Vec::new();
    let mut members = Vec::with_capacity(opened.members.len());
    // Written by the installer itself, or RECORD's own signatures: never taken from the wheel.
    let generated = [
        "RECORD",
        "RECORD.jws",
        "RECORD.p7s",
        "INSTALLER",
        "REQUESTED",
        "direct_url.json",
    ];
    for raw in &opened.members {
        let name = &raw.name;
        if name
            .strip_prefix(dist_info.as_str())
            .and_then(|r| r.strip_prefix('/'))
            .is_some_and(|file| generated.contains(&file))
        {
            continue;
        }
        let expected = expected_hash(wheel, name, &record, allow_incomplete_record, &mut warnings)?;
        let (base, rest, script) = if let Some(rest) = name.strip_prefix(&data_prefix) {
            let (key, rest) = rest.split_once('/').unwrap_or((rest, ""));
            let base = match key {
                "purelib" => layout.purelib.clone(),
                "platlib" => layout.platlib.clone(),
                "scripts" => layout.scripts.clone(),
                // The name was checked to be a valid distribution name when the wheel was
                // opened, so it is one plain path component.
                "headers" => layout.include.join(&opened.metadata.name),
                "data" => layout.data.clone(),
                other => {
                    return Err(InstallError::BadWheel {
                        wheel: wheel.to_path_buf(),
                        message: format!(
                            "`{name}` uses the unknown .data directory `{other}` (known: \
                             purelib, platlib, scripts, headers, data)"
                        ),
                    })
                }
            };
            (base, rest.to_string(), key == "scripts")
        } else {
            (root_lib.clone(), name.clone(), false)
        };
        if rest.is_empty() {
            continue;
        }
        if script && is_launcher_wrapper(&rest, &launchers) {
            continue;
        }
        let absolute = confinement
            .check(&base.join(&rest))
            .map_err(|why| unsafe_path(name, why))?;
        let target = absolute
            .strip_prefix(confinement.root())
            .map_err(|_| unsafe_path(name, "maps outside the environment's install paths"))?
            .to_path_buf();
        members.push(Member {
            index: raw.index,
            name: name.clone(),
            size: raw.size,
            staged: target.clone(),
            pycache: PathBuf::new(),
            target,
            executable: raw.executable,
            script,
            expected,
        });
    }
    Ok((members, warnings))
}

fn expected_hash(
    wheel: &Path,
    name: &str,
    record: &HashMap<&str, &RecordEntry>,
    allow_incomplete: bool,
    warnings: &mut Vec<String>,
) -> Result<Option<RecordHash>, InstallError> {
    let problem = match record.get(name) {
        None => "is not listed in the wheel's RECORD",
        Some(e) if e.hash.is_empty() => "is listed in the wheel's RECORD without a hash",
        Some(e) => {
            let hash = RecordHash::parse(&e.hash).ok_or_else(|| InstallError::BadWheel {
                wheel: wheel.to_path_buf(),
                message: format!("RECORD gives `{name}` the malformed hash `{}`", e.hash),
            })?;
            if hash.is_supported() {
                return Ok(Some(hash));
            }
            "has a RECORD hash of an algorithm too weak to trust (only sha256, sha384, sha512)"
        }
    };
    if allow_incomplete {
        warnings.push(format!(
            "{}: `{name}` {problem}; installed unverified because allow-incomplete-record is set",
            wheel.display()
        ));
        return Ok(None);
    }
    Err(InstallError::Unverified {
        wheel: wheel.to_path_buf(),
        member: name.to_string(),
        why: problem,
    })
}

/// `EP`, `EP.exe`, `EP-script.py`, `EP.pya` for an entry point `EP`: setuptools' own
/// launchers, replaced by ours.
fn is_launcher_wrapper(path: &str, launchers: &[&str]) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    let lower = base.to_lowercase();
    let stem = if lower.ends_with(".exe") || lower.ends_with(".pya") {
        &base[..base.len() - 4]
    } else if lower.ends_with("-script.py") {
        &base[..base.len() - 10]
    } else {
        base
    };
    launchers.contains(&stem)
}

#[cfg(test)]
mod tests {
    use super::is_launcher_wrapper;

    #[test]
    fn setuptools_launchers_of_entry_points_are_recognised() {
        let eps = ["tool"];
        for name in ["tool", "tool.exe", "tool-script.py", "tool.pya", "bin/tool"] {
            assert!(is_launcher_wrapper(name, &eps), "{name}");
        }
        for name in ["tool2", "other.exe", "tool.py"] {
            assert!(!is_launcher_wrapper(name, &eps), "{name}");
        }
    }
}
