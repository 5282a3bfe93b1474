//! How many cores this task may use, and where that number came from.
//!
//! A compute node has many cores; a job is given a few. Sizing a `multiprocessing.Pool` or the
//! installer's threads from the node's full count oversubscribes the job's share and slows
//! everyone on the node. Slurm says the share in `SLURM_CPUS_PER_TASK`; outside Slurm (or with
//! `srun` options that leave it unset) the process's affinity mask and its cgroup CPU quota
//! say it. We read both from `/proc` and `/sys/fs/cgroup` ourselves rather than ask the
//! standard library, so that `wheelhouse cpus --explain` can say which one decided.

use std::fmt;
use std::path::{Path, PathBuf};

/// Which limit decided the number of cores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuSource {
    /// `SLURM_CPUS_PER_TASK`.
    Slurm,
    /// The cgroup CPU quota (`cpu.max`, or `cpu.cfs_quota_us` / `cpu.cfs_period_us`).
    CgroupQuota,
    /// The affinity mask (`Cpus_allowed_list` in `/proc/self/status`, what `taskset` sets).
    Affinity,
    /// Nothing could be read: one core, the safe answer.
    Fallback,
}

/// A cgroup CPU quota: `quota` microseconds of CPU time per `period`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupQuota {
    /// The file the quota was read from.
    pub file: PathBuf,
    pub quota: u64,
    pub period: u64,
}

impl CgroupQuota {
    /// Whole cores: a quota of 1.5 cores allows two busy threads some of the time, so round up.
    pub fn cores(&self) -> usize {
        (self.quota.div_ceil(self.period.max(1))).max(1) as usize
    }
}

/// The number of cores this task may use, with every limit that was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobCpus {
    pub count: usize,
    pub source: CpuSource,
    /// `SLURM_CPUS_PER_TASK`, when set to a positive number.
    pub slurm: Option<usize>,
    /// The affinity mask as the kernel prints it (`0-3,8`) and its size.
    pub affinity: Option<(String, usize)>,
    /// The tightest cgroup CPU quota on the way from this process's cgroup to the root.
    pub quota: Option<CgroupQuota>,
    /// `SLURM_CPUS_PER_TASK` when set to something that is no positive number (ignored).
    pub slurm_invalid: Option<String>,
}

impl JobCpus {
    /// Reads the affinity mask and cgroup quota of this process; `slurm` is
    /// `SLURM_CPUS_PER_TASK` as the environment gave it.
    pub fn detect(slurm: Option<usize>) -> JobCpus {
        let affinity = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| affinity_from_status(&s));
        let quota = cgroup_quota(
            Path::new("/proc/self/cgroup"),
            Path::new("/proc/self/mountinfo"),
        );
        JobCpus::decide(slurm.filter(|&n| n > 0), affinity, quota)
    }

    /// Slurm's number when set, else the smaller of the quota and the mask. Slurm's number is
    /// capped by the mask too: more workers than the cores the process may run on only adds
    /// switching.
    pub fn decide(
        slurm: Option<usize>,
        affinity: Option<(String, usize)>,
        quota: Option<CgroupQuota>,
    ) -> JobCpus {
        let mask = affinity.as_ref().map(|(_, n)| *n).filter(|&n| n > 0);
        let (count, source) = match (slurm, mask, quota.as_ref().map(CgroupQuota::cores)) {
            (Some(s), Some(m), _) if m < s => (m, CpuSource::Affinity),
            (Some(s), _, _) => (s, CpuSource::Slurm),
            (None, Some(m), Some(q)) if q < m => (q, CpuSource::CgroupQuota),
            (None, Some(m), _) => (m, CpuSource::Affinity),
            (None, None, Some(q)) => (q, CpuSource::CgroupQuota),
            (None, None, None) => (1, CpuSource::Fallback),
        };
        JobCpus {
            count,
            source,
            slurm,
            affinity,
            quota,
            slurm_invalid: None,
        }
    }
}

