//! `wheelhouse cpus` and the installer's thread count under real limits: an affinity mask set
//! by `taskset` and a CPU quota set in a real cgroup, not only `SLURM_CPUS_PER_TASK`.

use std::path::PathBuf;
use std::process::Command;

#[allow(unused_imports)]
use crate::common::{Site, WheelSpec};

fn cpus(pre: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(
        pre.first()
            .copied()
            .unwrap_or(env!("CARGO_BIN_EXE_wheelhouse")),
    );
    if !pre.is_empty() {
        cmd.args(&pre[1..]).arg(env!("CARGO_BIN_EXE_wheelhouse"));
    }
    cmd.env_remove("SLURM_CPUS_PER_TASK")
        .envs(env.iter().copied());
    let out = cmd.args(["cpus", "--explain"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn online() -> usize {
    std::thread::available_parallelism().unwrap().get()
}

#[test]
fn taskset_limits_the_count() {
    let out = cpus(&["taskset", "-c", "0"], &[]);
    assert!(out.starts_with("1 core\n"), "{out}");
    assert!(
        out.contains("affinity mask: 1 (core 0; taskset and srun set it)  <- used"),
        "{out}"
    );
    // Without a limit: every core this process may use.
    let free = cpus(&[], &[]);
    assert!(free.starts_with(&format!("{} core", online())), "{free}");
    // Slurm's number wins, but never beyond the mask.
    let slurm = cpus(&[], &[("SLURM_CPUS_PER_TASK", "1")]);
    assert!(
        slurm.starts_with("1 core\n") && slurm.contains("SLURM_CPUS_PER_TASK: 1  <- used"),
        "{slurm}"
    );
    let capped = cpus(&["taskset", "-c", "0"], &[("SLURM_CPUS_PER_TASK", "8")]);
    assert!(capped.starts_with("1 core\n"), "{capped}");
    // Plain output is the bare number, for $(wheelhouse cpus).
    let plain = Command::new("taskset")
        .args(["-c", "0", env!("CARGO_BIN_EXE_wheelhouse"), "cpus"])
        .env_remove("SLURM_CPUS_PER_TASK")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(plain.stdout).unwrap(), "1\n");
}

/// The whole `--explain` text of each source winning, pinned under one core (`taskset -c 0`,
/// so the count does not depend on the machine). The cgroup line is the machine's own (a CI
/// container may have a quota), so only its value is replaced.
#[test]
fn explain_texts_match_the_snapshot() {
    let quota = machine_line("  cgroup CPU quota: ");
    let mut text = String::new();
    for (slurm, note) in [
        (None, "no job"),
        (Some("1"), "Slurm's number"),
        (Some("8"), "Slurm's number capped by the mask"),
        (Some("abc"), "an invalid export"),
    ] {
        let env: Vec<(&str, &str)> = slurm
            .map(|v| ("SLURM_CPUS_PER_TASK", v))
            .into_iter()
            .collect();
        let shown = slurm
            .map(|v| format!("SLURM_CPUS_PER_TASK={v} "))
            .unwrap_or_default();
        text.push_str(&format!(
            "$ {shown}taskset -c 0 wheelhouse cpus --explain  # {note}\n{}",
            quota(&cpus(&["taskset", "-c", "0"], &env))
        ));
    }
    test_support::assert_snapshot("cpus-explain", &text);
}

/// Replaces what follows `prefix` on its line by `[this machine]`.
fn machine_line(prefix: &'static str) -> impl Fn(&str) -> String {
    move |text: &str| {
        text.lines()
            .map(|l| match l.strip_prefix(prefix) {
                Some(rest) => {
                    let used = if rest.ends_with("<- used") {
                        "  <- used"
                    } else {
                        ""
                    };
                    format!("{prefix}[this machine]{used}\n")
                }
                None => format!("{l}\n"),
            })
            .collect()
    }
}

#[test]
fn the_installer_uses_the_same_number() {
    let site = Site::new();
    let env = site.venv("env");
    let out = site
        .command("taskset")
        .args(["-c", "0", env!("CARGO_BIN_EXE_wheelhouse")])
        .args(["install", "-v", "-p", env.to_str().unwrap(), "six", "idna"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("with 1 thread in"), "{err}");
}

/// A v1 `cpu` hierarchy or the v2 one, where this process may create a child cgroup.
fn cgroup_cpu_root() -> Option<(PathBuf, bool)> {
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut v2 = None;
    for line in mounts.lines() {
        let (pre, post) = line.split_once(" - ")?;
        let point = PathBuf::from(pre.split(' ').nth(4)?);
        let post: Vec<&str> = post.split(' ').collect();
        if post[0] == "cgroup" && post[2].split(',').any(|o| o == "cpu") {
            return Some((point, false));
        }
        if post[0] == "cgroup2" {
            let ctl = std::fs::read_to_string(point.join("cgroup.controllers")).unwrap_or_default();
            if ctl.split_whitespace().any(|c| c == "cpu") {
                v2 = Some((point, true));
            }
        }
    }
    v2
}

#[test]
fn a_cgroup_quota_limits_the_count() {
    let Some((root, v2)) = cgroup_cpu_root() else {
        no_cgroup("no cgroup hierarchy with the cpu controller is mounted");
    };
    if v2 {
        // A v2 child has `cpu.max` only when its parent hands the controller down.
        let _ = std::fs::write(root.join("cgroup.subtree_control"), "+cpu");
    }
    let dir = root.join(format!("wheelhouse-test-{}", std::process::id()));
    if std::fs::create_dir(&dir).is_err() {
        no_cgroup(&format!("cannot create {} (run as root)", dir.display()));
    }
    // One core's worth of time per period.
    let set = if v2 {
        std::fs::write(dir.join("cpu.max"), "100000 100000")
    } else {
        std::fs::write(dir.join("cpu.cfs_period_us"), "100000")
            .and_then(|_| std::fs::write(dir.join("cpu.cfs_quota_us"), "100000"))
    };
    let run = |args: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "echo $$ > '{}/cgroup.procs' && exec '{}' {args}",
                dir.display(),
                env!("CARGO_BIN_EXE_wheelhouse")
            ))
            .env_remove("SLURM_CPUS_PER_TASK")
            .output()
            .unwrap()
    };
    let out = set.map(|_| run("cpus --explain"));
    let _ = std::fs::remove_dir(&dir);
    let out = out.expect("set the cgroup's CPU quota");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(text.starts_with("1 core\n"), "{text}");
    assert!(
        text.contains("cgroup CPU quota: 1 (100000 us per 100000 us"),
        "{text}"
    );
    if online() > 1 {
        assert!(
            text.contains("<- used")
                && text
                    .lines()
                    .any(|l| l.contains("cgroup") && l.ends_with("<- used")),
            "{text}"
        );
    }
}

/// A machine without a usable cgroup fails the test, never skips it: scripts/test runs as root
/// on a machine with cgroups, as CI does.
fn no_cgroup(why: &str) -> ! {
    panic!(
        "the cgroup CPU quota test cannot run: {why}; run the tests as root on a machine with \
         the cgroup cpu controller (scripts/test)"
    );
}
