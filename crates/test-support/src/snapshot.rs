//! Snapshot files for what a user reads: a command's exit code, standard output and standard
//! error, pinned under `tests/snapshots/NAME.txt`. A change of wording is a reviewed diff:
//! rerun with `UPDATE_SNAPSHOTS=1` and commit the new files.
//!
//! The tests run on any machine of the same kind (CI: a clean clone elsewhere), so what
//! differs between machines and runs is replaced before comparing: temporary directories,
//! the machine's Python (its prefix and micro version), durations and sizes. [`Redact`] says
//! which strings stand for what; the words around them stay exact.

use std::path::{Path, PathBuf};
use std::process::Output;

use regex::Regex;

/// The directory of the snapshot files: `tests/snapshots` at the workspace root.
pub fn snapshots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/snapshots")
}

/// A command's exit code, standard output and standard error in the snapshot files' layout
/// (the one `tests/snapshots/error-*.txt` use).
pub fn transcript(command: &str, out: &Output) -> String {
    format!(
        "$ {command}\n--- exit {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Strings that differ between machines or runs, each replaced by a placeholder.
#[derive(Clone, Default)]
pub struct Redact {
    pairs: Vec<(String, String)>,
    patterns: Vec<(String, String)>,
    durations: bool,
    sizes: bool,
}

impl Redact {
    pub fn new() -> Redact {
        Redact::default()
    }

    /// Replaces `from` (a path or any text) by `to`. Longer strings are replaced first, so a
    /// temporary directory inside another one keeps its own name.
    pub fn text(mut self, from: impl Into<String>, to: &str) -> Redact {
        let from = from.into();
        if !from.is_empty() {
            self.pairs.push((from, to.to_string()));
        }
        self
    }

    /// Replaces a path, both as given and canonical (a temporary directory may sit behind a
    /// symbolic link).
    pub fn path(self, from: &Path, to: &str) -> Redact {
        let canonical = std::fs::canonicalize(from).ok();
        let mut r = self.text(from.display().to_string(), to);
        if let Some(c) = canonical.filter(|c| c != from) {
            r = r.text(c.display().to_string(), to);
        }
        r
    }

    /// Replaces what the regular expression `pattern` matches by `to` (regex replacement
    /// syntax: `${1}` for a group, `$$` for a dollar), after the plain texts.
    pub fn pattern(mut self, pattern: &str, to: &str) -> Redact {
        self.patterns.push((pattern.to_string(), to.to_string()));
        self
    }

    /// Replaces durations (`0.42s`, `12 ms`, `1m03s`) by `[TIME]`.
    pub fn durations(mut self) -> Redact {
        self.durations = true;
        self
    }

    /// Replaces sizes (`12.3 MiB`, `512 B`, `4 kB`) by `[SIZE]`.
    pub fn sizes(mut self) -> Redact {
        self.sizes = true;
        self
    }

    pub fn apply(&self, text: &str) -> String {
        let mut pairs = self.pairs.clone();
        pairs.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        let mut text = text.to_string();
        for (from, to) in &pairs {
            text = text.replace(from.as_str(), to);
        }
        for (pattern, to) in &self.patterns {
            let re = Regex::new(pattern).unwrap();
            text = re.replace_all(&text, to.as_str()).into_owned();
        }
        if self.durations {
            let re = Regex::new(r"\b(\d+m)?\d+(\.\d+)? ?(ms|µs|us|s)\b").unwrap();
            text = re.replace_all(&text, "[TIME]").into_owned();
        }
        if self.sizes {
            let re = Regex::new(r"\b\d+(\.\d+)? ?(B|KiB|MiB|GiB|kB|KB|MB|GB)\b").unwrap();
            text = re.replace_all(&text, "[SIZE]").into_owned();
        }
        text
    }
}

/// Compares `text` with `tests/snapshots/NAME.txt`, panicking with both when they differ;
/// with `UPDATE_SNAPSHOTS` set, writes the file instead.
pub fn assert_snapshot(name: &str, text: &str) {
    let path = snapshots_dir().join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == text => {}
        Ok(expected) => panic!(
            "{name}: differs from {}\n--- expected\n{expected}\n--- actual\n{text}\n\
             (rerun with UPDATE_SNAPSHOTS=1 and review the diff if the change is meant)",
            path.display()
        ),
        Err(_) => panic!(
            "{name}: no snapshot at {}; run with UPDATE_SNAPSHOTS=1\n--- actual\n{text}",
            path.display()
        ),
    }
}

/// Compares `text` with the snapshot `name` (a file name in tests/snapshots): `None` when they
/// are equal or `UPDATE_SNAPSHOTS` is set (then the file is written), else what differs. For
/// tests that check many snapshots and report every difference at once.
pub fn snapshot(name: &str, text: &str) -> Option<String> {
    let path = snapshots_dir().join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, text).unwrap();
        return None;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == text => None,
        Ok(expected) => Some(format!(
            "{name}: differs\n--- expected\n{expected}\n--- actual\n{text}"
        )),
        Err(_) => Some(format!(
            "{name}: no snapshot at {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )),
    }
}
