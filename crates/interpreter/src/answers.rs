//! Interpreter answers kept between commands.
//!
//! Starting the target interpreter to ask about itself costs 15–30 ms, as much as resolving
//! and linking a 200-package environment from a warm cache. The answer changes only when
//! something it depends on changes, so it is kept in the cache directory and reused while all
//! of these are as they were when it was asked:
//!
//! - the interpreter path asked about, the new prefix (for `venv`), and the variables that
//!   shape `sys.path` and the install paths (`PYTHON*`, `EB*` from modules, `HOME`, the
//!   loader's `LD_*`) and the kernel release (a marker value): these make up the key;
//! - the interpreter binary the path leads to (device, inode, size, modification time): a
//!   module rebuilt or replaced is asked again;
//! - `pyvenv.cfg` beside or above it, by content (so a virtual environment created afresh
//!   at the same path with the same base reuses the answer);
//! - in every directory on the answer's `sys.path`, and the user site directory, the
//!   `.pth` files and `sitecustomize`/`usercustomize` modules, by content: they are what can
//!   add to `sys.path` at start-up, and what a stack module's site customisation reads.
//!
//! A missing, unreadable or malformed record is asked again, never an error; the record is
//! replaced by an atomic rename, so concurrent commands see the old answer or the new one.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Where answers are kept, and the environment the interpreter will be started in.
#[derive(Clone, Debug)]
pub struct AnswerCache {
    /// `CACHE/interpreters-v1`.
    dir: PathBuf,
    /// The variables the interpreter sees that can change its answer, sorted.
    env: Vec<(String, String)>,
}

impl AnswerCache {
    /// Answers kept under `cache_dir` for an interpreter started with `env`: the variables
    /// that can change its answer (`site_config::SiteConfig::interpreter_env`).
    pub fn new(cache_dir: &Path, env: &[(String, String)]) -> AnswerCache {
        let mut env = env.to_vec();
        env.sort();
        AnswerCache {
            dir: cache_dir.join("interpreters-v1"),
            env,
        }
    }

    /// Forgets every kept answer under `cache_dir` (`wheelhouse cache clean`).
    pub fn clear(cache_dir: &Path) {
        let _ = fs::remove_dir_all(cache_dir.join("interpreters-v1"));
    }

    /// The kept answer under `key` (see [`AnswerCache::key`]) for `python`, if everything it
    /// depends on is unchanged.
    pub(crate) fn lookup(&self, key: &str, python: &Path) -> Option<Value> {
        let text = fs::read(self.record(key)).ok()?;
        let record: Value = serde_json::from_slice(&text).ok()?;
        if record["key"].as_str() != Some(key) {
            return None;
        }
        let answer = &record["answer"];
        let checks = record["checks"].as_array()?;
        let now = stamps(python, answer)?;
        let same = checks.len() == now.len()
            && checks.iter().zip(&now).all(|(kept, (what, stamp))| {
                kept[0].as_str() == Some(what.as_str()) && kept[1].as_str() == Some(stamp.as_str())
            });
        same.then(|| answer.clone())
    }

