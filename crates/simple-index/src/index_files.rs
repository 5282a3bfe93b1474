//! How the static index's `OUT/files/` holds the wheels (links or copies), each file put in
//! place by a rename so a server never serves half a wheel, and what a rerun removes.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::error::IndexError;

/// How `OUT/files/` holds the wheels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FilesMode {
    /// Symbolic links to the wheels' absolute paths: nothing copied, but the web server must
    /// run where the wheelhouse is mounted at the same path and follow links.
    #[default]
    Symlink,
    /// Hard links: no space used and no link to follow, so `OUT` survives a copy (`rsync -a`,
    /// `cp -a`) and a server that does not follow links. A wheel on another file system than
    /// `OUT` is copied instead ([`crate::IndexStats::copied_not_linked`]).
    Hardlink,
    /// Copies: a self-contained tree, to be copied elsewhere.
    Copy,
}

pub(crate) enum Placed {
    Unchanged,
    Written,
    CopiedNotLinked,
}

/// A name next to `dest` for writing before the rename; hidden, and marked with the process
/// so two runs never share one.
pub(crate) fn temp_name(dest: &Path) -> PathBuf {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    dest.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

/// Puts the wheel `target` (opened as `wheel`, whose metadata is `stat`, by
/// [`crate::published::PublishRoot::open`]; `target` is its real path) at `dest` as `mode`
/// says, unless what is there already is that: the same link target, the same inode, or (for
/// a copy) a separate file of the same size and modification time. The new file is made
/// under a temporary name and renamed over the old one. Copies are read from the opened
/// file, and a hard link is kept only when it is that file's inode, so what lands in `OUT`
/// is the file that was proven, even if the path changed since.
pub(crate) fn place(
    wheel: &File,
    stat: &std::fs::Metadata,
    target: &Path,
    dest: &Path,
    mode: FilesMode,
) -> Result<Placed, IndexError> {
    let current = std::fs::symlink_metadata(dest).ok();
    let same_inode = |m: &std::fs::Metadata| m.dev() == stat.dev() && m.ino() == stat.ino();
    let same_copy = |m: &std::fs::Metadata| {
        m.file_type().is_file()
            && !same_inode(m)
            && m.len() == stat.len()
            && m.modified().ok() == stat.modified().ok()
    };
    let tmp = temp_name(dest);
    let _ = std::fs::remove_file(&tmp);
    let placed = match mode {
        FilesMode::Symlink => {
            if current.as_ref().is_some_and(|m| m.file_type().is_symlink())
                && std::fs::read_link(dest).ok().as_deref() == Some(target)
            {
                return Ok(Placed::Unchanged);
            }
            std::os::unix::fs::symlink(target, &tmp).map_err(|e| IndexError::io(&tmp, e))?;
            Placed::Written
        }
        FilesMode::Hardlink => {
            if current
                .as_ref()
                .is_some_and(|m| m.file_type().is_file() && same_inode(m))
            {
                return Ok(Placed::Unchanged);
            }
            match std::fs::hard_link(target, &tmp) {
                Ok(()) => {
                    // `link` does not follow a link put in the target's place meanwhile:
                    // it would link the link. Keep only the inode that was opened.
                    let linked = std::fs::symlink_metadata(&tmp).ok();
                    if !linked
                        .as_ref()
                        .is_some_and(|m| m.file_type().is_file() && same_inode(m))
                    {
                        let _ = std::fs::remove_file(&tmp);
                        return Err(IndexError::ChangedWhilePublishing {
                            target: target.to_path_buf(),
                        });
                    }
                    Placed::Written
                }
                // EXDEV: another file system; a copy is the closest thing.
                Err(e) if e.raw_os_error() == Some(18) => {
                    if current.as_ref().is_some_and(same_copy) {
                        return Ok(Placed::Unchanged);
                    }
                    copy_to(wheel, stat, target, &tmp)?;
                    Placed::CopiedNotLinked
                }
                Err(e) => return Err(IndexError::io(&tmp, e)),
            }
        }
        FilesMode::Copy => {
            if current.as_ref().is_some_and(same_copy) {
                return Ok(Placed::Unchanged);
            }
            copy_to(wheel, stat, target, &tmp)?;
            Placed::Written
        }
    };
    std::fs::rename(&tmp, dest).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        IndexError::io(dest, e)
    })?;
    Ok(placed)
}

/// Copies the opened wheel to `tmp` with its modification time, so the next run sees it
/// unchanged.
fn copy_to(
    wheel: &File,
    stat: &std::fs::Metadata,
    target: &Path,
    tmp: &Path,
) -> Result<(), IndexError> {
    let done = (|| {
        let mut source = wheel;
        source
            .seek(SeekFrom::Start(0))
            .map_err(|e| IndexError::io(target, e))?;
        let mut out = File::create_new(tmp).map_err(|e| IndexError::io(tmp, e))?;
        std::io::copy(&mut source, &mut out).map_err(|e| IndexError::io(target, e))?;
        out.set_permissions(stat.permissions())
            .map_err(|e| IndexError::io(tmp, e))?;
        if let Ok(modified) = stat.modified() {
            out.set_modified(modified)
                .map_err(|e| IndexError::io(tmp, e))?;
        }
        Ok(())
    })();
    if done.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    done
}

/// Removes from `dir` (which is `OUT/files/<rel>`) every entry not in `keep` (paths relative
/// to `OUT/files`), and directories left empty. Links are removed, never followed.
pub(crate) fn prune(
    dir: &Path,
    rel: &Path,
    keep: &HashSet<PathBuf>,
    removed: &mut usize,
) -> Result<bool, IndexError> {
    let mut empty = true;
    for entry in std::fs::read_dir(dir).map_err(|e| IndexError::io(dir, e))? {
        let entry = entry.map_err(|e| IndexError::io(dir, e))?;
        let path = entry.path();
        let rel = rel.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| IndexError::io(&path, e))?;
        if kind.is_dir() {
            if prune(&path, &rel, keep, removed)? {
                std::fs::remove_dir(&path).map_err(|e| IndexError::io(&path, e))?;
                *removed += 1;
            } else {
                empty = false;
            }
        } else if keep.contains(&rel) {
            empty = false;
        } else {
            std::fs::remove_file(&path).map_err(|e| IndexError::io(&path, e))?;
            *removed += 1;
        }
    }
    Ok(empty)
}
