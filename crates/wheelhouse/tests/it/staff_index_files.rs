//! `wheelhouse index --html OUT --files symlink|hardlink|copy`: each tree served over HTTP on
//! 127.0.0.1 (Python's `http.server`, which follows links like most servers) and installed from
//! by stock pip (24.2, `.tools/venv`) and uv (`.tools/envtools`); what survives a copy of OUT
//! once the wheelhouse is gone; and what a later run rewrites, keeps and removes.

use std::collections::BTreeMap;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::real_wheel;
use crate::common::staff_cli::{clean_env, pip_install, text, uv_install, StaticServer};
use test_support::tools_python;
use test_support::WheelSpec;

fn index(root: &Path, out: &Path, mode: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wheelhouse"));
    clean_env(&mut cmd);
    let out = cmd
        .arg("index")
        .arg(root)
        .arg("--html")
        .arg(out)
        .args(["--files", mode])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    out
}

/// app 1.0 (x86-64-v3) needs dep (generic of the layer) and six (a real PyPI wheel, top-level
/// generic); `lonely` is needed by nothing.
fn house(root: &Path) {
    WheelSpec::pure("app", "1.0")
        .requires("dep>=1")
        .requires("six")
        .write(&root.join("gentoo2023/x86-64-v3"));
    WheelSpec::pure("dep", "1.2+computecanada").write(&root.join("gentoo2023/generic"));
    WheelSpec::pure("lonely", "1.0").write(&root.join("gentoo2023/generic"));
    let six = real_wheel("six-");
    std::fs::create_dir_all(root.join("generic")).unwrap();
    std::fs::copy(&six, root.join("generic").join(six.file_name().unwrap())).unwrap();
}

fn installed(target: &Path) -> bool {
    target.join("app/__init__.py").is_file()
        && target.join("dep/__init__.py").is_file()
        && target.join("six.py").is_file()
}

/// Every entry under `dir`: (inode, mtime, is a symlink), links not followed.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, i64, i64, bool)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                todo.push(e.path());
            } else {
                out.insert(
                    e.path().strip_prefix(dir).unwrap().to_path_buf(),
                    (
                        m.ino(),
                        m.mtime(),
                        m.mtime_nsec(),
                        m.file_type().is_symlink(),
                    ),
                );
            }
        }
    }
    out
}

const DEP: &str = "gentoo2023/generic/dep-1.2+computecanada-py3-none-any.whl";

#[test]
fn each_files_mode_installs_over_http_and_only_copies_survive_the_wheelhouse() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wheelhouse");
    house(&root);
    let wheel = std::fs::metadata(root.join(DEP)).unwrap();
    let modes = ["symlink", "hardlink", "copy"];
    for mode in modes {
        let out = tmp.path().join(format!("index-{mode}"));
        index(&root, &out, mode);
        let file = out.join("files").join(DEP);
        let m = std::fs::symlink_metadata(&file).unwrap();
        match mode {
            "symlink" => assert_eq!(
                std::fs::read_link(&file).unwrap(),
                root.join(DEP).canonicalize().unwrap()
            ),
            "hardlink" => {
                assert!(m.is_file());
                assert_eq!((m.dev(), m.ino()), (wheel.dev(), wheel.ino()));
            }
            _ => {
                assert!(m.is_file());
                assert_ne!(m.ino(), wheel.ino());
                assert_eq!(m.nlink(), 1);
                assert_eq!(m.len(), wheel.len());
                assert_eq!(m.mtime(), wheel.mtime(), "a copy keeps the wheel's mtime");
            }
        }
        let server = StaticServer::start(&out);
        let target = tmp.path().join(format!("pip-{mode}"));
        let done = pip_install(
            &tools_python(),
            &server.url("x86-64-v3/simple/"),
            &target,
            &["app"],
        );
        assert!(done.status.success(), "{mode}: {}", text(&done));
        assert!(installed(&target), "{mode}: {}", text(&done));
        let target = tmp.path().join(format!("uv-{mode}"));
        let done = uv_install(
            &server.url("x86-64-v3/simple/"),
            &target,
            &tmp.path().join(format!("uv-cache-{mode}")),
            &["app"],
        );
        assert!(done.status.success(), "{mode}: {}", text(&done));
        assert!(installed(&target), "{mode}: {}", text(&done));
    }

    // Staff copy OUT to another place (as to a web root on another host), and the wheelhouse
    // is not there: the links point nowhere, the copies and hard links carry the wheels.
    for mode in modes {
        let done = Command::new("cp")
            .arg("-a")
            .arg(tmp.path().join(format!("index-{mode}")))
            .arg(tmp.path().join(format!("moved-{mode}")))
            .output()
            .unwrap();
        assert!(done.status.success(), "{}", text(&done));
    }
    std::fs::rename(&root, tmp.path().join("wheelhouse-gone")).unwrap();
    for mode in modes {
        let server = StaticServer::start(&tmp.path().join(format!("moved-{mode}")));
        let target = tmp.path().join(format!("pip-moved-{mode}"));
        let done = pip_install(
            &tools_python(),
            &server.url("x86-64-v3/simple/"),
            &target,
            &["app"],
        );
        if mode == "symlink" {
            assert!(!done.status.success(), "{}", text(&done));
            assert!(!installed(&target));
        } else {
            assert!(done.status.success(), "{mode}: {}", text(&done));
            assert!(installed(&target), "{mode}: {}", text(&done));
        }
    }
}

