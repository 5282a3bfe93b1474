//! `wheelhouse venv ENV -r requirements.txt [REQ...]`: the environment and its packages in
//! one command, quiet enough for N nodes writing into one job output, and its errors.

#[allow(unused_imports)]
use crate::common::{site_packages, stderr, Site, WheelSpec};

#[test]
fn venv_with_requirements_is_one_command() {
    let site = Site::new();
    std::fs::write(site.path("requirements.txt"), "python-dateutil\n").unwrap();
    let env = site.path("env");
    let out = site.ok(&[
        "venv",
        env.to_str().unwrap(),
        "-r",
        "requirements.txt",
        "six",
    ]);
    // Not a terminal: one summary line, no progress, no pip chatter.
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].starts_with(&format!("created {} (CPython 3.11", env.display()))
            && lines[0].contains(" packages in "),
        "{out}"
    );
    let python = env.join("bin/python");
    let imported = site.run_ok(
        &python,
        &[
            "-c",
            "import dateutil, six, pip, sys; print(six.__file__.startswith(sys.prefix))",
        ],
    );
    assert_eq!(imported.trim(), "True");
    // The machine's Python has six in its own site-packages: the environment got its own copy.
    assert!(site_packages(&env).join("six.py").is_file());
    let freeze = site.ok(&["freeze", "-p", env.to_str().unwrap()]);
    assert!(
        freeze.contains("python-dateutil==") && freeze.contains("six=="),
        "{freeze}"
    );
    // The first line and a second run into the same environment, which is not "created"
    // again (the job template re-run on a node that kept its disk).
    let args = [
        "venv",
        env.to_str().unwrap(),
        "-r",
        "requirements.txt",
        "idna",
    ];
    let again = site.wheelhouse(&args);
    let text = format!("{out}{}", String::from_utf8_lossy(&again.stdout));
    let redact = site.redact().durations();
    crate::common::assert_snapshot("venv-job-lines", &redact.apply(&text));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains(" existed (CPython 3.11"),
        "{text}"
    );
}

#[test]
fn in_a_job_step_the_line_names_the_node() {
    let site = Site::new();
    let env = site.path("env");
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("SLURM_JOB_ID", "42")
        .env("SLURM_STEP_ID", "0")
        .env("SLURMD_NODENAME", "node7")
        .args(["venv", env.to_str().unwrap(), "six"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        text.starts_with("node7: created ") && text.lines().count() == 1,
        "{text}"
    );
}

#[test]
fn failures_leave_nothing_behind() {
    let site = Site::new();
    let env = site.path("env");
    // A package the wheelhouse lacks: resolution fails, the new environment is removed.
    let out = site.wheelhouse(&["venv", env.to_str().unwrap(), "no-such-package"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no-such-package"), "{}", stderr(&out));
    assert!(!env.exists());
    // A requirements file missing on this node: said before anything is created.
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("SLURMD_NODENAME", "node2")
        .args(["venv", env.to_str().unwrap(), "-r", "missing.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("the requirements file missing.txt is not there on node2 (looked from ")
            && err.contains("nothing was created"),
        "{err}"
    );
    assert!(!env.exists());
    // $SLURM_TMPDIR/env with SLURM_TMPDIR unset is /env.
    let out = site.wheelhouse(&["venv", "/env", "six"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("SLURM_TMPDIR is not set"),
        "{}",
        stderr(&out)
    );
    assert!(!std::path::Path::new("/env").exists());
}

#[test]
fn pip_comes_from_the_wheelhouse_or_else_the_interpreter() {
    let site = Site::new();
    // The site's wheelhouse has pip: it is installed with the rest, from the same index.
    let env = site.path("env");
    site.ok(&["venv", env.to_str().unwrap(), "six"]);
    let freeze = site.run_ok(&env.join("bin/python"), &["-m", "pip", "--version"]);
    assert!(freeze.starts_with("pip 26.3 "), "{freeze}");
    // A wheelhouse without pip: the interpreter's bundled pip, as plain `venv` seeds it.
    WheelSpec::pure("lonely", "1.0").write(&site.generic);
    let conf = site.path("no-pip.conf");
    std::fs::write(
        &conf,
        format!("[install]\nfind-links = {}\n", site.generic.display()),
    )
    .unwrap();
    let env2 = site.path("env2");
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PIP_CONFIG_FILE", &conf)
        .args(["venv", env2.to_str().unwrap(), "lonely"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(": 2 packages in "), "{text}");
    site.run_ok(&env2.join("bin/python"), &["-c", "import pip, lonely"]);
    // --without-pip: only what was asked for.
    let env3 = site.path("env3");
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PIP_CONFIG_FILE", &conf)
        .args(["venv", "--without-pip", env3.to_str().unwrap(), "lonely"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(": 1 package in "),
        "{out:?}"
    );
}
