//! The commit journal: every rename of a commit, written and made durable before the first
//! one is taken, so an interrupted commit can always be undone.
//!
//! Format (one record a line; paths percent-encoded byte for byte, so names that are not
//! UTF-8 survive):
//!
//! ```text
//! wheelhouse-journal 1
//! B <environment path> <backup path>     an existing path moved aside
//! M <staged path> <environment path>     a staged path moved into place
//! END                                    the step list is complete (then fsync)
//! COMMITTED                              every step was taken (then fsync)
//! ```
//!
//! A journal without `END` was cut short while being written: no step had been taken (steps
//! start only after `END` is durable), which is a proof, not a guess. Anything else that does
//! not parse is an error, never an empty journal.
//!
//! # Durability: the sync protocol
//!
//! A kill only loses what the process had not done yet; a power loss also loses what the
//! kernel had not written yet, in any order. The commit is therefore cut into steps, each
//! made durable before the next one starts (the order is checked on a real install under
//! `strace` by `crates/wheelhouse/tests/it/env_durability.rs`):
//!
//! 1. **Staged tree.** Every staged file and directory (decompressed, or cloned, linked or
//!    copied from the cache) and the staging directory's own entry in the environment are
//!    made durable: one `syncfs` of the environment's file system ([`sync_tree`]), or, where
//!    the kernel refuses it, an `fsync` of every file and directory of the staging tree.
//!    Without this a rename could reach the disk before the data it names: after a power
//!    loss the environment would hold empty or short files under their final names.
//! 2. **Journal.** The step list ending in `END` is written, the journal `fsync`ed, then its
//!    directory (the staging directory) `fsync`ed ([`write`]). No rename is taken before.
//! 3. **Renames.** The steps are taken in order.
//! 4. **Renames durable.** The environment's file system is synced again
//!    ([`sync_renames`]: `syncfs`, or an `fsync` of every directory a step changed), so
//!    every rename is on disk before the journal says the steps were taken.
//! 5. **`COMMITTED`** is appended and the journal `fsync`ed ([`mark_committed`]).
//! 6. **Clean-up.** Only then is the staging directory renamed to a trash name and deleted.
//!
//! After a power loss at any point, recovery reads the journal: no `END` (before step 2 was
//! durable) means no rename was taken; `END` without `COMMITTED` means the steps are undone
//! (each is tested for having happened, so a rename lost with the power is simply not undone);
//! `COMMITTED` means every rename is durable. An undo (after an error, or by recovery) is
//! synced the same way (step 4) before the staging directory that holds the journal is
//! discarded, so a discarded journal never outlives renames that were not yet durable.
//!
//! Cost: on a local disk, two `syncfs` calls write back what the install wrote anyway (the
//! data reaches the disk either way within seconds); measured in `bench/README.md`. On tmpfs
//! they cost nothing; on NFS, files are already on the server when closed.

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::error::InstallError;

const HEADER: &str = "wheelhouse-journal 1";
const END: &str = "END";
const COMMITTED: &str = "COMMITTED";

/// One rename of a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An environment path moved into the backup area.
    Backup { path: PathBuf, backup: PathBuf },
    /// A staged path moved into the environment.
    Move { staged: PathBuf, path: PathBuf },
}

/// What a journal on disk says.
#[derive(Debug, PartialEq, Eq)]
pub enum State {
    /// No step list was completed, so no step was taken.
    Incomplete,
    /// The step list; some prefix of it may have been taken.
    Steps(Vec<Step>),
    /// Every step was taken.
    Committed(Vec<Step>),
}

/// Writes the step list and makes it durable (the file, then its directory).
pub fn write(path: &Path, steps: &[Step]) -> Result<File, InstallError> {
    let mut text = Vec::with_capacity(64 + steps.len() * 160);
    text.extend_from_slice(HEADER.as_bytes());
    text.push(b'\n');
    for step in steps {
        let (kind, a, b) = match step {
            Step::Backup { path, backup } => ("B", path, backup),
            Step::Move { staged, path } => ("M", staged, path),
        };
        text.extend_from_slice(kind.as_bytes());
        text.push(b'\t');
        encode(a, &mut text);
        text.push(b'\t');
        encode(b, &mut text);
        text.push(b'\n');
    }
    text.extend_from_slice(END.as_bytes());
    text.push(b'\n');
    let mut file = File::create(path).map_err(InstallError::io(path, "create"))?;
    file.write_all(&text)
        .map_err(InstallError::io(path, "write"))?;
    file.sync_all().map_err(InstallError::io(path, "sync"))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(file)
}

