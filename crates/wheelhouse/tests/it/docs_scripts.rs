//! What the README hands users to copy, run as written: the job template stops at the first
//! failed step, and `scripts/demo` says what it does before its long build.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// An executable shell script at `dir/name`.
fn stub(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The README's job script: the ```sh block holding `#SBATCH` lines.
fn job_template() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    readme
        .split("```sh\n")
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .find(|b| b.contains("#SBATCH"))
        .expect("a job script in README.md")
        .to_string()
}

#[test]
fn the_job_template_stops_when_the_environment_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = tmp.path().join("steps.log");
    // Stand-ins for the cluster's commands: `module` works, the install step fails (as a
    // missing wheel makes it), anything else run through srun is recorded.
    stub(&bin, "module", "exit 0");
    stub(
        &bin,
        "srun",
        &format!(
            "echo \"srun $*\" >> {log}\ncase \"$*\" in *'wheelhouse venv'*) exit 1;; esac\nexit 0",
            log = log.display()
        ),
    );
    let script = tmp.path().join("job.sh");
    std::fs::write(&script, job_template()).unwrap();
    let out = Command::new("bash")
        .arg(&script)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("SLURM_TMPDIR", tmp.path().join("local"))
        .env("SLURM_NNODES", "2")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let steps = std::fs::read_to_string(&log).unwrap();
    assert!(!out.status.success(), "the job succeeded: {steps}");
    assert_eq!(
        steps.lines().count(),
        1,
        "the job went on after the failed install:\n{steps}"
    );
    assert!(steps.contains("wheelhouse venv"), "{steps}");
}

#[test]
fn the_demo_speaks_before_its_long_build() {
    let tmp = tempfile::tempdir().unwrap();
    // A cargo that fails at once: whatever the demo printed before it is what a user sees
    // during the minutes of a first release build.
    stub(tmp.path(), "cargo", "exit 1");
    for demo in ["scripts/demo", "scripts/demo-modules"] {
        let out = Command::new("bash")
            .arg(repo().join(demo))
            .env("PATH", format!("{}:/usr/bin:/bin", tmp.path().display()))
            .output()
            .unwrap();
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains("Building wheelhouse") && said.contains("a few minutes"),
            "{demo} said nothing before building: {said:?}"
        );
    }
}
