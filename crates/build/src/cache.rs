//! The cache of built wheels: one wheel per (sdist content, interpreter tag, settings), so
//! the same sdist is built once, not on every node of a job.
//!
//! Layout: `<cache>/built-wheels-v1/<sha256 of the sdist>/<tag>-<settings hash>/<wheel>`.
//! A wheel appears there only by a rename of a complete, synced temporary file in the same
//! directory, so builds on several nodes sharing the cache on a network file system never
//! see a partial wheel; two nodes building the same sdist at once both succeed, the last
//! rename wins and both wheels are whole. Local directories are never cached: their content
//! changes under the same path.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The cache of built wheels under a cache directory.
#[derive(Clone, Debug)]
pub struct WheelCache {
    root: PathBuf,
}

/// What a built wheel depends on besides the sdist's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheKey {
    /// sha256 of the sdist file, hex.
    pub sdist_sha256: String,
    /// The building interpreter's most specific tag (`cp311-cp311-linux_x86_64`).
    pub tag: String,
    /// `--config-settings`, in order.
    pub config_settings: Vec<(String, String)>,
}

impl WheelCache {
    /// The cache inside `cache_dir` (the same directory as the other caches).
    pub fn new(cache_dir: &Path) -> WheelCache {
        WheelCache {
            root: cache_dir.join("built-wheels-v1"),
        }
    }

    fn entry_dir(&self, key: &CacheKey) -> PathBuf {
        let mut settings = Sha256::new();
        for (k, v) in &key.config_settings {
            settings.update(k.as_bytes());
            settings.update([0]);
            settings.update(v.as_bytes());
            settings.update([0]);
        }
        let settings = hex(&settings.finalize()[..6]);
        let safe = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .take(100)
                .collect()
        };
        self.root
            .join(safe(&key.sdist_sha256))
            .join(format!("{}-{settings}", safe(&key.tag)))
    }

    /// The cached wheel for `key`, if one was stored.
    pub fn lookup(&self, key: &CacheKey) -> Option<PathBuf> {
        let dir = self.entry_dir(key);
        fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.extension().is_some_and(|e| e == "whl")
                    && p.file_name()
                        .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
                    && p.is_file()
            })
    }

    /// Stores a copy of `wheel` for `key` and returns its path in the cache.
    pub fn store(&self, key: &CacheKey, wheel: &Path) -> io::Result<PathBuf> {
        let dir = self.entry_dir(key);
        fs::create_dir_all(&dir)?;
        let name = wheel
            .file_name()
            .ok_or_else(|| io::Error::other("a wheel path without a file name"))?;
        let path = dir.join(name);
        copy_atomic(wheel, &path)?;
        Ok(path)
    }
}

/// The sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    wheel_metadata::RecordHash::file_hex_digest("sha256", path)
        .map(|digest| digest.expect("sha256 is a supported algorithm"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Copies `source` to `dest` through a synced temporary file in `dest`'s directory and a
/// rename, so readers (on any node) see the whole file or none. The copy is readable by all
/// (`0644`), as a wheel handed to staff tools or other users should be.
pub(crate) fn copy_atomic(source: &Path, dest: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = dest.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    io::copy(&mut File::open(source)?, temp.as_file_mut())?;
    temp.as_file_mut().flush()?;
    temp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))?;
    temp.as_file().sync_all()?;
    temp.persist(dest).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_stores_leave_one_whole_wheel_and_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let cache = WheelCache::new(dir.path());
        let key = CacheKey {
            sdist_sha256: "ab".repeat(32),
            tag: "cp311-cp311-linux_x86_64".into(),
            config_settings: vec![],
        };
        assert!(cache.lookup(&key).is_none());
        // Four "nodes" built the same sdist; each stores its (different) bytes at once.
        let contents: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; 1 << 20]).collect();
        std::thread::scope(|scope| {
            for (i, content) in contents.iter().enumerate() {
                let (cache, key, dir) = (&cache, &key, &dir);
                scope.spawn(move || {
                    let built = dir.path().join(format!("built-{i}"));
                    fs::create_dir(&built).unwrap();
                    let wheel = built.join("demo-1.0-py3-none-any.whl");
                    fs::write(&wheel, content).unwrap();
                    cache.store(key, &wheel).unwrap();
                });
            }
        });
        let found = cache.lookup(&key).unwrap();
        assert!(contents.contains(&fs::read(&found).unwrap()));
        let names: Vec<_> = fs::read_dir(found.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["demo-1.0-py3-none-any.whl"]);
        // Another tag or other settings are other entries.
        let other = CacheKey {
            config_settings: vec![("k".into(), "v".into())],
            ..key.clone()
        };
        assert!(cache.lookup(&other).is_none());
    }
}
