//! Per-wheel metadata stored in the catalog: size, sha256, and the core metadata fields a
//! resolver needs (`Name`, `Version`, `Requires-Python`, `Requires-Dist`).
//!
//! Reading them means opening every wheel (and hashing it whole), so `wheelhouse index` reuses
//! what the previous catalog holds for every directory whose mtime did not change, and, in a
//! changed directory, for every file whose size and mtime did not change.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::walk::{mtime_ns, Tree};

/// What the catalog knows of one wheel file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WheelMeta {
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch, to tell a file replaced in place.
    pub mtime_ns: i128,
    /// sha256 of the whole file, lower-case hex (as PEP 503 `#sha256=` fragments want it).
    pub sha256: String,
    /// `Name` from METADATA (empty when it could not be read).
    pub name: String,
    /// `Version` from METADATA.
    pub version: String,
    pub requires_python: Option<String>,
    pub requires_dist: Vec<String>,
    /// `Provides-Extra` (what a resolver checks requested extras against).
    pub provides_extra: Vec<String>,
    /// sha256 of the METADATA file itself, lower-case hex (PEP 658 `data-core-metadata`).
    pub metadata_sha256: String,
    /// Why METADATA could not be read (not a zip, no `.dist-info/METADATA`); the size and hash
    /// are still right.
    pub error: Option<String>,
}

impl WheelMeta {
    /// Whether METADATA was read.
    pub fn is_readable(&self) -> bool {
        self.error.is_none()
    }
}

/// Why a wheel's metadata could not be read at all (the file itself cannot be read).
#[derive(Debug)]
pub struct MetaError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl fmt::Display for MetaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for MetaError {}

/// Largest METADATA member read; a bigger one is refused rather than trusted (real ones are a
/// few hundred kilobytes at most, with the long description).
const MAX_METADATA: u64 = 16 << 20;

/// Reads one wheel: hashes the whole file and parses its METADATA from the zip's central
/// directory. Errors in the archive are recorded in [`WheelMeta::error`], not returned.
///
/// # Performance
/// One sequential read of the file for the hash, then a few kilobytes for the central
/// directory and the METADATA member.
pub fn read_wheel_meta(path: &Path) -> Result<WheelMeta, MetaError> {
    let io = |source| MetaError {
        path: path.to_path_buf(),
        source,
    };
    let file = open_wheel_file(path).map_err(io)?;
    read_wheel_meta_of(file).map_err(io)
}

/// Opens a wheel file of the wheelhouse for reading, refusing what is not a regular file of
/// the tree itself: a symbolic link as the last component is not followed (`O_NOFOLLOW`; it
/// may lead anywhere, and whatever it leads to would be hashed, catalogued and published as
/// a wheel of the wheelhouse), and a FIFO or device is refused without blocking on it
/// (`O_NONBLOCK`). A link gives an error whose [`is_link_refusal`] is true.
///
/// Whether the directories above stay inside the wheelhouse is the caller's to prove: the
/// walk never enters linked directories, and publishers check the opened file's real path.
pub fn open_wheel_file(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// Whether an error of [`open_wheel_file`] says the path is a symbolic link.
pub fn is_link_refusal(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}

/// [`read_wheel_meta`] of a file already opened (by [`open_wheel_file`]).
pub fn read_wheel_meta_of(mut file: File) -> std::io::Result<WheelMeta> {
    let stat = file.metadata()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let sha256 = hex(&hasher.finalize());
    let mut meta = WheelMeta {
        size,
        mtime_ns: mtime_ns(stat.modified().ok()),
        sha256,
        ..WheelMeta::default()
    };
    file.seek(SeekFrom::Start(0))?;
    match read_metadata_member(BufReader::new(file)) {
        Ok(text) => {
            meta.metadata_sha256 = hex(&Sha256::digest(text.as_bytes()));
            let core = wheel_metadata::CoreMetadata::parse(&text);
            if core.name.is_empty() || core.version.is_empty() {
                meta.error = Some("METADATA has no Name or no Version".into());
            }
            meta.name = core.name;
            meta.version = core.version;
            meta.requires_python = core.requires_python;
            meta.requires_dist = core.requires_dist;
            meta.provides_extra = core.provides_extra;
        }
        Err(message) => meta.error = Some(message),
    }
    Ok(meta)
}

/// The METADATA member of a wheel, as bytes (PEP 658 serves it as is); the wheel is opened
/// by [`open_wheel_file`].
pub fn read_metadata_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let file = open_wheel_file(path).map_err(|e| e.to_string())?;
    metadata_bytes_of(file)
}

