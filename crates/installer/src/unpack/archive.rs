//! Step 1 of unpacking: open the archive and check everything that can be checked before a
//! byte is decompressed — member names, duplicates, links, declared sizes against the
//! wheel's size, the `.dist-info` and its text files.

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::path::{Component, Path};
use std::str::FromStr;

use wheel_metadata::{
    parse_entry_points, parse_record_strict, CoreMetadata, EntryPoint, RecordEntry, WheelInfo,
    MAX_METADATA_FILE,
};

use crate::error::InstallError;

pub(super) type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Deflate cannot expand data more than about 1032 times; a member that claims more is lying
/// about its size (or is built to exhaust the disk).
pub const MAX_MEMBER_RATIO: u64 = 1100;
/// All members together may expand to at most this many times the wheel's size (real wheels
/// expand 2 to 10 times), or [`TOTAL_FLOOR`], whichever is larger.
pub const MAX_TOTAL_RATIO: u64 = 100;
/// Small wheels may always expand to this many bytes.
pub const TOTAL_FLOOR: u64 = 64 << 20;

/// One regular file of the archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RawMember {
    pub index: usize,
    pub name: String,
    /// The uncompressed size the archive declares; reading more than this is an error.
    pub size: u64,
    pub executable: bool,
}

/// A wheel whose structure has been checked.
pub(super) struct OpenedWheel<'a> {
    /// The archive; `None` when the wheel was known from what an earlier install read of it
    /// ([`super::summary`]) and has not been opened.
    pub archive: Option<Archive<'a>>,
    pub dist_info: String,
    pub metadata: CoreMetadata,
    pub info: WheelInfo,
    pub record: Vec<RecordEntry>,
    /// The content key of the unpacked-wheel cache: RECORD (every member's hash) and the
    /// member list (names, sizes, executable bits, which RECORD does not hold).
    pub key: wheel_cache::Key,
    pub entry_points: Vec<EntryPoint>,
    pub members: Vec<RawMember>,
    /// What was read, to be remembered for the next install of the same file.
    pub texts: DistInfoTexts,
}

impl<'a> OpenedWheel<'a> {
    /// The archive, for the members that must be decompressed.
    pub fn archive(&self, wheel: &Path) -> Result<&Archive<'a>, InstallError> {
        self.archive.as_ref().ok_or_else(|| InstallError::BadWheel {
            wheel: wheel.to_path_buf(),
            message: "its members are needed but it was not opened".into(),
        })
    }
}

/// The `.dist-info` files an install reads from a wheel, as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct DistInfoTexts {
    pub metadata: String,
    pub wheel: String,
    pub record: String,
    pub entry_points: Option<String>,
}

pub(super) fn open<'a>(wheel: &Path, bytes: &'a [u8]) -> Result<OpenedWheel<'a>, InstallError> {
    let bad = |message: String| InstallError::BadWheel {
        wheel: wheel.to_path_buf(),
        message,
    };
    let mut archive: Archive<'a> = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("it is not a readable zip archive ({e})")))?;
    let members = list_members(wheel, &mut archive, bytes.len() as u64)?;
    let dist_info = wheel_metadata::wheel_dist_info(&archive).ok_or_else(|| {
        bad("it has no .dist-info directory with a METADATA file, or more than one".into())
    })?;
    check_dist_info_name(wheel, &dist_info)?;
    let mut text = |file: &str| read_text(wheel, &mut archive, &format!("{dist_info}/{file}"));
    let metadata = text("METADATA")?.ok_or_else(|| bad("no METADATA".into()))?;
    let info = text("WHEEL")?.ok_or_else(|| bad(format!("no {dist_info}/WHEEL")))?;
    let record = text("RECORD")?.ok_or_else(|| {
        bad(format!(
            "it has no {dist_info}/RECORD, so its files cannot be verified"
        ))
    })?;
    let entry_points = text("entry_points.txt")?;
    let texts = DistInfoTexts {
        metadata,
        wheel: info,
        record,
        entry_points,
    };
    checked(wheel, Some(archive), members, dist_info, texts)
}