impl fmt::Display for JobCpus {
    /// The `--explain` text: the number, then one line per limit, the deciding one marked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = |s: CpuSource| if s == self.source { "  <- used" } else { "" };
        writeln!(
            f,
            "{} core{}",
            self.count,
            if self.count == 1 { "" } else { "s" }
        )?;
        match (self.slurm, &self.slurm_invalid) {
            (Some(n), _) => writeln!(f, "  SLURM_CPUS_PER_TASK: {n}{}", mark(CpuSource::Slurm))?,
            (None, Some(text)) => writeln!(
                f,
                "  SLURM_CPUS_PER_TASK: {text:?} is invalid, ignored (Slurm sets a positive whole \
                 number; fix or unset the export in the job script)"
            )?,
            (None, None) => writeln!(
                f,
                "  SLURM_CPUS_PER_TASK: not set (not in a job step with --cpus-per-task)"
            )?,
        }
        match &self.affinity {
            Some((list, n)) => writeln!(
                f,
                "  affinity mask: {n} ({} {list}; taskset and srun set it){}",
                if *n == 1 { "core" } else { "cores" },
                mark(CpuSource::Affinity)
            )?,
            None => writeln!(f, "  affinity mask: unreadable (/proc/self/status)")?,
        }
        match &self.quota {
            Some(q) => writeln!(
                f,
                "  cgroup CPU quota: {} ({} us per {} us, {}){}",
                q.cores(),
                q.quota,
                q.period,
                q.file.display(),
                mark(CpuSource::CgroupQuota)
            )?,
            None => writeln!(f, "  cgroup CPU quota: none")?,
        }
        if self.source == CpuSource::Fallback {
            writeln!(f, "  nothing readable: using 1")?;
        }
        Ok(())
    }
}

/// The `Cpus_allowed_list:` line of `/proc/self/status`, and the number of cores it names.
pub fn affinity_from_status(status: &str) -> Option<(String, usize)> {
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?
        .trim();
    Some((list.to_string(), count_cpu_list(list)?))
}

/// Counts a kernel CPU list such as `0-3,8,10-11` (7). `None` when it is malformed.
pub fn count_cpu_list(list: &str) -> Option<usize> {
    let mut n = 0usize;
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (a.parse().ok()?, b.parse().ok()?);
                n = n.checked_add(b.checked_sub(a)? + 1)?;
            }
            None => {
                part.parse::<usize>().ok()?;
                n += 1;
            }
        }
    }
    (n > 0).then_some(n)
}

/// The tightest CPU quota from this process's cgroup up to the root of the hierarchy, for
/// cgroup v2 (`cpu.max`) and v1 (`cpu.cfs_quota_us`). A parent's quota limits its children,
/// so every level counts.
pub fn cgroup_quota(cgroup_file: &Path, mountinfo_file: &Path) -> Option<CgroupQuota> {
    let cgroups = std::fs::read_to_string(cgroup_file).ok()?;
    let mounts = std::fs::read_to_string(mountinfo_file).ok()?;
    let mut best: Option<CgroupQuota> = None;
    for line in cgroups.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let v2 = id == "0" && controllers.is_empty();
        if !v2 && !controllers.split(',').any(|c| c == "cpu") {
            continue;
        }
        let Some((root, mount_point)) = find_mount(&mounts, v2) else {
            continue;
        };
        // The cgroup path is relative to the hierarchy's root; the mount may show only a
        // subtree of it (containers), so strip the mount's own root first.
        let rel = path.strip_prefix(root.as_str()).unwrap_or(path);
        let mut dir = mount_point.join(rel.trim_start_matches('/'));
        loop {
            if !dir.starts_with(&mount_point) {
                break;
            }
            let found = if v2 {
                read_cpu_max(&dir.join("cpu.max"))
            } else {
                read_cfs(
                    &dir.join("cpu.cfs_quota_us"),
                    &dir.join("cpu.cfs_period_us"),
                )
            };
            if let Some(q) = found {
                if best.as_ref().is_none_or(|b| q.cores() < b.cores()) {
                    best = Some(q);
                }
            }
            if dir == mount_point || !dir.pop() {
                break;
            }
        }
    }
    best
}

