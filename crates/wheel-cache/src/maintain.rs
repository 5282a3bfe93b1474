//! `cache info`, `cache clean`, `cache prune`: sizes, file counts, and eviction of the least
//! recently used entries.

use std::io::BufReader;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::entry::read_manifest;
use crate::{Cache, Limits};

/// What the cache holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Info {
    pub entries: u64,
    /// Files in complete entries (each entry also has its MANIFEST, counted here), with the
    /// byte code kept in them.
    pub files: u64,
    pub bytes: u64,
    /// Directories of writes in progress, or left by a killed writer.
    pub partial: u64,
}

/// What a prune removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub entries: u64,
    pub files: u64,
    pub bytes: u64,
    pub partial: u64,
}

/// A write untouched for this long was left by a killed process.
const ABANDONED: Duration = Duration::from_secs(3600);

struct Listed {
    dir: PathBuf,
    files: u64,
    bytes: u64,
    used: SystemTime,
}

impl Cache {
    fn list(&self) -> Vec<Listed> {
        if !self.real_dir_inside(&self.entries()) {
            return Vec::new();
        }
        let Ok(read) = std::fs::read_dir(self.entries()) else {
            return Vec::new();
        };
        // An entry that is a link is not an entry (a prune would empty its target).
        let dirs: Vec<_> = read
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .collect();
        in_parallel(&dirs, |e| {
            let dir = e.path();
            let manifest = std::fs::File::open(dir.join("MANIFEST")).ok()?;
            let (_, files, bytes, _) = read_manifest(BufReader::new(manifest), 0)?;
            let used = e.metadata().ok()?.modified().ok()?;
            let (pyc_files, pyc_bytes) = crate::pyc::totals(&dir);
            Some(Listed {
                dir,
                files: files + 1 + pyc_files,
                bytes: bytes + pyc_bytes,
                used,
            })
        })
        .into_iter()
        .flatten()
        .collect()
    }

    pub(crate) fn partial_dirs(&self) -> Vec<(PathBuf, SystemTime)> {
        let mut out = Vec::new();
        for parent in [self.tmp(), self.trash()] {
            if !self.real_dir_inside(&parent) {
                continue;
            }
            if let Ok(read) = std::fs::read_dir(parent) {
                for e in read.filter_map(Result::ok) {
                    let when = e
                        .metadata()
                        .and_then(|m| m.modified())
                        .unwrap_or(SystemTime::UNIX_EPOCH);
                    out.push((e.path(), when));
                }
            }
        }
        out
    }

    /// Sizes and file counts.
    pub fn info(&self) -> Info {
        let listed = self.list();
        Info {
            entries: listed.len() as u64,
            files: listed.iter().map(|l| l.files).sum(),
            bytes: listed.iter().map(|l| l.bytes).sum(),
            partial: self.partial_dirs().len() as u64,
        }
    }

    /// Removes every entry (and abandoned writes; writes in progress finish or fail alone).
    pub fn clean(&self) -> Pruned {
        self.forget_wheels();
        self.prune(Limits {
            max_bytes: 0,
            max_files: 0,
        })
    }

    /// Forgets what was remembered of wheel files (see the `remember` module): it names
    /// entries, some of which are going. Each wheel is remembered again by the next install
    /// that opens it, so this costs one `open` per wheel, and keeps that store from growing
    /// with every wheel path ever installed.
    fn forget_wheels(&self) {
        let wheels = self.root().join("v1/wheels");
        if self.real_dir_inside(&wheels) {
            let _ = std::fs::remove_dir_all(&wheels);
        }
    }

