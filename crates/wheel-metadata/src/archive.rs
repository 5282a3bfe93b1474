//! Reading a `.dist-info` file out of a wheel without extracting it.
//!
//! # Performance
//! Only the central directory (at the end of the file) and the one member are read: a few
//! kilobytes even for a 60 MB wheel, so resolving 35 packages costs milliseconds.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Why a wheel could not be read.
#[derive(Debug)]
pub struct ArchiveError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot read the wheel {}: {}. The file may be truncated or not a wheel; \
             ask the wheelhouse staff to check it",
            self.path.display(),
            self.message
        )
    }
}

impl std::error::Error for ArchiveError {}

/// The `.dist-info` directory name of a wheel archive: the one top-level `*.dist-info/`
/// holding a `METADATA` file.
/// `None` when there is none, or more than one (the wheel is then ambiguous, as pip says).
pub fn wheel_dist_info<R: Read + std::io::Seek>(archive: &zip::ZipArchive<R>) -> Option<String> {
    let mut found: Option<String> = None;
    for name in archive.file_names().flatten() {
        if let Some((top, rest)) = name.split_once('/') {
            if top.ends_with(".dist-info") && rest == "METADATA" {
                if found.as_deref().is_some_and(|f| f != top) {
                    return None;
                }
                found = Some(top.to_string());
            }
        }
    }
    found
}

/// The largest `.dist-info` text file read (METADATA, WHEEL, RECORD, entry points): far
/// above any real one (the largest RECORDs, of wheels with 100,000 files, are ~10 MiB).
pub const MAX_METADATA_FILE: u64 = 64 << 20;

/// Reads `<dist-info>/<file>` (e.g. `METADATA`) from the wheel at `path`.
pub fn read_dist_info_file(path: &Path, file: &str) -> Result<String, ArchiveError> {
    let err = |message: String| ArchiveError {
        path: path.to_path_buf(),
        message,
    };
    let handle = File::open(path).map_err(|e| err(e.to_string()))?;
    let mut archive =
        zip::ZipArchive::new(BufReader::new(handle)).map_err(|e| err(e.to_string()))?;
    read_dist_info_member(&mut archive, file).map_err(err)
}

/// Reads `<dist-info>/<file>` from an open wheel archive, at most [`MAX_METADATA_FILE`]
/// bytes of UTF-8 text; the error says which member and why.
pub fn read_dist_info_member<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    file: &str,
) -> Result<String, String> {
    let dist_info = wheel_dist_info(archive).ok_or("no .dist-info/METADATA")?;
    let mut member = archive
        .by_name(&format!("{dist_info}/{file}"))
        .map_err(|e| format!("{dist_info}/{file}: {e}"))?;
    // The size in the archive is the wheel's word; read no more than a metadata file can
    // sensibly hold, whatever it claims.
    let mut bytes = Vec::new();
    member
        .by_ref()
        .take(MAX_METADATA_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{dist_info}/{file}: {e}"))?;
    if bytes.len() as u64 > MAX_METADATA_FILE {
        return Err(format!(
            "{dist_info}/{file} is larger than {} MiB",
            MAX_METADATA_FILE >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{dist_info}/{file} is not UTF-8 text"))
}
