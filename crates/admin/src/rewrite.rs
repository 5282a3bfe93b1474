//! Rewriting a wheel: a new local version (file name, `.dist-info` and `.data` directories,
//! METADATA `Version`), `manylinux` platform tags renamed to `linux_x86_64` (file name and
//! WHEEL `Tag` lines), new `Requires-Dist` lines; RECORD written anew.
//!
//! Members that do not change are copied compressed as they are; every member is still
//! decompressed once to hash it, and a hash that disagrees with the old RECORD stops the
//! rewrite (a corrupt wheel must not be published with a RECORD that hides it). The new wheel
//! is written to a temporary file in the destination directory, then renamed into place: a
//! reader sees the old file or the new one, never half of one.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use installer::paths::Confinement;
use wheel_metadata::{hash_bytes, parse_record, write_record, RecordEntry};

use crate::error::{AdminError, WheelProblem};

/// What to change.
#[derive(Clone, Debug, Default)]
pub struct Rewrite {
    /// A local version label to add (`computecanada`): `1.0` → `1.0+computecanada`.
    pub local_version: Option<String>,
    /// Rename `manylinux…_x86_64` platform tags to `linux_x86_64`.
    pub retag_manylinux: bool,
    /// The new `Requires-Dist` lines, replacing all the old ones.
    pub requires_dist: Option<Vec<String>>,
}

/// Version with the local label added (unchanged when the label is already there).
pub fn with_local(version: &str, label: &str) -> String {
    match version.split_once('+') {
        Some((_, local)) if local.split('.').any(|part| part == label) => version.to_string(),
        Some(_) => format!("{version}.{label}"),
        None => format!("{version}+{label}"),
    }
}

/// A platform tag part with `manylinux…_x86_64` renamed; the compressed set deduplicated.
pub fn retag_platform(platform: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for part in platform.split('.') {
        let part = if wheel_name::is_manylinux(part) && part.ends_with("_x86_64") {
            "linux_x86_64".to_string()
        } else {
            part.to_string()
        };
        if !out.contains(&part) {
            out.push(part);
        }
    }
    out.join(".")
}

/// A local version label as PEP 440 allows it, normalized: ASCII letters and digits in
/// segments separated by `.`, `-` or `_`, written lower-case with `.` (`CUDA_12` →
/// `cuda.12`). The label ends up in a file name, so anything else (a `/`, `..`) is refused
/// before it can name a path.
pub fn local_label(label: &str) -> Result<String, AdminError> {
    let segments: Vec<&str> = label.split(['.', '-', '_']).collect();
    let valid = segments
        .iter()
        .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !valid {
        return Err(AdminError::LocalLabel {
            label: label.to_string(),
        });
    }
    Ok(segments.join(".").to_ascii_lowercase())
}

/// The file name a rewrite gives, and the new version.
pub fn new_filename(filename: &str, plan: &Rewrite) -> Result<(String, String), AdminError> {
    let stem = filename.strip_suffix(".whl").unwrap_or(filename);
    let mut parts: Vec<String> = stem.split('-').map(str::to_string).collect();
    if !(5..=6).contains(&parts.len()) {
        return Err(AdminError::WheelNameParts {
            filename: filename.to_string(),
        });
    }
    if let Some(label) = &plan.local_version {
        parts[1] = with_local(&parts[1], &local_label(label)?);
    }
    if plan.retag_manylinux {
        let last = parts.len() - 1;
        parts[last] = retag_platform(&parts[last]);
    }
    Ok((format!("{}.whl", parts.join("-")), parts[1].clone()))
}

/// The confinement of the wheelhouse at `root` ([`Confinement`] compares absolute paths).
pub fn house_confinement(root: &Path) -> Confinement {
    Confinement::new(&std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()))
}

