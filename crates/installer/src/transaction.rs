//! All-or-nothing changes to an environment.
//!
//! Wheels are first unpacked into a staging directory inside the environment (same file
//! system, so moving into place is a rename). Only then, in a short commit phase, are old
//! files moved aside and staged ones renamed into place. Every rename of the commit is worked
//! out first and written to a [`journal`](crate::journal), made durable, before the first one
//! is taken; `COMMITTED` is written durably after the last. A failure or interruption before
//! the commit leaves the environment untouched; one during the commit is undone from the
//! journal, by this process or, after a `kill -9`, by the next command that takes the
//! environment's lock. The staging directory (with the backups of replaced files) is deleted
//! only when the journal proves the commit finished or was undone.
//!
//! Each step can be tested for having happened (a rename moves its source away), so undoing
//! is safe even when the process died in the middle of the list.
//!
//! Power loss is survived too: the staged tree, the journal, the renames and `COMMITTED` are
//! each made durable before the next begins. The protocol, step by step, is written down in
//! the [`journal`](crate::journal) module.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use wheel_metadata::parse_record;

use crate::error::InstallError;
use crate::journal::{self, State, Step};
use crate::paths::{normalize, Confinement};
use crate::site::InstalledDist;
use crate::unpack::{unpack_wheel, StagedEntry, StagedWheel, UnpackOptions};
use crate::Layout;

const STAGING_PREFIX: &str = ".wheelhouse-staging-";
const TRASH_PREFIX: &str = ".wheelhouse-trash-";
const LOCK_FILE: &str = crate::paths::INSTALLER_LOCK;
/// From how many wheels an install reads its locations whole (two `stat`s saved per wheel,
/// one directory read spent per location).
const LIST_LOCATIONS_FROM: usize = 8;

/// An exclusive hold on an environment: two installs into one environment never interleave.
pub struct EnvLock {
    _file: File,
    /// The environment this lock holds.
    root: PathBuf,
    /// Messages about interrupted installs found and undone when the lock was taken.
    pub recovered: Vec<String>,
    /// The lock file goes when the lock is released: the root is the user's own directory
    /// (pip's `--target`/`--prefix`), not an environment, and keeps no installer files.
    remove_file: bool,
}

impl Drop for EnvLock {
    fn drop(&mut self) {
        // Removed while still held; a waiter that then gets the old file sees it is no
        // longer the one at the path and takes the lock again (`lock_environment`).
        if self.remove_file {
            let _ = std::fs::remove_file(self.root.join(LOCK_FILE));
        }
    }
}

/// Takes the environment's lock, waiting for another holder (`on_wait` is told once), then
/// undoes what an earlier, killed command left half done. Waiting stops with
/// [`InstallError::Interrupted`] when `cancel` is set (Ctrl-C while waiting). In a
/// directory that is not a virtual environment (no `pyvenv.cfg`: `--target`, `--prefix`),
/// the lock file is removed when the lock is released.
pub fn lock_environment(
    root: &Path,
    cancel: &AtomicBool,
    on_wait: impl FnOnce(),
) -> Result<EnvLock, InstallError> {
    let path = root.join(LOCK_FILE);
    let mut on_wait = Some(on_wait);
    let file = loop {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(InstallError::io(&path, "open the lock file"))?;
        match file.try_lock() {
            // Held, and still the file at the path (a holder that removes it on release
            // may have done so since it was opened).
            Ok(()) if is_at(&file, &path) => break file,
            Ok(()) => continue,
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
    };
    let recovered = recover(root)?;
    Ok(EnvLock {
        _file: file,
        root: root.to_path_buf(),
        recovered,
        remove_file: !root.join("pyvenv.cfg").exists(),
    })
}

/// Whether `file` is the file at `path` now.
fn is_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Undoes or finishes every staging directory left behind; call only with the lock held.
fn recover(root: &Path) -> Result<Vec<String>, InstallError> {
    let mut messages = Vec::new();
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(messages),
        Err(e) => return Err(InstallError::io(root, "read")(e)),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stage = entry.path();
        if name.starts_with(TRASH_PREFIX) {
            remove_tree(&stage);
            continue;
        }
        if !name.starts_with(STAGING_PREFIX) {
            continue;
        }
        match journal::read(&stage.join("journal"))? {
            State::Committed(_) => messages.push(format!(
                "finished cleaning up after an install that completed ({name})"
            )),
            State::Incomplete => messages.push(format!(
                "an earlier install into this environment was interrupted before it changed \
                 anything ({name}); its staging area was removed"
            )),
            State::Steps(steps) => {
                prove_steps(&steps, root, &stage)?;
                rollback(&steps)?;
                // The undo is durable before the journal that describes it is discarded.
                journal::sync_renames(root, &steps);
                messages.push(format!(
                    "an earlier install into this environment was interrupted ({name}); its \
                     changes were undone"
                ));
            }
        }
        discard(&stage, root);
    }
    Ok(messages)
}

