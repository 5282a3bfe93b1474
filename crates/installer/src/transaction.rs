//! All-or-nothing changes to an environment.
//!
//! Wheels are first unpacked into a staging directory inside the environment (same file
//! system, so moving into place is a rename). Only then, in a short commit phase, are old
//! files moved aside and staged ones renamed into place, each step written to a journal
//! *before* it is taken. A failure or interruption before the commit leaves the environment
//! untouched; one during the commit is undone from the journal, by this process or, after a
//! `kill -9`, by the next command that takes the environment's lock.
//!
//! Each journal step can be tested for having happened (a rename moves its source away), so
//! undoing is safe even when the process died between writing a step and taking it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use wheel_metadata::parse_record;

use crate::error::InstallError;
use crate::site::InstalledDist;
use crate::unpack::{unpack_wheel, StagedWheel};
use crate::Layout;

const STAGING_PREFIX: &str = ".wheelhouse-staging-";
const LOCK_FILE: &str = ".wheelhouse.lock";
const COMMITTED: &str = "COMMITTED";

/// An exclusive hold on an environment: two installs into one environment never interleave.
pub struct EnvLock {
    _file: File,
    /// The environment this lock holds.
    root: PathBuf,
    /// Messages about interrupted installs found and undone when the lock was taken.
    pub recovered: Vec<String>,
}

/// Takes the environment's lock, waiting for another holder (`on_wait` is told once), then
/// undoes what an earlier, killed command left half done. Waiting stops with
/// [`InstallError::Interrupted`] when `cancel` is set (Ctrl-C while waiting).
pub fn lock_environment(
    root: &Path,
    cancel: &AtomicBool,
    on_wait: impl FnOnce(),
) -> Result<EnvLock, InstallError> {
    let path = root.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(InstallError::io(&path, "open the lock file"))?;
    let mut on_wait = Some(on_wait);
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {
                if let Some(tell) = on_wait.take() {
                    tell();
                }
                if cancel.load(Ordering::SeqCst) {
                    return Err(InstallError::Interrupted);
                }
                // Polling rather than a blocking flock: a blocked flock is restarted after
                // the signal handler runs, so Ctrl-C could not end the wait.
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(InstallError::io(&path, "lock")(e));
            }
        }
    }
    let recovered = recover(root)?;
    Ok(EnvLock {
        _file: file,
        root: root.to_path_buf(),
        recovered,
    })
}

/// Undoes or finishes every staging directory left behind; call only with the lock held.
fn recover(root: &Path) -> Result<Vec<String>, InstallError> {
    let mut messages = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return Ok(messages);
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(STAGING_PREFIX) {
            continue;
        }
        let stage = entry.path();
        let journal = std::fs::read_to_string(stage.join("journal")).unwrap_or_default();
        if journal.lines().any(|l| l == COMMITTED) {
            messages.push(format!(
                "finished cleaning up after an install that completed ({name})"
            ));
        } else {
            rollback(&journal)?;
            messages.push(format!(
                "an earlier install into this environment was interrupted ({name}); its changes were undone"
            ));
        }
        remove_tree(&stage);
    }
    Ok(messages)
}

/// What to do to an environment in one transaction.
#[derive(Debug, Default)]
pub struct Plan {
    /// Wheels to install, with whether each was asked for by name.
    pub install: Vec<(PathBuf, bool)>,
    /// Installed distributions (in this environment) to remove first.
    pub remove: Vec<InstalledDist>,
}

/// Progress events, for a bar.
#[derive(Clone, Debug)]
pub enum Progress<'a> {
    Unpacked(&'a str),
    Committing,
}

/// What a finished transaction did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// `(name, version)` of each installed distribution, in plan order.
    pub installed: Vec<(String, String)>,
    pub files: usize,
}

