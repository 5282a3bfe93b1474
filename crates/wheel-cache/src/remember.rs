//! What an install read from a wheel file, remembered by the file's path and identity, so that
//! the next install of the same file needs neither to open it nor to read its central
//! directory: one `stat` of the wheel instead of an `open`, a few reads and the `stat`s that
//! go with them, which on a wheelhouse on a network file system are each a round trip.
//!
//! What is remembered is opaque here (the installer keeps the member list and the
//! `.dist-info` texts it needs to find the entry and place it). It is handed back only while
//! the file at the same path has the same size, modification time, change time and inode
//! number as when it was read. Rewriting a file changes its change time (`ctime`, which no
//! user can set back); replacing it by a rename also changes its inode. One change can go
//! unseen: a same-size rewrite within the same timestamp tick as the change before it (file
//! systems store times in ticks of up to a second, or two on some servers). So a file changed
//! less than [`RACY_SECONDS`] before it is remembered is not remembered: any later change
//! then falls in a later tick. The device number is not compared: a FUSE or NFS mount gets a
//! new one each time it is mounted, and a job's first look at the wheelhouse is often just
//! after a mount.
//!
//! Layout: `<root>/v1/wheels/<sha256 of the path>`, written in `tmp/` and renamed into place
//! (a reader sees a whole file or none):
//! ```text
//! wheelhouse-cache-wheel 1
//! <absolute path of the wheel>
//! <size> <mtime s> <mtime ns> <ctime s> <ctime ns> <inode>
//! <the remembered bytes>
//! ```

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::Cache;

const MAGIC: &str = "wheelhouse-cache-wheel 1";

/// A file changed less than this many seconds before it is read is not remembered (see the
/// module documentation).
pub const RACY_SECONDS: u64 = 2;

/// What must still hold of a wheel file for what was read from it to be used again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    pub size: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
    pub ino: u64,
}

impl FileIdentity {
    pub fn of(meta: &std::fs::Metadata) -> FileIdentity {
        FileIdentity {
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
        }
    }

    fn line(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.size, self.mtime.0, self.mtime.1, self.ctime.0, self.ctime.1, self.ino
        )
    }

    fn parse(line: &str) -> Option<FileIdentity> {
        let mut f = line.split(' ').map(str::parse::<i64>);
        let mut next = || f.next()?.ok();
        let id = FileIdentity {
            size: u64::try_from(next()?).ok()?,
            mtime: (next()?, next()?),
            ctime: (next()?, next()?),
            ino: u64::try_from(next()?).ok()?,
        };
        Some(id)
    }

    /// Whether the file changed less than [`RACY_SECONDS`] before `now` (or after it: a
    /// server's clock ahead of ours).
    fn racy(&self, now: SystemTime) -> bool {
        let changed = self.ctime.max(self.mtime);
        let changed = crate::system_time(changed);
        now.duration_since(changed)
            .map_or(true, |age| age < Duration::from_secs(RACY_SECONDS))
    }
}

/// What [`Cache::remembered`] answered for each wheel, kept for one install: its resolver and
/// its unpacking ask for the same wheels, and the second asks nothing of the file system
/// (the wheel's `stat` is a round trip on a network file system). Made for one install,
/// not for longer: it answers as the files were when first asked.
#[derive(Debug, Default)]
pub struct RememberedMemo(Mutex<HashMap<PathBuf, Option<Arc<[u8]>>>>);

impl Cache {
    /// [`Cache::remembered`], answered from `memo` when it was asked for `wheel` before.
    pub fn remembered_in(&self, wheel: &Path, memo: &RememberedMemo) -> Option<Arc<[u8]>> {
        if let Some(known) = memo.0.lock().expect("no panics while held").get(wheel) {
            return known.clone();
        }
        let found: Option<Arc<[u8]>> = self.remembered(wheel).map(Arc::from);
        memo.0
            .lock()
            .expect("no panics while held")
            .insert(wheel.to_path_buf(), found.clone());
        found
    }

    fn wheels(&self) -> PathBuf {
        self.root().join("v1/wheels")
    }

