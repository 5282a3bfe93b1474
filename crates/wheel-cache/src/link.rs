//! Putting a cached file into a staging tree: reflink, hard link or copy.
//!
//! - **clone** (`FICLONE`, Btrfs, XFS, bcachefs, OpenZFS 2.2+): a new inode sharing the
//!   cache's blocks copy-on-write. Editing either copy never affects the other. Preferred.
//! - **hardlink**: the environment's file *is* the cache's file (one inode). Tools that
//!   replace files (editors writing a new file and renaming, `pip`, `sed -i`) break the link
//!   harmlessly, but a program that rewrites a file in place (`open(path, "r+")`) changes the
//!   cache too, and every environment linked to it. That is detected (size and modification
//!   time are checked before each use, and the entry is then dropped), not prevented. A hard
//!   link also shares the mode, so it is used only where the cached file already has the mode
//!   this install's umask gives; other files are copied.
//! - **copy**: `copy_file_range`, no sharing at all.
//!
//! With [`LinkMode::Auto`] the first file tries clone, then hardlink, then copy, and the first
//! that works is kept for the rest of the install (one file system pair per install).
//!
//! # Performance
//! Per file: hardlink is one `link`, its result checked from the attributes the link
//! answered with (`statx` with `AT_STATX_DONT_SYNC`: no round trip on NFS); clone and copy are two opens, one
//! `fstat`, one ioctl (or `copy_file_range`) and two closes, plus a `chmod` only where the
//! umask took bits away, and a `futimens` only where the cached time is kept (sources of a
//! `--compile` install, whose cached byte code records that time).

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use crate::FileMeta;

/// How files get from the cache into an environment (`--link-mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LinkMode {
    /// Clone where the file system can, else hard link, else copy.
    #[default]
    Auto,
    Clone,
    Hardlink,
    Copy,
}

impl FromStr for LinkMode {
    type Err = String;
    fn from_str(s: &str) -> Result<LinkMode, String> {
        match s {
            "auto" => Ok(LinkMode::Auto),
            "clone" => Ok(LinkMode::Clone),
            "hardlink" => Ok(LinkMode::Hardlink),
            "copy" => Ok(LinkMode::Copy),
            other => Err(format!(
                "`{other}` is not a link mode; use clone, hardlink or copy"
            )),
        }
    }
}

impl std::fmt::Display for LinkMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LinkMode::Auto => "auto",
            LinkMode::Clone => "clone",
            LinkMode::Hardlink => "hardlink",
            LinkMode::Copy => "copy",
        })
    }
}

/// Why a cached file could not be placed.
#[derive(Debug)]
pub enum PlaceError {
    /// The cached file is gone or no longer what MANIFEST says: the entry must be dropped.
    Stale,
    /// Creating the environment's copy failed.
    Io(std::io::Error),
}

/// Places files for one install, remembering what works and counting what was done.
#[derive(Debug)]
pub struct Linker {
    asked: LinkMode,
    /// For auto: 0 clone, 1 hardlink, 2 copy (only ever moves down the list).
    state: AtomicU8,
    umask: u32,
    /// A cached file had another mode than the one wanted (see `hard_link`).
    mode_differs: AtomicBool,
    pub cloned: AtomicUsize,
    pub linked: AtomicUsize,
    pub copied: AtomicUsize,
}

const CLONE: u8 = 0;
const HARDLINK: u8 = 1;
const COPY: u8 = 2;

impl Linker {
    pub fn new(asked: LinkMode, umask: u32) -> Linker {
        let state = match asked {
            LinkMode::Auto | LinkMode::Clone => CLONE,
            LinkMode::Hardlink => HARDLINK,
            LinkMode::Copy => COPY,
        };
        Linker {
            asked,
            state: AtomicU8::new(state),
            umask,
            mode_differs: AtomicBool::new(false),
            cloned: AtomicUsize::new(0),
            linked: AtomicUsize::new(0),
            copied: AtomicUsize::new(0),
        }
    }