/// One wheel of a plan.
#[derive(Clone, Debug)]
pub struct WheelToInstall {
    pub path: PathBuf,
    /// Asked for by name (a `REQUESTED` file).
    pub requested: bool,
    /// Named directly as a file (a `direct_url.json`).
    pub direct: bool,
    /// The `direct_url.json` to write instead of the one for the wheel file itself: a wheel
    /// built from a project directory, an sdist or a VCS checkout records where that came
    /// from (PEP 610), as pip does.
    pub direct_url: Option<String>,
    /// What the caller read of the wheel file already (to check it against a lock's hash).
    pub bytes: Option<ReadWheel>,
}

/// What a caller read of a wheel file, with the file's identity taken before the read (so
/// that what is read of it may be remembered by the cache, as when the installer reads the
/// file itself).
#[derive(Clone, Debug)]
pub struct ReadWheel {
    /// The whole content, when the caller kept it (a small wheel): unpacked from these bytes,
    /// which are then exactly the ones checked, instead of reading the file again.
    pub bytes: Option<std::sync::Arc<[u8]>>,
    pub identity: wheel_cache::FileIdentity,
    /// The file's SHA-256 (lowercase hex) while it had `identity`, when the caller hashed
    /// it: remembered by the cache with what is read of the file, so that the next check of
    /// the unchanged file needs not read it. A file the installer finds with another identity
    /// than this one changed since it was checked, and is not installed.
    pub sha256: Option<String>,
}

/// What to do to an environment in one transaction.
#[derive(Debug, Default)]
pub struct Transaction {
    pub install: Vec<WheelToInstall>,
    /// Installed distributions (in this environment) to remove first.
    pub remove: Vec<InstalledDist>,
    /// Install members a wheel's RECORD does not vouch for, with a warning.
    pub allow_incomplete_record: bool,
    /// The unpacked-wheel cache, when used.
    pub cache: Option<std::sync::Arc<crate::CacheUse>>,
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
    /// Members installed unverified (only with `allow_incomplete_record`).
    pub warnings: Vec<String>,
    /// The Python sources installed (relative to the environment root, with sizes) that
    /// have no byte code from the cache: what a byte-compiling install compiles.
    pub modules: Vec<(PathBuf, u64)>,
}

