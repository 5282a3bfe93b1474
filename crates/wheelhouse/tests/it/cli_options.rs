//! Options of one value, repeated for several (as pip's): none swallows the positional
//! argument after it. `avail_wheels` keeps the original's greedy lists; its errors say so
//! (tests/snapshots pins those texts).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::stderr;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn wheelhouse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PYTHON_DIRS", "pythons")
        .env("EBVERSIONGENTOO", "2023")
        .current_dir(fixtures())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_positional_after_an_option_stays_a_positional() {
    // The wheelhouse root after `--python 3.11` is the root, not a second Python.
    let out = wheelhouse(&[
        "audit",
        "--python",
        "3.11",
        "wheelhouse",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()));
    let out = wheelhouse(&[
        "audit",
        "--python",
        "3.11",
        "--python",
        "3.12",
        "--arch",
        "x86-64-v3",
        "wheelhouse",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // `serve --pip-config DIR ROOT`: DIR's files are read (the fixtures' have no
    // [install] find-links), ROOT is the wheelhouse.
    let out = wheelhouse(&["serve", "--pip-config", ".", "wheelhouse"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("./pip-generic.conf sets no `find-links`"),
        "{}",
        stderr(&out)
    );

    // `stack build --python 3.11 NAME/VERSION`: the name is the name.
    let out = wheelhouse(&[
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
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the stack name scipy-stack: give NAME/VERSION"),
        "{}",
        stderr(&out)
    );
}
