//! Which kind of file system a path is on: a network one (NFS, Lustre, GPFS, FUSE...), where
//! every metadata operation is a round trip and many must be in flight, or a local one, where
//! threads beyond the cores only wait for each other.

use std::path::Path;

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
    fn a_local_directory_is_not_a_network_one() {
        // The test's temporary directory is on a local disk or tmpfs on every machine this
        // runs on (never a network mount).
        let dir = tempfile::tempdir().unwrap();
        assert!(!on_network_file_system(dir.path()));
        assert!(!on_network_file_system(Path::new("/no/such/path")));
    }
}
