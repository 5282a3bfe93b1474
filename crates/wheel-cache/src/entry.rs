//! Reading a complete entry, and writing a new one beside the others until it is complete.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::{Cache, Key};

const MANIFEST: &str = "MANIFEST";
const MAGIC: &str = "wheelhouse-cache-manifest 1";
/// The manifest of an entry whose files are spread over subdirectories ([`file_path`]).
const MAGIC_FANNED: &str = "wheelhouse-cache-manifest 2";

/// Files per directory of an entry: file `n` is `<entry>/<n>` for the first [`CHUNK`],
/// `<entry>/d<n / CHUNK>/<n>` after, when the entry has more than that (its manifest then
/// says so with [`MAGIC_FANNED`]).
///
/// A directory's lock is taken for each file created or linked in it (on a network file
/// system each is one or two round trips, one after another whatever the threads): the
/// 5,626 files of jedi's wheel in one directory were a chain of about 11,000 round trips,
/// the longest of a cold scipy-stack install (20 s at 1 ms). In chunks, the chains overlap.
/// Entries of at most [`CHUNK`] files are laid out as before, so older readers still use
/// them; they ignore the others (the manifest's first line is not theirs). Large entries
/// that older builds wrote flat are still read, flat.
pub(crate) const CHUNK: usize = 128;

/// Where file `n` of the entry at `dir` is.
pub(crate) fn file_path(dir: &Path, n: usize, fanned: bool) -> PathBuf {
    if fanned && n >= CHUNK {
        dir.join(format!("d{}", n / CHUNK)).join(n.to_string())
    } else {
        dir.join(n.to_string())
    }
}

/// The subdirectories of an entry of `files` files (none when it is not fanned out).
pub(crate) fn chunk_dirs(files: usize) -> impl Iterator<Item = String> {
    let last = if files > CHUNK {
        (files - 1) / CHUNK
    } else {
        0
    };
    (1..=last).map(|g| format!("d{g}"))
}

/// One cached file: the archive member it holds and what it must still look like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMeta {
    /// The archive member's name.
    pub name: String,
    pub size: u64,
    /// Modification time when written (seconds, nanoseconds): an in-place edit changes it.
    pub mtime: (i64, i64),
    /// The RECORD hash of the content (`sha256=...`), as the installed RECORD gives it.
    pub hash: String,
}

/// A recorded modification time `(seconds, nanoseconds)` as a time to set on a file
/// (out-of-range parts clamped: the record is read back from disk).
pub fn system_time(mtime: (i64, i64)) -> std::time::SystemTime {
    let (secs, nanos) = mtime;
    std::time::UNIX_EPOCH
        + std::time::Duration::new(secs.max(0) as u64, nanos.clamp(0, 999_999_999) as u32)
}

/// A complete entry.
#[derive(Debug)]
pub struct Entry {
    pub(crate) dir: PathBuf,
    pub(crate) files: Vec<FileMeta>,
    pub(crate) by_name: HashMap<String, usize>,
    /// The cache tag whose byte code was read, and that byte code by source file number.
    pub(crate) pyc_tag: Option<String>,
    pub(crate) pycs: HashMap<usize, (String, FileMeta)>,
    /// The files are spread over subdirectories ([`file_path`]).
    pub(crate) fanned: bool,
}

