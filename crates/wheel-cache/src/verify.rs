//! `cache verify`: every complete entry checked against its MANIFEST, reading only (no use
//! time is touched, nothing is removed; `cache prune`/`clean` remove).
//!
//! An entry is bad when it is not a real directory, its MANIFEST is missing or does not
//! parse, or one of its files is missing, not a regular file, or differs from what MANIFEST
//! says: size, modification time (what installs check before each use) and content (its
//! SHA-256 against the RECORD hash kept in MANIFEST, which installs do not check). Writes in
//! progress or abandoned in `tmp/` and `trash/` are counted, not judged: nothing reads them.

use std::io::{BufReader, Read};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use crate::entry::read_manifest;
use crate::{Cache, FileMeta};

/// What a verification found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verified {
    /// Entries found whole.
    pub good: u64,
    /// Files checked in them.
    pub files: u64,
    /// Each bad entry with why.
    pub bad: Vec<(PathBuf, String)>,
    /// Writes in progress or abandoned (`tmp/`, `trash/`).
    pub partial: u64,
}

impl Cache {
    /// Checks every entry (see the module's documentation); reads only.
    pub fn verify(&self) -> Verified {
        let mut out = Verified {
            partial: self.partial_dirs().len() as u64,
            ..Verified::default()
        };
        let entries = self.entries();
        if !entries.exists() {
            return out;
        }
        if !self.real_dir_inside(&entries) {
            out.bad.push((entries, "is not a real directory".into()));
            return out;
        }
        let Ok(read) = std::fs::read_dir(&entries) else {
            out.bad.push((entries, "cannot be read".into()));
            return out;
        };
        let mut dirs: Vec<PathBuf> = read.filter_map(Result::ok).map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            match check_entry(&dir) {
                Ok(files) => {
                    out.good += 1;
                    out.files += files;
                }
                Err(why) => out.bad.push((dir, why)),
            }
        }
        out
    }
}

fn check_entry(dir: &std::path::Path) -> Result<u64, String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("cannot be read ({e})"))?;
    if !meta.is_dir() {
        return Err("is not a directory".into());
    }
    let manifest = std::fs::File::open(dir.join("MANIFEST"))
        .map_err(|e| format!("has no readable MANIFEST ({e})"))?;
    let (files, _, _, fanned) = read_manifest(BufReader::new(manifest), usize::MAX)
        .ok_or("has a MANIFEST that does not parse")?;
    for (n, file) in files.iter().enumerate() {
        check_file(&crate::entry::file_path(dir, n, fanned), file)
            .map_err(|why| format!("file {n} ({}) {why}", file.name.escape_debug()))?;
    }
    Ok(files.len() as u64)
}

fn check_file(path: &std::path::Path, want: &FileMeta) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("is missing ({e})"))?;
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    if meta.size() != want.size {
        return Err(format!(
            "holds {} bytes where MANIFEST says {}",
            meta.size(),
            want.size
        ));
    }
    if (meta.mtime(), meta.mtime_nsec()) != want.mtime {
        return Err("was modified after it was cached (its time changed)".into());
    }
    let Some(("sha256", digest)) = want.hash.split_once('=') else {
        return Err(format!("has the unknown hash `{}` in MANIFEST", want.hash));
    };
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot be read ({e})"))?;
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| format!("cannot be read ({e})"))?;
        if n == 0 {
            break;
        }
        sha2::Digest::update(&mut hasher, &buffer[..n]);
    }
    let actual = base64_url(&sha2::Digest::finalize(hasher));
    if actual != digest {
        return Err(format!(
            "has changed content (sha256={actual}, MANIFEST says {})",
            want.hash
        ));
    }
    Ok(())
}

/// URL-safe base64 without padding, as RECORD hashes are written.
pub(crate) fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    #[test]
    fn base64_matches_record_hashes() {
        // sha256 of b"a" as RECORD writes it.
        use sha2::Digest;
        assert_eq!(
            base64_url(&sha2::Sha256::digest(b"a")),
            "ypeBEsobvcr6wjGzmiPcTaeG7_gUfE5yuYB3ha_uSLs"
        );
        assert_eq!(base64_url(b"ab"), "YWI");
        assert_eq!(base64_url(b"abcd"), "YWJjZA");
    }

    #[test]
    fn verify_finds_each_kind_of_damage_and_touches_nothing() {
        use sha2::Digest;
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path());
        assert!(cache.prepare_for_writing());
        let hash = |c: &[u8]| format!("sha256={}", base64_url(&sha2::Sha256::digest(c)));
        let mut keys = Vec::new();
        for name in ["a", "b", "c", "d"] {
            let key = Key::new(name.as_bytes(), []);
            let w = cache.writer(&key, 1).unwrap();
            w.add(0, name, b"content", &hash(b"content"), 0o644)
                .unwrap();
            assert!(w.commit().unwrap());
            keys.push(cache.entries().join(key.as_str()));
        }
        let v = cache.verify();
        assert_eq!((v.good, v.files, v.bad.len()), (4, 4, 0), "{v:?}");
        // Same size and time, other content: only the hash tells.
        let f = keys[0].join("0");
        let time = std::fs::metadata(&f).unwrap().modified().unwrap();
        std::fs::write(&f, b"CONTENT").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(time)
            .unwrap();
        std::fs::write(keys[1].join("0"), b"short").unwrap();
        std::fs::remove_file(keys[2].join("MANIFEST")).unwrap();
        let used = std::fs::metadata(&keys[3]).unwrap().modified().unwrap();
        let v = cache.verify();
        assert_eq!(v.good, 1);
        let why = |k: usize| {
            v.bad
                .iter()
                .find(|(d, _)| *d == keys[k])
                .map(|(_, w)| w.clone())
                .unwrap_or_default()
        };
        assert!(why(0).contains("changed content"), "{v:?}");
        assert!(why(1).contains("bytes where MANIFEST says 7"), "{v:?}");
        assert!(why(2).contains("no readable MANIFEST"), "{v:?}");
        assert_eq!(
            std::fs::metadata(&keys[3]).unwrap().modified().unwrap(),
            used
        );
    }
}
