//! What an install read from a wheel file, remembered by the file's path and identity, so that
//! the next install of the same file needs neither to open it nor to read its central
//! directory: one `stat` of the wheel instead of an `open`, a few reads and the `stat`s that
//! go with them, which on a wheelhouse on a network file system are each a round trip.
//!
//! What is remembered is opaque here (the installer keeps the member list and the
//! `.dist-info` texts it needs to find the entry and place it), with the file's SHA-256 when
//! the install that read it had it checked: a lock's hash is then checked against it without
//! reading the wheel again, as long as the file is the one that was hashed. It is handed back only while
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
//! wheelhouse-cache-wheel 2
//! <absolute path of the wheel>
//! <size> <mtime s> <mtime ns> <ctime s> <ctime ns> <inode>
//! sha256=<hex digest of the file, or nothing when it was not hashed>
//! <the remembered bytes>
//! ```
//! A record of the first layout (`wheelhouse-cache-wheel 1`, without the digest line) is not
//! answered; the next install that reads the wheel writes it anew.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::Cache;

const MAGIC: &str = "wheelhouse-cache-wheel 2";

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

/// What the cache remembers of one wheel file, which is still the one it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remembered {
    /// What the install that read the file kept of it (opaque here).
    pub bytes: Arc<[u8]>,
    /// The file's SHA-256 (lowercase hex), when that install had it hashed.
    pub sha256: Option<Arc<str>>,
    /// The file's identity, then and now.
    pub identity: FileIdentity,
}

/// What [`Cache::remembered`] answered for each wheel, kept for one install: its resolver (or
/// a lock's hash check) and its unpacking ask for the same wheels, and the second asks
/// nothing of the file system (the wheel's `stat` is a round trip on a network file system).
/// Made for one install, not for longer: it answers as the files were when first asked.
#[derive(Debug, Default)]
pub struct RememberedMemo(Mutex<HashMap<PathBuf, Option<Remembered>>>);

impl Cache {
    /// [`Cache::remembered`], answered from `memo` when it was asked for `wheel` before.
    pub fn remembered_in(&self, wheel: &Path, memo: &RememberedMemo) -> Option<Remembered> {
        if let Some(known) = memo.0.lock().expect("no panics while held").get(wheel) {
            return known.clone();
        }
        let found = self.remembered(wheel);
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
        let name = hex::encode(digest);
        Some((absolute, self.wheels().join(name)))
    }

    /// What is remembered of the wheel at `wheel`, when the file there is still the one it
    /// was read from (one `stat` of the wheel, one read in the cache).
    pub fn remembered(&self, wheel: &Path) -> Option<Remembered> {
        let (absolute, path) = self.remembered_path(wheel)?;
        let bytes = std::fs::read(path).ok()?;
        let (head, rest) = split_line(&bytes)?;
        let (stored_path, rest) = split_line(rest)?;
        let (identity, rest) = split_line(rest)?;
        let (digest, rest) = split_line(rest)?;
        if head != MAGIC.as_bytes() || stored_path != absolute.as_os_str().as_encoded_bytes() {
            return None;
        }
        let identity = FileIdentity::parse(std::str::from_utf8(identity).ok()?)?;
        let digest = std::str::from_utf8(digest.strip_prefix(b"sha256=")?).ok()?;
        let sha256 = match digest {
            "" => None,
            hex if is_sha256_hex(hex) => Some(Arc::from(hex)),
            _ => return None,
        };
        let now = FileIdentity::of(&std::fs::metadata(wheel).ok()?);
        (now == identity).then(|| Remembered {
            bytes: Arc::from(rest),
            sha256,
            identity,
        })
    }

    /// Remembers `bytes` for the wheel at `wheel`, read while it had `identity` (taken before
    /// reading it), with the file's SHA-256 when it was hashed with that identity. Nothing is
    /// written for a file changed moments ago, nor when the cache cannot be written; a
    /// failure here costs the next install an `open`, nothing else.
    pub fn remember(
        &self,
        wheel: &Path,
        identity: &FileIdentity,
        sha256: Option<&str>,
        bytes: &[u8],
    ) {
        self.remember_at(wheel, identity, sha256, bytes, SystemTime::now());
    }

    pub(crate) fn remember_at(
        &self,
        wheel: &Path,
        identity: &FileIdentity,
        sha256: Option<&str>,
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
        let digest = sha256.filter(|d| is_sha256_hex(d)).unwrap_or_default();
        let mut content = Vec::with_capacity(bytes.len() + shown.len() + 100);
        content.extend_from_slice(MAGIC.as_bytes());
        content.push(b'\n');
        content.extend_from_slice(shown);
        content.push(b'\n');
        content.extend_from_slice(identity.line().as_bytes());
        content.push(b'\n');
        content.extend_from_slice(b"sha256=");
        content.extend_from_slice(digest.as_bytes());
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

/// A SHA-256 digest as the record keeps it: 64 lowercase hex digits.
fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
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

    /// A writable cache and a wheel file beside it (`first`), in a temporary directory.
    fn cache_and_wheel() -> (tempfile::TempDir, Cache, std::path::PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("cache"));
        assert!(cache.prepare_for_writing());
        let wheel = tmp.path().join("a-1.0-py3-none-any.whl");
        std::fs::write(&wheel, b"first").unwrap();
        (tmp, cache, wheel)
    }

