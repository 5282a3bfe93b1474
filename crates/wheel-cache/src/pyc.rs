//! Byte code kept in an entry beside its sources, so that `--compile` from a warm cache links
//! `.pyc` files instead of running the compiler.
//!
//! # Layout
//! ```text
//! <entry>/pyc/<tag>/<n>-<size>-<mtime s>-<mtime ns>   byte code of the entry's file n
//! <entry>/pyc/<tag>/.tmp.<pid>.<k>                     being added (without /proc)
//! ```
//! An entry's MANIFEST is written once, when the entry is complete; byte code compiled while
//! the entry is filled is listed beside it (see `pyc_fill`), byte code that arrives later
//! (after an install's compile step) is recorded by its file names instead: each name
//! says which source it belongs to and the size and modification time the file must still
//! have, checked before each use as for the sources. A file is linked whole from the
//! environment after its header was checked (see [`Entry::add_pyc`]), so a reader sees it
//! whole or not at all; two installs adding the byte code of
//! one source leave two valid files, either of which serves. The installer names `<tag>` by
//! the interpreter's cache tag and byte-code magic number (`cpython-311-a70d0d0a`), so
//! different interpreters' byte code never collides, pre-releases sharing a tag included.
//! Readers that predate this directory ignore it.
//!
//! Only timestamp-checked byte code is kept: its header records the source's modification
//! time (seconds) and size, which must be those of the entry's source, so that it is valid
//! for every environment whose copy of the source has the entry's time (hard links share it;
//! clones and copies are given it). Hash-checked byte code (`SOURCE_DATE_EPOCH`) is refused.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Entry, FileMeta};

pub(crate) const PYC_DIR: &str = "pyc";

