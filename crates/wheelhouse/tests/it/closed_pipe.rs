//! `wheelhouse CMD | head -1`: a reader that goes away is not an error. Every command writes
//! into a pipe whose reading end is already closed (so the first write fails, every time, as
//! it does once `head` has its line): no panic (exit 101), no message, the work done.

use std::process::Output;

#[allow(unused_imports)]
use crate::common::{stderr, Site, WheelSpec};

/// Runs `program args` with standard output a pipe nobody reads any more.
fn into_closed_pipe(site: &Site, program: &str, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    site.command(program)
        .args(args)
        .stdout(writer)
        .output()
        .unwrap()
}

fn assert_quiet(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: {:?}\n{}",
        out.status,
        stderr(out)
    );
    assert!(stderr(out).is_empty(), "{what}: {}", stderr(out));
}

const WHEELHOUSE: &str = env!("CARGO_BIN_EXE_wheelhouse");

#[test]
fn commands_finish_their_work_when_the_reader_is_gone() {
    let site = Site::new();
    let env = site.path("env");
    let env_arg = env.to_str().unwrap();

    let out = into_closed_pipe(&site, WHEELHOUSE, &["venv", env_arg]);
    assert_quiet(&out, 0, "venv");
    // The whole environment, pip included, not one cut short at the first line.
    site.run_ok(&env.join("bin/python"), &["-c", "import pip"]);

    let out = into_closed_pipe(&site, WHEELHOUSE, &["install", "-p", env_arg, "six"]);
    assert_quiet(&out, 0, "install");
    site.run_ok(&env.join("bin/python"), &["-c", "import six"]);

    for args in [
        &["freeze", "-p", env_arg][..],
        &["list", "-p", env_arg],
        &["show", "-f", "-p", env_arg, "six", "pip"],
        &["check", "-p", env_arg],
        &["list", "--outdated", "-p", env_arg],
        &["index", "versions", "-p", env_arg, "six"],
        &["cpus", "--explain"],
        &["cpus"],
        &["cache", "info"],
        &["doctor", "-p", env_arg],
    ] {
        let out = into_closed_pipe(&site, WHEELHOUSE, args);
        assert_ne!(out.status.code(), Some(101), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
    }

    let root = site.path("wheelhouse");
    let html = site.path("html");
    let out = into_closed_pipe(
        &site,
        WHEELHOUSE,
        &[
            "index",
            root.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
    );
    assert_quiet(&out, 0, "index --html");
    assert!(html.join("x86-64-v3/simple/index.html").is_file());

    // The listing is the whole of avail's work: it keeps the reference's exit code 1.
    // (With a Python in PYTHON_DIRS, or the listing is empty and says why on stderr.)
    std::fs::create_dir_all(site.path("pythons").join(&site.python_version)).unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = site
        .command(env!("CARGO_BIN_EXE_avail_wheels"))
        .env("PYTHON_DIRS", site.path("pythons"))
        .arg("--all")
        .stdout(writer)
        .output()
        .unwrap();
    assert_quiet(&out, 1, "avail_wheels");
}

#[test]
fn a_full_disk_is_an_error() {
    let site = Site::new();
    let out = site
        .command(WHEELHOUSE)
        .args(["cpus", "--explain"])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("wheelhouse: error: cannot write to standard output ("),
        "{}",
        stderr(&out)
    );
}
