//! Whether an install byte-compiles: always (`--compile`), never (`--no-compile`), or by
//! where the environment lives (the command line's default).
//!
//! # Why the default depends on the file system
//! On a network file system (NFS, Lustre, GPFS, CVMFS and other FUSE mounts) every lookup an
//! import makes is a round trip, and a module without byte code costs a compile at each import
//! where the `.pyc` cannot be written (a read-only tree, or a user other than the owner) and
//! a write of it where it can (more round trips, and races between the jobs of an array that
//! import at once). Measured on `bench/slowfs.sh` at 1 ms a round trip, importing numpy,
//! scipy, pandas and matplotlib from an environment without byte code took 1.6–2.4× as long
//! as from pip's, which compiles at install. There the install compiles, once, and with the
//! unpacked-wheel cache the byte code is placed from the cache on the next install.
//! On a node-local disk (`$SLURM_TMPDIR`, the seed's recipe) the environment lives for one
//! job: a job imports a small part of what it installs, and compiling that at first import on
//! a local disk is cheaper than compiling everything up front, so the install does not.

use std::path::Path;

/// When to byte-compile the installed modules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ByteCode {
    /// Never (`--no-compile`; build environments, which live for one build).
    #[default]
    Skip,
    /// Always (`--compile`; stack modules, published to trees users cannot write).
    Compile,
    /// When the environment is on a network file system (the command line's default).
    OnNetworkFileSystem,
}

impl ByteCode {
    /// The command line's choice: `--compile`, `--no-compile`, or neither (by file system).
    pub fn from_flags(compile: bool, no_compile: bool) -> ByteCode {
        match (compile, no_compile) {
            (_, true) => ByteCode::Skip,
            (true, false) => ByteCode::Compile,
            (false, false) => ByteCode::OnNetworkFileSystem,
        }
    }

    /// Whether an environment rooted at `root` is compiled.
    pub fn applies_to(self, root: &Path) -> bool {
        match self {
            ByteCode::Skip => false,
            ByteCode::Compile => true,
            ByteCode::OnNetworkFileSystem => on_network_file_system(root),
        }
    }
}

/// Whether `path` is on a file system whose metadata operations go over a network: NFS,
/// SMB/CIFS, Lustre, GPFS, BeeGFS, Ceph, AFS, 9P, OrangeFS, GFS2, OCFS2, and FUSE (CVMFS,
/// sshfs and other user-space clients are network ones on clusters). Unknown: no.
pub fn on_network_file_system(path: &Path) -> bool {
    file_system_magic(path).is_some_and(|magic| NETWORK_MAGICS.contains(&magic))
}

/// `statfs(2)` magic numbers (linux/magic.h and the vendors' headers).
const NETWORK_MAGICS: &[u64] = &[
    0x6969,      // NFS
    0x517B,      // SMB
    0xFF53_4D42, // CIFS
    0xFE53_4D42, // SMB2
    0x0BD0_0BD0, // Lustre
    0x4750_4653, // GPFS
    0x1983_0326, // BeeGFS
    0x00C3_6400, // Ceph
    0x5346_414F, // AFS
    0x6B41_4653, // kAFS
    0x0102_1997, // 9P
    0x2003_0528, // OrangeFS (PVFS2)
    0x0116_1970, // GFS2
    0x7461_636F, // OCFS2
    0x6573_5546, // FUSE
];

#[cfg(target_os = "linux")]
fn file_system_magic(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut buf = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: `c_path` is a valid NUL-terminated string and `buf` is large enough for the
    // structure statfs fills; it is read only after statfs reports success.
    let rc = unsafe { libc::statfs(c_path.as_ptr(), buf.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statfs returned 0, so it initialised the structure.
    let stat = unsafe { buf.assume_init() };
    // f_type's width differs between architectures; magic numbers fit in 32 bits.
    Some(stat.f_type as u64 & 0xFFFF_FFFF)
}

#[cfg(not(target_os = "linux"))]
fn file_system_magic(_path: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_choose_and_no_compile_wins() {
        assert_eq!(
            ByteCode::from_flags(false, false),
            ByteCode::OnNetworkFileSystem
        );
        assert_eq!(ByteCode::from_flags(true, false), ByteCode::Compile);
        assert_eq!(ByteCode::from_flags(true, true), ByteCode::Skip);
        assert_eq!(ByteCode::from_flags(false, true), ByteCode::Skip);
    }

    #[test]
    fn a_local_directory_is_not_compiled_by_default() {
        // The test's temporary directory is on a local disk or tmpfs on every machine this
        // runs on (never a network mount).
        let dir = tempfile::tempdir().unwrap();
        assert!(!ByteCode::OnNetworkFileSystem.applies_to(dir.path()));
        assert!(ByteCode::Compile.applies_to(dir.path()));
        assert!(!ByteCode::Skip.applies_to(dir.path()));
        assert!(!on_network_file_system(Path::new("/no/such/path")));
    }
}
