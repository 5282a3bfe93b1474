//! Byte code written into an entry while it is filled, before it is complete.
//!
//! # Layout
//! ```text
//! <entry>/pyc/<tag>/<n>      byte code of the entry's file n, compiled from memory
//!                            (`d<n / 128>/<n>` past the first 128 in an entry whose files
//!                            are spread over subdirectories, as they are)
//! <entry>/pyc/<tag>/LIST     `wheelhouse-cache-pyc 1`, then `<n> <size> <mtime s> <mtime ns>`
//!                            for each such file
//! ```
//! Byte code added after an install (see the `pyc` module) is named by its size and time,
//! because it arrives one file at a time in a complete entry: the name is the record. Byte
//! code compiled while a cold install fills the entry is written before the entry is moved
//! into place, so it is recorded like the sources, in a list written before the entry's
//! MANIFEST: one create per file instead of a create and a rename. The entry appears with
//! its list or not at all. Readers that predate the list ignore both (neither kind of name
//! parses as a byte-code name), as they ignore the directory.
//!
//! Each file's header is checked against its source's recorded size and time before it is
//! written ([`crate::header_matches`]); its own size and time are checked before each use,
//! as for every file of an entry.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use crate::entry::CHUNK;
use crate::pyc::{header_matches, valid_tag, PYC_DIR};
use crate::EntryWriter;

pub(crate) const LIST: &str = "LIST";
const MAGIC: &str = "wheelhouse-cache-pyc 1";

/// What an entry writer holds of byte code so far.
#[derive(Debug, Default)]
pub(crate) struct Filled {
    /// The one tag directory written (made at the first file).
    store: Option<String>,
    /// `(n, size, mtime)` of each file written.
    files: Vec<(usize, u64, (i64, i64))>,
    /// The chunk directories made (see [`crate::entry::CHUNK`]).
    chunks: std::collections::HashSet<usize>,
}

impl EntryWriter {
    /// Writes `pyc`, byte code of the entry's file `n` (already added), under the tag
    /// `store`, with `mode` (the mode the environment's copy gets). With `stage`, the file is
    /// then hard-linked there (the environment's `__pycache__` copy) and its size and time
    /// are read from the link's answer, with no further round trip; without, from the open
    /// file. Refused when the header is not timestamp-checked byte code of file `n` as it
    /// was recorded, or when another tag was written to this entry.
    pub fn add_pyc(
        &self,
        n: usize,
        store: &str,
        pyc: &[u8],
        mode: u32,
        stage: Option<&Path>,
    ) -> std::io::Result<()> {
        let source = self
            .files
            .lock()
            .expect("no panics while held")
            .get(n)
            .cloned()
            .flatten();
        let fits = source.is_some_and(|s| header_matches(pyc.get(..16).unwrap_or_default(), &s));
        if !valid_tag(store) || !fits {
            return Err(std::io::Error::other(
                "byte code that does not match its source",
            ));
        }
        let dir = self.dir.join(PYC_DIR).join(store);
        {
            let mut filled = self.pycs.lock().expect("no panics while held");
            match filled.store.as_deref() {
                Some(s) if s == store => {}
                Some(_) => return Err(std::io::Error::other("one tag per entry writer")),
                None => {
                    std::fs::create_dir_all(&dir)?;
                    filled.store = Some(store.to_string());
                }
            }
            // A fanned-out entry's chunk directory, made at its first file.
            let path = crate::entry::file_path(&dir, n, self.fanned);
            let chunk = path.parent().filter(|p| *p != dir);
            if let Some(chunk) = chunk.filter(|_| !filled.chunks.contains(&(n / CHUNK))) {
                match std::fs::create_dir(chunk) {
                    Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
                    _ => filled.chunks.insert(n / CHUNK),
                };
            }
        }
        let path = crate::entry::file_path(&dir, n, self.fanned);
        let written = write_and_read_back(&path, pyc, mode, stage);
        let (size, mtime) = match written {
            Ok(attrs) => attrs,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                return Err(e);
            }
        };
        self.pycs
            .lock()
            .expect("no panics while held")
            .files
            .push((n, size, mtime));
        Ok(())
    }
}

/// Creates `path` with `pyc`; links it at `stage` when given. Its size and time.
fn write_and_read_back(
    path: &Path,
    pyc: &[u8],
    mode: u32,
    stage: Option<&Path>,
) -> std::io::Result<(u64, (i64, i64))> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    file.write_all(pyc)?;
    let Some(stage) = stage else {
        let meta = file.metadata()?;
        return Ok((meta.size(), (meta.mtime(), meta.mtime_nsec())));
    };
    drop(file);
    std::fs::hard_link(path, stage)?;
    match crate::link::attrs_after_create(stage) {
        Some(a) if a.is_file && a.size == pyc.len() as u64 => Ok((a.size, a.mtime)),
        _ => {
            let _ = std::fs::remove_file(stage);
            Err(std::io::Error::other(
                "the linked byte code cannot be examined",
            ))
        }
    }
}