#[test]
fn a_later_run_keeps_unchanged_files_switches_modes_and_removes_unpublished_wheels() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wheelhouse");
    house(&root);
    let out = tmp.path().join("index");
    let files = out.join("files");
    let first = index(&root, &out, "copy");
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("files: 4 written, 0 unchanged"),
        "{}",
        text(&first)
    );
    let before = snapshot(&files);
    assert_eq!(before.len(), 8, "4 wheels and their metadata: {before:#?}");

    // Nothing changed: nothing is copied or rewritten (same inodes and times).
    let again = index(&root, &out, "copy");
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("files: 0 written, 4 unchanged, 0 removed"),
        "{}",
        text(&again)
    );
    assert_eq!(snapshot(&files), before);

    // A wheel taken out of the wheelhouse: its file, metadata and project page go.
    let lonely = "gentoo2023/generic/lonely-1.0-py3-none-any.whl";
    std::fs::remove_file(root.join(lonely)).unwrap();
    let pruned = index(&root, &out, "copy");
    assert!(
        String::from_utf8_lossy(&pruned.stdout).contains("0 written, 3 unchanged"),
        "{}",
        text(&pruned)
    );
    assert!(!files.join(lonely).exists());
    assert!(!files.join(format!("{lonely}.metadata")).exists());
    assert!(!out.join("x86-64-v3/simple/lonely").exists());
    assert!(
        !std::fs::read_to_string(out.join("x86-64-v3/simple/index.html"))
            .unwrap()
            .contains("lonely")
    );
    let mut expected = before.clone();
    expected.remove(Path::new(lonely));
    expected.remove(&PathBuf::from(format!("{lonely}.metadata")));
    assert_eq!(snapshot(&files), expected, "the other files are untouched");

    // Another mode replaces every wheel's file; no temporary file is left behind.
    let wheel = std::fs::metadata(root.join(DEP)).unwrap();
    index(&root, &out, "hardlink");
    let m = std::fs::symlink_metadata(files.join(DEP)).unwrap();
    assert_eq!((m.dev(), m.ino()), (wheel.dev(), wheel.ino()));
    index(&root, &out, "symlink");
    assert!(std::fs::symlink_metadata(files.join(DEP))
        .unwrap()
        .file_type()
        .is_symlink());
    index(&root, &out, "copy");
    let m = std::fs::symlink_metadata(files.join(DEP)).unwrap();
    assert!(m.is_file() && m.ino() != wheel.ino());
    let names: Vec<PathBuf> = snapshot(&out).into_keys().collect();
    assert!(
        names
            .iter()
            .all(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.')),
        "{names:#?}"
    );
    assert_eq!(snapshot(&files).len(), 6);

    // A CPU level taken away: its pages go, and what staff put next to them stays.
    std::fs::write(out.join("README.txt"), "ours").unwrap();
    std::fs::remove_dir_all(root.join("gentoo2023/x86-64-v3")).unwrap();
    let dropped = index(&root, &out, "copy");
    assert!(!out.join("x86-64-v3").exists(), "{}", text(&dropped));
    assert!(out.join("generic/simple/dep/index.html").is_file());
    assert!(!files.join("gentoo2023/x86-64-v3").exists());
    assert!(out.join("README.txt").is_file());
}

/// A hard link cannot cross file systems: the wheel is copied, the run says so, and a second
/// run sees the copy as unchanged. Needs /dev/shm on another file system than the temporary
/// directory (as on this machine and most Linux hosts); the test says so and fails otherwise.
#[test]
fn hardlink_across_file_systems_copies_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let shm = tempfile::tempdir_in("/dev/shm").expect("/dev/shm for a second file system");
    assert_ne!(
        std::fs::metadata(tmp.path()).unwrap().dev(),
        std::fs::metadata(shm.path()).unwrap().dev(),
        "the temporary directory and /dev/shm are on one file system; set TMPDIR elsewhere"
    );
    let root = tmp.path().join("wheelhouse");
    house(&root);
    let out = shm.path().join("index");
    let first = index(&root, &out, "hardlink");
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("4 wheels copied, not hard-linked: "),
        "{}",
        text(&first)
    );
    let m = std::fs::symlink_metadata(out.join("files").join(DEP)).unwrap();
    assert!(m.is_file());
    let again = index(&root, &out, "hardlink");
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("files: 0 written, 4 unchanged"),
        "{}",
        text(&again)
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).is_empty(),
        "{}",
        text(&again)
    );
    let server = StaticServer::start(&out);
    let target = tmp.path().join("pip");
    let done = pip_install(
        &tools_python(),
        &server.url("x86-64-v3/simple/"),
        &target,
        &["app"],
    );
    assert!(
        done.status.success() && installed(&target),
        "{}",
        text(&done)
    );
}