/// Carries out a plan atomically, under the environment's lock (which proves that no other
/// install interleaves, and that interrupted ones were recovered first).
pub fn execute(
    lock: &EnvLock,
    plan: &Plan,
    layout: &Layout,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Outcome, InstallError> {
    if lock.root != layout.root {
        return Err(InstallError::BadPlan(format!(
            "the lock held is for {}, not for the environment {}",
            lock.root.display(),
            layout.root.display()
        )));
    }
    let stage = layout
        .root
        .join(format!("{STAGING_PREFIX}{}", std::process::id()));
    if stage.exists() {
        remove_tree(&stage);
    }
    std::fs::create_dir(&stage).map_err(InstallError::io(&stage, "create directory"))?;
    let result = prepare_and_commit(plan, layout, &stage, cancel, progress);
    match &result {
        Ok(_) => {}
        Err(_) => {
            let journal = std::fs::read_to_string(stage.join("journal")).unwrap_or_default();
            if !journal.lines().any(|l| l == COMMITTED) {
                rollback(&journal)?;
            }
        }
    }
    remove_tree(&stage);
    result
}

fn prepare_and_commit(
    plan: &Plan,
    layout: &Layout,
    stage: &Path,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Outcome, InstallError> {
    let staged: Vec<StagedWheel> = plan
        .install
        .par_iter()
        .enumerate()
        .map(|(i, (wheel, requested))| {
            let dir = stage.join(format!("w{i}"));
            std::fs::create_dir(&dir).map_err(InstallError::io(&dir, "create directory"))?;
            let staged = unpack_wheel(wheel, layout, &dir, *requested, cancel)?;
            progress(Progress::Unpacked(&staged.name));
            Ok(staged)
        })
        .collect::<Result<_, InstallError>>()?;
    if cancel.load(Ordering::SeqCst) {
        return Err(InstallError::Interrupted);
    }

    // Commit: from here on every step is journaled and the signal flag is not looked at,
    // so the step list runs to its end or is undone as a whole.
    progress(Progress::Committing);
    let journal_path = stage.join("journal");
    let mut journal = Journal {
        file: File::create(&journal_path).map_err(InstallError::io(&journal_path, "create"))?,
        path: journal_path,
        backups: stage.join("backup"),
        counter: 0,
    };
    std::fs::create_dir(&journal.backups)
        .map_err(InstallError::io(&journal.backups, "create directory"))?;
    let mut emptied: Vec<PathBuf> = Vec::new();
    for dist in &plan.remove {
        for path in files_of(dist) {
            if let Some(parent) = path.parent() {
                emptied.push(parent.to_path_buf());
            }
            if std::fs::symlink_metadata(&path).is_ok() {
                journal.move_aside(&path)?;
            }
        }
        if dist.metadata_dir.exists() {
            journal.move_aside(&dist.metadata_dir)?;
        }
    }
    let mut outcome = Outcome::default();
    for wheel in &staged {
        merge(&wheel.stage, &layout.root, &mut journal)?;
        outcome
            .installed
            .push((wheel.name.clone(), wheel.version.clone()));
        outcome.files += wheel.files;
    }
    journal.write_line(COMMITTED)?;
    emptied.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    emptied.dedup();
    for dir in emptied {
        remove_empty_dirs(&dir, &layout.root);
    }
    Ok(outcome)
}

/// Moves a staged tree into the environment: a whole directory in one rename when the target
/// does not exist yet, file by file where it does (shared directories such as `bin`).
fn merge(staged: &Path, target: &Path, journal: &mut Journal) -> Result<(), InstallError> {
    let entries = std::fs::read_dir(staged).map_err(InstallError::io(staged, "read directory"))?;
    for entry in entries {
        let entry = entry.map_err(InstallError::io(staged, "read directory"))?;
        let from = entry.path();
        let to = target.join(entry.file_name());
        let existing = std::fs::symlink_metadata(&to).ok();
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        match existing {
            None => journal.rename(&from, &to)?,
            Some(meta) if is_dir && meta.is_dir() => merge(&from, &to, journal)?,
            Some(_) => {
                journal.move_aside(&to)?;
                journal.rename(&from, &to)?;
            }
        }
    }
    Ok(())
}

struct Journal {
    file: File,
    path: PathBuf,
    backups: PathBuf,
    counter: u64,
}

impl Journal {
    fn write_line(&mut self, line: &str) -> Result<(), InstallError> {
        self.file
            .write_all(format!("{line}\n").as_bytes())
            .map_err(InstallError::io(&self.path, "write"))
    }

    /// `M`: a staged path renamed into the environment.
    fn rename(&mut self, from: &Path, to: &Path) -> Result<(), InstallError> {
        self.write_line(&format!("M\t{}\t{}", from.display(), to.display()))?;
        std::fs::rename(from, to).map_err(InstallError::io(to, "move into place"))
    }

    /// `B`: an environment path moved into the backup area.
    fn move_aside(&mut self, path: &Path) -> Result<(), InstallError> {
        self.counter += 1;
        let backup = self.backups.join(self.counter.to_string());
        self.write_line(&format!("B\t{}\t{}", path.display(), backup.display()))?;
        std::fs::rename(path, &backup).map_err(InstallError::io(path, "move aside"))
    }
}

/// Undoes journal steps, newest first. A step whose source still exists never happened.
fn rollback(journal: &str) -> Result<(), InstallError> {
    for line in journal.lines().rev() {
        let mut parts = line.split('\t');
        let (Some(kind), Some(a), Some(b)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (a, b) = (Path::new(a), Path::new(b));
        match kind {
            // Staged `a` went to `b`: put it back (it is deleted with the staging area).
            "M" if std::fs::symlink_metadata(a).is_err()
                && std::fs::symlink_metadata(b).is_ok() =>
            {
                if let Some(parent) = a.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                std::fs::rename(b, a).map_err(InstallError::io(b, "undo"))?;
            }
            // Environment path `a` was moved to backup `b`: restore it.
            "B" if std::fs::symlink_metadata(b).is_ok() => {
                if let Some(parent) = a.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                std::fs::rename(b, a).map_err(InstallError::io(a, "restore"))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The files a distribution owns, from its RECORD, with the byte code of its modules.
pub fn files_of(dist: &InstalledDist) -> Vec<PathBuf> {
    let Ok(record) = std::fs::read_to_string(dist.metadata_dir.join("RECORD")) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in parse_record(&record) {
        let path = normalize(&dist.site_dir.join(&entry.path));
        if path.starts_with(&dist.metadata_dir) {
            continue; // moved as one directory
        }
        if entry.path.ends_with(".py") {
            if let (Some(dir), Some(stem)) = (path.parent(), path.file_stem()) {
                let cache = dir.join("__pycache__");
                if let Ok(entries) = std::fs::read_dir(&cache) {
                    let prefix = format!("{}.", stem.to_string_lossy());
                    for e in entries.flatten() {
                        let n = e.file_name();
                        let n = n.to_string_lossy();
                        if n.starts_with(&prefix) && n.ends_with(".pyc") {
                            files.push(e.path());
                        }
                    }
                }
            }
        }
        files.push(path);
    }
    files.sort();
    files.dedup();
    files
}

/// Resolves `..` without touching the file system (RECORD paths of scripts climb out of
/// site-packages).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn remove_empty_dirs(dir: &Path, stop: &Path) {
    let mut current = Some(dir);
    while let Some(d) = current {
        if d == stop || !d.starts_with(stop) {
            break;
        }
        let pycache = d.join("__pycache__");
        if pycache.is_dir() {
            let _ = std::fs::remove_dir(&pycache);
        }
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        current = d.parent();
    }
}

fn remove_tree(path: &Path) {
    let _ = std::fs::remove_dir_all(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal_in(stage: &Path) -> Journal {
        std::fs::create_dir_all(stage.join("backup")).unwrap();
        Journal {
            file: File::create(stage.join("journal")).unwrap(),
            path: stage.join("journal"),
            backups: stage.join("backup"),
            counter: 0,
        }
    }

    /// A process killed in the middle of a commit: the next lock holder undoes its steps.
    #[test]
    fn a_commit_cut_short_is_undone_by_the_next_lock_holder() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("lib/pkg")).unwrap();
        std::fs::write(root.join("lib/pkg/old.py"), "old").unwrap();
        std::fs::write(root.join("lib/shared.txt"), "before").unwrap();
        let stage = root.join(format!("{STAGING_PREFIX}999999"));
        std::fs::create_dir_all(stage.join("w0/lib/newpkg")).unwrap();
        std::fs::write(stage.join("w0/lib/newpkg/new.py"), "new").unwrap();
        std::fs::write(stage.join("w0/lib/shared.txt"), "after").unwrap();
        let mut journal = journal_in(&stage);
        journal.move_aside(&root.join("lib/pkg/old.py")).unwrap();
        journal
            .rename(&stage.join("w0/lib/newpkg"), &root.join("lib/newpkg"))
            .unwrap();
        journal.move_aside(&root.join("lib/shared.txt")).unwrap();
        journal
            .rename(
                &stage.join("w0/lib/shared.txt"),
                &root.join("lib/shared.txt"),
            )
            .unwrap();
        // A step journaled but never taken: its source is still in the staging area.
        std::fs::write(stage.join("w0/lib/never.py"), "x").unwrap();
        journal
            .write_line(&format!(
                "M\t{}\t{}",
                stage.join("w0/lib/never.py").display(),
                root.join("lib/pkg/old.py").display()
            ))
            .unwrap();
        drop(journal);

        let lock = lock_environment(root, &AtomicBool::new(false), || {}).unwrap();
        assert_eq!(lock.recovered.len(), 1, "{:?}", lock.recovered);
        assert_eq!(
            std::fs::read_to_string(root.join("lib/pkg/old.py")).unwrap(),
            "old"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("lib/shared.txt")).unwrap(),
            "before"
        );
        assert!(!root.join("lib/newpkg").exists());
        assert!(!stage.exists());
    }

    #[test]
    fn a_committed_transaction_is_only_cleaned_up() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("lib")).unwrap();
        let stage = root.join(format!("{STAGING_PREFIX}999998"));
        std::fs::create_dir_all(stage.join("w0/lib")).unwrap();
        std::fs::write(stage.join("w0/lib/new.py"), "new").unwrap();
        let mut journal = journal_in(&stage);
        journal
            .rename(&stage.join("w0/lib/new.py"), &root.join("lib/new.py"))
            .unwrap();
        journal.write_line(COMMITTED).unwrap();
        drop(journal);
        let lock = lock_environment(root, &AtomicBool::new(false), || {}).unwrap();
        assert_eq!(lock.recovered.len(), 1);
        assert_eq!(
            std::fs::read_to_string(root.join("lib/new.py")).unwrap(),
            "new"
        );
        assert!(!stage.exists());
    }

    #[test]
    fn a_second_lock_holder_waits_and_can_be_cancelled() {
        let tmp = tempfile::tempdir().unwrap();
        let first = lock_environment(tmp.path(), &AtomicBool::new(false), || {}).unwrap();
        let cancel = AtomicBool::new(true);
        let mut waited = false;
        let second = lock_environment(tmp.path(), &cancel, || waited = true);
        assert!(matches!(second, Err(InstallError::Interrupted)));
        assert!(waited);
        drop(first);
        assert!(lock_environment(tmp.path(), &AtomicBool::new(false), || {}).is_ok());
    }
}
