//! The interpreter's answer about itself is kept in the cache between commands, and asked
//! again whenever something it depends on changes: a `.pth` file, `PYTHONPATH`, the
//! interpreter behind the environment. Never a stale answer installing into the wrong place.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::common::{site_packages, Site, WheelSpec};

/// The kept answers: file name and inode (a rewrite is a new inode: records are replaced by
/// rename).
fn records(site: &Site) -> Vec<(String, u64)> {
    let dir = site.path(".cache/wheelhouse/interpreters-v1");
    let mut out: Vec<(String, u64)> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, e.metadata().unwrap().ino())
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// A directory holding an installed distribution, for `.pth` files and `PYTHONPATH` to add.
fn outside_dist(site: &Site, dir: &str, name: &str) -> PathBuf {
    let root = site.path(dir);
    let info = root.join(format!("{name}-1.0.dist-info"));
    std::fs::create_dir_all(&info).unwrap();
    std::fs::write(
        info.join("METADATA"),
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"),
    )
    .unwrap();
    std::fs::write(info.join("RECORD"), "").unwrap();
    root
}

fn listed(site: &Site, env: &Path) -> String {
    site.ok(&["list", "-p", env.to_str().unwrap()])
}

#[test]
fn a_kept_answer_is_reused_until_what_it_depends_on_changes() {
    let site = Site::new();
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let after_venv = records(&site);
    assert_eq!(
        after_venv.len(),
        1,
        "venv keeps the base interpreter's answer"
    );

    listed(&site, &env);
    let first = records(&site);
    assert_eq!(first.len(), 2, "{first:?}");
    listed(&site, &env);
    assert_eq!(
        records(&site),
        first,
        "the second command reuses the answer"
    );

    // The same environment made afresh at the same path: still the same answer.
    std::fs::remove_dir_all(&env).unwrap();
    site.venv("env");
    assert_eq!(
        records(&site),
        first,
        "a fresh environment at the same path"
    );

    // A .pth file adds a directory to sys.path: asked again, and what it adds is seen.
    let extra = outside_dist(&site, "extra", "extra-pkg");
    std::fs::write(
        site_packages(&env).join("extra.pth"),
        format!("{}\n", extra.display()),
    )
    .unwrap();
    let list = listed(&site, &env);
    assert!(list.contains("extra-pkg"), "{list}");
    let with_pth = records(&site);
    assert_eq!(with_pth.len(), 2);
    assert_ne!(with_pth, first, "the answer was asked again and replaced");

    // Another PYTHONPATH is another key: both answers are kept.
    let module = outside_dist(&site, "module-site", "module-pkg");
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PYTHONPATH", &module)
        .args(["list", "-p", e])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("module-pkg"), "{text}");
    assert_eq!(records(&site).len(), 3);
    // Without it again: the earlier answer, which never saw module-pkg.
    let list = listed(&site, &env);
    assert!(
        !list.contains("module-pkg") && list.contains("extra-pkg"),
        "{list}"
    );

    // --no-cache asks every time and keeps nothing.
    let before = records(&site);
    site.ok(&["install", "-p", e, "--no-cache", "--dry-run", "six"]);
    assert_eq!(records(&site), before);

    // A record that is not JSON is a miss, never an error.
    let dir = site.path(".cache/wheelhouse/interpreters-v1");
    for (name, _) in &before {
        std::fs::write(dir.join(name), "{ not json").unwrap();
    }
    let list = listed(&site, &env);
    assert!(list.contains("extra-pkg"), "{list}");

    // `cache clean` forgets them.
    site.ok(&["cache", "clean"]);
    assert!(records(&site).is_empty());
}

#[test]
fn another_interpreter_behind_the_same_path_is_asked_again() {
    let pypy = Path::new("/usr/bin/pypy3");
    assert!(
        pypy.exists(),
        "pypy3 is missing: scripts/test installs it (apt-get install pypy3)"
    );
    let site = Site::new();
    WheelSpec::pure("tiny", "1.0").write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "tiny"]);
    assert!(site_packages(&env).join("tiny").is_dir());

    // Same path, another Python (a module swapped for another): the kept CPython answer
    // must not send PyPy's packages into lib/python3.11.
    site.ok(&["venv", "--clear", "--python", "/usr/bin/pypy3", e]);
    site.ok(&["install", "-p", e, "tiny"]);
    let pypy_site = site_packages(&env);
    assert!(
        pypy_site.to_string_lossy().contains("pypy"),
        "{}",
        pypy_site.display()
    );
    assert!(pypy_site.join("tiny").is_dir());
    let python = env.join("bin/python");
    let where_ = site.run_ok(
        &python,
        &["-c", "import tiny, sys; print(sys.implementation.name)"],
    );
    assert_eq!(where_.trim(), "pypy");
}