/// The root and mount point of the cgroup2 mount (`v2`) or of the v1 mount holding `cpu`.
fn find_mount(mountinfo: &str, v2: bool) -> Option<(String, PathBuf)> {
    for line in mountinfo.lines() {
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        let pre: Vec<&str> = pre.split(' ').collect();
        let post: Vec<&str> = post.split(' ').collect();
        if pre.len() < 5 || post.len() < 3 {
            continue;
        }
        let ok = if v2 {
            post[0] == "cgroup2"
        } else {
            post[0] == "cgroup" && post[2].split(',').any(|o| o == "cpu")
        };
        if ok {
            return Some((pre[3].to_string(), PathBuf::from(pre[4])));
        }
    }
    None
}

fn read_cpu_max(file: &Path) -> Option<CgroupQuota> {
    let text = std::fs::read_to_string(file).ok()?;
    let mut it = text.split_whitespace();
    let quota = it.next()?.parse().ok()?; // "max" fails to parse: no limit
    let period = it.next().and_then(|p| p.parse().ok()).unwrap_or(100_000);
    Some(CgroupQuota {
        file: file.to_path_buf(),
        quota,
        period,
    })
}

fn read_cfs(quota_file: &Path, period_file: &Path) -> Option<CgroupQuota> {
    let quota: i64 = std::fs::read_to_string(quota_file)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let period: u64 = std::fs::read_to_string(period_file)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (quota > 0).then(|| CgroupQuota {
        file: quota_file.to_path_buf(),
        quota: quota as u64,
        period,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(count_cpu_list("0-3,8,10-11"), Some(7));
        assert_eq!(count_cpu_list("5"), Some(1));
        assert_eq!(count_cpu_list("3-1"), None);
        assert_eq!(count_cpu_list("x"), None);
        assert_eq!(count_cpu_list(""), None);
        assert_eq!(
            affinity_from_status("Name:\tx\nCpus_allowed_list:\t0-1\n"),
            Some(("0-1".into(), 2))
        );
    }

    #[test]
    fn decision() {
        let q = |quota| CgroupQuota {
            file: "/q".into(),
            quota,
            period: 100_000,
        };
        let mask = |n: usize| Some((format!("0-{}", n - 1), n));
        assert_eq!(JobCpus::decide(Some(2), mask(8), None).count, 2);
        assert_eq!(
            JobCpus::decide(Some(4), mask(2), None).source,
            CpuSource::Affinity
        );
        let d = JobCpus::decide(None, mask(8), Some(q(150_000)));
        assert_eq!((d.count, d.source), (2, CpuSource::CgroupQuota));
        assert_eq!(JobCpus::decide(None, mask(1), Some(q(400_000))).count, 1);
        assert_eq!(
            JobCpus::decide(None, None, None).source,
            CpuSource::Fallback
        );
        assert!(d
            .to_string()
            .contains("cgroup CPU quota: 2 (150000 us per 100000 us, /q)  <- used"));
    }

    #[test]
    fn cgroup_v2_walks_up_to_the_tightest() {
        let dir = tempfile::tempdir().unwrap();
        let mnt = dir.path().join("cg");
        std::fs::create_dir_all(mnt.join("a/b")).unwrap();
        std::fs::write(mnt.join("a/cpu.max"), "200000 100000\n").unwrap();
        std::fs::write(mnt.join("a/b/cpu.max"), "max 100000\n").unwrap();
        let cg = dir.path().join("cgroup");
        std::fs::write(&cg, "0::/a/b\n").unwrap();
        let mi = dir.path().join("mountinfo");
        std::fs::write(
            &mi,
            format!("41 31 0:38 / {} rw - cgroup2 cgroup2 rw\n", mnt.display()),
        )
        .unwrap();
        let q = cgroup_quota(&cg, &mi).unwrap();
        assert_eq!((q.cores(), q.file.clone()), (2, mnt.join("a/cpu.max")));
        // A malformed file is no quota, not a panic.
        std::fs::write(&cg, "garbage").unwrap();
        assert_eq!(cgroup_quota(&cg, &mi), None);
    }
}