/// Carries out a plan atomically, under the environment's lock (which proves that no other
/// install interleaves, and that interrupted ones were recovered first).
pub fn commit(
    lock: &EnvLock,
    plan: &Transaction,
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
        Ok((_, emptied)) => discard_emptied(&stage, &layout.root, emptied),
        Err(_) => {
            match journal::read(&stage.join("journal")) {
                Ok(State::Steps(steps)) => {
                    prove_steps(&steps, &layout.root, &stage)?;
                    rollback(&steps)?;
                    journal::sync_renames(&layout.root, &steps);
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
            discard(&stage, &layout.root);
        }
    }
    result.map(|(outcome, _)| outcome)
}

/// Carries out the plan; returns what was done and the staged directories the commit emptied
/// (see [`StepPlanner::emptied`]).
fn prepare_and_commit(
    plan: &Transaction,
    layout: &Layout,
    stage: &Path,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<(Outcome, Vec<PathBuf>), InstallError> {
    // One proof of containment for the whole install: its verdicts on the environment's
    // directories (a `readlink` or `stat` each) hold until the commit, which is the first
    // change to the environment, so every wheel reuses them.
    let confinement = std::sync::Arc::new(Confinement::new(&layout.root));
    // Every path a removal touches is proven inside the environment before anything moves.
    let mut removed_files = Vec::new();
    for dist in &plan.remove {
        removed_files.push(files_of(dist, &confinement)?);
    }
    // Each wheel's entries of site-packages, `bin` and `include` are staged at the top of the
    // stage under names that say where they go (`w3-0.numpy`), what goes elsewhere likewise
    // against the root (`w3-r.share`).
    let locations = std::sync::Arc::new(crate::unpack::stageable_locations(layout));
    // Many wheels: the install locations are read once, and each wheel's top-level entries
    // are looked up in what was read instead of each `stat`ed (see `Confinement::list`).
    if plan.install.len() >= LIST_LOCATIONS_FROM {
        for location in locations.iter() {
            confinement.list(&layout.root.join(location));
        }
    }
    // On the I/O pool: wheels are staged side by side, each a run of round trips on a network
    // file system (opening the cache entry, creating directories, the `.dist-info` files).
    let staged: Vec<StagedWheel> = crate::unpack::io::run(stage, || {
        plan.install
            .par_iter()
            .enumerate()
            .map(|(i, wheel)| {
                let options = UnpackOptions {
                    requested: wheel.requested,
                    direct: wheel.direct,
                    direct_url: wheel.direct_url.clone(),
                    bytes: wheel.bytes.clone(),
                    allow_incomplete_record: plan.allow_incomplete_record,
                    cache: plan.cache.clone(),
                    confinement: Some(confinement.clone()),
                    locations: Some(locations.clone()),
                    stage_name: format!("w{i}-"),
                };
                let staged = unpack_wheel(&wheel.path, layout, stage, &options, cancel)?;
                progress(Progress::Unpacked(&staged.name));
                Ok(staged)
            })
            .collect::<Result<_, InstallError>>()
    })?;
    if cancel.load(Ordering::SeqCst) {
        return Err(InstallError::Interrupted);
    }

    // Commit: work out every step, make the list durable, then take the steps. From here on
    // the signal flag is not looked at, so the list runs to its end or is undone as a whole.
    progress(Progress::Committing);
    let mut planner = StepPlanner::new(stage.join("backup"), &confinement);
    let mut emptied: Vec<PathBuf> = Vec::new();
    for (dist, files) in plan.remove.iter().zip(&removed_files) {
        for path in files {
            if let Some(parent) = path.parent() {
                emptied.push(parent.to_path_buf());
            }
            if planner.exists(path) {
                planner.move_aside(path);
            }
        }
        if planner.exists(&dist.metadata_dir) {
            planner.move_aside(&dist.metadata_dir);
        }
    }
    let mut outcome = Outcome::default();
    for wheel in &staged {
        for part in &wheel.parts {
            // A location staged apart must still be a directory at this point of the plan
            // (a hostile RECORD of a removed distribution may name one).
            if part.target != layout.root
                && !planner.metadata(&part.target).is_some_and(|m| m.is_dir())
            {
                return Err(InstallError::BadPlan(format!(
                    "{} is no longer a directory once the removals are done",
                    part.target.display()
                )));
            }
            planner.merge_part(&part.target, &part.entries)?;
        }
        outcome
            .installed
            .push((wheel.name.clone(), wheel.version.clone()));
        outcome.files += wheel.files;
        outcome.warnings.extend(wheel.warnings.iter().cloned());
        outcome.modules.extend(wheel.modules.iter().cloned());
    }
    std::fs::create_dir(&planner.backups)
        .map_err(InstallError::io(&planner.backups, "create directory"))?;
    // The sync protocol of the `journal` module: staged tree, journal, renames, COMMITTED,
    // each durable before the next.
    journal::sync_tree(stage);
    let journal_path = stage.join("journal");
    let mut file = journal::write(&journal_path, &planner.steps)?;
    for step in &planner.steps {
        take(step)?;
    }
    journal::sync_renames(&layout.root, &planner.steps);
    journal::mark_committed(&mut file, &journal_path)?;
    emptied.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    emptied.dedup();
    // The install locations themselves stay, empty or not (site-packages after the last
    // package is uninstalled), and so does every directory above one.
    let keep = [
        &layout.purelib,
        &layout.platlib,
        &layout.scripts,
        &layout.include,
        &layout.data,
        &layout.root,
    ];
    for dir in emptied {
        remove_empty_dirs(&dir, &keep);
    }
    Ok((outcome, planner.emptied))
}

/// Works out the steps of a commit against the environment as it will be after the steps
/// before: a path moved aside no longer exists for the ones after, and a staged directory
/// moved into place exists (with the staged content) for the wheels after it.
struct StepPlanner<'c> {
    steps: Vec<Step>,
    /// What unpacking found absent in the environment (a `stat` each): not asked again.
    confinement: &'c Confinement,
    backups: PathBuf,
    gone: HashSet<PathBuf>,
    /// Environment path → the staged path whose content it will have.
    placed: HashMap<PathBuf, PathBuf>,
    /// Staged directories merged into existing ones (`bin`, `lib/python3.X/site-packages`
    /// and the directories above): every entry in them is moved out by a step, so once the
    /// steps are taken they are empty, and the clean-up removes them with one `rmdir` each
    /// instead of reading them again.
    emptied: Vec<PathBuf>,
    /// Attributes already asked for, by the path asked (the content's place at that point
    /// of the plan): nothing changes on disk while the steps are worked out, and each wheel
    /// of an install asks again for the same shared directories.
    known: HashMap<PathBuf, Option<std::fs::Metadata>>,
    /// The length of the shortest path in `placed` and `gone`: no shorter ancestor is
    /// looked up (each lookup hashes the whole path).
    shortest: usize,
}

impl StepPlanner<'_> {
    fn new(backups: PathBuf, confinement: &Confinement) -> StepPlanner<'_> {
        StepPlanner {
            steps: Vec::new(),
            confinement,
            backups,
            gone: HashSet::new(),
            placed: HashMap::new(),
            emptied: Vec::new(),
            known: HashMap::new(),
            shortest: usize::MAX,
        }
    }

    /// Where `path`'s content is at this point of the plan, or `None` when it will be gone.
    fn locate(&self, path: &Path) -> Option<PathBuf> {
        for ancestor in path.ancestors() {
            if ancestor.as_os_str().len() < self.shortest {
                break;
            }
            if let Some(staged) = self.placed.get(ancestor) {
                let rest = path.strip_prefix(ancestor).unwrap_or(Path::new(""));
                return Some(if rest.as_os_str().is_empty() {
                    staged.clone()
                } else {
                    staged.join(rest)
                });
            }
            if self.gone.contains(ancestor) {
                return None;
            }
        }
        Some(path.to_path_buf())
    }

    fn metadata(&mut self, path: &Path) -> Option<std::fs::Metadata> {
        let located = self.locate(path)?;
        if let Some(known) = self.known.get(&located) {
            return known.clone();
        }
        // Untouched by the steps so far, and absent when unpacking looked.
        if located == path && self.confinement.known_absent(path) {
            return None;
        }
        let meta = std::fs::symlink_metadata(&located).ok();
        self.known.insert(located, meta.clone());
        meta
    }

    fn exists(&mut self, path: &Path) -> bool {
        self.metadata(path).is_some()
    }

    fn move_aside(&mut self, path: &Path) {
        let backup = self.backups.join((self.steps.len() + 1).to_string());
        self.placed.remove(path);
        self.gone.insert(path.to_path_buf());
        self.shortest = self.shortest.min(path.as_os_str().len());
        self.steps.push(Step::Backup {
            path: path.to_path_buf(),
            backup,
        });
    }

    fn place(&mut self, staged: PathBuf, path: PathBuf) {
        self.gone.remove(&path);
        self.shortest = self.shortest.min(path.as_os_str().len());
        self.placed.insert(path.clone(), staged.clone());
        self.steps.push(Step::Move { staged, path });
    }

    /// Moves a wheel's staged entries for the directory `target` into it (see [`merge`]);
    /// they are known from unpacking ([`crate::StagedPart::entries`]), not read back.
    ///
    /// [`merge`]: StepPlanner::merge
    fn merge_part(&mut self, target: &Path, entries: &[StagedEntry]) -> Result<(), InstallError> {
        for entry in entries {
            debug_assert!(
                std::fs::symlink_metadata(&entry.staged).is_ok_and(|m| m.is_dir() == entry.is_dir),
                "{} is not staged as unpacking listed it",
                entry.staged.display()
            );
            // An entry staged below a directory of its part (a name too long for the
            // prefix) leaves that directory empty.
            if let Some(dir) = entry.staged.parent() {
                if Some(dir) != self.backups.parent() {
                    self.emptied.push(dir.to_path_buf());
                }
            }
            self.move_in(entry.staged.clone(), target.join(&entry.name), entry.is_dir)?;
        }
        Ok(())
    }

    /// Moves a staged tree into the environment: a whole directory in one rename when the
    /// target does not exist yet, entry by entry where it does (shared directories such as
    /// `bin`, or a `share` another wheel of the same install brings). Only real directories
    /// are gone into: a link in the environment is replaced, never followed.
    fn merge(&mut self, staged: &Path, target: &Path) -> Result<(), InstallError> {
        self.emptied.push(staged.to_path_buf());
        for (name, is_dir) in read_entries(staged)? {
            self.move_in(staged.join(&name), target.join(&name), is_dir)?;
        }
        Ok(())
    }

    /// Moves the staged entry `from` to `to`: placed when nothing is there, merged into a
    /// directory that is, replacing anything else.
    fn move_in(&mut self, from: PathBuf, to: PathBuf, is_dir: bool) -> Result<(), InstallError> {
        match self.metadata(&to) {
            None => self.place(from, to),
            Some(meta) if is_dir && meta.is_dir() => self.merge(&from, &to)?,
            Some(_) => {
                self.move_aside(&to);
                self.place(from, to);
            }
        }
        Ok(())
    }
}