    #[test]
    fn remembered_while_the_file_is_unchanged() {
        let (tmp, cache, wheel) = cache_and_wheel();
        cache.remember_at(
            &wheel,
            &identity(&wheel),
            None,
            b"what was read\n\x00",
            later(),
        );
        assert_eq!(
            cache
                .remembered(&wheel)
                .map(|r| r.bytes.to_vec())
                .as_deref(),
            Some(&b"what was read\n\x00"[..])
        );
        // Another path to the same file is another wheel as far as the cache knows.
        let link = tmp.path().join("b-1.0-py3-none-any.whl");
        std::fs::hard_link(&wheel, &link).unwrap();
        assert_eq!(cache.remembered(&link), None);
    }

    #[test]
    fn a_file_rewritten_in_place_with_the_same_size_is_not_served() {
        let (tmp, cache, wheel) = cache_and_wheel();
        let before = identity(&wheel);
        cache.remember_at(&wheel, &before, None, b"old", later());
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
        cache.remember_at(&wheel, &identity(&wheel), None, b"renamed", later());
        assert_eq!(
            cache
                .remembered(&wheel)
                .map(|r| r.bytes.to_vec())
                .as_deref(),
            Some(&b"renamed"[..])
        );
        std::fs::write(&new, b"third").unwrap();
        std::fs::rename(&new, &wheel).unwrap();
        assert_eq!(cache.remembered(&wheel), None);
    }

    #[test]
    fn a_memo_answers_the_second_question_without_looking() {
        let (_tmp, cache, wheel) = cache_and_wheel();
        cache.remember_at(&wheel, &identity(&wheel), None, b"kept", later());
        let memo = RememberedMemo::default();
        assert_eq!(
            cache
                .remembered_in(&wheel, &memo)
                .map(|r| r.bytes.to_vec())
                .as_deref(),
            Some(&b"kept"[..])
        );
        // Asked again within the install: the memo answers, even with the file gone.
        std::fs::remove_file(&wheel).unwrap();
        assert_eq!(
            cache
                .remembered_in(&wheel, &memo)
                .map(|r| r.bytes.to_vec())
                .as_deref(),
            Some(&b"kept"[..])
        );
        assert_eq!(cache.remembered(&wheel), None);
        assert_eq!(
            cache.remembered_in(&wheel, &RememberedMemo::default()),
            None
        );
    }

    #[test]
    fn the_digest_is_kept_with_what_was_read_and_a_record_without_one_says_none() {
        let (_tmp, cache, wheel) = cache_and_wheel();
        let digest = "a".repeat(64);
        cache.remember_at(&wheel, &identity(&wheel), Some(&digest), b"kept", later());
        let got = cache.remembered(&wheel).unwrap();
        assert_eq!(got.sha256.as_deref(), Some(digest.as_str()));
        assert_eq!(&got.bytes[..], b"kept");
        assert_eq!(got.identity, identity(&wheel));
        // Not hashed: no digest. Not a digest (upper case, short): none either.
        cache.remember_at(&wheel, &identity(&wheel), None, b"kept", later());
        assert_eq!(cache.remembered(&wheel).unwrap().sha256, None);
        cache.remember_at(&wheel, &identity(&wheel), Some("ABC"), b"kept", later());
        assert_eq!(cache.remembered(&wheel).unwrap().sha256, None);
        // A record of the first layout (no digest line) is not answered.
        let (_, record) = cache.remembered_path(&wheel).unwrap();
        let absolute = std::path::absolute(&wheel).unwrap();
        let old = format!(
            "wheelhouse-cache-wheel 1\n{}\n{}\nkept",
            absolute.display(),
            identity(&wheel).line()
        );
        std::fs::write(&record, old).unwrap();
        assert_eq!(cache.remembered(&wheel), None);
        // A digest line that is not one: not answered.
        let bad = format!(
            "wheelhouse-cache-wheel 2\n{}\n{}\nsha256=zz\nkept",
            absolute.display(),
            identity(&wheel).line()
        );
        std::fs::write(&record, bad).unwrap();
        assert_eq!(cache.remembered(&wheel), None);
    }

    #[test]
    fn a_file_changed_moments_ago_is_not_remembered() {
        let (tmp, cache, wheel) = cache_and_wheel();
        // Written just now: a same-size rewrite in the same tick could not be told apart.
        cache.remember(&wheel, &identity(&wheel), None, b"racy");
        assert_eq!(cache.remembered(&wheel), None);
        assert!(!tmp.path().join("cache/v1/wheels").exists());
        // Nothing left behind in tmp/ either way.
        cache.remember_at(&wheel, &identity(&wheel), None, b"kept", later());
        assert_eq!(std::fs::read_dir(cache.tmp()).unwrap().count(), 0);
    }
}