    /// For [`LinkMode::Auto`]: tries a reflink between two files in `dir` (on the file system
    /// in question) and settles on hardlink when the file system has none, so that the
    /// choice is known before the first file (entries written on a cold install link the
    /// staged files only where clone is not to be had).
    pub fn probe(&self, dir: &Path) {
        if self.asked != LinkMode::Auto || self.state.load(Ordering::Relaxed) != CLONE {
            return;
        }
        let a = dir.join(format!(".probe-a.{}", std::process::id()));
        let b = dir.join(format!(".probe-b.{}", std::process::id()));
        let ok = (|| -> std::io::Result<bool> {
            std::fs::write(&a, b"probe")?;
            let source = File::open(&a)?;
            let target = OpenOptions::new().write(true).create_new(true).open(&b)?;
            // SAFETY: as in clone_file.
            Ok(unsafe { libc::ioctl(target.as_raw_fd(), libc::FICLONE, source.as_raw_fd()) } == 0)
        })();
        let _ = std::fs::remove_file(&a);
        let _ = std::fs::remove_file(&b);
        if let Ok(false) = ok {
            self.state.fetch_max(HARDLINK, Ordering::Relaxed);
        }
    }

    pub fn asked(&self) -> LinkMode {
        self.asked
    }

    /// The method used for the next file.
    pub fn current(&self) -> LinkMode {
        match self.state.load(Ordering::Relaxed) {
            CLONE => LinkMode::Clone,
            HARDLINK => LinkMode::Hardlink,
            _ => LinkMode::Copy,
        }
    }

    /// Creates `dst` (which must not exist) with the content of the cached file `src`, which
    /// must still match `meta`, and with `mode`. With `keep_time` a clone or copy gets the
    /// cached file's modification time (a hard link has it anyway): byte code kept in the
    /// cache records its source's time, and is valid only for a copy that has it.
    pub fn place(
        &self,
        src: &Path,
        dst: &Path,
        mode: u32,
        meta: &FileMeta,
        keep_time: bool,
    ) -> Result<(), PlaceError> {
        loop {
            let state = self.state.load(Ordering::Relaxed);
            let result = match state {
                CLONE => self.clone_file(src, dst, mode, meta, keep_time),
                HARDLINK => self.hard_link(src, dst, mode, meta, keep_time),
                _ => self.copy(src, dst, mode, meta, keep_time),
            };
            match result {
                Err(Attempt::Unsupported) => {
                    // clone → hardlink (auto) or copy (asked for clone); hardlink → copy.
                    let next = if state == CLONE && self.asked == LinkMode::Auto {
                        HARDLINK
                    } else {
                        COPY
                    };
                    self.state.fetch_max(next, Ordering::Relaxed);
                }
                Err(Attempt::Failed(e)) => return Err(e),
                Ok(()) => return Ok(()),
            }
        }
    }

    fn open_checked(&self, src: &Path, meta: &FileMeta) -> Result<File, Attempt> {
        let file = File::open(src).map_err(|_| Attempt::Failed(PlaceError::Stale))?;
        let m = file
            .metadata()
            .map_err(|_| Attempt::Failed(PlaceError::Stale))?;
        if !matches(&m, meta) {
            return Err(Attempt::Failed(PlaceError::Stale));
        }
        Ok(file)
    }

