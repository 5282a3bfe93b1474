//! Writing generated files without clobbering what someone else wrote.
//!
//! Every file and link written is recorded, with the SHA-256 of its content, in a manifest
//! (a JSON file beside what it describes). A later run may replace a file only when it is
//! still exactly what was recorded: a file that was there before, or that an administrator
//! has edited since, is never overwritten. All files are checked before any is written, so a
//! refusal leaves everything as it was; each file is written to a temporary name and renamed,
//! so a reader never sees half a modulefile.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::ModulesError;

/// What goes at one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// A regular file; `executable` sets mode 0755 instead of 0644.
    File { bytes: Vec<u8>, executable: bool },
    /// A symbolic link to this target.
    Symlink(PathBuf),
}

impl Content {
    /// A regular, non-executable file.
    pub fn text(text: impl Into<String>) -> Content {
        Content::File {
            bytes: text.into().into_bytes(),
            executable: false,
        }
    }

    fn fingerprint(&self) -> String {
        match self {
            Content::File { bytes, .. } => hex_sha256(bytes),
            Content::Symlink(target) => format!("symlink:{}", target.display()),
        }
    }
}

/// Files to write, in order (absolute paths).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub entries: Vec<(PathBuf, Content)>,
}

impl Plan {
    pub fn add(&mut self, path: PathBuf, content: Content) {
        self.entries.push((path, content));
    }
}

/// What [`apply`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Files created or replaced.
    pub written: Vec<PathBuf>,
    /// Files already as planned.
    pub unchanged: Vec<PathBuf>,
}

fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_error(path: &Path, source: std::io::Error) -> ModulesError {
    ModulesError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The manifest's records: path → fingerprint. A missing manifest is empty; an unreadable
/// one is an error (guessing would let us overwrite someone's file).
fn read_manifest(manifest: &Path) -> Result<BTreeMap<String, String>, ModulesError> {
    let text = match std::fs::read_to_string(manifest) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(io_error(manifest, e)),
    };
    let bad = || ModulesError::BadManifest {
        path: manifest.to_path_buf(),
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| bad())?;
    let files = value
        .get("files")
        .and_then(|f| f.as_object())
        .ok_or_else(bad)?;
    let mut out = BTreeMap::new();
    for (path, fingerprint) in files {
        out.insert(
            path.clone(),
            fingerprint.as_str().ok_or_else(bad)?.to_string(),
        );
    }
    Ok(out)
}

/// The fingerprint of what is at `path` now, `None` when nothing is.
fn current(path: &Path) -> Result<Option<String>, ModulesError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, e)),
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).map_err(|e| io_error(path, e))?;
        return Ok(Some(format!("symlink:{}", target.display())));
    }
    if meta.is_dir() {
        return Ok(Some("directory".into()));
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    Ok(Some(hex_sha256(&bytes)))
}

/// Writes the plan, recording it in `manifest`. Nothing is written when any planned path
/// holds something this manifest did not record (or that changed since).
pub fn apply(plan: &Plan, manifest: &Path) -> Result<Outcome, ModulesError> {
    let mut records = read_manifest(manifest)?;
    let mut outcome = Outcome::default();
    let mut to_write = Vec::new();
    let mut conflicts = Vec::new();
    for (path, content) in &plan.entries {
        let wanted = content.fingerprint();
        match current(path)? {
            None => to_write.push((path, content)),
            Some(now) if now == wanted => outcome.unchanged.push(path.clone()),
            Some(now) if records.get(&path_key(path)) == Some(&now) => {
                to_write.push((path, content))
            }
            Some(_) => conflicts.push(path.clone()),
        }
    }
    if !conflicts.is_empty() {
        return Err(ModulesError::NotOurs {
            files: conflicts,
            manifest: manifest.to_path_buf(),
        });
    }
    // Files already as planned are recorded too (a site re-initialised after its manifest
    // was lost takes back what is exactly ours).
    for path in &outcome.unchanged {
        if let Some((_, content)) = plan.entries.iter().find(|(p, _)| p == path) {
            records.insert(path_key(path), content.fingerprint());
        }
    }
    let mut failure = None;
    for (path, content) in to_write {
        if let Err(e) = write_one(path, content) {
            failure = Some(e);
            break;
        }
        // Recorded as soon as written: should a later file fail, the next run still knows
        // this one is ours.
        records.insert(path_key(path), content.fingerprint());
        outcome.written.push(path.clone());
    }
    write_manifest(manifest, records)?;
    match failure {
        Some(e) => Err(e),
        None => Ok(outcome),
    }
}