/// The entries of a staged directory, `(name, is a directory)`, sorted by name.
fn read_entries(dir: &Path) -> Result<Vec<(std::ffi::OsString, bool)>, InstallError> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(InstallError::io(dir, "read directory"))? {
        let entry = entry.map_err(InstallError::io(dir, "read directory"))?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        entries.push((entry.file_name(), is_dir));
    }
    entries.sort();
    Ok(entries)
}

fn take(step: &Step) -> Result<(), InstallError> {
    match step {
        Step::Backup { path, backup } => {
            std::fs::rename(path, backup).map_err(InstallError::io(path, "move aside"))
        }
        Step::Move { staged, path } => {
            std::fs::rename(staged, path).map_err(InstallError::io(path, "move into place"))
        }
    }
}

/// Proves that a journal read back from disk only names what its own install could have
/// written: environment paths inside the environment (outside the installer's own files), and
/// staged and backup paths inside its own staging directory. A journal is read from the
/// environment, which others may write; one that names anything else was not written by an
/// install and is never acted on.
fn prove_steps(steps: &[Step], root: &Path, stage: &Path) -> Result<(), InstallError> {
    let confinement = Confinement::new(root);
    let stage = normalize(stage);
    let inside_stage = |p: &Path| {
        let p = normalize(p);
        p != stage && p.starts_with(&stage)
    };
    for step in steps {
        let (in_env, in_stage) = match step {
            Step::Backup { path, backup } => (path, backup),
            Step::Move { staged, path } => (path, staged),
        };
        let why = match (confinement.check(in_env), inside_stage(in_stage)) {
            (Err(why), _) => format!("{} {why}", in_env.display()),
            (Ok(_), false) => format!(
                "{} is not inside the staging directory {}",
                in_stage.display(),
                stage.display()
            ),
            (Ok(_), true) => continue,
        };
        return Err(InstallError::ForeignJournal { stage, why });
    }
    Ok(())
}