/// Parses and checks what was read of a wheel (from its archive, or remembered from an
/// earlier install of the same file): the same checks either way.
pub(super) fn checked<'a>(
    wheel: &Path,
    archive: Option<Archive<'a>>,
    members: Vec<RawMember>,
    dist_info: String,
    texts: DistInfoTexts,
) -> Result<OpenedWheel<'a>, InstallError> {
    let bad = |message: String| InstallError::BadWheel {
        wheel: wheel.to_path_buf(),
        message,
    };
    check_dist_info_name(wheel, &dist_info)?;
    let metadata = CoreMetadata::parse(&texts.metadata);
    let info = WheelInfo::parse(&texts.wheel).map_err(bad)?;
    let record = parse_record_strict(&texts.record)
        .map_err(|e| bad(format!("its RECORD is not a valid RECORD file: {e}")))?;
    let entry_points = texts
        .entry_points
        .as_deref()
        .map(parse_entry_points)
        .unwrap_or_default();
    check_metadata_name(wheel, &metadata)?;
    check_versions_agree(wheel, &dist_info, &metadata)?;
    let key = wheel_cache::Key::new(
        texts.record.as_bytes(),
        members
            .iter()
            .map(|m| (m.name.as_str(), m.size, m.executable)),
    );
    Ok(OpenedWheel {
        archive,
        dist_info,
        metadata,
        info,
        record,
        key,
        entry_points,
        members,
        texts,
    })
}

fn list_members(
    wheel: &Path,
    archive: &mut Archive<'_>,
    wheel_size: u64,
) -> Result<Vec<RawMember>, InstallError> {
    let bad = |message: String| InstallError::BadWheel {
        wheel: wheel.to_path_buf(),
        message,
    };
    // The zip reader keeps one entry per name; the end record says how many there are.
    if let Some(declared) = declared_entries(archive) {
        if declared != archive.len() as u64 {
            return Err(bad(format!(
                "its central directory lists {declared} members but only {} distinct names: \
                 a member appears twice, and which copy would be installed is undefined",
                archive.len()
            )));
        }
    }
    let mut seen = HashSet::with_capacity(archive.len());
    let mut members = Vec::with_capacity(archive.len());
    let mut total: u64 = 0;
    let total_limit = (wheel_size.saturating_mul(MAX_TOTAL_RATIO)).max(TOTAL_FLOOR);
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| bad(format!("member {index} cannot be read ({e})")))?;
        let name = entry
            .name()
            .map_err(|e| bad(format!("member {index} has an unreadable name ({e})")))?
            .into_owned();
        check_member_name(wheel, &name)?;
        if !seen.insert(name.trim_end_matches('/').to_string()) {
            return Err(bad(format!(
                "the member `{name}` appears twice in the archive; which copy would be \
                 installed is undefined"
            )));
        }
        if entry.is_symlink() {
            return Err(InstallError::UnsafePath {
                wheel: wheel.to_path_buf(),
                member: name,
                why: "is a symbolic link",
            });
        }
        if entry.is_dir() || name.ends_with('/') {
            continue;
        }
        let size = entry.size();
        let compressed = entry.compressed_size();
        if size
            > compressed
                .saturating_mul(MAX_MEMBER_RATIO)
                .saturating_add(4096)
        {
            return Err(bad(format!(
                "the member `{name}` claims to expand from {compressed} to {size} bytes, more \
                 than compression can achieve (a zip bomb or a damaged archive)"
            )));
        }
        total = total.saturating_add(size);
        if total > total_limit {
            return Err(bad(format!(
                "its members expand to more than {} MiB, over {MAX_TOTAL_RATIO} times the \
                 wheel's size (a zip bomb?); the limit is documented in the README",
                total_limit >> 20
            )));
        }
        members.push(RawMember {
            index,
            executable: entry.unix_mode().is_some_and(|m| m & 0o111 != 0),
            name,
            size,
        });
    }
    Ok(members)
}