impl Entry {
    /// The cached file holding archive member `name`, with what it must look like.
    pub fn file(&self, name: &str) -> Option<(PathBuf, &FileMeta)> {
        let n = *self.by_name.get(name)?;
        Some((file_path(&self.dir, n, self.fanned), &self.files[n]))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Cache {
    /// The complete entry for `key`, if there is one; marks it used (for eviction).
    pub fn lookup(&self, key: &Key) -> Option<Entry> {
        self.lookup_with_pyc(key, None)
    }

    /// [`Cache::lookup`], also reading which byte code the entry holds for the cache tag
    /// `pyc_tag` (see [`Entry::pyc`]).
    pub fn lookup_with_pyc(&self, key: &Key, pyc_tag: Option<&str>) -> Option<Entry> {
        let dir = self.entries().join(key.as_str());
        let file = std::fs::File::open(dir.join(MANIFEST)).ok()?;
        let (files, _, _, fanned) = read_manifest(BufReader::new(file), usize::MAX)?;
        let by_name = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        // The entry directory's time is its last use; a read-only cache keeps its times.
        touch(&dir);
        let pycs = match pyc_tag {
            Some(tag) => crate::pyc::read_tag(&dir, tag, &files, fanned),
            None => HashMap::new(),
        };
        Some(Entry {
            dir,
            files,
            by_name,
            pyc_tag: pyc_tag.map(str::to_string),
            pycs,
            fanned,
        })
    }

    /// Removes an entry found damaged (moved to the trash first, so no reader sees it half
    /// deleted).
    pub fn discard(&self, key: &Key) {
        self.remove_entry(&self.entries().join(key.as_str()));
    }

    pub(crate) fn remove_entry(&self, dir: &Path) {
        static N: AtomicU64 = AtomicU64::new(0);
        let trash = self.trash();
        let _ = std::fs::create_dir_all(&trash);
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let aside = trash.join(format!(
            "{name}.{}.{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        if std::fs::rename(dir, &aside).is_ok() {
            let _ = std::fs::remove_dir_all(&aside);
        }
    }

    /// A writer for a new entry under `key`, or `None` when the cache cannot be written.
    pub fn writer(&self, key: &Key, files: usize) -> Option<EntryWriter> {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = self.tmp().join(format!(
            "{}.{}.{}",
            key.as_str(),
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir).ok()?;
        for sub in chunk_dirs(files) {
            std::fs::create_dir(dir.join(sub)).ok()?;
        }
        Some(EntryWriter {
            cache: self.clone(),
            key: key.clone(),
            dir,
            files: Mutex::new(vec![None; files]),
            pycs: Mutex::default(),
            fanned: files > CHUNK,
            done: false,
        })
    }
}

/// Sets `dir`'s modification time to now, by path: one `utimensat` where opening the
/// directory to set it took three calls, for every wheel placed from the cache.
fn touch(dir: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return;
    };
    let times = [
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_NOW,
        },
    ];
    // SAFETY: a NUL-terminated path and two timespecs, as utimensat(2) asks; errors are
    // ignored (a read-only cache keeps its times).
    unsafe {
        libc::utimensat(libc::AT_FDCWD, path.as_ptr(), times.as_ptr(), 0);
    }
}

/// Parses a MANIFEST: its files, the totals of its header, and whether the files are spread
/// over subdirectories. Reads at most `limit` file lines (`0` reads the header alone).
pub(crate) fn read_manifest(
    reader: impl BufRead,
    limit: usize,
) -> Option<(Vec<FileMeta>, u64, u64, bool)> {
    let mut lines = reader.lines();
    let header = lines.next()?.ok()?;
    let (fanned, rest) = match header.strip_prefix(MAGIC_FANNED) {
        Some(rest) => (true, rest),
        None => (false, header.strip_prefix(MAGIC)?),
    };
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    let mut parts = rest.split_whitespace();
    let count: u64 = parts.next()?.parse().ok()?;
    let bytes: u64 = parts.next()?.parse().ok()?;
    let mut files = Vec::new();
    if limit == 0 {
        return Some((files, count, bytes, fanned));
    }
    for line in lines.take(limit) {
        let line = line.ok()?;
        let (fields, name) = line.split_once('\t')?;
        let mut f = fields.split(' ');
        files.push(FileMeta {
            size: f.next()?.parse().ok()?,
            mtime: (f.next()?.parse().ok()?, f.next()?.parse().ok()?),
            hash: f.next()?.to_string(),
            name: name.to_string(),
        });
    }
    // Entries written flat by older builds are read flat, whatever their size.
    (files.len() as u64 == count && (!fanned || count > CHUNK as u64))
        .then_some((files, count, bytes, fanned))
}

/// An entry being written in the cache's `tmp/`; deleted unless [`EntryWriter::commit`]
/// moves it into place.
#[derive(Debug)]
pub struct EntryWriter {
    cache: Cache,
    key: Key,
    pub(crate) dir: PathBuf,
    pub(crate) files: Mutex<Vec<Option<FileMeta>>>,
    /// Byte code compiled while the entry is filled (see `EntryWriter::add_pyc`).
    pub(crate) pycs: Mutex<crate::pyc_fill::Filled>,
    /// The files are spread over subdirectories ([`file_path`]).
    pub(crate) fanned: bool,
    done: bool,
}

impl EntryWriter {
    /// Writes file `n` of the entry (the archive member `name`) with `mode` (the mode the
    /// environment's copy gets, so that hard links carry the right one). Returns the file's
    /// modification time, which the environment's copy of a source is given so that byte
    /// code compiled there is valid for the entry's source too.
    pub fn add(
        &self,
        n: usize,
        name: &str,
        content: &[u8],
        hash: &str,
        mode: u32,
    ) -> std::io::Result<(i64, i64)> {
        if name.contains(['\n', '\r', '\t']) || hash.contains([' ', '\t', '\n']) {
            return Err(std::io::Error::other(
                "name cannot be written in a manifest",
            ));
        }
        let path = file_path(&self.dir, n, self.fanned);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)?;
        file.write_all(content)?;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        let meta = file.metadata()?;
        self.record(n, name, &meta, hash)?;
        Ok((meta.mtime(), meta.mtime_nsec()))
    }

    /// Makes file `n` of the entry a hard link to `from`, a file just written with the same
    /// content (the environment's staged copy): on the environment's file system this costs a
    /// directory entry instead of a second file. The two then share an inode, as after a
    /// hard-linked install, with the same risk and the same check (size and time). Returns
    /// the modification time the link answered with (the staged copy's, shared).
    pub fn link(
        &self,
        n: usize,
        name: &str,
        from: &Path,
        hash: &str,
    ) -> std::io::Result<(i64, i64)> {
        if name.contains(['\n', '\r', '\t']) || hash.contains([' ', '\t', '\n']) {
            return Err(std::io::Error::other(
                "name cannot be written in a manifest",
            ));
        }
        let path = file_path(&self.dir, n, self.fanned);
        std::fs::hard_link(from, &path)?;
        // The link's attributes as the link answered them: no further round trip.
        let a = crate::link::attrs_after_create(&path)
            .ok_or_else(|| std::io::Error::other("the linked file cannot be examined"))?;
        self.record_attrs(n, name, a.size, a.mtime, hash)?;
        Ok(a.mtime)
    }

    fn record(
        &self,
        n: usize,
        name: &str,
        meta: &std::fs::Metadata,
        hash: &str,
    ) -> std::io::Result<()> {
        self.record_attrs(
            n,
            name,
            meta.size(),
            (meta.mtime(), meta.mtime_nsec()),
            hash,
        )
    }

    fn record_attrs(
        &self,
        n: usize,
        name: &str,
        size: u64,
        mtime: (i64, i64),
        hash: &str,
    ) -> std::io::Result<()> {
        let mut files = self.files.lock().expect("no panics while held");
        let slot = files
            .get_mut(n)
            .ok_or_else(|| std::io::Error::other("file number out of range"))?;
        *slot = Some(FileMeta {
            name: name.to_string(),
            size,
            mtime,
            hash: hash.to_string(),
        });
        Ok(())
    }

    /// Writes the manifest and moves the entry into place. `Ok(false)` when another process
    /// put the same entry there first (ours is then deleted).
    pub fn commit(mut self) -> std::io::Result<bool> {
        let files = std::mem::take(&mut *self.files.lock().expect("no panics while held"));
        let files: Vec<FileMeta> = files
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| std::io::Error::other("entry incomplete"))?;
        let bytes: u64 = files.iter().map(|f| f.size).sum();
        let magic = if self.fanned { MAGIC_FANNED } else { MAGIC };
        let mut text = format!("{magic} {} {bytes}\n", files.len());
        for f in &files {
            text.push_str(&format!(
                "{} {} {} {}\t{}\n",
                f.size, f.mtime.0, f.mtime.1, f.hash, f.name
            ));
        }
        // The byte code's list first: the entry appears with it or not at all.
        crate::pyc_fill::write_list(&self.dir, &self.pycs.lock().expect("no panics while held"))?;
        let manifest = self.dir.join(MANIFEST);
        let mut out = std::fs::File::create(&manifest)?;
        out.write_all(text.as_bytes())?;
        drop(out);
        let target = self.cache.entries().join(self.key.as_str());
        match std::fs::rename(&self.dir, &target) {
            Ok(()) => {
                self.done = true;
                Ok(true)
            }
            // A complete entry is already there (ENOTEMPTY, EEXIST): another install won.
            Err(_) if target.join(MANIFEST).exists() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl Drop for EntryWriter {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A MANIFEST is written by another process and may be anything: never a panic, and
        /// never more files than lines.
        #[test]
        fn manifests_never_panic(text in "(wheelhouse-cache-manifest [0-9] [0-9]{1,20} [0-9]{1,20}\n)?([0-9 x-]{0,30}\t[^\n]{0,20}\n){0,6}|.{0,200}") {
            if let Some((files, _, _, _)) = read_manifest(text.as_bytes(), usize::MAX) {
                proptest::prop_assert!(files.len() <= text.lines().count());
            }
        }
    }

    #[test]
    fn an_entry_is_absent_until_committed_and_complete_after() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("c"));
        assert!(cache.prepare_for_writing());
        let key = Key::new(b"r", [("a", 1, false)]);
        let w = cache.writer(&key, 2).unwrap();
        w.add(0, "pkg/a.py", b"a", "sha256=x", 0o644).unwrap();
        assert!(cache.lookup(&key).is_none());
        w.add(1, "pkg/b.py", b"bb", "sha256=y", 0o755).unwrap();
        assert!(w.commit().unwrap());
        let entry = cache.lookup(&key).unwrap();
        let (path, meta) = entry.file("pkg/b.py").unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"bb");
        assert_eq!((meta.size, meta.hash.as_str()), (2, "sha256=y"));
        // A second writer of the same key loses the race and leaves nothing behind.
        let w = cache.writer(&key, 1).unwrap();
        w.add(0, "pkg/a.py", b"a", "sha256=x", 0o644).unwrap();
        assert!(!w.commit().unwrap());
        assert_eq!(std::fs::read_dir(cache.tmp()).unwrap().count(), 0);
    }

    #[test]
    fn an_incomplete_or_dropped_writer_leaves_no_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path());
        assert!(cache.prepare_for_writing());
        let key = Key::new(b"r", []);
        let w = cache.writer(&key, 2).unwrap();
        w.add(0, "a", b"a", "sha256=x", 0o644).unwrap();
        assert!(w.commit().is_err());
        assert!(cache.lookup(&key).is_none());
        drop(cache.writer(&key, 1).unwrap());
        assert_eq!(std::fs::read_dir(cache.tmp()).unwrap().count(), 0);
    }

    #[test]
    fn a_large_entry_is_spread_over_chunks_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("c"));
        assert!(cache.prepare_for_writing());
        for count in [CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            let key = Key::new(count.to_string().as_bytes(), []);
            let w = cache.writer(&key, count).unwrap();
            for n in 0..count {
                let name = format!("pkg/f{n}.py");
                use sha2::Digest;
                let hash = crate::verify::base64_url(&sha2::Sha256::digest(name.as_bytes()));
                w.add(n, &name, name.as_bytes(), &format!("sha256={hash}"), 0o644)
                    .unwrap();
            }
            assert!(w.commit().unwrap());
            let entry = cache.lookup(&key).unwrap();
            assert_eq!(entry.len(), count);
            for n in [0, CHUNK - 1, count - 1] {
                let name = format!("pkg/f{n}.py");
                let (path, _) = entry.file(&name).unwrap();
                assert_eq!(std::fs::read(&path).unwrap(), name.as_bytes());
                let nested = path.parent() != Some(entry.dir());
                assert_eq!(nested, count > CHUNK && n >= CHUNK, "{count} {n}");
            }
            // Older readers know only the flat layout: a fanned-out entry is not theirs.
            let text = std::fs::read_to_string(entry.dir().join(MANIFEST)).unwrap();
            assert_eq!(text.starts_with(MAGIC_FANNED), count > CHUNK);
            // Verification finds every file where it is.
            assert_eq!(cache.verify().bad, vec![]);
        }
        // A large entry an older build wrote flat is still read, flat.
        let key = Key::new(b"flat", []);
        let dir = cache.entries().join(key.as_str());
        std::fs::create_dir(&dir).unwrap();
        let mut text = format!("{MAGIC} {} {}\n", CHUNK + 2, CHUNK + 2);
        for n in 0..CHUNK + 2 {
            std::fs::write(dir.join(n.to_string()), "x").unwrap();
            let m = std::fs::metadata(dir.join(n.to_string())).unwrap();
            text.push_str(&format!(
                "1 {} {} sha256=x\tf{n}\n",
                m.mtime(),
                m.mtime_nsec()
            ));
        }
        std::fs::write(dir.join(MANIFEST), text).unwrap();
        let entry = cache.lookup(&key).unwrap();
        let last = format!("f{}", CHUNK + 1);
        assert_eq!(
            entry.file(&last).unwrap().0,
            dir.join((CHUNK + 1).to_string())
        );
    }
}
