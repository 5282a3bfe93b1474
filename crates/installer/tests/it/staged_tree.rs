//! Moving staged wheels into place: each wheel's entries of an install location (site-packages,
//! `bin`, `include`) are staged at the top of the staging directory under names that say the
//! wheel and the location, the rest likewise against the root; the commit takes them from what
//! unpacking listed instead of reading the staging directory back, and the clean-up removes
//! the staged directories the commit emptied one `rmdir` each.
//! Whatever a wheel puts where (modules, a file at the top of site-packages, scripts, headers,
//! data at the environment's root, a directory two wheels share), every file must arrive, and
//! nothing of the staging area may stay behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use installer::{commit, lock_environment, Transaction, WheelToInstall};
use test_support::WheelSpec;

use crate::support::layout;

/// Every file below `dir`, relative to it.
fn files(dir: &Path) -> BTreeSet<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let path = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(base, &path, out);
            } else {
                out.insert(path.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

fn install(root: &Path, wheels: &[PathBuf]) {
    let plan = Transaction {
        install: wheels
            .iter()
            .map(|w| WheelToInstall {
                path: w.clone(),
                requested: true,
                direct: false,
                direct_url: None,
                bytes: None,
            })
            .collect(),
        ..Transaction::default()
    };
    let cancel = AtomicBool::new(false);
    let lock = lock_environment(root, &cancel, || {}).unwrap();
    commit(&lock, &plan, &layout(root), &cancel, &|_| {}).unwrap();
}

#[test]
fn every_staged_file_arrives_and_no_staging_directory_stays() {
    let tmp = tempfile::tempdir().unwrap();
    let wheels = tmp.path().join("wheels");
    let root = tmp.path().join("env");
    // An environment with its bin and site-packages, as a fresh virtual environment has.
    std::fs::create_dir_all(root.join("lib/python3.11/site-packages")).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::write(root.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    std::fs::write(root.join("bin/python"), "").unwrap();

    let mut rich = WheelSpec::pure("rich", "1.0")
        .file("rich/sub/deep/mod.py", b"x = 1\n")
        .file("toplevel.py", b"y = 2\n")
        .file("rich-1.0.data/scripts/run", b"#!python\nprint(1)\n")
        .file("rich-1.0.data/headers/rich.h", b"int x;\n")
        .file("rich-1.0.data/data/share/rich/a.txt", b"a\n")
        .file("rich-1.0.data/data/top.txt", b"top\n");
    rich.console_scripts
        .push(("rich-cli".into(), "rich:main".into()));
    // Shares `share/` (a directory the first wheel creates in the same install) and has only
    // a package: its `lib/python3.11/site-packages` only leads to its files.
    let other =
        WheelSpec::pure("other", "2.0").file("other-2.0.data/data/share/other/b.txt", b"b\n");
    let plain = WheelSpec::pure("plain", "3.0");
    let paths = [
        rich.write(&wheels),
        other.write(&wheels),
        plain.write(&wheels),
    ];
    let before = files(&root);
    install(&root, &paths);

    let after = files(&root);
    let sp = Path::new("lib/python3.11/site-packages");
    for want in [
        sp.join("rich/__init__.py"),
        sp.join("rich/sub/deep/mod.py"),
        sp.join("toplevel.py"),
        sp.join("rich-1.0.dist-info/RECORD"),
        sp.join("other/__init__.py"),
        sp.join("plain/__init__.py"),
        sp.join("plain-3.0.dist-info/METADATA"),
        PathBuf::from("bin/run"),
        PathBuf::from("bin/rich-cli"),
        PathBuf::from("include/site/python3.11/rich/rich.h"),
        PathBuf::from("share/rich/a.txt"),
        PathBuf::from("share/other/b.txt"),
        PathBuf::from("top.txt"),
    ] {
        assert!(
            after.contains(&want),
            "{} missing: {after:#?}",
            want.display()
        );
    }
    // Each RECORD names exactly the files its wheel added.
    let mut recorded = BTreeSet::new();
    for dist in ["rich-1.0", "other-2.0", "plain-3.0"] {
        let dist_info = root.join(sp).join(format!("{dist}.dist-info"));
        let text = std::fs::read_to_string(dist_info.join("RECORD")).unwrap();
        for row in wheel_metadata::parse_record(&text) {
            let path = installer::paths::normalize(&root.join(sp).join(&row.path));
            recorded.insert(path.strip_prefix(&root).unwrap().to_path_buf());
        }
    }
    let added: BTreeSet<PathBuf> = after.difference(&before).cloned().collect();
    let lock_file = PathBuf::from(installer::paths::INSTALLER_LOCK);
    let added: BTreeSet<PathBuf> = added.into_iter().filter(|p| *p != lock_file).collect();
    assert_eq!(added, recorded);
    // Nothing of the staging area (or its trash) is left at the top of the environment.
    let leftovers: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(installer::paths::INSTALLER_PREFIX))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A second install replacing one of them goes through the same paths (a backup now).
    let newer = WheelSpec::pure("plain", "3.1").write(&wheels);
    let mut plan_dist = installer::read_site_dir(&root.join(sp)).unwrap();
    plan_dist.retain(|d| d.key == "plain");
    let plan = Transaction {
        install: vec![WheelToInstall {
            path: newer,
            requested: true,
            direct: false,
            direct_url: None,
            bytes: None,
        }],
        remove: plan_dist,
        ..Transaction::default()
    };
    let cancel = AtomicBool::new(false);
    let lock = lock_environment(&root, &cancel, || {}).unwrap();
    commit(&lock, &plan, &layout(&root), &cancel, &|_| {}).unwrap();
    drop(lock);
    let after = files(&root);
    assert!(after.contains(&sp.join("plain-3.1.dist-info/METADATA")));
    assert!(!after.contains(&sp.join("plain-3.0.dist-info/METADATA")));
    assert!(std::fs::read_dir(&root).unwrap().flatten().all(|e| !e
        .file_name()
        .to_string_lossy()
        .starts_with(installer::paths::INSTALLER_PREFIX)));
}
