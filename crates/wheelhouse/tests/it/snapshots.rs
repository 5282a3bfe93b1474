//! Everything a user reads that the reference does not fix: `--help` texts and error
//! paragraphs, pinned as snapshot files under tests/snapshots. A change of wording is a
//! reviewed diff: rerun with `UPDATE_SNAPSHOTS=1` and commit the new files.

use std::path::{Path, PathBuf};
use std::process::Command;

use test_support::snapshot;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

const CASES: &[(&str, &str, &[&str])] = &[
    ("avail-help", "avail_wheels", &["--help"]),
    ("wheelhouse-help", "wheelhouse", &["--help"]),
    ("index-help", "wheelhouse", &["index", "--help"]),
    ("venv-help", "wheelhouse", &["venv", "--help"]),
    ("install-help", "wheelhouse", &["install", "--help"]),
    ("freeze-help", "wheelhouse", &["freeze", "--help"]),
    ("show-help", "wheelhouse", &["show", "--help"]),
    ("check-help", "wheelhouse", &["check", "--help"]),
    ("hash-help", "wheelhouse", &["hash", "--help"]),
    (
        "index-versions-help",
        "wheelhouse",
        &["index", "versions", "--help"],
    ),
    ("list-help", "wheelhouse", &["list", "--help"]),
    ("uninstall-help", "wheelhouse", &["uninstall", "--help"]),
    ("cpus-help", "wheelhouse", &["cpus", "--help"]),
    ("doctor-help", "wheelhouse", &["doctor", "--help"]),
    ("download-help", "wheelhouse", &["download", "--help"]),
    ("lock-help", "wheelhouse", &["lock", "--help"]),
    ("sync-help", "wheelhouse", &["sync", "--help"]),
    (
        "error-venv-no-slurm-tmpdir",
        "wheelhouse",
        &["venv", "/env", "-r", "requirements.txt"],
    ),
    (
        "error-download-no-python",
        "wheelhouse",
        &["download", "--no-deps", "tensorboardX"],
    ),
    ("error-download-nothing", "wheelhouse", &["download"]),
    (
        "doctor-not-an-environment",
        "wheelhouse",
        &["doctor", "-p", "nowhere"],
    ),
    ("wheel-help", "wheelhouse", &["wheel", "--help"]),
    (
        "error-wheel-missing-source",
        "wheelhouse",
        &["wheel", "-w", "dist", "no-such-project"],
    ),
    ("inspect-help", "wheelhouse", &["inspect", "--help"]),
    ("add-help", "wheelhouse", &["add", "--help"]),
    ("edit-help", "wheelhouse", &["edit", "--help"]),
    ("audit-help", "wheelhouse", &["audit", "--help"]),
    ("serve-help", "wheelhouse", &["serve", "--help"]),
    (
        "error-inspect-not-a-wheel-name",
        "wheelhouse",
        &["inspect", "notes.txt"],
    ),
    (
        "error-inspect-missing",
        "wheelhouse",
        &["inspect", "missing-1.0-py3-none-any.whl"],
    ),
    (
        "error-edit-nothing",
        "wheelhouse",
        &["edit", "x-1.0-py3-none-any.whl"],
    ),
    (
        "error-edit-bad-requirement",
        "wheelhouse",
        &["edit", "x-1.0-py3-none-any.whl", "--add-req", "numpy>=>2"],
    ),
    (
        "error-add-not-a-directory",
        "wheelhouse",
        &["add", "--wheelhouse", "nowhere", "x-1.0-py3-none-any.whl"],
    ),
    (
        "error-audit-bad-python",
        "wheelhouse",
        &["audit", "wheelhouse", "--python", "three"],
    ),
    (
        "error-serve-no-catalog",
        "wheelhouse",
        &["serve", "wheelhouse"],
    ),
    ("error-venv-no-module", "wheelhouse", &["venv", "env"]),
    (
        "module-python-help",
        "wheelhouse",
        &["module", "python", "--help"],
    ),
    ("site-init-help", "wheelhouse", &["site", "init", "--help"]),
    ("cache-help", "wheelhouse", &["cache", "--help"]),
    (
        "cache-info-help",
        "wheelhouse",
        &["cache", "info", "--help"],
    ),
    (
        "cache-prune-help",
        "wheelhouse",
        &["cache", "prune", "--help"],
    ),
    (
        "cache-verify-help",
        "wheelhouse",
        &["cache", "verify", "--help"],
    ),
    ("error-cache-no-dir", "wheelhouse", &["cache", "info"]),
    (
        "error-cache-bad-size",
        "wheelhouse",
        &["cache", "prune", "--max-size", "lots", "--cache-dir", "c"],
    ),
    (
        "stack-build-help",
        "wheelhouse",
        &["stack", "build", "--help"],
    ),
    (
        "error-module-python-missing",
        "wheelhouse",
        &[
            "module",
            "python",
            "/nonexistent/python3",
            "--modulepath",
            "m",
        ],
    ),
    (
        "error-site-init-bad-path",
        "wheelhouse",
        &["site", "init", "/tmp/my site", "--python", "/nonexistent"],
    ),
    (
        "error-stack-build-bad-name",
        "wheelhouse",
        &[
            "stack",
            "build",
            "scipy-stack",
            "-r",
            "r.txt",
            "--python",
            "3.11",
            "--prefix",
            "p",
            "--modulepath",
            "m",
        ],
    ),
    (
        "error-stack-build-no-python",
        "wheelhouse",
        &[
            "stack",
            "build",
            "s/1",
            "-r",
            "r.txt",
            "--python",
            "3.7",
            "--prefix",
            "p",
            "--modulepath",
            "m",
        ],
    ),
    (
        "error-install-no-environment",
        "wheelhouse",
        &["install", "numpy"],
    ),
    ("error-install-nothing", "wheelhouse", &["install"]),
    (
        "error-unknown-format",
        "avail_wheels",
        &["numpy", "--format", "fancy"],
    ),
    ("error-unknown-arch", "avail_wheels", &["-a", "avx2"]),
    ("error-unknown-python", "avail_wheels", &["-p", "3.7"]),
    (
        "error-missing-requirements",
        "avail_wheels",
        &["-r", "missing.txt"],
    ),
    (
        "error-nested-missing-requirements",
        "avail_wheels",
        &["-r", "../snapshots/includes-missing.txt"],
    ),
    ("error-bad-requirement", "avail_wheels", &["num py"]),
    (
        "error-conflicting-flags",
        "avail_wheels",
        &["numpy", "-v", "1.0", "--all-versions"],
    ),
    (
        "error-index-not-a-directory",
        "wheelhouse",
        &["index", "nowhere"],
    ),
    (
        "error-python-took-a-name",
        "avail_wheels",
        &["-p", "3.11", "six", "--all-versions"],
    ),
    (
        "error-column-took-a-name",
        "avail_wheels",
        &["--column", "name", "version", "six"],
    ),
    (
        "error-arch-took-a-name",
        "wheelhouse",
        &["avail", "--arch", "generic", "six"],
    ),
    (
        "error-requirement-took-a-name",
        "avail_wheels",
        &["-r", "requirements.txt", "six"],
    ),
    (
        "error-unknown-column",
        "avail_wheels",
        &["--column", "nmae"],
    ),
    (
        "error-audit-python-twice",
        "wheelhouse",
        &["audit", "--python", "3.11", "3.12"],
    ),
    (
        "error-audit-python-thrice",
        "wheelhouse",
        &["audit", "--python", "3.11", "3.12", "3.10", "wheelhouse"],
    ),
    (
        "error-serve-pip-config-twice",
        "wheelhouse",
        &[
            "serve",
            "--pip-config",
            "pip-generic.conf",
            "pip-x86-64-v3.conf",
        ],
    ),
    (
        "error-stack-build-python-twice",
        "wheelhouse",
        &[
            "stack",
            "build",
            "--python",
            "3.11",
            "3.12",
            "s/1",
            "-r",
            "r.txt",
            "--prefix",
            "p",
            "--modulepath",
            "m",
        ],
    ),
    (
        "error-install-p-version",
        "wheelhouse",
        &["install", "-p", "3.11", "numpy"],
    ),
    (
        "error-install-p-missing",
        "wheelhouse",
        &["install", "-p", "env3111", "numpy"],
    ),
    (
        "error-freeze-p-not-an-environment",
        "wheelhouse",
        &["freeze", "-p", "wheelhouse"],
    ),
    (
        "error-install-missing-wheel-file",
        "wheelhouse",
        &["install", "./notthere.whl"],
    ),
    (
        "error-venv-p-is-the-environment",
        "wheelhouse",
        &["venv", "-p", "newenv"],
    ),
    (
        "error-avail-p-environment",
        "avail_wheels",
        &["-p", "./env", "numpy"],
    ),
    ("note-avail-near-miss", "avail_wheels", &["python-datutil"]),
    (
        "error-venv-python-not-offered",
        "wheelhouse",
        &["venv", "--python", "3.7", "env37"],
    ),
    (
        "error-lock-python-not-offered",
        "wheelhouse",
        &["lock", "--python", "3.7", "six"],
    ),
    (
        "error-serve-pip-config-dir-then-root",
        "wheelhouse",
        &["serve", "--pip-config", ".", "wheelhouse"],
    ),
    (
        "error-stack-build-python-then-name",
        "wheelhouse",
        &[
            "stack",
            "build",
            "--python",
            "3.11",
            "scipy-stack",
            "-r",
            "r.txt",
            "--prefix",
            "p",
            "--modulepath",
            "m",
        ],
    ),
    (
        "warning-bad-file-name",
        "avail_wheels",
        &["--not-available-only"],
    ),
];

fn binary(name: &str) -> &'static str {
    match name {
        "avail_wheels" => env!("CARGO_BIN_EXE_avail_wheels"),
        _ => env!("CARGO_BIN_EXE_wheelhouse"),
    }
}

#[test]
fn user_facing_text_matches_the_snapshots() {
    let mut failures = Vec::new();
    for (name, bin, args) in CASES {
        let out = Command::new(binary(bin))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("WHEELHOUSE", "wheelhouse")
            .env("PYTHON_DIRS", "pythons")
            .env("EBVERSIONGENTOO", "2023")
            .current_dir(tests_dir().join("fixtures"))
            .args(*args)
            .output()
            .unwrap();
        let text = format!(
            "$ {bin} {}\n--- exit {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        failures.extend(snapshot(&format!("{name}.txt"), &text));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