/// The number of entries the end-of-central-directory record declares (the zip64 one when
/// the classic field is saturated).
fn declared_entries(archive: &Archive<'_>) -> Option<u64> {
    let bytes: &[u8] = archive.clone().into_inner().into_inner();
    let tail_start = bytes.len().saturating_sub(22 + 65535);
    let tail = &bytes[tail_start..];
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])?;
    let count = u16::from_le_bytes([tail[eocd + 10], tail[eocd + 11]]);
    if count != 0xFFFF {
        return Some(u64::from(count));
    }
    // Zip64: the locator sits just before the classic record and points at the zip64 one.
    let locator = tail_start + eocd.checked_sub(20)?;
    if bytes.get(locator..locator + 4)? != [0x50, 0x4b, 0x06, 0x07] {
        return None;
    }
    let offset = u64::from_le_bytes(bytes.get(locator + 8..locator + 16)?.try_into().ok()?);
    let record = usize::try_from(offset).ok()?;
    if bytes.get(record..record + 4)? != [0x50, 0x4b, 0x06, 0x06] {
        return None;
    }
    Some(u64::from_le_bytes(
        bytes.get(record + 32..record + 40)?.try_into().ok()?,
    ))
}

/// A `.dist-info` text file, at most [`MAX_METADATA_FILE`] bytes, strictly UTF-8; `None` when
/// the archive has no such member.
fn read_text(
    wheel: &Path,
    archive: &mut Archive<'_>,
    name: &str,
) -> Result<Option<String>, InstallError> {
    let bad = |message: String| InstallError::BadWheel {
        wheel: wheel.to_path_buf(),
        message,
    };
    let mut member = match archive.by_name(name) {
        Ok(m) => m,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(bad(format!("{name} cannot be read ({e})"))),
    };
    let mut bytes = Vec::new();
    member
        .by_ref()
        .take(MAX_METADATA_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(format!("{name} cannot be read ({e})")))?;
    if bytes.len() as u64 > MAX_METADATA_FILE {
        return Err(bad(format!(
            "{name} is larger than {} MiB",
            MAX_METADATA_FILE >> 20
        )));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| bad(format!("{name} is not UTF-8 text")))
}

/// The `.dist-info` must belong to the distribution the file name says (pip refuses others).
fn check_dist_info_name(wheel: &Path, dist_info: &str) -> Result<(), InstallError> {
    let Some(file_name) = wheel
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| wheel_name::WheelFilename::parse(n).ok())
    else {
        return Ok(());
    };
    let expected = wheel_metadata::normalize_name(file_name.name());
    let found = wheel_metadata::normalize_name(dist_info.trim_end_matches(".dist-info"));
    if !found.starts_with(&expected) {
        return Err(InstallError::BadWheel {
            wheel: wheel.to_path_buf(),
            message: format!(
                "its metadata directory `{dist_info}` does not belong to `{}`",
                file_name.name()
            ),
        });
    }
    Ok(())
}

/// The METADATA `Name` goes into paths (`include/site/pythonX.Y/<Name>`): it must be a valid
/// distribution name, and the one the file name says.
fn check_metadata_name(wheel: &Path, metadata: &CoreMetadata) -> Result<(), InstallError> {
    if !wheel_metadata::is_valid_name(&metadata.name) {
        return Err(InstallError::UnsafePath {
            wheel: wheel.to_path_buf(),
            member: format!("METADATA Name `{}`", metadata.name.escape_debug()),
            why: "is not a valid distribution name (letters, digits, `.`, `_`, `-`)",
        });
    }
    if let Some(file_name) = wheel
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| wheel_name::WheelFilename::parse(n).ok())
    {
        if wheel_metadata::normalize_name(file_name.name())
            != wheel_metadata::normalize_name(&metadata.name)
        {
            return Err(InstallError::BadWheel {
                wheel: wheel.to_path_buf(),
                message: format!(
                    "its METADATA names the distribution `{}`, but the file name says `{}`",
                    metadata.name,
                    file_name.name()
                ),
            });
        }
    }
    Ok(())
}