fn write_manifest(manifest: &Path, records: BTreeMap<String, String>) -> Result<(), ModulesError> {
    let files: serde_json::Map<String, serde_json::Value> = records
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    let text = serde_json::to_string_pretty(&serde_json::json!({
        "written-by": "wheelhouse",
        "files": files,
    }))
    .expect("JSON of strings");
    write_one(manifest, &Content::text(text + "\n"))
}

fn path_key(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Writes one file or link through a temporary name in the same directory, then renames it
/// over the old one: readers see the old or the new file, never a part.
fn write_one(path: &Path, content: &Content) -> Result<(), ModulesError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = parent.join(format!(".{name}.wheelhouse-{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    match content {
        Content::File { bytes, executable } => {
            use std::os::unix::fs::OpenOptionsExt;
            let mode = if *executable { 0o755 } else { 0o644 };
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&temp)
                .map_err(|e| io_error(&temp, e))?;
            file.write_all(bytes).map_err(|e| io_error(&temp, e))?;
        }
        Content::Symlink(target) => {
            std::os::unix::fs::symlink(target, &temp).map_err(|e| io_error(&temp, e))?;
        }
    }
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io_error(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_and_refuses_foreign_or_edited_files() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = tmp.path().join(".manifest.json");
        let a = tmp.path().join("d/a.lua");
        let mut plan = Plan::default();
        plan.add(a.clone(), Content::text("one"));
        let first = apply(&plan, &manifest).unwrap();
        assert_eq!(first.written, std::slice::from_ref(&a));
        // Same plan again: nothing to do.
        assert_eq!(
            apply(&plan, &manifest).unwrap().unchanged,
            std::slice::from_ref(&a)
        );
        // A new content replaces ours.
        let mut plan2 = Plan::default();
        plan2.add(a.clone(), Content::text("two"));
        assert_eq!(
            apply(&plan2, &manifest).unwrap().written,
            std::slice::from_ref(&a)
        );
        // An administrator's edit is kept, and nothing else in the plan is written.
        std::fs::write(&a, "edited").unwrap();
        let b = tmp.path().join("b.lua");
        let mut plan3 = Plan::default();
        plan3.add(b.clone(), Content::text("b"));
        plan3.add(a.clone(), Content::text("three"));
        let err = apply(&plan3, &manifest).unwrap_err();
        assert!(
            matches!(err, ModulesError::NotOurs { ref files, .. } if files == std::slice::from_ref(&a))
        );
        assert!(!b.exists());
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "edited");
        // A file that was there before wheelhouse came is not ours either.
        let c = tmp.path().join("c.lua");
        std::fs::write(&c, "theirs").unwrap();
        let mut plan4 = Plan::default();
        plan4.add(c.clone(), Content::text("ours"));
        assert!(apply(&plan4, &manifest).is_err());
        // A write that fails midway: what was written before it is recorded as ours.
        let blocked = tmp.path().join("blocker");
        std::fs::write(&blocked, "a file where a directory is needed").unwrap();
        let d = tmp.path().join("d.lua");
        let mut plan6 = Plan::default();
        plan6.add(d.clone(), Content::text("d"));
        plan6.add(blocked.join("e.lua"), Content::text("e"));
        assert!(matches!(
            apply(&plan6, &manifest),
            Err(ModulesError::Io { .. })
        ));
        let mut plan7 = Plan::default();
        plan7.add(d.clone(), Content::text("d2"));
        assert_eq!(
            apply(&plan7, &manifest).unwrap().written,
            std::slice::from_ref(&d)
        );
        // Links too.
        let l = tmp.path().join("bin/python");
        let mut plan5 = Plan::default();
        plan5.add(l.clone(), Content::Symlink("/usr/bin/python3".into()));
        apply(&plan5, &manifest).unwrap();
        assert_eq!(
            std::fs::read_link(&l).unwrap(),
            PathBuf::from("/usr/bin/python3")
        );
    }
}