/// Proves `path` inside the wheelhouse `house` (made by [`house_confinement`]; the
/// installer's check: `..` resolved, every parent directory that is a link resolved), as
/// every path `add` and `edit` write is.
pub fn confined(house: &Confinement, path: &Path) -> Result<(), AdminError> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    house
        .check(&absolute)
        .map(|_| ())
        .map_err(|_| AdminError::Outside {
            path: path.to_path_buf(),
            house: house.root().to_path_buf(),
        })
}

/// Rewrites the header part of METADATA: the `Version` field, and `Requires-Dist` when asked
/// (the new lines take the place of the first old one). The body is kept byte for byte.
pub fn rewrite_metadata(text: &str, version: &str, requires: Option<&[String]>) -> String {
    let (header, body) = match text.find("\n\n") {
        Some(at) => (&text[..at + 1], &text[at + 1..]),
        None => (text, ""),
    };
    let mut out = String::with_capacity(text.len() + 256);
    let mut skipping = false;
    let mut inserted = false;
    let insert = |out: &mut String| {
        for r in requires.unwrap_or(&[]) {
            out.push_str("Requires-Dist: ");
            out.push_str(r);
            out.push('\n');
        }
    };
    for line in header.split_inclusive('\n') {
        if skipping && line.starts_with([' ', '\t']) {
            continue;
        }
        skipping = false;
        let key = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if key == "version" {
            out.push_str("Version: ");
            out.push_str(version);
            out.push('\n');
            skipping = true;
            continue;
        }
        if key == "requires-dist" && requires.is_some() {
            if !inserted {
                insert(&mut out);
                inserted = true;
            }
            skipping = true;
            continue;
        }
        out.push_str(line);
    }
    if requires.is_some() && !inserted {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        insert(&mut out);
    }
    out.push_str(body);
    out
}

fn rewrite_wheel_file(text: &str, retag: bool) -> String {
    if !retag {
        return text.to_string();
    }
    let mut out = String::new();
    let mut seen = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(tag) = line.strip_prefix("Tag:") {
            let tag = tag.trim();
            let new = match tag.rsplit_once('-') {
                Some((head, platform)) => format!("{head}-{}", retag_platform(platform)),
                None => tag.to_string(),
            };
            if !seen.contains(&new) {
                out.push_str(&format!("Tag: {new}\n"));
                seen.push(new);
            }
            continue;
        }
        out.push_str(line);
    }
    out
}