    fn remembered_path(&self, wheel: &Path) -> Option<(PathBuf, PathBuf)> {
        use sha2::Digest;
        let absolute = std::path::absolute(wheel).ok()?;
        let digest = sha2::Sha256::digest(absolute.as_os_str().as_encoded_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Some((absolute, self.wheels().join(name)))
    }

    /// The bytes remembered for the wheel at `wheel`, when the file there is still the one
    /// they were read from (one `stat` of the wheel, one read in the cache).
    pub fn remembered(&self, wheel: &Path) -> Option<Vec<u8>> {
        let (absolute, path) = self.remembered_path(wheel)?;
        let bytes = std::fs::read(path).ok()?;
        let (head, rest) = split_line(&bytes)?;
        let (stored_path, rest) = split_line(rest)?;
        let (identity, rest) = split_line(rest)?;
        if head != MAGIC.as_bytes() || stored_path != absolute.as_os_str().as_encoded_bytes() {
            return None;
        }
        let identity = FileIdentity::parse(std::str::from_utf8(identity).ok()?)?;
        let now = FileIdentity::of(&std::fs::metadata(wheel).ok()?);
        (now == identity).then(|| rest.to_vec())
    }

    /// Remembers `bytes` for the wheel at `wheel`, read while it had `identity` (taken before
    /// reading it). Nothing is written for a file changed moments ago, nor when the cache
    /// cannot be written; a failure here costs the next install an `open`, nothing else.
    pub fn remember(&self, wheel: &Path, identity: &FileIdentity, bytes: &[u8]) {
        self.remember_at(wheel, identity, bytes, SystemTime::now());
    }

    pub(crate) fn remember_at(
        &self,
        wheel: &Path,
        identity: &FileIdentity,
        bytes: &[u8],
        now: SystemTime,
    ) {
        static N: AtomicU64 = AtomicU64::new(0);
        if identity.racy(now) {
            return;
        }
        let Some((absolute, path)) = self.remembered_path(wheel) else {
            return;
        };
        let shown = absolute.as_os_str().as_encoded_bytes();
        if shown.contains(&b'\n') {
            return;
        }
        let mut content = Vec::with_capacity(bytes.len() + shown.len() + 100);
        content.extend_from_slice(MAGIC.as_bytes());
        content.push(b'\n');
        content.extend_from_slice(shown);
        content.push(b'\n');
        content.extend_from_slice(identity.line().as_bytes());
        content.push(b'\n');
        content.extend_from_slice(bytes);
        let tmp = self.tmp().join(format!(
            "wheel.{}.{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        if std::fs::write(&tmp, &content).is_err() {
            return;
        }
        let moved = std::fs::rename(&tmp, &path).is_ok()
            || (std::fs::create_dir_all(self.wheels()).is_ok()
                && std::fs::rename(&tmp, &path).is_ok());
        if !moved {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = bytes.iter().position(|&b| b == b'\n')?;
    Some((&bytes[..end], &bytes[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    fn later() -> SystemTime {
        SystemTime::now() + Duration::from_secs(60)
    }

    fn identity(path: &Path) -> FileIdentity {
        FileIdentity::of(&std::fs::metadata(path).unwrap())
    }

    #[test]
    fn remembered_while_the_file_is_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("cache"));
        assert!(cache.prepare_for_writing());
        let wheel = tmp.path().join("a-1.0-py3-none-any.whl");
        std::fs::write(&wheel, b"first").unwrap();
        cache.remember_at(&wheel, &identity(&wheel), b"what was read\n\x00", later());
        assert_eq!(
            cache.remembered(&wheel).as_deref(),
            Some(&b"what was read\n\x00"[..])
        );
        // Another path to the same file is another wheel as far as the cache knows.
        let link = tmp.path().join("b-1.0-py3-none-any.whl");
        std::fs::hard_link(&wheel, &link).unwrap();
        assert_eq!(cache.remembered(&link), None);
    }

    #[test]
    fn a_file_rewritten_in_place_with_the_same_size_is_not_served() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("cache"));
        assert!(cache.prepare_for_writing());
        let wheel = tmp.path().join("a-1.0-py3-none-any.whl");
        std::fs::write(&wheel, b"first").unwrap();
        let before = identity(&wheel);
        cache.remember_at(&wheel, &before, b"old", later());
        // Same name, same size, other bytes, written in place (same inode), and the
        // modification time set back to what it was: only the change time tells.
        std::thread::sleep(Duration::from_millis(50));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&wheel)
            .unwrap()
            .write_all_at(b"other", 0)
            .unwrap();
        let file = std::fs::File::options().write(true).open(&wheel).unwrap();
        file.set_modified(crate::system_time(before.mtime)).unwrap();
        let after = identity(&wheel);
        assert_eq!(
            (after.size, after.mtime, after.ino),
            (before.size, before.mtime, before.ino)
        );
        assert_eq!(cache.remembered(&wheel), None);
        // Replaced by a rename: a new inode.
        let new = tmp.path().join("new");
        std::fs::write(&new, b"first").unwrap();
        std::fs::rename(&new, &wheel).unwrap();
        cache.remember_at(&wheel, &identity(&wheel), b"renamed", later());
        assert_eq!(cache.remembered(&wheel).as_deref(), Some(&b"renamed"[..]));
        std::fs::write(&new, b"third").unwrap();
        std::fs::rename(&new, &wheel).unwrap();
        assert_eq!(cache.remembered(&wheel), None);
    }

    #[test]
    fn a_memo_answers_the_second_question_without_looking() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("cache"));
        assert!(cache.prepare_for_writing());
        let wheel = tmp.path().join("a-1.0-py3-none-any.whl");
        std::fs::write(&wheel, b"first").unwrap();
        cache.remember_at(&wheel, &identity(&wheel), b"kept", later());
        let memo = RememberedMemo::default();
        assert_eq!(
            cache.remembered_in(&wheel, &memo).as_deref(),
            Some(&b"kept"[..])
        );
        // Asked again within the install: the memo answers, even with the file gone.
        std::fs::remove_file(&wheel).unwrap();
        assert_eq!(
            cache.remembered_in(&wheel, &memo).as_deref(),
            Some(&b"kept"[..])
        );
        assert_eq!(cache.remembered(&wheel), None);
        assert_eq!(
            cache.remembered_in(&wheel, &RememberedMemo::default()),
            None
        );
    }

    #[test]
    fn a_file_changed_moments_ago_is_not_remembered() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("cache"));
        assert!(cache.prepare_for_writing());
        let wheel = tmp.path().join("a-1.0-py3-none-any.whl");
        std::fs::write(&wheel, b"first").unwrap();
        // Written just now: a same-size rewrite in the same tick could not be told apart.
        cache.remember(&wheel, &identity(&wheel), b"racy");
        assert_eq!(cache.remembered(&wheel), None);
        assert!(!tmp.path().join("cache/v1/wheels").exists());
        // Nothing left behind in tmp/ either way.
        cache.remember_at(&wheel, &identity(&wheel), b"kept", later());
        assert_eq!(std::fs::read_dir(cache.tmp()).unwrap().count(), 0);
    }
}
