//! Which kind of file system an environment lives on, by `statfs`'s magic number.
//!
//! Parallel file systems (Lustre, GPFS, NFS, BeeGFS, CephFS) serve large files well and
//! thousands of small ones badly; a Python environment is thousands of small files read at
//! every start. In a job, the node's local disk (`$SLURM_TMPDIR`) is the fast place for it.

use std::path::Path;

use site_config::SiteConfig;

use crate::{shown, EnvInfo, Finding};

/// A file system kind, as far as doctor cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsKind {
    /// Shared between nodes, slow for many small files: its name.
    Parallel(&'static str),
    /// Anything else (ext4, xfs, tmpfs, overlay...).
    Local,
}

/// The kind of file system holding `path`; `Local` when `statfs` fails.
pub fn file_system_kind(path: &Path) -> FsKind {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return FsKind::Local;
    };
    // SAFETY: `buf` is a plain C struct that statfs fills; `c_path` is a valid C string.
    let mut buf: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c_path.as_ptr(), &mut buf) } != 0 {
        return FsKind::Local;
    }
    kind_of_magic(buf.f_type as u64)
}

/// The magic numbers of `statfs(2)` (and the vendors' headers for Lustre, GPFS, BeeGFS).
pub fn kind_of_magic(magic: u64) -> FsKind {
    match magic as u32 {
        0x0BD0_0BD0 => FsKind::Parallel("Lustre"),
        0x4750_4653 => FsKind::Parallel("GPFS"),
        0x0000_6969 => FsKind::Parallel("NFS"),
        0x1983_0326 => FsKind::Parallel("BeeGFS"),
        0x00C3_6400 => FsKind::Parallel("CephFS"),
        0xFE53_4D42 | 0xFF53_4D42 => FsKind::Parallel("SMB"),
        _ => FsKind::Local,
    }
}

pub fn parallel_file_system(
    site: &SiteConfig,
    info: &EnvInfo,
    kind: FsKind,
    out: &mut Vec<Finding>,
) {
    let (FsKind::Parallel(name), Some(job)) = (kind, site.job.job_id.as_deref()) else {
        return;
    };
    let local = if site.job.tmpdir.is_some() {
        "$SLURM_TMPDIR/env"
    } else {
        "$SLURM_TMPDIR/env (SLURM_TMPDIR is not set here: ask support where the node's local disk is)"
    };
    out.push(Finding {
        check: "parallel-file-system",
        what: format!(
            "{} is on {name}, a parallel file system, and used from job {job}",
            shown(&info.root)
        ),
        why: "starting Python reads thousands of small files, which a parallel file system \
              serves slowly (and loads for every user); the node's local disk is many times \
              faster, and building the environment there takes seconds"
            .into(),
        fix: format!(
            "wheelhouse freeze -p {} > requirements.txt, then in the job: wheelhouse venv {local} \
             -r requirements.txt && source $SLURM_TMPDIR/env/bin/activate",
            shown(&info.root)
        ),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(kind_of_magic(0x0BD00BD0), FsKind::Parallel("Lustre"));
        assert_eq!(kind_of_magic(0x47504653), FsKind::Parallel("GPFS"));
        assert_eq!(kind_of_magic(0x6969), FsKind::Parallel("NFS"));
        assert_eq!(kind_of_magic(0xEF53), FsKind::Local); // ext4
        assert_eq!(kind_of_magic(0x01021994), FsKind::Local); // tmpfs
        assert_eq!(file_system_kind(Path::new("/no/such/dir")), FsKind::Local);
    }

    #[test]
    fn parallel_file_system_only_matters_in_a_job() {
        use site_config::ProcessVars;
        let info = EnvInfo {
            root: "/project/def-me/env".into(),
            ..EnvInfo::default()
        };
        let login = SiteConfig::from_env(&ProcessVars::default());
        let mut out = Vec::new();
        parallel_file_system(&login, &info, FsKind::Parallel("Lustre"), &mut out);
        assert!(out.is_empty());
        let job = SiteConfig::from_env(&ProcessVars::from_pairs([
            ("SLURM_JOB_ID", "77"),
            ("SLURM_TMPDIR", "/localscratch/77"),
        ]));
        parallel_file_system(&job, &info, FsKind::Local, &mut out);
        assert!(out.is_empty());
        parallel_file_system(&job, &info, FsKind::Parallel("Lustre"), &mut out);
        assert_eq!(out[0].check, "parallel-file-system");
        assert_eq!(
            out[0].what,
            "/project/def-me/env is on Lustre, a parallel file system, and used from job 77"
        );
        assert!(out[0]
            .fix
            .contains("wheelhouse venv $SLURM_TMPDIR/env -r requirements.txt"));
    }
}