/// Undoes the steps that were taken, newest first. A step whose source still exists (and
/// whose destination does not) never happened.
fn rollback(steps: &[Step]) -> Result<(), InstallError> {
    for step in steps.iter().rev() {
        match step {
            Step::Move { staged, path }
                if std::fs::symlink_metadata(staged).is_err()
                    && std::fs::symlink_metadata(path).is_ok() =>
            {
                if let Some(parent) = staged.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                std::fs::rename(path, staged).map_err(InstallError::io(path, "undo"))?;
            }
            Step::Backup { path, backup } if std::fs::symlink_metadata(backup).is_ok() => {
                if let Some(parent) = path.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                std::fs::rename(backup, path).map_err(InstallError::io(path, "restore"))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Removes a staging directory whose journal says it is no longer needed: first renamed to a
/// trash name in one step (so a kill during the deletion never leaves a staging directory
/// without its journal), then deleted.
fn discard(stage: &Path, root: &Path) {
    let trash = trash_of(stage, root);
    if std::fs::rename(stage, &trash).is_ok() {
        remove_tree(&trash);
    } else {
        remove_tree(stage);
    }
}

/// [`discard`] after a commit that took every step: the staged directories the steps emptied
/// are removed deepest first with one `rmdir` each, so only what is left (the journal, the
/// backups, anything not empty after all) is read and deleted entry by entry.
fn discard_emptied(stage: &Path, root: &Path, emptied: &[PathBuf]) {
    let trash = trash_of(stage, root);
    if std::fs::rename(stage, &trash).is_err() {
        remove_tree(stage);
        return;
    }
    let mut dirs: Vec<&Path> = emptied
        .iter()
        .filter_map(|d| d.strip_prefix(stage).ok())
        .filter(|d| !d.as_os_str().is_empty())
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    crate::unpack::io::run(&trash, || {
        // A directory's children come before it; side by side only within one depth.
        let mut rest = dirs.as_slice();
        while let Some(first) = rest.first() {
            let depth = first.components().count();
            let n = rest
                .iter()
                .take_while(|d| d.components().count() == depth)
                .count();
            rest[..n].par_iter().for_each(|d| {
                let _ = std::fs::remove_dir(trash.join(d));
            });
            rest = &rest[n..];
        }
    });
    remove_tree(&trash);
}

fn trash_of(stage: &Path, root: &Path) -> PathBuf {
    root.join(format!(
        "{TRASH_PREFIX}{}",
        stage
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix(STAGING_PREFIX))
            .unwrap_or("x")
    ))
}

/// The files a distribution owns, from its RECORD, with the byte code of its modules. RECORD
/// is untrusted: every path is proven inside the environment, or the whole removal is refused.
pub fn files_of(
    dist: &InstalledDist,
    confinement: &Confinement,
) -> Result<Vec<PathBuf>, InstallError> {
    let record_path = dist.metadata_dir.join("RECORD");
    let record = match std::fs::read(&record_path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(InstallError::io(&record_path, "read")(e)),
    };
    let mut files = Vec::new();
    for entry in parse_record(&record) {
        let refuse = |why| InstallError::UnsafeRecord {
            dist: format!("{} {}", dist.name, dist.version),
            entry: entry.path.escape_debug().to_string(),
            why,
        };
        if Path::new(&entry.path).is_absolute() {
            return Err(refuse("is an absolute path"));
        }
        let path = confinement
            .check(&dist.site_dir.join(&entry.path))
            .map_err(refuse)?;
        if path.starts_with(normalize(&dist.metadata_dir)) {
            continue; // moved as one directory
        }
        if entry.path.ends_with(".py") {
            byte_code_of(&path, confinement, &mut files);
        }
        files.push(path);
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The byte code CPython wrote for the module `source` (`__pycache__/<stem>.*.pyc`), each file
/// proven inside the environment like a RECORD row: a `__pycache__` that is a link leading
/// out of the environment is not gone into, so nothing behind it is removed (the link stays).
fn byte_code_of(source: &Path, confinement: &Confinement, files: &mut Vec<PathBuf>) {
    let (Some(dir), Some(stem)) = (source.parent(), source.file_stem()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir.join("__pycache__")) else {
        return;
    };
    let prefix = format!("{}.", stem.to_string_lossy());
    for e in entries.flatten() {
        let n = e.file_name();
        let n = n.to_string_lossy();
        if n.starts_with(&prefix) && n.ends_with(".pyc") {
            if let Ok(path) = confinement.check(&e.path()) {
                files.push(path);
            }
        }
    }
}

/// Removes `dir` and its parents while they are empty, stopping at any directory that is, or
/// holds, one of `keep`, and never outside the last of them (the environment's root).
fn remove_empty_dirs(dir: &Path, keep: &[&PathBuf]) {
    let mut current = Some(dir);
    while let Some(d) = current {
        if !d.starts_with(keep[keep.len() - 1]) || keep.iter().any(|k| k.starts_with(d)) {
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

/// Removes a staging (or trash) directory: its top-level entries (one tree per wheel, the
/// backups, the journal) side by side on the I/O pool, each by `remove_dir_all`, which never
/// follows a link; then the directory itself.
fn remove_tree(path: &Path) {
    if let Ok(entries) = std::fs::read_dir(path) {
        let entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        crate::unpack::io::run(path, || {
            entries.par_iter().for_each(|entry| {
                if std::fs::remove_dir_all(entry).is_err() {
                    let _ = std::fs::remove_file(entry);
                }
            })
        });
    }
    let _ = std::fs::remove_dir_all(path);
}

#[cfg(test)]
mod tests {
    use super::*;

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
        std::fs::create_dir_all(stage.join("backup")).unwrap();
        std::fs::write(stage.join("w0/lib/newpkg/new.py"), "new").unwrap();
        std::fs::write(stage.join("w0/lib/shared.txt"), "after").unwrap();
        std::fs::write(stage.join("w0/lib/never.py"), "x").unwrap();
        let steps = vec![
            Step::Backup {
                path: root.join("lib/pkg/old.py"),
                backup: stage.join("backup/1"),
            },
            Step::Move {
                staged: stage.join("w0/lib/newpkg"),
                path: root.join("lib/newpkg"),
            },
            Step::Backup {
                path: root.join("lib/shared.txt"),
                backup: stage.join("backup/2"),
            },
            Step::Move {
                staged: stage.join("w0/lib/shared.txt"),
                path: root.join("lib/shared.txt"),
            },
            // Listed but never taken: its source is still in the staging area.
            Step::Move {
                staged: stage.join("w0/lib/never.py"),
                path: root.join("lib/never.py"),
            },
        ];
        journal::write(&stage.join("journal"), &steps).unwrap();
        for step in &steps[..4] {
            take(step).unwrap();
        }

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
        assert!(!root.join("lib/never.py").exists());
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
        let steps = vec![Step::Move {
            staged: stage.join("w0/lib/new.py"),
            path: root.join("lib/new.py"),
        }];
        let mut file = journal::write(&stage.join("journal"), &steps).unwrap();
        take(&steps[0]).unwrap();
        journal::mark_committed(&mut file, &stage.join("journal")).unwrap();
        let lock = lock_environment(root, &AtomicBool::new(false), || {}).unwrap();
        assert_eq!(lock.recovered.len(), 1);
        assert_eq!(
            std::fs::read_to_string(root.join("lib/new.py")).unwrap(),
            "new"
        );
        assert!(!stage.exists());
    }

    /// A journal that cannot be parsed is never taken for an empty one: recovery stops with
    /// an error and the backups stay where they are.
    #[test]
    fn a_garbled_journal_keeps_the_backups() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let stage = root.join(format!("{STAGING_PREFIX}999997"));
        std::fs::create_dir_all(stage.join("backup")).unwrap();
        std::fs::write(stage.join("backup/1"), "original").unwrap();
        std::fs::write(
            stage.join("journal"),
            "wheelhouse-journal 1\n\u{1}garbage\nEND\n",
        )
        .unwrap();
        let result = lock_environment(root, &AtomicBool::new(false), || {});
        assert!(matches!(result, Err(InstallError::BadJournal { .. })));
        assert_eq!(
            std::fs::read_to_string(stage.join("backup/1")).unwrap(),
            "original"
        );
    }

    #[test]
    fn a_record_that_climbs_out_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("env");
        let site = root.join("lib/python3.11/site-packages");
        let meta = site.join("evil-1.0.dist-info");
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("RECORD"),
            "evil.py,,\n../../../../../../../../etc/x,,\n",
        )
        .unwrap();
        let dist = InstalledDist {
            name: "evil".into(),
            key: "evil".into(),
            version: "1.0".into(),
            metadata_dir: meta,
            site_dir: site,
            requires_dist: vec![],
            requires_python: None,
            requested: false,
            direct_reference: None,
        };
        let err = files_of(&dist, &Confinement::new(&root)).unwrap_err();
        assert!(
            err.to_string().contains("../../../../../../../../etc/x"),
            "{err}"
        );
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

    /// `--target DIR` keeps no lock file once done; a waiter that opened the removed file
    /// takes the lock again on the file at the path, so two holders never overlap.
    #[test]
    fn a_directory_that_is_not_an_environment_keeps_no_lock_file() {
        let tmp = tempfile::tempdir().unwrap();
        let lock_file = tmp.path().join(LOCK_FILE);
        let first = lock_environment(tmp.path(), &AtomicBool::new(false), || {}).unwrap();
        let held = std::sync::atomic::AtomicUsize::new(1);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                let second = lock_environment(tmp.path(), &AtomicBool::new(false), || {});
                let second = second.unwrap();
                assert_eq!(
                    held.fetch_add(1, Ordering::SeqCst),
                    0,
                    "two holders at once"
                );
                assert!(is_at(&second._file, &lock_file));
                held.fetch_sub(1, Ordering::SeqCst);
            });
            std::thread::sleep(std::time::Duration::from_millis(120));
            held.fetch_sub(1, Ordering::SeqCst);
            drop(first);
            waiter.join().unwrap();
        });
        assert!(!lock_file.exists());
        // A virtual environment keeps its lock file.
        std::fs::write(tmp.path().join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        drop(lock_environment(tmp.path(), &AtomicBool::new(false), || {}).unwrap());
        assert!(lock_file.exists());
    }
}