/// The version the file name gives, the one in the `.dist-info` directory's name and the
/// METADATA `Version` must be one version (as PEP 440 compares them): the resolver chose the
/// file by its name, and the installed `.dist-info` and every later `freeze` report the
/// others. pip refuses a wheel where they differ; so do we.
fn check_versions_agree(
    wheel: &Path,
    dist_info: &str,
    metadata: &CoreMetadata,
) -> Result<(), InstallError> {
    let file_version = wheel
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| wheel_name::WheelFilename::parse(n).ok())
        .map(|f| f.version_text().to_string());
    let dir_version = dist_info
        .trim_end_matches(".dist-info")
        .rsplit_once('-')
        .map(|(_, v)| v.to_string());
    let same = |a: &str, b: &str| match (
        pep440_rs::Version::from_str(a),
        pep440_rs::Version::from_str(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.eq_ignore_ascii_case(b),
    };
    let disagree = |what: &str, other: &str| InstallError::BadWheel {
        wheel: wheel.to_path_buf(),
        message: format!(
            "its METADATA says version {}, but {what} says {other}; the wheel was built or \
             renamed wrongly and is not installed. Rebuild it, or ask whoever published it",
            metadata.version
        ),
    };
    if let Some(v) = &file_version {
        if !same(v, &metadata.version) {
            return Err(disagree("its file name", v));
        }
    }
    if let Some(v) = &dir_version {
        if !same(v, &metadata.version) {
            return Err(disagree(
                &format!("its metadata directory `{dist_info}`"),
                v,
            ));
        }
    }
    Ok(())
}

/// Archive member names must stay inside the wheel: relative, no `..`, no drive or root.
pub(super) fn check_member_name(wheel: &Path, name: &str) -> Result<(), InstallError> {
    let unsafe_path = |why| InstallError::UnsafePath {
        wheel: wheel.to_path_buf(),
        member: name.escape_debug().to_string(),
        why,
    };
    if name.starts_with('/')
        || name.starts_with('\\')
        || name.contains(':') && name.find(':') == Some(1)
    {
        return Err(unsafe_path("is an absolute path"));
    }
    if name.contains('\0') {
        return Err(unsafe_path("contains a NUL byte"));
    }
    for component in Path::new(name).components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_path("climbs out with `..`")),
            _ => return Err(unsafe_path("is an absolute path")),
        }
    }
    if name.split('\\').any(|part| part == "..") {
        return Err(unsafe_path("climbs out with `..`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn error_of(bytes: &[u8]) -> String {
        match open(Path::new("x-1.0-py3-none-any.whl"), bytes) {
            Ok(_) => String::from("opened"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn declared_sizes_beyond_deflate_are_refused_before_reading() {
        let mut bytes = zip_of(&[("x/a.py", b"0123456789")]);
        // Patch the central directory's uncompressed size to a gigabyte.
        let cd = bytes
            .windows(4)
            .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .unwrap();
        bytes[cd + 24..cd + 28].copy_from_slice(&(1u32 << 30).to_le_bytes());
        assert!(error_of(&bytes).contains("more than compression can achieve"));
    }

    #[test]
    fn a_wheel_without_its_metadata_or_record_is_refused() {
        let bytes = zip_of(&[("x/a.py", b"")]);
        assert!(error_of(&bytes).contains("no .dist-info directory"));
        let bytes = zip_of(&[
            ("x-1.0.dist-info/METADATA", b"Name: x\nVersion: 1.0\n"),
            (
                "x-1.0.dist-info/WHEEL",
                b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n",
            ),
        ]);
        assert!(error_of(&bytes).contains("no x-1.0.dist-info/RECORD"));
        let bytes = zip_of(&[("y-1.0.dist-info/METADATA", b"Name: y\nVersion: 1.0\n")]);
        assert!(error_of(&bytes).contains("does not belong to `x`"));
    }

    #[test]
    fn member_names_must_stay_inside() {
        let wheel = Path::new("x.whl");
        for bad in [
            "../a",
            "/etc/passwd",
            "a/../../b",
            "C:/x",
            "a\\..\\..\\b",
            "a\0b",
        ] {
            assert!(check_member_name(wheel, bad).is_err(), "{bad:?}");
        }
        for good in ["a/b.py", "./a.py", "x-1.0.data/scripts/run"] {
            assert!(check_member_name(wheel, good).is_ok(), "{good:?}");
        }
    }
}
