//! A cache of unpacked wheels, from which environments on the same file system are filled by
//! reflink (`FICLONE`), hard link or copy instead of decompressing the wheel again. Keeping
//! the entries whole and correct is this crate's one job; it knows nothing of environments:
//! the `installer` decides which entry file becomes which installed file (and fills entries
//! as it unpacks), `environment` opens the cache a command asked for, and `wheelhouse cache`
//! shows, verifies and prunes it.
//!
//! ```
//! use wheel_cache::{Cache, Key};
//!
//! # let tmp = tempfile::tempdir().unwrap();
//! let cache = Cache::new(tmp.path().join("cache"));
//! assert!(cache.prepare_for_writing());
//! let (name, content) = ("demo/__init__.py", b"x = 1\n");
//! let record = b"demo/__init__.py,sha256=AAAA,6\n";
//! let key = Key::new(record, [(name, content.len() as u64, false)]);
//! let writer = cache.writer(&key, 1).unwrap();
//! writer.add(0, name, content, "sha256=AAAA", 0o644).unwrap();
//! assert!(writer.commit().unwrap()); // renamed into place whole
//! let entry = cache.lookup(&key).unwrap();
//! let (path, _meta) = entry.file(name).unwrap();
//! assert_eq!(std::fs::read(path).unwrap(), content);
//! ```
//!
//! # Layout
//! ```text
//! <root>/CACHEDIR.TAG            backup tools skip the directory
//! <root>/v1/entries/<key>/       one complete entry per wheel content key
//!     MANIFEST                   what the entry holds (written last)
//!     0, 1, 2, ...               the member files, numbered as in MANIFEST; in an entry
//!     d1/128, d1/129, ...        of more than 128 files, 128 per directory after the
//!                                first (see `entry::CHUNK`)
//!     pyc/<tag>-<magic>/...      byte code of the sources, compiled while the entry is
//!                                filled or added after installs compile (see the `pyc`
//!                                and `pyc_fill` modules)
//! <root>/v1/wheels/<sha256>     what was read from a wheel file, while the file is unchanged
//!                                (see the `remember` module)
//! <root>/v1/tmp/<key>.<pid>.<n>/ entries being written
//! <root>/v1/trash/               entries being deleted
//! ```
//! An entry is written completely in `tmp/`, then renamed into `entries/` in one step. A
//! rename is atomic on local file systems and on NFS (the server does it), so an entry is
//! either complete or absent: a writer killed half way leaves only a `tmp/` directory, which
//! nothing reads and [`Cache::prune`] removes. Two writers of one key race harmlessly: the
//! second rename fails and its copy is deleted. No lock is taken, so nothing relies on
//! `flock` working over NFS.
//!
//! # Keys
//! The key is a SHA-256 over the wheel's `RECORD` and the list of its members (name, size,
//! executable bit): RECORD holds the hash of every member, so the key names the content. An
//! entry is only ever written from a wheel whose members were all verified against that
//! RECORD, so a wheel with the same key has the same content. Computing it costs nothing
//! next to hashing the whole file.
//!
//! # Integrity
//! Each file's size and modification time are written in MANIFEST and checked before the
//! file is used: a hard-linked file edited in place in an environment (which writes through
//! to the cache) is noticed, the entry dropped and the wheel decompressed again.
//! `wheelhouse cache verify` ([`Cache::verify`]) also checks each file's content hash.
//!
//! Entries are not `fsync`ed file by file: an install that writes entries makes them durable
//! with the rest of the file system when it syncs its staged files (`syncfs`, see the
//! installer's journal). A power loss before that can leave an entry whose files are short or
//! empty; the size check before each use drops it, and `cache verify` reports it.

mod entry;
mod link;
mod maintain;
mod pyc;
mod pyc_fill;
mod remember;
mod verify;

use std::path::{Path, PathBuf};

pub use entry::{system_time, Entry, EntryWriter, FileMeta};
pub use link::{LinkMode, Linker, PlaceError};
pub use maintain::{Info, Pruned};
pub use pyc::{header_matches, valid_tag};
pub use remember::{FileIdentity, Remembered, RememberedMemo, RACY_SECONDS};
pub use verify::Verified;

