//! The seed's job scripts on a real Slurm: two nodes on this host started by
//! `scripts/slurm-up.sh` (scripts/test runs it), each with its own `/localscratch` behind the
//! same `$SLURM_TMPDIR` path. Every job is an `sbatch --wait`; the scripts are the seed's, with
//! wheelhouse in place of virtualenv + pip.

use std::path::{Path, PathBuf};
use std::process::Command;

#[allow(unused_imports)]
use crate::common::{Site, WheelSpec};

/// `SLURM_CONF` of the test cluster. Its absence is a failure, never a skip: these tests are
/// the only proof that the job recipes work.
fn slurm_conf() -> PathBuf {
    let conf = std::env::var_os("SLURM_CONF")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/wheelhouse-slurm/slurm.conf"));
    let up = conf.is_file()
        && Command::new("sinfo")
            .env("SLURM_CONF", &conf)
            .args(["-h", "-N", "-o", "%N %t"])
            .output()
            .is_ok_and(|o| {
                // Busy (another test's job) is fine; down or drained is not.
                let text = String::from_utf8_lossy(&o.stdout).to_string();
                o.status.success()
                    && text
                        .lines()
                        .filter(|l| !l.contains("down") && !l.contains("drain"))
                        .count()
                        >= 2
            });
    assert!(
        up,
        "the test Slurm cluster is not running ({}): run scripts/slurm-up.sh as root \
         (scripts/test does)",
        conf.display()
    );
    conf
}

struct Job<'a> {
    site: &'a Site,
    dir: PathBuf,
}

