//! `doctor` trusts what a loaded module set: a site made by `wheelhouse site init`, its python
//! module loaded with real Lmod, is healthy; an entry set by hand is still found. And a broken
//! environment Python is reported as such, not as a PATH edit.

use std::path::Path;
use std::process::Command;

use crate::common::machine_python;
#[allow(unused_imports)]
use crate::common::{Site, WheelSpec};
use test_support::bash_with_lmod;

#[test]
fn the_site_python_modules_pythonpath_is_no_hand_edit() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let out = Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .args(["site", "init", site.to_str().unwrap()])
        .args(["--python", machine_python().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let doctor = env!("CARGO_BIN_EXE_wheelhouse");
    let hand = tmp.path().join("handlib");
    let run = bash_with_lmod(
        &[],
        &[],
        &format!(
            ". '{profile}'\n\
             module load python || exit 3\n\
             echo \"PYTHONPATH=$PYTHONPATH\"\n\
             '{doctor}' doctor; echo \"exit=$?\"\n\
             echo ---\n\
             module purge\n\
             export PYTHONPATH='{hand}'\n\
             module load python || exit 4\n\
             '{doctor}' doctor; echo \"exit=$?\"\n",
            profile = site.join("profile.sh").display(),
            hand = hand.display(),
        ),
    )
    .ok();
    // The whole transcript (exit codes included) is pinned; the checks below say what matters.
    let python = machine_python();
    let redact = test_support::Redact::new()
        .path(tmp.path(), "$TMP")
        .path(python.parent().unwrap().parent().unwrap(), "$PYTHON")
        .path(Path::new(doctor).parent().unwrap(), "$BIN")
        .text(crate::common::base_python().1, "$PYVER");
    test_support::assert_snapshot(
        "doctor-site-module-pythonpath",
        &redact.apply(&format!("{}--- stderr\n{}", run.stdout, run.stderr)),
    );
    let (alone, with_hand) = run.stdout.split_once("---").unwrap();
    let hooks = site.join("python-site");
    assert!(
        alone.contains(&format!("PYTHONPATH={}", hooks.display())),
        "{alone}"
    );
    assert!(
        !alone.contains("PYTHONPATH holds"),
        "{alone}\n{}",
        run.stderr
    );
    assert!(!alone.contains("unset PYTHONPATH"), "{alone}");
    assert!(alone.contains("exit=0"), "{alone}");
    // Set by hand before the module load: Lmod counts it as its own, doctor does not.
    assert!(
        with_hand.contains(&format!(
            "PYTHONPATH holds {} (set by hand, not by a module)",
            hand.display()
        )),
        "{with_hand}"
    );
    // The fix keeps the module's entry (`unset PYTHONPATH` would drop `_manylinux.py`).
    assert!(
        with_hand.contains(&format!("fix: export PYTHONPATH={} ", hooks.display())),
        "{with_hand}"
    );
    assert!(!with_hand.contains("unset PYTHONPATH"), "{with_hand}");
}

#[test]
fn a_broken_environment_python_is_not_called_a_path_edit() {
    let site = Site::new();
    let env = site.venv("env");
    let python = env.join("bin/python");
    std::fs::remove_file(&python).unwrap();
    std::os::unix::fs::symlink("/cvmfs/gone/python/3.11.4/bin/python3.11", &python).unwrap();
    // A pyenv-style shim after the environment on PATH.
    let shims = site.path("shims");
    std::fs::create_dir_all(&shims).unwrap();
    let shim = shims.join("python");
    std::fs::write(&shim, "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}:/usr/bin:/bin",
        env.join("bin").display(),
        shims.display()
    );
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("VIRTUAL_ENV", &env)
        .env("PATH", &path)
        .args(["doctor"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    site.assert_snapshot("doctor-broken-python-shim-on-path", &["doctor"], &out);
    assert!(text.contains("is a broken link"), "{text}");
    assert!(!text.contains("on PATH is"), "{text}");
    assert!(
        !text.contains(&format!("{}", Path::new(&shims).display())),
        "{text}"
    );
}
