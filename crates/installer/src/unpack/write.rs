//! Step 3 of unpacking: decompress, verify and write the members into the staging tree.
//!
//! # Performance
//! Members are decompressed and written on the I/O pool ([`super::io`]: more threads than
//! cores, so that file creation on a network file system overlaps; each worker holds a cheap
//! clone of the parsed archive over the same memory mapping). Each file costs an exclusive create with its final
//! mode, one write and one close; a `chmod` only where the umask took execute bits away.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use sha2::Digest;
use wheel_metadata::{hash_bytes, RecordEntry};

use super::archive::Archive;
use super::members::Member;
use crate::error::InstallError;
use crate::paths::Modes;
use crate::scripts::rewrite_shebang;

/// A cache entry being filled while the members are written: `slots[i]` is the entry's
/// file number for member `i` (`None` for scripts, whose content depends on the
/// environment). A failed write to the cache only spoils the entry, not the install.
pub(super) struct CacheFill<'a> {
    pub writer: &'a wheel_cache::EntryWriter,
    pub slots: &'a [Option<usize>],
    pub failed: AtomicBool,
    /// Hard-link the staged file into the entry instead of writing it again (the cache is
    /// on the environment's file system and hard links are allowed: link mode auto or
    /// hardlink); falls back to writing once a link fails.
    pub link: AtomicBool,
    /// A source written to the entry separately gets the entry file's modification time, so
    /// that byte code compiled in this environment is valid for the entry (the install is
    /// byte-compiled and the byte code kept).
    pub keep_time: bool,
    /// Sources are compiled while the entry is filled (see `super::fill_pyc`).
    pub compile: Option<super::fill_pyc::FillCompile<'a>>,
}

impl CacheFill<'_> {
    fn add(&self, i: usize, member: &Member, staged: &Path, content: &[u8], hash: &str, mode: u32) {
        let Some(Some(n)) = self.slots.get(i) else {
            return;
        };
        let source = member.name.ends_with(".py") && !member.script;
        let mut mtime = None;
        if self.link.load(Ordering::Relaxed) {
            match self.writer.link(*n, &member.name, staged, hash) {
                Ok(time) => mtime = Some(time),
                Err(_) => self.link.store(false, Ordering::Relaxed),
            }
        }
        if mtime.is_none() {
            match self.writer.add(*n, &member.name, content, hash, mode) {
                Ok(time) if self.keep_time && source => {
                    let set = std::fs::File::options()
                        .write(true)
                        .open(staged)
                        .and_then(|f| f.set_modified(wheel_cache::system_time(time)));
                    match set {
                        Ok(()) => mtime = Some(time),
                        Err(_) => self.failed.store(true, Ordering::Relaxed),
                    }
                }
                Ok(_) => {}
                Err(_) => self.failed.store(true, Ordering::Relaxed),
            }
        }
        // The time is final: the entry's file and the staged copy share it.
        if let (Some(compile), Some((secs, _)), true) = (&self.compile, mtime, source) {
            if !self.failed.load(Ordering::Relaxed) {
                compile.submit(i, *n, member, content, mode, secs);
            }
        }
    }
}

/// Writes every member under `stage`, returning RECORD rows (paths relative to the
/// environment root; the caller makes them relative to site-packages).
#[allow(clippy::too_many_arguments)]
pub(super) fn write_members(
    wheel: &Path,
    archive: &Archive<'_>,
    members: &[Member],
    stage: &Path,
    python: &Path,
    modes: Modes,
    cancel: &AtomicBool,
    entry: Option<&CacheFill<'_>>,
) -> Result<Vec<(PathBuf, String, u64)>, InstallError> {
    let rows: Mutex<Vec<(PathBuf, String, u64)>> = Mutex::new(Vec::with_capacity(members.len()));
    super::io::run(stage, || {
        by_directory(members)
            .par_iter()
            .try_for_each(|group| -> Result<(), InstallError> {
                let mut archive = archive.clone();
                let mut buffer = Vec::new();
                let mut local = Vec::with_capacity(group.len());
                for &i in group {
                    let member = &members[i];
                    if cancel.load(Ordering::Relaxed) {
                        return Err(InstallError::Interrupted);
                    }
                    read_member(wheel, &mut archive, member, &mut buffer)?;
                    // One SHA-256 pass serves both the check (RECORD's usual algorithm) and the
                    // installed RECORD's row.
                    let sha256 = sha2::Sha256::digest(&buffer);
                    if let Some(expected) = &member.expected {
                        let ok = if expected.algorithm == "sha256" {
                            expected.digest == sha256.as_slice()
                        } else {
                            expected.matches(&buffer)
                        };
                        if !ok {
                            return Err(InstallError::HashMismatch {
                                wheel: wheel.to_path_buf(),
                                member: member.name.clone(),
                                expected: expected.to_string(),
                                actual: expected.of_same_kind(&buffer).unwrap_or_default(),
                            });
                        }
                    }
                    let rewritten = if member.script {
                        rewrite_shebang(&buffer, python)
                    } else {
                        None
                    };
                    let content: &[u8] = rewritten.as_deref().unwrap_or(&buffer);
                    let row_hash = if rewritten.is_some() {
                        hash_bytes(content)
                    } else {
                        use base64::Engine;
                        format!(
                            "sha256={}",
                            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256)
                        )
                    };
                    let mode = if member.executable {
                        modes.executable
                    } else {
                        modes.file
                    };
                    let staged = stage.join(&member.staged);
                    write_new(&staged, content, mode)?;
                    if let Some(fill) = entry {
                        fill.add(i, member, &staged, content, &row_hash, mode);
                    }
                    local.push((member.target.clone(), row_hash, content.len() as u64));
                }
                rows.lock().expect("no panics while held").extend(local);
                Ok(())
            })
    })?;
    Ok(rows.into_inner().expect("no panics while held"))
}