/// Writes the list of the byte code written into the entry being filled at `entry_dir`
/// (nothing when there is none).
pub(crate) fn write_list(entry_dir: &Path, filled: &Filled) -> std::io::Result<()> {
    let Some(store) = &filled.store else {
        return Ok(());
    };
    let mut text = format!("{MAGIC}\n");
    for (n, size, (secs, nanos)) in &filled.files {
        text.push_str(&format!("{n} {size} {secs} {nanos}\n"));
    }
    let mut out = std::fs::File::create(entry_dir.join(PYC_DIR).join(store).join(LIST))?;
    out.write_all(text.as_bytes())
}

/// The list in the tag directory `dir`: `(n, size, mtime)` of each file. Lines that do not
/// parse are skipped (the list is read from disk).
pub(crate) fn read_list(dir: &Path) -> Vec<(usize, u64, (i64, i64))> {
    let Ok(file) = std::fs::File::open(dir.join(LIST)) else {
        return Vec::new();
    };
    let mut lines = BufReader::new(file).lines().map_while(Result::ok);
    if lines.next().as_deref() != Some(MAGIC) {
        return Vec::new();
    }
    lines
        .filter_map(|line| {
            let mut f = line.split(' ');
            let parsed = (
                f.next()?.parse().ok()?,
                f.next()?.parse().ok()?,
                (f.next()?.parse().ok()?, f.next()?.parse().ok()?),
            );
            f.next().is_none().then_some(parsed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::{Cache, Key};

    /// A pyc header (magic, flags, mtime, size) and some code.
    fn pyc(mtime: i64, size: u32) -> Vec<u8> {
        let mut out = vec![0xa7, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0];
        out.extend_from_slice(&(mtime as u32).to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(b"code");
        out
    }

    #[test]
    fn byte_code_written_while_filling_is_checked_listed_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("c"));
        assert!(cache.prepare_for_writing());
        let key = Key::new(b"r", [("pkg/a.py", 3, false)]);
        let w = cache.writer(&key, 3).unwrap();
        let (secs, _) = w.add(0, "pkg/a.py", b"a=1", "sha256=x", 0o644).unwrap();
        let (b_secs, _) = w.add(1, "pkg/b.py", b"b=22", "sha256=y", 0o644).unwrap();
        w.add(2, "pkg/data.txt", b"d", "sha256=z", 0o644).unwrap();
        // Wrong size, wrong time, no header, a file not yet added, a bad tag: refused.
        for (n, bytes) in [
            (0, pyc(secs, 4)),
            (0, pyc(secs + 1, 3)),
            (0, b"short".to_vec()),
            (5, pyc(secs, 3)),
        ] {
            assert!(w.add_pyc(n, "cpython-311-x", &bytes, 0o644, None).is_err());
        }
        assert!(w.add_pyc(0, "../up", &pyc(secs, 3), 0o644, None).is_err());
        let stage = tmp.path().join("a.cpython-311.pyc");
        w.add_pyc(0, "cpython-311-x", &pyc(secs, 3), 0o644, Some(&stage))
            .unwrap();
        w.add_pyc(1, "cpython-311-x", &pyc(b_secs, 4), 0o644, None)
            .unwrap();
        // One tag per writer.
        assert!(w
            .add_pyc(1, "cpython-312-y", &pyc(b_secs, 4), 0o644, None)
            .is_err());
        assert!(w.commit().unwrap());
        let entry = cache.lookup_with_pyc(&key, Some("cpython-311-x")).unwrap();
        assert_eq!(entry.pyc_count(), 2);
        let (path, meta) = entry.pyc("pkg/a.py").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), pyc(secs, 3));
        // The stage got the same file, whose size and time the list records.
        use std::os::unix::fs::MetadataExt;
        let (a, b) = (
            std::fs::metadata(&path).unwrap(),
            std::fs::metadata(&stage).unwrap(),
        );
        assert_eq!(a.ino(), b.ino());
        assert_eq!(
            (meta.size, meta.mtime),
            (a.size(), (a.mtime(), a.mtime_nsec()))
        );
        assert!(entry.pyc("pkg/data.txt").is_none());
        // Another tag sees none.
        let other = cache.lookup_with_pyc(&key, Some("cpython-312-y")).unwrap();
        assert_eq!(other.pyc_count(), 0);
        // A listed file that is gone is not offered.
        std::fs::remove_file(&path).unwrap();
        let entry = cache.lookup_with_pyc(&key, Some("cpython-311-x")).unwrap();
        assert_eq!(entry.pyc_count(), 1);
    }
}