    /// Keeps `answer` for the next command. Failing to write (a read-only cache, a full
    /// disk) only means asking again next time.
    pub(crate) fn store(&self, key: &str, python: &Path, answer: &Value) {
        let Some(checks) = stamps(python, answer) else {
            return;
        };
        let checks: Vec<Value> = checks.into_iter().map(|(w, s)| json!([w, s])).collect();
        let record = json!({"key": key, "checks": checks, "answer": answer});
        let path = self.record(key);
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let written = fs::create_dir_all(&self.dir)
            .and_then(|()| fs::write(&tmp, record.to_string()))
            .and_then(|()| fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
    }

    /// Everything the answer is a function of besides files: `None` for an interpreter
    /// named without a path (found on `PATH`, which may change under it).
    pub(crate) fn key(&self, python: &Path, prefix: Option<&Path>) -> Option<String> {
        if !python.is_absolute() {
            return None;
        }
        let mut key = format!("python={}\n", python.display());
        if let Some(prefix) = prefix {
            key.push_str(&format!("prefix={}\n", prefix.display()));
        }
        for (name, value) in &self.env {
            key.push_str(&format!("env {name}={value}\n"));
        }
        for file in ["/proc/sys/kernel/osrelease", "/proc/sys/kernel/version"] {
            let text = fs::read_to_string(file).unwrap_or_default();
            key.push_str(&format!("kernel {}\n", text.trim()));
        }
        Some(key)
    }

    fn record(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{}.json", &hex(key)[..32]))
    }
}

fn hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files the answer depends on, each with its present state; `None` when the answer
/// lacks what is needed to tell (a record from something else).
fn stamps(python: &Path, answer: &Value) -> Option<Vec<(String, String)>> {
    let mut out = vec![(format!("exe {}", python.display()), file_stamp(python))];
    if let Some(bin) = python.parent() {
        for cfg in [bin.join("pyvenv.cfg"), bin.join("../pyvenv.cfg")] {
            out.push((format!("cfg {}", cfg.display()), content_stamp(&cfg)));
        }
    }
    let mut dirs: Vec<&str> = answer["sys_path"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(user_site) = answer["user_site"].as_str() {
        dirs.push(user_site);
    }
    for dir in dirs {
        out.push((format!("dir {dir}"), dir_stamp(Path::new(dir))));
    }
    Some(out)
}

/// Identity and state of a file, following links: `-` when absent.
fn file_stamp(path: &Path) -> String {
    match fs::metadata(path) {
        Ok(m) => format!(
            "{}:{}:{}:{}.{}",
            m.dev(),
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec()
        ),
        Err(_) => "-".into(),
    }
}

/// A small file by content: `-` when absent.
fn content_stamp(path: &Path) -> String {
    match fs::read(path) {
        Ok(bytes) => hex_bytes(&Sha256::digest(&bytes)),
        Err(_) => "-".into(),
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What in a `sys.path` directory can change `sys.path` or start-up: its `.pth` files and
/// site customisation modules, by name and content. A zip or other file on `sys.path` by its
/// state; `-` when absent.
fn dir_stamp(path: &Path) -> String {
    let Ok(entries) = fs::read_dir(path) else {
        return file_stamp(path);
    };
    let mut names: Vec<std::ffi::OsString> = entries
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| {
            let b = n.as_encoded_bytes();
            b.ends_with(b".pth")
                || b.starts_with(b"sitecustomize")
                || b.starts_with(b"usercustomize")
        })
        .collect();
    names.sort();
    let mut digest = Sha256::new();
    digest.update(b"dir\n");
    for name in names {
        digest.update(name.as_encoded_bytes());
        digest.update(b"\0");
        let full = path.join(&name);
        match fs::metadata(&full) {
            // A customisation package (`sitecustomize/`) by its state; files by content.
            Ok(m) if m.is_dir() => digest.update(file_stamp(&full).as_bytes()),
            Ok(_) => digest.update(content_stamp(&full).as_bytes()),
            Err(_) => digest.update(b"-"),
        }
        digest.update(b"\n");
    }
    hex_bytes(&digest.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("answers-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_pth_file_changes_the_directory_stamp_and_its_mtime_does_not() {
        let dir = scratch("pth");
        let empty = dir_stamp(&dir);
        fs::write(dir.join("module.py"), "x = 1").unwrap();
        assert_eq!(dir_stamp(&dir), empty, "ordinary modules do not matter");
        fs::write(dir.join("extra.pth"), "/somewhere\n").unwrap();
        let with_pth = dir_stamp(&dir);
        assert_ne!(with_pth, empty);
        // Rewritten with the same content (a fresh environment): the same stamp.
        fs::remove_file(dir.join("extra.pth")).unwrap();
        fs::write(dir.join("extra.pth"), "/somewhere\n").unwrap();
        assert_eq!(dir_stamp(&dir), with_pth);
        fs::write(dir.join("extra.pth"), "/elsewhere\n").unwrap();
        assert_ne!(dir_stamp(&dir), with_pth);
        assert_eq!(dir_stamp(&dir.join("absent")), "-");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn records_are_keyed_by_path_prefix_and_environment() {
        let dir = scratch("key");
        let a = AnswerCache::new(&dir, &[("PYTHONPATH".into(), "/a".into())]);
        let b = AnswerCache::new(&dir, &[("PYTHONPATH".into(), "/b".into())]);
        let same = AnswerCache::new(&dir, &[("PYTHONPATH".into(), "/a".into())]);
        let python = Path::new("/usr/bin/python3");
        assert_ne!(a.key(python, None), b.key(python, None));
        assert_eq!(a.key(python, None), same.key(python, None));
        assert_ne!(a.key(python, None), a.key(python, Some(Path::new("/env"))));
        assert_eq!(a.key(Path::new("python3"), None), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn malformed_records_are_misses() {
        let dir = scratch("malformed");
        let cache = AnswerCache::new(&dir, &[]);
        let python = Path::new("/usr/bin/python3");
        let key = cache.key(python, None).unwrap();
        fs::create_dir_all(&cache.dir).unwrap();
        for text in [
            "",
            "{",
            "[]",
            "{\"key\": 1}",
            "{\"key\": \"x\", \"checks\": 3}",
        ] {
            fs::write(cache.record(&key), text).unwrap();
            assert!(cache.lookup(&key, python).is_none(), "{text}");
        }
        let record = json!({"key": key, "checks": "no", "answer": {}});
        fs::write(cache.record(&key), record.to_string()).unwrap();
        assert!(cache.lookup(&key, python).is_none());
        fs::remove_dir_all(&dir).unwrap();
    }
}