/// Records that every step was taken, durably.
pub fn mark_committed(file: &mut File, path: &Path) -> Result<(), InstallError> {
    file.write_all(format!("{COMMITTED}\n").as_bytes())
        .map_err(InstallError::io(path, "write"))?;
    file.sync_all().map_err(InstallError::io(path, "sync"))
}

/// Reads a journal strictly. A missing file is [`State::Incomplete`] (the journal is created
/// before the first step); an unreadable or malformed one is an error.
pub fn read(path: &Path) -> Result<State, InstallError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::Incomplete),
        Err(e) => {
            return Err(InstallError::BadJournal {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
        }
    };
    parse(&bytes).map_err(|message| InstallError::BadJournal {
        path: path.to_path_buf(),
        message,
    })
}

pub fn parse(bytes: &[u8]) -> Result<State, String> {
    let mut lines = bytes.split(|&b| b == b'\n');
    match lines.next() {
        Some(h) if h == HEADER.as_bytes() => {}
        // Created but cut short before its first line was complete.
        Some(h) if HEADER.as_bytes().starts_with(h) && bytes.len() <= HEADER.len() => {
            return Ok(State::Incomplete)
        }
        _ => return Err("it does not start with the journal header".into()),
    }
    let mut steps = Vec::new();
    let mut ended = false;
    let mut committed = false;
    let rest: Vec<&[u8]> = lines.collect();
    for (i, line) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        if line.is_empty() && last {
            break; // the newline that ends the file
        }
        if committed {
            return Err("it has lines after COMMITTED".into());
        }
        if ended {
            if *line == COMMITTED.as_bytes() {
                committed = true;
                continue;
            }
            // COMMITTED cut short by a kill: the steps were all taken but that is unproven.
            if last && COMMITTED.as_bytes().starts_with(line) {
                break;
            }
            return Err(format!("line {} follows END but is not COMMITTED", i + 2));
        }
        if *line == END.as_bytes() {
            ended = true;
            continue;
        }
        match parse_step(line) {
            Some(step) => steps.push(step),
            // The last line of a list still being written: no step was taken yet.
            None if last => return Ok(State::Incomplete),
            None => return Err(format!("line {} is not a journal step", i + 2)),
        }
    }
    if !ended {
        return Ok(State::Incomplete);
    }
    Ok(if committed {
        State::Committed(steps)
    } else {
        State::Steps(steps)
    })
}

fn parse_step(line: &[u8]) -> Option<Step> {
    let mut fields = line.split(|&b| b == b'\t');
    let kind = fields.next()?;
    let a = decode(fields.next()?)?;
    let b = decode(fields.next()?)?;
    if fields.next().is_some() || a.as_os_str().is_empty() || b.as_os_str().is_empty() {
        return None;
    }
    match kind {
        b"B" => Some(Step::Backup { path: a, backup: b }),
        b"M" => Some(Step::Move { staged: a, path: b }),
        _ => None,
    }
}

fn encode(path: &Path, out: &mut Vec<u8>) {
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_graphic() && b != b'%' {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
}

fn decode(text: &[u8]) -> Option<PathBuf> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'%' => {
                let hex = std::str::from_utf8(text.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b if b.is_ascii_graphic() => {
                out.push(b);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(PathBuf::from(OsString::from_vec(out)))
}

/// Makes a directory's entries (a new file, a rename) durable; best effort, as some file
/// systems refuse to sync directories.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Makes everything written under `root` durable, with the entries naming it: one `syncfs`
/// of the file system holding `root` (the kernel writes back every dirty file and commits
/// the metadata in one go, far cheaper than one `fsync` per file), or, where `syncfs` fails,
/// an `fsync` of every file and directory under `root` (links are not followed), then of
/// `root`'s parent. Errors of the fallback are ignored as in [`sync_dir`]: a file system
/// that cannot sync cannot be made durable by refusing to install.
pub fn sync_tree(root: &Path) {
    use std::os::fd::AsRawFd;
    if let Ok(dir) = File::open(root) {
        // SAFETY: syncfs takes a valid open descriptor and touches no memory of ours.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
            return;
        }
    }
    fn walk(dir: &Path) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                match entry.file_type() {
                    Ok(t) if t.is_dir() => walk(&entry.path()),
                    Ok(t) if t.is_file() => {
                        if let Ok(f) = File::open(entry.path()) {
                            let _ = f.sync_all();
                        }
                    }
                    _ => {}
                }
            }
        }
        sync_dir(dir);
    }
    walk(root);
    if let Some(parent) = root.parent() {
        sync_dir(parent);
    }
}

