//! A lock's hashes and the cache: a sync that hashed a wheel leaves its SHA-256 with what the
//! cache remembers of the file, and the next sync compares the lock's hash with it instead of
//! reading the unchanged file again (as git trusts its index for files whose size, times and
//! inode are unchanged). A file rewritten in place since, even with its size and modification
//! time kept, is read, and its wrong hash refused with nothing changed.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use crate::common::{site_packages, stderr, tree, Site, WheelSpec};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The files `wheelhouse ARGS` opened (`strace -f -e trace=openat`).
fn opened_by(site: &Site, args: &[&str]) -> String {
    let log = site.path("openat.log");
    let out = site
        .command("strace")
        .args(["-f", "-qq", "-e", "trace=openat", "-o", s(&log)])
        .arg(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(args)
        .output()
        .expect("strace runs (scripts/durability-test-setup.sh installs it)");
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    std::fs::read_to_string(log).unwrap()
}

#[test]
fn an_unchanged_wheel_is_checked_from_its_remembered_digest_and_a_changed_one_is_read() {
    let site = Site::new();
    let wheel = WheelSpec::pure("alpha", "1.0").write(&site.generic);
    WheelSpec::pure("beta", "2.0").write(&site.generic);
    let lock = site.path("pylock.toml");
    site.ok(&["lock", "alpha", "beta", "-o", s(&lock)]);
    let cache = site.path("cache");
    // A file changed less than two seconds ago is never remembered (its change could
    // still fall in the same timestamp tick as a later one).
    std::thread::sleep(Duration::from_millis(2100));
    let sync = |env: &Path| {
        let _ = std::fs::remove_dir_all(env);
        site.ok(&["venv", "--without-pip", s(env)]);
        vec![
            "sync".to_string(),
            "-p".into(),
            s(env).into(),
            s(&lock).into(),
            "--cache-dir".into(),
            s(&cache).into(),
        ]
    };
    let first = site.path("first");
    let args = sync(&first);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let opened = opened_by(&site, &args);
    assert!(opened.contains(s(&wheel)), "the first sync reads the wheel");
    let digest = environment::digest_file("sha256", &wheel).unwrap();
    let records: Vec<String> = std::fs::read_dir(cache.join("v1/wheels"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(
        records
            .iter()
            .any(|r| r.contains(s(&wheel)) && r.contains(&format!("\nsha256={digest}\n"))),
        "the wheel's digest is remembered: {records:?}"
    );

    // Unchanged: its hash is checked without opening it, and it installs the same.
    let second = site.path("second");
    let args = sync(&second);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let opened = opened_by(&site, &args);
    assert!(
        !opened.contains(s(&wheel)),
        "an unchanged wheel is not read again:\n{opened}"
    );
    assert_eq!(tree(&site_packages(&second)), tree(&site_packages(&first)));

    // Rewritten in place, same size, its modification time set back: only the change time
    // tells, and the file is read, hashed and refused.
    let modified = std::fs::metadata(&wheel).unwrap().modified().unwrap();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&wheel)
        .unwrap();
    let end = file.seek(SeekFrom::End(-1)).unwrap();
    assert!(end > 0);
    file.write_all(b"\x01").unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    let third = site.path("third");
    let args = sync(&third);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let before = tree(&site_packages(&third));
    let out = site.wheelhouse(&args);
    assert!(!out.status.success(), "a changed wheel was installed");
    let err = stderr(&out);
    assert!(err.contains("alpha") && err.contains("sha256"), "{err}");
    assert_eq!(tree(&site_packages(&third)), before, "nothing installed");
}