    /// Removes the least recently used entries until the cache is within `limits`, and the
    /// writes abandoned by killed processes.
    pub fn prune(&self, limits: Limits) -> Pruned {
        let mut pruned = Pruned::default();
        let now = SystemTime::now();
        for (dir, when) in self.partial_dirs() {
            if now.duration_since(when).unwrap_or_default() > ABANDONED {
                // Entries are written as directories, what was read from wheels as files.
                let _ = std::fs::remove_dir_all(&dir).or_else(|_| std::fs::remove_file(&dir));
                pruned.partial += 1;
            }
        }
        let mut listed = self.list();
        // Byte code a killed install was adding (a temporary name inside an entry).
        pruned.partial += in_parallel(&listed, |l| {
            crate::pyc::remove_abandoned(&l.dir, now, ABANDONED) as u64
        })
        .into_iter()
        .sum::<u64>();
        let mut files: u64 = listed.iter().map(|l| l.files).sum();
        let mut bytes: u64 = listed.iter().map(|l| l.bytes).sum();
        listed.sort_by_key(|l| l.used);
        for l in listed {
            if files <= limits.max_files && bytes <= limits.max_bytes {
                break;
            }
            if pruned.entries == 0 {
                self.forget_wheels();
            }
            self.remove_entry(&l.dir);
            files -= l.files;
            bytes -= l.bytes;
            pruned.entries += 1;
            pruned.files += l.files;
            pruned.bytes += l.bytes;
        }
        pruned
    }
}

/// Threads for walking entries: each entry costs a few round trips (its MANIFEST, its time,
/// its byte-code directory) that wait for the server on a network file system, and every
/// install that writes to the cache walks them all to prune it, so they are asked many at a
/// time (a home cache of 600 entries would otherwise add seconds at a millisecond each).
const WALKERS: usize = 16;

/// `f` of each item, in order, on up to [`WALKERS`] threads (on this thread alone when they
/// cannot be started).
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use rayon::prelude::*;
    let pool = (items.len() > 1)
        .then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(WALKERS.min(items.len()))
                .build()
                .ok()
        })
        .flatten();
    match pool {
        Some(pool) => pool.install(|| items.par_iter().map(&f).collect()),
        None => items.iter().map(f).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    fn add(cache: &Cache, name: &str, size: usize) -> Key {
        let key = Key::new(name.as_bytes(), []);
        let w = cache.writer(&key, 1).unwrap();
        w.add(0, name, &vec![b'x'; size], "sha256=x", 0o644)
            .unwrap();
        assert!(w.commit().unwrap());
        key
    }

    #[test]
    fn prune_removes_least_recently_used_first_within_both_bounds() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path());
        assert!(cache.prepare_for_writing());
        let old = add(&cache, "old", 100);
        let mid = add(&cache, "mid", 100);
        let new = add(&cache, "new", 100);
        let past = |secs| SystemTime::now() - Duration::from_secs(secs);
        for (key, secs) in [(&old, 300), (&mid, 200), (&new, 100)] {
            let dir = std::fs::File::open(cache.entries().join(key.as_str())).unwrap();
            dir.set_modified(past(secs)).unwrap();
        }
        // Using the oldest makes it the newest.
        assert!(cache.lookup(&old).is_some());
        let wheel = tmp.path().join("w-1.0-py3-none-any.whl");
        std::fs::write(&wheel, b"w").unwrap();
        let identity = crate::FileIdentity::of(&std::fs::metadata(&wheel).unwrap());
        cache.remember_at(
            &wheel,
            &identity,
            None,
            b"x",
            past(0) + Duration::from_secs(60),
        );
        assert!(cache.remembered(&wheel).is_some());
        // Within bounds: nothing pruned, nothing forgotten.
        assert_eq!(cache.prune(crate::DEFAULT_LIMITS).entries, 0);
        assert!(cache.remembered(&wheel).is_some());
        assert_eq!(
            cache.info(),
            Info {
                entries: 3,
                files: 6,
                bytes: 300,
                partial: 0
            }
        );
        let pruned = cache.prune(Limits {
            max_bytes: 1000,
            max_files: 4,
        });
        assert_eq!((pruned.entries, pruned.files), (1, 2));
        assert!(cache.lookup(&mid).is_none());
        // What was remembered of wheel files goes with the first entry pruned.
        assert!(!cache.root().join("v1/wheels").exists());
        assert!(cache.lookup(&old).is_some() && cache.lookup(&new).is_some());
        let pruned = cache.prune(Limits {
            max_bytes: 150,
            max_files: 100,
        });
        assert_eq!(pruned.entries, 1);
        assert!(cache.lookup(&new).is_none() || cache.lookup(&old).is_none());
        cache.clean();
        assert_eq!(cache.info().entries, 0);
    }
}