/// The members' indices grouped by the directory they go to, largest group first: one task
/// per directory. The kernel takes a directory's lock for each create or link in it, so
/// files of one directory are created one after another whatever the threads; tasks in
/// different directories overlap their round trips on a network file system.
pub(super) fn by_directory(members: &[Member]) -> Vec<Vec<usize>> {
    let mut groups: std::collections::HashMap<&Path, Vec<usize>> = Default::default();
    for (i, m) in members.iter().enumerate() {
        groups
            .entry(m.target.parent().unwrap_or(Path::new("")))
            .or_default()
            .push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    groups
}

/// Reads one member whole, never more than the size the archive declares (a central
/// directory that lies about sizes must not make us allocate or write more).
fn read_member(
    wheel: &Path,
    archive: &mut Archive<'_>,
    member: &Member,
    buffer: &mut Vec<u8>,
) -> Result<(), InstallError> {
    let bad = |message: String| InstallError::BadWheel {
        wheel: wheel.to_path_buf(),
        message,
    };
    let entry = archive
        .by_index(member.index)
        .map_err(|e| bad(format!("`{}` cannot be read ({e})", member.name)))?;
    buffer.clear();
    buffer.reserve(member.size as usize);
    entry
        .take(member.size + 1)
        .read_to_end(buffer)
        .map_err(|e| bad(format!("`{}` cannot be decompressed ({e})", member.name)))?;
    if buffer.len() as u64 != member.size {
        return Err(bad(format!(
            "`{}` holds {} bytes where its central directory entry says {}",
            member.name,
            buffer.len(),
            member.size
        )));
    }
    Ok(())
}

/// Creates `path` with `content` as a hard link to a file of that name in `stage`, written by
/// the first wheel that needs it: `INSTALLER` and `REQUESTED` are the same in every wheel of
/// an install, and a link is one call where writing a file is three. Where linking is not to
/// be had, the file is written.
pub(crate) fn link_shared(
    stage: &Path,
    name: &str,
    content: &[u8],
    path: &Path,
    mode: u32,
) -> Result<(), InstallError> {
    let shared = stage.join(name);
    for _ in 0..2 {
        match std::fs::hard_link(&shared, path) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Written whole under a name of its own, then renamed: a wheel never links a
                // file still being written (two wheels doing this at once leave one).
                static NEXT: std::sync::atomic::AtomicUsize =
                    std::sync::atomic::AtomicUsize::new(0);
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let tmp = stage.join(format!("{name}.{n}"));
                if write_new(&tmp, content, mode).is_err()
                    || std::fs::rename(&tmp, &shared).is_err()
                {
                    let _ = std::fs::remove_file(&tmp);
                    break;
                }
            }
            Err(_) => break,
        }
    }
    write_new(path, content, mode)
}

/// Creates a new file with `mode` (as pip: the umask applies, then execute bits are added
/// back where pip adds them).
pub(crate) fn write_new(path: &Path, content: &[u8], mode: u32) -> Result<(), InstallError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(InstallError::io(path, "create"))?;
    file.write_all(content)
        .map_err(InstallError::io(path, "write"))?;
    let umask = crate::paths::umask_cached();
    if mode & umask != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(InstallError::io(path, "set the mode of"))?;
    }
    Ok(())
}

pub(super) fn record_rows(rows: Vec<(PathBuf, String, u64)>) -> Vec<(PathBuf, RecordEntry)> {
    rows.into_iter()
        .map(|(target, hash, size)| {
            (
                target,
                RecordEntry {
                    path: String::new(),
                    hash,
                    size: size.to_string(),
                },
            )
        })
        .collect()
}