impl<'a> Job<'a> {
    fn new(site: &'a Site, name: &str) -> Job<'a> {
        let dir = site.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        Job { site, dir }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// `sbatch --wait script` from the job's directory with the user's environment (the
    /// loaded module, the site's pip configuration, wheelhouse on PATH); returns (exit code,
    /// the job's output).
    fn submit(&self, script: &str, extra: &[&str]) -> (i32, String) {
        let conf = slurm_conf();
        let path = self.file("job.sh", script);
        let out_file = self.dir.join("job.out");
        let bin = Path::new(env!("CARGO_BIN_EXE_wheelhouse"))
            .parent()
            .unwrap();
        let path_var = format!(
            "{}:{}/bin:/usr/local/bin:/usr/bin:/bin",
            bin.display(),
            self.site.python_root.display()
        );
        let out = self
            .site
            .command("sbatch")
            .env("PATH", path_var)
            .env("SLURM_CONF", &conf)
            .current_dir(&self.dir)
            .args(["--wait", "--time=10", "-o"])
            .arg(&out_file)
            .args(extra)
            .arg(&path)
            .output()
            .unwrap();
        let log = std::fs::read_to_string(&out_file).unwrap_or_default();
        let code = out.status.code().unwrap_or(-1);
        (
            code,
            format!(
                "{log}\n--- sbatch: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

#[test]
fn single_node_submit_venv() {
    let site = Site::new();
    let job = Job::new(&site, "single");
    job.file("requirements.txt", "six==1.17.0\npython-dateutil\n");
    let (code, log) = job.submit(
        "#!/bin/bash
#SBATCH --mem-per-cpu=1500M
set -e
wheelhouse venv $SLURM_TMPDIR/env
source $SLURM_TMPDIR/env/bin/activate
wheelhouse install -r requirements.txt
python -c 'import sys, six, dateutil; print(\"prefix\", sys.prefix); print(\"six\", six.__file__)'
",
        &[],
    );
    assert_eq!(code, 0, "{log}");
    let job_id = log
        .lines()
        .find_map(|l| l.strip_prefix("prefix /localscratch/"))
        .and_then(|rest| rest.strip_suffix("/env"))
        .unwrap_or_else(|| panic!("the environment is not in $SLURM_TMPDIR:\n{log}"));
    assert!(
        log.contains(&format!("six /localscratch/{job_id}/env/lib/")),
        "{log}"
    );
    // Built on the node's own disk: nothing of it is on this host's /localscratch.
    assert!(!Path::new("/localscratch").join(job_id).exists());
}

#[test]
fn multi_node_environments_are_each_nodes_own() {
    let site = Site::new();
    let job = Job::new(&site, "multi");
    job.file("requirements.txt", "six\nidna\n");
    job.file(
        "myscript.py",
        "import os, sys, six, idna
node = os.environ['SLURMD_NODENAME']
built = open(os.path.join(os.environ['SLURM_TMPDIR'], 'built-on')).read().strip()
print(f'{node} prefix={sys.prefix} six={six.__file__} built-on={built}', flush=True)
",
    );
    let (code, log) = job.submit(
        "#!/bin/bash
#SBATCH --nodes=2
#SBATCH --ntasks=2
#SBATCH --mem-per-cpu=2000M
set -e
# create the virtual environment on each node:
srun --ntasks $SLURM_NNODES --tasks-per-node=1 wheelhouse venv $SLURM_TMPDIR/env -r requirements.txt
# mark each node's disk, to show which one a task reads
srun --ntasks $SLURM_NNODES --tasks-per-node=1 bash -c 'echo $SLURMD_NODENAME > $SLURM_TMPDIR/built-on'
# activate only on main node
source $SLURM_TMPDIR/env/bin/activate
# srun exports the current env, which contains $VIRTUAL_ENV and $PATH variables
srun python myscript.py
",
        &[],
    );
    assert_eq!(code, 0, "{log}");
    for node in ["node1", "node2"] {
        // One summary line per node, named.
        let built: Vec<&str> = log
            .lines()
            .filter(|l| l.starts_with(&format!("{node}: created /localscratch/")))
            .collect();
        assert_eq!(built.len(), 1, "{log}");
        assert!(
            built[0].contains("/env (CPython 3.11") && built[0].contains(": 3 packages in "),
            "{log}"
        );
        let line = log
            .lines()
            .find(|l| l.starts_with(&format!("{node} ")))
            .unwrap_or_else(|| panic!("no output from {node}:\n{log}"));
        assert!(line.contains(" prefix=/localscratch/"), "{line}");
        assert!(line.contains("/env/lib/python"), "{line}");
        // Same path on both nodes, a different disk behind it: each reads its own mark.
        assert!(line.ends_with(&format!("built-on={node}")), "{line}");
    }
}

#[test]
fn multiprocessing_pool_sized_by_wheelhouse_cpus() {
    let site = Site::new();
    let job = Job::new(&site, "pool");
    job.file(
        "pool.py",
        "import multiprocessing as mp, os, subprocess
def cube(x):
    return x ** 3
if __name__ == '__main__':
    ncpus = int(subprocess.check_output(['wheelhouse', 'cpus']))
    with mp.Pool(processes=ncpus) as pool:
        print('ncpus', ncpus, 'slurm', os.environ.get('SLURM_CPUS_PER_TASK'), pool.map(cube, range(6)))
",
    );
    let script = "#!/bin/bash
#SBATCH --ntasks-per-node=1
set -e
python3 pool.py
srun wheelhouse cpus --explain
";
    let (code, log) = job.submit(script, &["--cpus-per-task=2"]);
    assert_eq!(code, 0, "{log}");
    assert!(
        log.contains("ncpus 2 slurm 2 [0, 1, 8, 27, 64, 125]"),
        "{log}"
    );
    assert!(log.contains("SLURM_CPUS_PER_TASK: 2  <- used"), "{log}");
    // One core asked for, one used, though the node has more.
    let (code, log) = job.submit(script, &["--cpus-per-task=1"]);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("ncpus 1 slurm 1 "), "{log}");
}

#[test]
fn doctor_inside_a_job() {
    let site = Site::new();
    let job = Job::new(&site, "doctor");
    let (code, log) = job.submit(
        "#!/bin/bash
set -e
wheelhouse venv -q $SLURM_TMPDIR/env six
source $SLURM_TMPDIR/env/bin/activate
wheelhouse doctor
echo healthy-exit=$?
# A package purged from under the environment: doctor names it and exits 1.
rm $SLURM_TMPDIR/env/lib/python3.*/site-packages/six.py
wheelhouse doctor --format json > doctor.json || echo broken-exit=$?
",
        &[],
    );
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("no problems found\nhealthy-exit=0"), "{log}");
    assert!(log.contains("broken-exit=1"), "{log}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(job.dir.join("doctor.json")).unwrap())
            .unwrap();
    assert_eq!(json["findings"][0]["check"], "missing-files", "{json}");
    assert!(
        json["environment"]["path"]
            .as_str()
            .unwrap()
            .starts_with("/localscratch/"),
        "{json}"
    );
}

/// "Lock on the login node, sync on every node": the README's job script. Both nodes get
/// exactly the locked versions, each from its own disk.
#[test]
fn lock_on_the_login_node_sync_on_every_node() {
    let site = Site::new();
    let job = Job::new(&site, "lock");
    job.file("requirements.txt", "python-dateutil\n");
    let lock = job.dir.join("pylock.toml");
    let out = site.wheelhouse(&[
        "lock",
        "-r",
        job.dir.join("requirements.txt").to_str().unwrap(),
        "-o",
        lock.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let locked = lock::Lock::parse(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    let mut versions: Vec<String> = locked
        .packages
        .iter()
        .map(|p| format!("{}=={}", p.name, p.version.clone().unwrap()))
        .collect();
    versions.sort();
    let (code, log) = job.submit(
        "#!/bin/bash
#SBATCH --nodes=2
#SBATCH --ntasks=2
#SBATCH --mem-per-cpu=2000M
set -e
srun --ntasks $SLURM_NNODES --tasks-per-node=1 wheelhouse venv $SLURM_TMPDIR/env -r pylock.toml
srun --ntasks $SLURM_NNODES --tasks-per-node=1 bash -c \
  'echo \"$SLURMD_NODENAME froze $($SLURM_TMPDIR/env/bin/python -m pip freeze | sort | tr \"\\n\" \" \")\"'
",
        &[],
    );
    assert_eq!(code, 0, "{log}");
    for node in ["node1", "node2"] {
        let line = log
            .lines()
            .find(|l| l.starts_with(&format!("{node} froze ")))
            .unwrap_or_else(|| panic!("no freeze from {node}:\n{log}"));
        let frozen: Vec<&str> = line
            .trim_start_matches(&format!("{node} froze "))
            .split_whitespace()
            .map(|l| l.trim())
            .collect();
        for v in &versions {
            let name = v.split("==").next().unwrap();
            assert!(
                frozen.iter().any(|f| {
                    let (n, ver) = f.split_once("==").unwrap_or(("", ""));
                    lock::normalize(n) == name && format!("{name}=={ver}") == *v
                }),
                "{node} lacks {v}: {line}"
            );
        }
    }
}