/// [`read_metadata_bytes`] of a wheel already opened.
pub fn metadata_bytes_of(file: File) -> Result<Vec<u8>, String> {
    read_metadata_member(BufReader::new(file)).map(String::into_bytes)
}

fn read_metadata_member<R: Read + Seek>(reader: R) -> Result<String, String> {
    let mut archive =
        zip::ZipArchive::new(reader).map_err(|e| format!("not a zip archive: {e}"))?;
    let dist_info = wheel_metadata::wheel_dist_info(&archive)
        .ok_or_else(|| "no .dist-info/METADATA member".to_string())?;
    let member = archive
        .by_name(&format!("{dist_info}/METADATA"))
        .map_err(|e| format!("{dist_info}/METADATA: {e}"))?;
    let mut text = String::new();
    member
        .take(MAX_METADATA + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{dist_info}/METADATA: {e}"))?;
    if text.len() as u64 > MAX_METADATA {
        return Err(format!("{dist_info}/METADATA is larger than 16 MiB"));
    }
    Ok(text)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Metadata of the wheels of a tree, keyed by (directory, file name).
pub type MetaMap = HashMap<(PathBuf, String), WheelMeta>;

/// How a metadata pass went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetaStats {
    /// Wheels opened and hashed.
    pub read: usize,
    /// Wheels whose entry was taken from the previous catalog.
    pub reused: usize,
    /// Wheels whose METADATA could not be parsed (listed by `wheelhouse audit`).
    pub unreadable: usize,
    /// `.whl` entries that are not regular files (symbolic links, FIFOs, devices): not read,
    /// so neither catalogued nor published.
    pub not_files: Vec<PathBuf>,
}

/// Collects the metadata of every `.whl` file of `tree`, reusing `previous` where the directory
/// (or the file's size and mtime) did not change. Files that vanish while reading are left out.
pub(crate) fn collect(tree: &Tree, previous: Option<(&Tree, &MetaMap)>) -> (MetaMap, MetaStats) {
    // Directories whose mtime is the one the previous catalog saw: nothing was added, removed
    // or renamed in them, and `add`/`edit` always rename, so their entries still hold.
    let old_mtimes: HashMap<&Path, i128> = previous
        .map(|(old, _)| {
            old.nodes
                .iter()
                .map(|n| (n.path.as_path(), n.mtime_ns))
                .collect()
        })
        .unwrap_or_default();
    let unchanged_dirs: HashMap<&Path, bool> = tree
        .nodes
        .iter()
        .filter(|n| old_mtimes.get(n.path.as_path()) == Some(&n.mtime_ns))
        .map(|n| (n.path.as_path(), true))
        .collect();
    let old_map = previous.map(|(_, m)| m);
    let jobs: Vec<(&Path, &str, bool)> = tree
        .nodes
        .iter()
        .flat_map(|node| {
            let same = unchanged_dirs.contains_key(node.path.as_path());
            node.files
                .iter()
                // `bogus.whl` is no wheel's name: nothing lists or installs it, so it is not
                // read (nor counted as an unreadable wheel).
                .filter(|n| n.ends_with(".whl") && wheel_name::WheelFilename::parse(n).is_ok())
                .map(move |name| (node.path.as_path(), name, same))
        })
        .collect();
    // An entry of an unchanged directory is the file it was (replacing it by a link would
    // have changed the directory), and the previous catalog only read regular files.
    let results: Vec<Result<(PathBuf, String, WheelMeta, bool), PathBuf>> = jobs
        .par_iter()
        .filter_map(|&(dir, name, same_dir)| {
            let key = (dir.to_path_buf(), name.to_string());
            let old = old_map.and_then(|m| m.get(&key));
            let path = dir.join(name);
            if let Some(old) = old {
                if same_dir {
                    return Some(Ok((key.0, key.1, old.clone(), true)));
                }
                let stat = std::fs::symlink_metadata(&path).ok()?;
                if stat.is_file()
                    && stat.len() == old.size
                    && mtime_ns(stat.modified().ok()) == old.mtime_ns
                {
                    return Some(Ok((key.0, key.1, old.clone(), true)));
                }
            }
            match open_wheel_file(&path) {
                Ok(file) => {
                    let meta = read_wheel_meta_of(file).ok()?;
                    Some(Ok((key.0, key.1, meta, false)))
                }
                // Vanished while reading: left out, as the next index will not list it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) if is_link_refusal(&e) || e.kind() == std::io::ErrorKind::InvalidInput => {
                    Some(Err(path))
                }
                Err(_) => None,
            }
        })
        .collect();
    let mut stats = MetaStats::default();
    let mut map = MetaMap::with_capacity(results.len());
    for result in results {
        let (dir, name, meta, reused) = match result {
            Ok(found) => found,
            Err(path) => {
                stats.not_files.push(path);
                continue;
            }
        };
        if reused {
            stats.reused += 1;
        } else {
            stats.read += 1;
        }
        if !meta.is_readable() {
            stats.unreadable += 1;
        }
        map.insert((dir, name), meta);
    }
    (map, stats)
}