/// Bounds that keep the cache inside cluster quotas; least recently used entries go first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_files: u64,
}

/// 5 GiB and 50,000 files: a tenth of a typical cluster home quota (50 GB, 500,000 files),
/// room for three unpacked scipy stacks (about 15,000 files each).
pub const DEFAULT_LIMITS: Limits = Limits {
    max_bytes: 5 << 30,
    max_files: 50_000,
};

/// The content key of a wheel.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    /// The key of a wheel from its RECORD text and its members `(name, size, executable)`.
    pub fn new<'a>(record: &[u8], members: impl IntoIterator<Item = (&'a str, u64, bool)>) -> Key {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        hasher.update(b"wheelhouse-cache v1\0");
        hasher.update((record.len() as u64).to_le_bytes());
        hasher.update(record);
        for (name, size, executable) in members {
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update(size.to_le_bytes());
            hasher.update([u8::from(executable)]);
        }
        Key(hex::encode(hasher.finalize()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One cache directory.
#[derive(Clone, Debug)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// The cache at `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `dir`, below the cache root, is a real directory reached through real
    /// directories only. The root may be a link (a cache moved to scratch space), but a link
    /// planted at any level inside would make a clean or prune remove what it points at; such
    /// a directory is left alone.
    pub(crate) fn real_dir_inside(&self, dir: &Path) -> bool {
        let Ok(rest) = dir.strip_prefix(&self.root) else {
            return false;
        };
        let mut current = self.root.clone();
        for component in rest.components() {
            current.push(component);
            match std::fs::symlink_metadata(&current) {
                Ok(meta) if meta.is_dir() => {}
                _ => return false,
            }
        }
        true
    }

    pub(crate) fn entries(&self) -> PathBuf {
        self.root.join("v1/entries")
    }

    fn tmp(&self) -> PathBuf {
        self.root.join("v1/tmp")
    }

    fn trash(&self) -> PathBuf {
        self.root.join("v1/trash")
    }

    /// Whether the cache is (or would be created) on the file system holding `path`: only
    /// then can files be linked from it, and only then is an entry worth writing.
    pub fn same_file_system(&self, path: &Path) -> bool {
        match (device_of(&self.root), device_of(path)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    /// Creates the cache's directories; `false` when it cannot be written (a read-only file
    /// system, another user's cache): it is then only read from.
    pub fn prepare_for_writing(&self) -> bool {
        let made = std::fs::create_dir_all(self.entries()).is_ok()
            && std::fs::create_dir_all(self.tmp()).is_ok();
        if !made {
            return false;
        }
        let tag = self.root.join("CACHEDIR.TAG");
        if !tag.exists() {
            let _ = std::fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n\
                 # This file is a cache directory tag created by wheelhouse.\n\
                 # For information about cache directory tags see https://bford.info/cachedir/\n",
            );
        }
        // Writable for us? (Root ignores modes, but not a read-only mount.)
        let probe = self.tmp().join(format!(".probe.{}", std::process::id()));
        let ok = std::fs::File::create(&probe).is_ok();
        let _ = std::fs::remove_file(&probe);
        ok
    }
}

/// The device of `path`, or of its nearest existing parent.
fn device_of(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let mut current = Some(path);
    while let Some(p) = current {
        if let Ok(m) = std::fs::metadata(p) {
            return Some(m.dev());
        }
        current = p.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_change_with_record_names_sizes_and_modes() {
        let base = Key::new(b"a,sha256=x,1\n", [("a", 1, false)]);
        assert_eq!(base, Key::new(b"a,sha256=x,1\n", [("a", 1, false)]));
        assert_ne!(base, Key::new(b"a,sha256=y,1\n", [("a", 1, false)]));
        assert_ne!(base, Key::new(b"a,sha256=x,1\n", [("b", 1, false)]));
        assert_ne!(base, Key::new(b"a,sha256=x,1\n", [("a", 2, false)]));
        assert_ne!(base, Key::new(b"a,sha256=x,1\n", [("a", 1, true)]));
        assert_eq!(base.as_str().len(), 64);
    }
}