    fn create(&self, dst: &Path, mode: u32) -> Result<File, Attempt> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(dst)
            .map_err(|e| Attempt::Failed(PlaceError::Io(e)))
    }

    fn finish(
        &self,
        file: &File,
        mode: u32,
        meta: &FileMeta,
        keep_time: bool,
    ) -> Result<(), Attempt> {
        if mode & self.umask != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(|e| Attempt::Failed(PlaceError::Io(e)))?;
        }
        if keep_time {
            file.set_modified(crate::system_time(meta.mtime))
                .map_err(|e| Attempt::Failed(PlaceError::Io(e)))?;
        }
        Ok(())
    }

    fn clone_file(
        &self,
        src: &Path,
        dst: &Path,
        mode: u32,
        meta: &FileMeta,
        keep_time: bool,
    ) -> Result<(), Attempt> {
        let source = self.open_checked(src, meta)?;
        let target = self.create(dst, mode)?;
        // SAFETY: both descriptors are open for the duration of the call; FICLONE takes the
        // source descriptor as its argument and touches no memory of ours.
        let r = unsafe { libc::ioctl(target.as_raw_fd(), libc::FICLONE, source.as_raw_fd()) };
        if r != 0 {
            let e = std::io::Error::last_os_error();
            drop(target);
            let _ = std::fs::remove_file(dst);
            return Err(unsupported_or(e));
        }
        self.finish(&target, mode, meta, keep_time)?;
        self.cloned.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn hard_link(
        &self,
        src: &Path,
        dst: &Path,
        mode: u32,
        meta: &FileMeta,
        keep_time: bool,
    ) -> Result<(), Attempt> {
        // Once a cached file was found without the wanted mode (another umask filled the
        // cache), look before linking: linking and removing again would cost more.
        if self.mode_differs.load(Ordering::Relaxed) {
            let m =
                std::fs::symlink_metadata(src).map_err(|_| Attempt::Failed(PlaceError::Stale))?;
            if !m.is_file() || !matches(&m, meta) {
                return Err(Attempt::Failed(PlaceError::Stale));
            }
            if m.mode() & 0o7777 != mode {
                return self.copy(src, dst, mode, meta, keep_time);
            }
        }
        match std::fs::hard_link(src, dst) {
            Ok(()) => {}
            // Too many links to this inode (ext4 allows 65,000): copy this one.
            Err(e) if e.raw_os_error() == Some(libc::EMLINK) => {
                return self.copy(src, dst, mode, meta, keep_time)
            }
            Err(e)
                if e.kind() == ErrorKind::NotFound && std::fs::symlink_metadata(src).is_err() =>
            {
                return Err(Attempt::Failed(PlaceError::Stale))
            }
            Err(e) => return Err(unsupported_or(e)),
        }
        // The link's attributes as the link answered them (no further round trip): the very
        // inode now in the environment must be the cached file as MANIFEST describes it.
        let fits = match attrs_after_create(dst) {
            Some(a) if a.is_file && a.size == meta.size && a.mtime == meta.mtime => {
                if a.mode & 0o7777 == mode {
                    None
                } else {
                    self.mode_differs.store(true, Ordering::Relaxed);
                    Some(false)
                }
            }
            _ => Some(true),
        };
        match fits {
            None => {
                self.linked.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Some(stale) => {
                std::fs::remove_file(dst).map_err(|e| Attempt::Failed(PlaceError::Io(e)))?;
                if stale {
                    Err(Attempt::Failed(PlaceError::Stale))
                } else {
                    // The inode's mode is shared: link only files that already have the mode
                    // wanted; copy the others.
                    self.copy(src, dst, mode, meta, keep_time)
                }
            }
        }
    }

    fn copy(
        &self,
        src: &Path,
        dst: &Path,
        mode: u32,
        meta: &FileMeta,
        keep_time: bool,
    ) -> Result<(), Attempt> {
        let mut source = self.open_checked(src, meta)?;
        let mut target = self.create(dst, mode)?;
        let n = std::io::copy(&mut source, &mut target)
            .map_err(|e| Attempt::Failed(PlaceError::Io(e)))?;
        if n != meta.size {
            return Err(Attempt::Failed(PlaceError::Stale));
        }
        self.finish(&target, mode, meta, keep_time)?;
        self.copied.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

enum Attempt {
    Unsupported,
    Failed(PlaceError),
}

/// What a file just created or linked looks like.
pub(crate) struct Attrs {
    pub is_file: bool,
    pub mode: u32,
    pub size: u64,
    pub mtime: (i64, i64),
}

/// The attributes of `path` (not following a link) as the kernel holds them, without asking
/// the server again (`AT_STATX_DONT_SYNC`): right after a `link` or `create`, those came
/// with the server's answer to it, so on NFS or FUSE this `stat` is no round trip. On a
/// local file system it is an ordinary `stat`.
pub(crate) fn attrs_after_create(path: &Path) -> Option<Attrs> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: zeroed is a valid statx (plain integers).
    let mut buf: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `buf` a statx the call fills.
    let r = unsafe {
        libc::statx(
            libc::AT_FDCWD,
            c.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW | libc::AT_STATX_DONT_SYNC,
            libc::STATX_TYPE | libc::STATX_MODE | libc::STATX_SIZE | libc::STATX_MTIME,
            &mut buf,
        )
    };
    if r != 0 {
        let m = std::fs::symlink_metadata(path).ok()?;
        return Some(Attrs {
            is_file: m.is_file(),
            mode: m.mode(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
        });
    }
    Some(Attrs {
        is_file: u32::from(buf.stx_mode) & libc::S_IFMT == libc::S_IFREG,
        mode: u32::from(buf.stx_mode),
        size: buf.stx_size,
        mtime: (buf.stx_mtime.tv_sec, i64::from(buf.stx_mtime.tv_nsec)),
    })
}

fn matches(m: &std::fs::Metadata, meta: &FileMeta) -> bool {
    m.size() == meta.size && (m.mtime(), m.mtime_nsec()) == meta.mtime
}

fn unsupported_or(e: std::io::Error) -> Attempt {
    let unsupported = matches!(
        e.raw_os_error(),
        Some(
            libc::EOPNOTSUPP
                | libc::EXDEV
                | libc::EINVAL
                | libc::ENOTTY
                | libc::ENOSYS
                | libc::EPERM
        )
    ) || e.kind() == ErrorKind::Unsupported;
    if unsupported {
        Attempt::Unsupported
    } else {
        Attempt::Failed(PlaceError::Io(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn cached(dir: &Path, content: &[u8], mode: u32) -> (std::path::PathBuf, FileMeta) {
        let path = dir.join("0");
        std::fs::write(&path, content).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        // A time long past, so that a kept time cannot be the time of placing.
        let past = std::time::UNIX_EPOCH + std::time::Duration::new(1_000_000_000, 123_456_789);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(past)
            .unwrap();
        let m = std::fs::metadata(&path).unwrap();
        let meta = FileMeta {
            name: "a".into(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            hash: "sha256=x".into(),
        };
        (path, meta)
    }

    #[test]
    fn each_mode_places_the_content_with_the_mode_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let (src, meta) = cached(tmp.path(), b"content", 0o644);
        for (i, mode) in ["auto", "clone", "hardlink", "copy"].iter().enumerate() {
            let linker = Linker::new(mode.parse().unwrap(), 0o022);
            let dst = tmp.path().join(format!("d{i}"));
            linker.place(&src, &dst, 0o644, &meta, true).unwrap();
            let m = std::fs::metadata(&dst).unwrap();
            assert_eq!((m.mtime(), m.mtime_nsec()), meta.mtime, "{mode}");
            assert_eq!(std::fs::read(&dst).unwrap(), b"content");
            assert_eq!(std::fs::metadata(&dst).unwrap().mode() & 0o7777, 0o644);
            // A mode the cached file does not have is never given to it.
            let dst = tmp.path().join(format!("e{i}"));
            linker.place(&src, &dst, 0o664, &meta, false).unwrap();
            assert_eq!(std::fs::metadata(&dst).unwrap().mode() & 0o7777, 0o664);
            assert_eq!(std::fs::metadata(&src).unwrap().mode() & 0o7777, 0o644);
        }
    }

    #[test]
    fn a_changed_cached_file_is_stale() {
        let tmp = tempfile::tempdir().unwrap();
        let (src, mut meta) = cached(tmp.path(), b"content", 0o644);
        meta.mtime.1 += 1;
        for mode in [LinkMode::Auto, LinkMode::Hardlink, LinkMode::Copy] {
            let linker = Linker::new(mode, 0o022);
            let r = linker.place(&src, &tmp.path().join("x"), 0o644, &meta, false);
            assert!(matches!(r, Err(PlaceError::Stale)), "{mode}");
        }
    }
}