/// Whether `tag` can name a directory: `sys.implementation.cache_tag` is letters, digits,
/// `-`, `_` and `.`; anything else (or nothing) is not used.
pub fn valid_tag(tag: &str) -> bool {
    !tag.is_empty()
        && !tag.starts_with('.')
        && tag.len() <= 64
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Whether a `.pyc` header (its first 16 bytes) is timestamp-checked byte code of a source
/// with `source`'s size and modification time, as CPython checks it on import.
pub fn header_matches(header: &[u8], source: &FileMeta) -> bool {
    let word = |i: usize| -> Option<u32> {
        Some(u32::from_le_bytes(header.get(i..i + 4)?.try_into().ok()?))
    };
    let (Some(flags), Some(mtime), Some(size)) = (word(4), word(8), word(12)) else {
        return false;
    };
    // CPython stores `int(st_mtime) & 0xFFFFFFFF` and `st_size & 0xFFFFFFFF`.
    flags == 0 && mtime == source.mtime.0 as u32 && size == source.size as u32
}

/// Parses `<n>-<size>-<mtime s>-<mtime ns>`; `None` for anything else.
fn parse_name(name: &str) -> Option<(usize, u64, (i64, i64))> {
    let mut parts = name.split('-');
    let n = parts.next()?.parse().ok()?;
    let size = parts.next()?.parse().ok()?;
    let secs = parts.next()?.parse().ok()?;
    let nanos = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((n, size, (secs, nanos)))
}

/// The files and bytes of byte code kept in the entry at `dir` (every tag), for `cache info`
/// and pruning; files being added count as files.
pub(crate) fn totals(dir: &Path) -> (u64, u64) {
    let (mut files, mut bytes) = (0, 0);
    if !std::fs::symlink_metadata(dir.join(PYC_DIR)).is_ok_and(|m| m.is_dir()) {
        return Default::default();
    }
    let Ok(tags) = std::fs::read_dir(dir.join(PYC_DIR)) else {
        return (0, 0);
    };
    for tag in tags.filter_map(Result::ok) {
        // Only real directories: a link planted here would lead the clean-up outside.
        if !tag.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(read) = std::fs::read_dir(tag.path()) else {
            continue;
        };
        // The sizes of the byte code written while the entry was filled, from its list: a
        // `stat` per file would be a round trip per file on a network file system, in the
        // prune that follows every install that wrote to the cache (6,400 of them, 7 s at
        // 1 ms, after a cold scipy-stack install). A file the list lacks is asked.
        let listed: HashMap<usize, u64> = crate::pyc_fill::read_list(&tag.path())
            .into_iter()
            .map(|(n, size, _)| (n, size))
            .collect();
        let size_of = |f: &std::fs::DirEntry| {
            let n = f.file_name().to_str().and_then(|n| n.parse::<usize>().ok());
            match n.and_then(|n| listed.get(&n)) {
                Some(size) => *size,
                None => f.metadata().map(|m| m.len()).unwrap_or(0),
            }
        };
        for f in read.filter_map(Result::ok) {
            files += 1;
            let name = f.file_name();
            if name.as_encoded_bytes().starts_with(b"d") && f.file_type().is_ok_and(|t| t.is_dir())
            {
                // A fanned-out entry's chunk of byte code written while it was filled.
                let sizes = std::fs::read_dir(f.path()).into_iter().flatten().flatten();
                for g in sizes {
                    files += 1;
                    bytes += size_of(&g);
                }
                continue;
            }
            if let Some((_, size, _)) = name.to_str().and_then(parse_name) {
                bytes += size;
            } else if name.to_str().is_some_and(|n| n.parse::<usize>().is_ok()) {
                // Written while the entry was filled: its size is in the list, or here.
                bytes += size_of(&f);
            }
        }
    }
    (files, bytes)
}

/// Removes the temporary names (`.tmp.<pid>.<k>`) a killed install left in the entry at `dir`
/// more than `after` ago; the number removed. Readers never use them, so only files count.
pub(crate) fn remove_abandoned(
    dir: &Path,
    now: std::time::SystemTime,
    after: std::time::Duration,
) -> usize {
    let mut removed = 0;
    if !std::fs::symlink_metadata(dir.join(PYC_DIR)).is_ok_and(|m| m.is_dir()) {
        return Default::default();
    }
    let Ok(tags) = std::fs::read_dir(dir.join(PYC_DIR)) else {
        return 0;
    };
    for tag in tags.filter_map(Result::ok) {
        // Only real directories: a link planted here would lead the clean-up outside.
        if !tag.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(read) = std::fs::read_dir(tag.path()) else {
            continue;
        };
        for f in read.filter_map(Result::ok) {
            if !f.file_name().as_encoded_bytes().starts_with(b".tmp.") {
                continue;
            }
            let old = f
                .metadata()
                .and_then(|m| m.modified())
                .map(|t| now.duration_since(t).unwrap_or_default() > after)
                .unwrap_or(true);
            if old && std::fs::remove_file(f.path()).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

/// The byte code an entry holds for one tag: source file number → (file name, what it must
/// look like).
pub(crate) fn read_tag(
    entry_dir: &Path,
    tag: &str,
    files: &[FileMeta],
    fanned: bool,
) -> HashMap<usize, (String, FileMeta)> {
    let mut out = HashMap::new();
    if !valid_tag(tag) {
        return out;
    }
    let Ok(read) = std::fs::read_dir(entry_dir.join(PYC_DIR).join(tag)) else {
        return out;
    };
    // Files written while the entry was filled are named by number and recorded in a list
    // (see `pyc_fill`); a file named by its record, added later, is preferred.
    let mut numbered = std::collections::HashSet::new();
    let mut listed = false;
    for f in read.filter_map(Result::ok) {
        let Ok(name) = f.file_name().into_string() else {
            continue;
        };
        if name == crate::pyc_fill::LIST {
            listed = true;
        } else if let Ok(n) = name.parse::<usize>() {
            numbered.insert(n);
        }
        let Some((n, size, mtime)) = parse_name(&name) else {
            continue;
        };
        let Some(source) = files.get(n) else {
            continue;
        };
        out.entry(n).or_insert((
            name,
            FileMeta {
                name: source.name.clone(),
                size,
                mtime,
                hash: String::new(),
            },
        ));
    }
    if listed {
        let dir = entry_dir.join(PYC_DIR).join(tag);
        for (n, size, mtime) in crate::pyc_fill::read_list(&dir) {
            // In a subdirectory (a fanned-out entry), a missing file shows when it is used.
            let path = crate::entry::file_path(Path::new(""), n, fanned);
            let seen = path.parent() != Some(Path::new("")) || numbered.contains(&n);
            let (Some(source), Some(file), true) = (files.get(n), path.to_str(), seen) else {
                continue;
            };
            out.entry(n).or_insert((
                file.to_string(),
                FileMeta {
                    name: source.name.clone(),
                    size,
                    mtime,
                    hash: String::new(),
                },
            ));
        }
    }
    out
}

impl Entry {
    /// The byte code kept for the source member `name` under the tag given to
    /// [`crate::Cache::lookup_with_pyc`], with what it must look like.
    pub fn pyc(&self, name: &str) -> Option<(PathBuf, &FileMeta)> {
        let n = *self.by_name.get(name)?;
        let (file, meta) = self.pycs.get(&n)?;
        let tag = self.pyc_tag.as_deref()?;
        Some((self.dir.join(PYC_DIR).join(tag).join(file), meta))
    }

    /// Number of sources with byte code under the looked-up tag.
    pub fn pyc_count(&self) -> usize {
        self.pycs.len()
    }

    /// Removes the byte code of `name` found changed (a later install may add it again).
    pub fn drop_pyc(&self, name: &str) {
        if let Some((path, _)) = self.pyc(name) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Adds `from` (an environment's `.pyc` of the source member `name`, on the cache's file
    /// system) to the entry by hard link, if it is timestamp-checked byte code of this entry's
    /// source and the entry holds none for `tag` yet. `Ok(false)` when it was not added.
    ///
    /// The file is opened and its header checked first; then that open inode itself (not
    /// the path, which could have been replaced meanwhile) is linked under its final name
    /// through `/proc/self/fd`. On a network file system the entry's byte-code directory
    /// is one directory lock for all of an entry's files (thousands for scipy or sympy):
    /// one link there instead of a link to a temporary name and a rename halves that chain
    /// of round trips. Where `/proc` is missing, the temporary name and rename are used.
    pub fn add_pyc(&self, name: &str, tag: &str, from: &Path) -> std::io::Result<bool> {
        let Some(&n) = self.by_name.get(name) else {
            return Ok(false);
        };
        if !valid_tag(tag) || (self.pyc_tag.as_deref() == Some(tag) && self.pycs.contains_key(&n)) {
            return Ok(false);
        }
        let dir = self.dir.join(PYC_DIR).join(tag);
        let file = std::fs::File::open(from)?;
        let Some(meta) = self.checked(n, &file)? else {
            return Ok(false);
        };
        let target = dir.join(format!(
            "{n}-{}-{}-{}",
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec()
        ));
        let mut linked = link_open_file(&file, &target);
        if matches!(&linked, Err(e) if e.kind() == std::io::ErrorKind::NotFound) && !dir.is_dir() {
            // The entry's first byte code for this tag.
            std::fs::create_dir_all(&dir)?;
            linked = link_open_file(&file, &target);
        }
        match linked {
            Ok(()) => Ok(true),
            // Another install added the same file (same source, size and time) first.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(_) => self.add_pyc_renamed(n, &dir, from),
        }
    }

    /// The header of the open `file` is timestamp-checked byte code of the entry's file `n`:
    /// its metadata then.
    fn checked(
        &self,
        n: usize,
        file: &std::fs::File,
    ) -> std::io::Result<Option<std::fs::Metadata>> {
        let meta = file.metadata()?;
        let mut header = Vec::with_capacity(16);
        file.take(16).read_to_end(&mut header)?;
        Ok((meta.is_file() && header_matches(&header, &self.files[n])).then_some(meta))
    }

    /// [`Entry::add_pyc`] without `/proc`: a link to a temporary name, the header read from
    /// the inode now linked, a rename to the final name.
    fn add_pyc_renamed(&self, n: usize, dir: &Path, from: &Path) -> std::io::Result<bool> {
        static N: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".tmp.{}.{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::hard_link(from, &tmp)?;
        let checked = std::fs::File::open(&tmp).and_then(|f| self.checked(n, &f));
        let meta = match checked {
            Ok(Some(meta)) => meta,
            other => {
                let _ = std::fs::remove_file(&tmp);
                return other.map(|_| false);
            }
        };
        let name = format!("{n}-{}-{}-{}", meta.size(), meta.mtime(), meta.mtime_nsec());
        match std::fs::rename(&tmp, dir.join(name)) {
            Ok(()) => Ok(true),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// Links the inode of the open `file` at `to` (`linkat` of `/proc/self/fd/N`, following
/// it): what was checked through the descriptor is what gets linked.
fn link_open_file(file: &std::fs::File, to: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let from = std::ffi::CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .map_err(std::io::Error::other)?;
    let to = std::ffi::CString::new(to.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: both are NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Byte-code file names in an entry come from the file system: never a panic.
        #[test]
        fn names_never_panic(name in "[0-9-]{0,40}|.{0,40}", header in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..20)) {
            let _ = parse_name(&name);
            let meta = FileMeta { size: 3, mtime: (1, 0), hash: String::new(), name: String::new() };
            let _ = header_matches(&header, &meta);
        }
    }
    use crate::{Cache, Key};

    /// A pyc header (magic, flags, mtime, size) and some code.
    fn pyc(flags: u32, mtime: u32, size: u32) -> Vec<u8> {
        let mut out = vec![0xa7, 0x0d, 0x0d, 0x0a];
        for w in [flags, mtime, size] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(b"code");
        out
    }

    fn entry_with_source(tmp: &Path) -> (Cache, Key) {
        let cache = Cache::new(tmp.join("c"));
        assert!(cache.prepare_for_writing());
        let key = Key::new(b"r", [("pkg/a.py", 3, false)]);
        let w = cache.writer(&key, 2).unwrap();
        w.add(0, "pkg/a.py", b"a=1", "sha256=x", 0o644).unwrap();
        w.add(1, "pkg/data.txt", b"d", "sha256=y", 0o644).unwrap();
        assert!(w.commit().unwrap());
        (cache, key)
    }

    #[test]
    fn prune_removes_what_a_killed_install_left_half_added() {
        let tmp = tempfile::tempdir().unwrap();
        let (cache, key) = entry_with_source(tmp.path());
        let entry = cache.lookup_with_pyc(&key, Some("cpython-311")).unwrap();
        let dir = entry.dir().join(PYC_DIR).join("cpython-311");
        std::fs::create_dir_all(&dir).unwrap();
        let old = dir.join(".tmp.1.1");
        let fresh = dir.join(".tmp.2.1");
        for f in [&old, &fresh] {
            std::fs::write(f, b"half").unwrap();
        }
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        let pruned = cache.prune(crate::DEFAULT_LIMITS);
        assert_eq!(pruned.partial, 1);
        assert!(
            !old.exists() && fresh.exists(),
            "a writer may still own the fresh one"
        );
    }

    #[test]
    fn byte_code_is_added_once_per_tag_checked_and_counted() {
        let tmp = tempfile::tempdir().unwrap();
        let (cache, key) = entry_with_source(tmp.path());
        let entry = cache.lookup_with_pyc(&key, Some("cpython-311")).unwrap();
        let (_, source) = entry.file("pkg/a.py").unwrap();
        let mtime = source.mtime.0 as u32;
        assert!(entry.pyc("pkg/a.py").is_none());
        // Byte code of another source time, or hash-checked, is refused.
        for (i, bad) in [
            pyc(0, mtime + 1, 3),
            pyc(0, mtime, 4),
            pyc(3, mtime, 3),
            vec![1, 2],
        ]
        .iter()
        .enumerate()
        {
            let path = tmp.path().join(format!("bad{i}.pyc"));
            std::fs::write(&path, bad).unwrap();
            assert!(!entry.add_pyc("pkg/a.py", "cpython-311", &path).unwrap());
        }
        let good = tmp.path().join("a.cpython-311.pyc");
        std::fs::write(&good, pyc(0, mtime, 3)).unwrap();
        assert!(!entry.add_pyc("pkg/a.py", "../x", &good).unwrap());
        assert!(!entry.add_pyc("nope.py", "cpython-311", &good).unwrap());
        assert!(entry.add_pyc("pkg/a.py", "cpython-311", &good).unwrap());
        assert!(entry.add_pyc("pkg/a.py", "cpython-312", &good).unwrap());

        let entry = cache.lookup_with_pyc(&key, Some("cpython-311")).unwrap();
        let (path, meta) = entry.pyc("pkg/a.py").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), pyc(0, mtime, 3));
        assert_eq!(meta.size, 20);
        assert!(entry.pyc("pkg/data.txt").is_none());
        // Already there: not added twice.
        assert!(!entry.add_pyc("pkg/a.py", "cpython-311", &good).unwrap());
        // No temporary file is left, and both tags count.
        let info = cache.info();
        assert_eq!((info.files, info.bytes), (3 + 2, 4 + 40));
        // An old reader's view (no tag) sees none.
        assert!(cache.lookup(&key).unwrap().pyc("pkg/a.py").is_none());
        entry.drop_pyc("pkg/a.py");
        let entry = cache.lookup_with_pyc(&key, Some("cpython-311")).unwrap();
        assert!(entry.pyc("pkg/a.py").is_none());
        assert_eq!(cache.clean().files, 3 + 1);
    }

    #[test]
    fn byte_code_is_linked_from_the_checked_inode_once() {
        let tmp = tempfile::tempdir().unwrap();
        let (cache, key) = entry_with_source(tmp.path());
        let entry = cache.lookup_with_pyc(&key, Some("cpython-311")).unwrap();
        let mtime = entry.file("pkg/a.py").unwrap().1.mtime.0 as u32;
        let good = tmp.path().join("a.cpython-311.pyc");
        std::fs::write(&good, pyc(0, mtime, 3)).unwrap();
        assert!(entry.add_pyc("pkg/a.py", "cpython-311", &good).unwrap());
        let (path, _) = cache
            .lookup_with_pyc(&key, Some("cpython-311"))
            .unwrap()
            .pyc("pkg/a.py")
            .unwrap();
        let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
        assert_eq!(ino(&path), ino(&good), "a hard link of the checked file");
        // Another install, whose view of the entry predates it, finds it there: not added.
        assert!(!entry.add_pyc("pkg/a.py", "cpython-311", &good).unwrap());
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    }

    #[test]
    fn names_that_are_not_ours_are_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let (cache, key) = entry_with_source(tmp.path());
        let dir = cache.entries().join(key.as_str()).join("pyc/cpython-311");
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["9-1-1-1", "0-1-1", "0-x-1-1", "0-1-1-1-1", ".tmp.1.1"] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let entry = cache.lookup_with_pyc(&key, Some("cpython-311")).unwrap();
        assert_eq!(entry.pyc_count(), 0);
        assert!(cache
            .lookup_with_pyc(&key, Some(".."))
            .unwrap()
            .pyc("pkg/a.py")
            .is_none());
    }
}