/// Replaces the characters the catalog file uses as separators.
fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// One metadata line of the catalog file:
/// `M <node> <file> <size> <mtime> <sha256> <METADATA sha256> <name> <version> <requires-python> <provides-extra, comma-separated> <error> <req>…`
/// (tab-separated; empty fields for absent values).
pub(crate) fn write_line(out: &mut String, node: usize, name: &str, meta: &WheelMeta) {
    use std::fmt::Write;
    let _ = write!(
        out,
        "M\t{node}\t{name}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        meta.size,
        meta.mtime_ns,
        meta.sha256,
        meta.metadata_sha256,
        clean(&meta.name),
        clean(&meta.version),
        clean(meta.requires_python.as_deref().unwrap_or("")),
        clean(&meta.provides_extra.join(",")),
        clean(meta.error.as_deref().unwrap_or("")),
    );
    for req in &meta.requires_dist {
        out.push('\t');
        out.push_str(&clean(req));
    }
    out.push('\n');
}

/// Parses the metadata section (every line starting with `M`); `None` at the first malformed
/// line, whose number (counted from the start of the section) is returned as the error.
pub(crate) fn parse_section(text: &str, tree: &Tree) -> Result<MetaMap, usize> {
    let mut map = MetaMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let mut f = line.split('\t');
        let bad = || index + 1;
        if f.next() != Some("M") {
            return Err(bad());
        }
        let node: usize = f.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let dir = tree.nodes.get(node).ok_or_else(bad)?.path.clone();
        let name = f.next().ok_or_else(bad)?.to_string();
        let size = f.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let mtime_ns = f.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let sha256 = f.next().ok_or_else(bad)?.to_string();
        let metadata_sha256 = f.next().ok_or_else(bad)?.to_string();
        let meta_name = f.next().ok_or_else(bad)?.to_string();
        let version = f.next().ok_or_else(bad)?.to_string();
        let requires_python = f.next().ok_or_else(bad)?;
        let provides_extra = f.next().ok_or_else(bad)?;
        let error = f.next().ok_or_else(bad)?;
        let requires_dist = f.map(str::to_string).collect();
        map.insert(
            (dir, name),
            WheelMeta {
                size,
                mtime_ns,
                sha256,
                name: meta_name,
                version,
                requires_python: (!requires_python.is_empty()).then(|| requires_python.to_string()),
                requires_dist,
                provides_extra: provides_extra
                    .split(',')
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect(),
                metadata_sha256,
                error: (!error.is_empty()).then(|| error.to_string()),
            },
        );
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::DirNode;

    #[test]
    fn metadata_lines_round_trip() {
        let tree = Tree {
            nodes: vec![DirNode {
                path: "/w/generic".into(),
                mtime_ns: 1,
                files: Default::default(),
                subdirs: Vec::new(),
            }],
            warnings: Vec::new(),
        };
        let meta = WheelMeta {
            size: 10,
            mtime_ns: -5,
            sha256: "ab".into(),
            name: "demo".into(),
            version: "1.0+computecanada".into(),
            requires_python: Some(">=3.8".into()),
            requires_dist: vec!["six>=1.5".into(), "pytest; extra == 'test'".into()],
            provides_extra: vec!["test".into(), "docs".into()],
            metadata_sha256: "cd".into(),
            error: None,
        };
        let broken = WheelMeta {
            error: Some("not a zip archive:\tbad".into()),
            ..WheelMeta::default()
        };
        let mut text = String::new();
        write_line(
            &mut text,
            0,
            "demo-1.0+computecanada-py3-none-any.whl",
            &meta,
        );
        write_line(&mut text, 0, "broken-1.0-py3-none-any.whl", &broken);
        let map = parse_section(&text, &tree).unwrap();
        let dir = PathBuf::from("/w/generic");
        assert_eq!(
            map[&(
                dir.clone(),
                "demo-1.0+computecanada-py3-none-any.whl".into()
            )],
            meta
        );
        let got = &map[&(dir, "broken-1.0-py3-none-any.whl".into())];
        assert_eq!(got.error.as_deref(), Some("not a zip archive: bad"));
        assert!(got.requires_dist.is_empty() && got.provides_extra.is_empty());
        assert_eq!(parse_section("M\t7\tx", &tree), Err(1));
    }
}