/// Rewrites `src` into `dest_dir` under the name the plan gives; returns the new path. An
/// existing file of that name is refused unless `replace` (then it is replaced atomically).
/// The new file (and so the temporary one beside it) must be proven inside `house`, the
/// wheelhouse written to ([`confined`]).
pub fn rewrite_wheel(
    src: &Path,
    house: &Confinement,
    dest_dir: &Path,
    plan: &Rewrite,
    replace: bool,
) -> Result<PathBuf, AdminError> {
    let filename =
        src.file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| AdminError::NotAWheelName {
                path: src.to_path_buf(),
            })?;
    let (new_name, new_version) = new_filename(filename, plan)?;
    let dest = dest_dir.join(&new_name);
    confined(house, &dest)?;
    if dest.exists() && !replace {
        return Err(AdminError::Exists { path: dest });
    }
    let bad = |problem: WheelProblem| AdminError::broken(src, problem);
    let file = File::open(src).map_err(|e| AdminError::io(src, e))?;
    let mut archive =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| bad(WheelProblem::NotAZip(e)))?;
    let old_dist_info =
        wheel_metadata::wheel_dist_info(&archive).ok_or_else(|| bad(WheelProblem::NoMetadata))?;
    let dist_name = old_dist_info
        .strip_suffix(".dist-info")
        .and_then(|s| s.rsplit_once('-'))
        .map(|(name, _)| name.to_string())
        .ok_or_else(|| bad(WheelProblem::DistInfoName(old_dist_info.clone())))?;
    let old_data = format!("{}.data", old_dist_info.trim_end_matches(".dist-info"));
    let new_dist_info = format!("{dist_name}-{new_version}.dist-info");
    let new_data = format!("{dist_name}-{new_version}.data");
    let old_record =
        wheel_metadata::read_dist_info_member(&mut archive, "RECORD").unwrap_or_default();
    let old_hashes: std::collections::HashMap<String, String> = parse_record(&old_record)
        .into_iter()
        .map(|e| (e.path, e.hash))
        .collect();
    let rename = |name: &str| -> String {
        for (old, new) in [(&old_dist_info, &new_dist_info), (&old_data, &new_data)] {
            if let Some(rest) = name
                .strip_prefix(old.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                return format!("{new}/{rest}");
            }
        }
        name.to_string()
    };

    let tmp = tempfile::Builder::new()
        .prefix(".wheelhouse-")
        .suffix(".part")
        .tempfile_in(dest_dir)
        .map_err(|e| AdminError::io(dest_dir, e))?;
    let out_file = tmp
        .as_file()
        .try_clone()
        .map_err(|e| AdminError::io(dest_dir, e))?;
    let mut writer = zip::ZipWriter::new(std::io::BufWriter::new(out_file));
    let mut record = Vec::new();
    let zip_err = |e: zip::result::ZipError| AdminError::io(dest_dir, std::io::Error::other(e));
    for index in 0..archive.len() {
        let (name, content, mode) = {
            let unreadable = |source| bad(WheelProblem::Member { index, source });
            let mut member = archive.by_index(index).map_err(unreadable)?;
            let name = member.name().map(|n| n.to_string()).map_err(unreadable)?;
            if member.enclosed_name().is_none() {
                return Err(AdminError::UnsafeMember {
                    path: src.to_path_buf(),
                    member: name,
                });
            }
            let mut content = Vec::new();
            member
                .by_ref()
                .take(4 << 30)
                .read_to_end(&mut content)
                .map_err(|e| {
                    bad(WheelProblem::MemberData {
                        name: name.clone(),
                        source: Box::new(e),
                    })
                })?;
            (name, content, member.unix_mode())
        };
        if name == format!("{old_dist_info}/RECORD")
            || name == format!("{old_dist_info}/RECORD.jws")
            || name == format!("{old_dist_info}/RECORD.p7s")
        {
            continue;
        }
        if name.ends_with('/') {
            continue;
        }
        let new_name = rename(&name);
        let changed = if name == format!("{old_dist_info}/METADATA") {
            let text = String::from_utf8_lossy(&content);
            Some(rewrite_metadata(&text, &new_version, plan.requires_dist.as_deref()).into_bytes())
        } else if name == format!("{old_dist_info}/WHEEL") {
            Some(
                rewrite_wheel_file(&String::from_utf8_lossy(&content), plan.retag_manylinux)
                    .into_bytes(),
            )
        } else {
            None
        };
        let hash = hash_bytes(&content);
        if let Some(old) = old_hashes.get(&name).filter(|h| !h.is_empty()) {
            if *old != hash {
                return Err(bad(WheelProblem::RecordMismatch(name)));
            }
        }
        match changed {
            Some(new_content) => {
                let opts = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .unix_permissions(mode.unwrap_or(0o644) & 0o777);
                writer
                    .start_file(new_name.as_str(), opts)
                    .map_err(zip_err)?;
                writer
                    .write_all(&new_content)
                    .map_err(|e| AdminError::io(dest_dir, e))?;
                record.push(RecordEntry {
                    path: new_name,
                    hash: hash_bytes(&new_content),
                    size: new_content.len().to_string(),
                });
            }
            None => {
                let raw = archive.by_index_raw(index).map_err(|e| {
                    bad(WheelProblem::MemberData {
                        name: name.clone(),
                        source: Box::new(e),
                    })
                })?;
                writer
                    .raw_copy_file_rename(raw, new_name.as_str())
                    .map_err(zip_err)?;
                record.push(RecordEntry {
                    path: new_name,
                    hash,
                    size: content.len().to_string(),
                });
            }
        }
    }
    let record_path = format!("{new_dist_info}/RECORD");
    record.push(RecordEntry {
        path: record_path.clone(),
        hash: String::new(),
        size: String::new(),
    });
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    writer.start_file(record_path, opts).map_err(zip_err)?;
    writer
        .write_all(write_record(&record).as_bytes())
        .map_err(|e| AdminError::io(dest_dir, e))?;
    let mut inner = writer.finish().map_err(zip_err)?;
    inner.flush().map_err(|e| AdminError::io(dest_dir, e))?;
    let out_file = inner
        .into_inner()
        .map_err(|e| AdminError::io(dest_dir, e.into_error()))?;
    out_file
        .sync_all()
        .map_err(|e| AdminError::io(dest_dir, e))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
        .map_err(|e| AdminError::io(tmp.path(), e))?;
    // Proven again just before the rename: a directory swapped for a link meanwhile.
    confined(house, &dest)?;
    let persisted = if replace {
        tmp.persist(&dest).map_err(|e| e.error)
    } else {
        // Link then unlink: fails rather than replaces when another publisher got there first.
        tmp.persist_noclobber(&dest).map_err(|e| e.error)
    };
    persisted.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            AdminError::Exists { path: dest.clone() }
        } else {
            AdminError::io(&dest, e)
        }
    })?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_versions_and_platforms() {
        assert_eq!(with_local("1.0", "computecanada"), "1.0+computecanada");
        assert_eq!(
            with_local("1.0+computecanada", "computecanada"),
            "1.0+computecanada"
        );
        assert_eq!(
            with_local("1.0+cuda12", "computecanada"),
            "1.0+cuda12.computecanada"
        );
        assert_eq!(
            retag_platform("manylinux2014_x86_64.manylinux_2_17_x86_64"),
            "linux_x86_64"
        );
        assert_eq!(retag_platform("linux_x86_64"), "linux_x86_64");
        let plan = Rewrite {
            local_version: Some("computecanada".into()),
            retag_manylinux: true,
            requires_dist: None,
        };
        assert_eq!(
            new_filename(
                "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                &plan
            )
            .unwrap()
            .0,
            "numpy-1.26.4+computecanada-cp311-cp311-linux_x86_64.whl"
        );
        assert!(new_filename("bad.whl", &plan).is_err());
    }

    #[test]
    fn local_labels_are_pep_440_and_normalized() {
        assert_eq!(local_label("computecanada").unwrap(), "computecanada");
        assert_eq!(local_label("CUDA_12-x.y").unwrap(), "cuda.12.x.y");
        for bad in [
            "",
            "x/../../../outside/add-created",
            "..",
            "a..b",
            ".a",
            "a-",
            "a b",
            "é",
            "a+b",
        ] {
            let err = local_label(bad).unwrap_err();
            assert!(
                matches!(&err, AdminError::LocalLabel { label } if label == bad),
                "{bad}"
            );
            assert!(
                err.to_string().contains("not a local version label"),
                "{bad}"
            );
        }
        let plan = Rewrite {
            local_version: Some("x/../../y".into()),
            ..Rewrite::default()
        };
        assert!(new_filename("a-1.0-py3-none-any.whl", &plan).is_err());
    }

    #[test]
    fn metadata_header_rewritten_body_kept() {
        let text = "Metadata-Version: 2.1\nName: a\nVersion: 1.0\nRequires-Dist: b\n  continued\nRequires-Dist: c\nSummary: s\n\nVersion: body\nRequires-Dist: body\n";
        let out = rewrite_metadata(text, "1.0+cc", Some(&["d<2".to_string()]));
        assert_eq!(
            out,
            "Metadata-Version: 2.1\nName: a\nVersion: 1.0+cc\nRequires-Dist: d<2\nSummary: s\n\nVersion: body\nRequires-Dist: body\n"
        );
        let out = rewrite_metadata("Name: a\nVersion: 1\n", "1", Some(&["x".to_string()]));
        assert_eq!(out, "Name: a\nVersion: 1\nRequires-Dist: x\n");
    }
}