/// Makes the renames of `steps` durable (taken or undone): one `syncfs` of the file system
/// holding `root`, or, where it fails, an `fsync` of both directories of every step.
pub fn sync_renames(root: &Path, steps: &[Step]) {
    use std::os::fd::AsRawFd;
    if let Ok(dir) = File::open(root) {
        // SAFETY: as in `sync_tree`.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
            return;
        }
    }
    let mut dirs: Vec<&Path> = steps
        .iter()
        .flat_map(|step| match step {
            Step::Backup { path, backup } => [path, backup],
            Step::Move { staged, path } => [staged, path],
        })
        .filter_map(|p| p.parent())
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        sync_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A journal cut short or overwritten with anything is an error or a state, never a
        /// panic (recovery reads it before anything else).
        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn journal_like_text_never_panics(text in "(wheelhouse-journal 1\\n)?([BM]\\t[^\\t\\n]{0,20}(%[0-9a-fA-Fz]{0,3})?\\t[^\\n]{0,20}\\n|[a-z ]{0,10}\\n){0,8}(END\\n)?") {
            let _ = parse(text.as_bytes());
        }
    }

    fn steps() -> Vec<Step> {
        vec![
            Step::Backup {
                path: PathBuf::from("/env/lib/a b.py"),
                backup: PathBuf::from("/env/.stage/backup/1"),
            },
            Step::Move {
                staged: PathBuf::from(OsString::from_vec(b"/env/.stage/w0/caf\xe9%\t".to_vec())),
                path: PathBuf::from(OsString::from_vec(b"/env/caf\xe9%\t".to_vec())),
            },
        ]
    }

    #[test]
    fn round_trips_every_byte() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("journal");
        let mut file = write(&path, &steps()).unwrap();
        assert_eq!(read(&path).unwrap(), State::Steps(steps()));
        mark_committed(&mut file, &path).unwrap();
        assert_eq!(read(&path).unwrap(), State::Committed(steps()));
    }

    #[test]
    fn truncation_is_told_apart_from_garbage() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("journal");
        write(&path, &steps()).unwrap();
        let full = std::fs::read(&path).unwrap();
        // Every prefix that cuts the step list short proves nothing was taken.
        let end = full.len() - "END\n".len();
        for cut in 0..end {
            assert_eq!(parse(&full[..cut]), Ok(State::Incomplete), "cut at {cut}");
        }
        assert!(matches!(parse(&full), Ok(State::Steps(_))));
        let mut committed_cut = full.clone();
        committed_cut.extend_from_slice(b"COMM");
        assert!(matches!(parse(&committed_cut), Ok(State::Steps(_))));
        assert!(parse(b"garbage\nB\tx\ty\nEND\n").is_err());
        let mut bad = full.clone();
        bad.splice(HEADER.len() + 1..HEADER.len() + 2, b"Q".iter().copied());
        assert!(parse(&bad).is_err());
        let mut after = full;
        after.extend_from_slice(b"COMMITTED\nmore\n");
        assert!(parse(&after).is_err());
    }

    #[test]
    fn an_unreadable_journal_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("journal");
        std::fs::create_dir(&path).unwrap(); // reading a directory fails
        assert!(matches!(read(&path), Err(InstallError::BadJournal { .. })));
        assert_eq!(read(&tmp.path().join("none")).unwrap(), State::Incomplete);
    }
}
