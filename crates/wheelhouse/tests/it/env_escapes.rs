//! The second hostile round: links planted in an environment before a removal, wheels that
//! try to plant the installer's own journal, metadata that contradicts the file name, and
//! requirement lines of hostile size. Whatever happens, nothing outside the environment may
//! change, and the environment is either as it was or as asked.

use std::path::{Path, PathBuf};

use crate::common::*;

/// A directory outside the environment that looks like byte code and a package: what a link
/// planted in the environment would lead removals into.
fn decoy(site: &Site, name: &str) -> PathBuf {
    let dir = site.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "mod.cpython-311.pyc",
        "__init__.cpython-311.pyc",
        "unrelated.txt",
        "mod.py",
        "__init__.py",
        "RECORD",
        "METADATA",
    ] {
        std::fs::write(dir.join(f), format!("outside {f}\n")).unwrap();
    }
    dir
}

fn pycl(site: &Site) {
    WheelSpec::pure("pycl", "1.0")
        .file("pycl/mod.py", b"X = 1\n")
        .write(&site.generic);
}

#[test]
fn a_pycache_link_leading_out_is_never_followed() {
    let site = Site::new();
    pycl(&site);
    let outside = decoy(&site, "O");
    let before = contents(&outside);
    let cold = site.path("cold-cache");
    for command in [
        &["uninstall", "-y", "pycl"][..],
        &["install", "--force-reinstall", "pycl"],
        // Byte-compiling what was just installed writes into the module's `__pycache__`.
        &["install", "--force-reinstall", "--compile", "pycl"],
        // Compiled while a new cache entry is filled: the byte code is staged and moved in.
        &[
            "install",
            "--force-reinstall",
            "--compile",
            "--cache-dir",
            cold.to_str().unwrap(),
            "pycl",
        ],
    ] {
        let env = site.venv("env");
        let e = env.to_str().unwrap();
        site.ok(&["install", "-p", e, "pycl"]);
        let pycache = site_packages(&env).join("pycl/__pycache__");
        std::os::unix::fs::symlink(&outside, &pycache).unwrap();
        let mut args = command.to_vec();
        args.extend(["-p", e]);
        let out = site.wheelhouse(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(contents(&outside), before, "{args:?} changed files outside");
        std::fs::remove_dir_all(&env).unwrap();
    }
    // The last install did compile as it filled the entry (a list of its byte code is kept).
    let listed = std::process::Command::new("find")
        .arg(&cold)
        .args(["-name", "LIST"])
        .output()
        .unwrap();
    assert!(!listed.stdout.is_empty(), "no byte code compiled at fill");
}

/// A package several directories deep, with byte code, for planting links at each level.
fn deep_wheel(site: &Site) {
    WheelSpec::pure("deep", "1.0")
        .file("deep/a/__init__.py", b"")
        .file("deep/a/b/__init__.py", b"")
        .file("deep/a/b/c/__init__.py", b"")
        .file("deep/a/b/c/mod.py", b"X = 1\n")
        .file("deep-1.0.data/data/share/deep/note.txt", b"note\n")
        .write(&site.generic);
}

/// Every directory of the installed package (and its byte-code directories, its dist-info and
/// its data directory) replaced in turn by a link to a copy outside the environment: no
/// removal, reinstall or upgrade goes through the link.
#[test]
fn links_at_every_level_of_an_installed_package_are_never_followed() {
    let site = Site::new();
    deep_wheel(&site);
    WheelSpec::pure("deep", "2.0").write(&site.generic);
    let levels = [
        "deep",
        "deep/a",
        "deep/a/b",
        "deep/a/b/c",
        "deep/__pycache__",
        "deep/a/b/c/__pycache__",
        "deep-1.0.dist-info",
    ];
    let commands: [&[&str]; 3] = [
        &["uninstall", "-y", "deep"],
        &["install", "--force-reinstall", "deep==1.0"],
        &["install", "deep==2.0"],
    ];
    for level in levels {
        for command in commands {
            let env = site.venv("env");
            let e = env.to_str().unwrap();
            site.ok(&["install", "-p", e, "deep==1.0"]);
            let sp = site_packages(&env);
            for pyc_dir in ["deep/__pycache__", "deep/a/b/c/__pycache__"] {
                std::fs::create_dir_all(sp.join(pyc_dir)).unwrap();
                for f in ["__init__.cpython-311.pyc", "mod.cpython-311.pyc"] {
                    std::fs::write(sp.join(pyc_dir).join(f), "pyc").unwrap();
                }
            }
            // The level moves outside and a link to it takes its place.
            let outside = site.path("outside-copy");
            let _ = std::fs::remove_dir_all(&outside);
            std::fs::rename(sp.join(level), &outside).unwrap();
            std::os::unix::fs::symlink(&outside, sp.join(level)).unwrap();
            let before = contents(&outside);
            let mut args = command.to_vec();
            args.extend(["-p", e]);
            let out = site.wheelhouse(&args);
            assert!(
                matches!(out.status.code(), Some(0) | Some(3)),
                "{level} {args:?}: {:?} {}",
                out.status,
                stderr(&out)
            );
            assert_eq!(
                contents(&outside),
                before,
                "{args:?} with {level} a link changed files outside:\n{}",
                stderr(&out)
            );
            std::fs::remove_dir_all(&env).unwrap();
        }
    }
}

#[test]
fn the_data_directory_link_is_never_followed() {
    let site = Site::new();
    deep_wheel(&site);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "deep==1.0"]);
    let outside = site.path("share-outside");
    std::fs::rename(env.join("share/deep"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, env.join("share/deep")).unwrap();
    let before = contents(&outside);
    let out = site.wheelhouse(&["uninstall", "-y", "-p", e, "deep"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("link"), "{}", stderr(&out));
    assert_eq!(contents(&outside), before);
}

/// A wheel whose `.data/data/` would put a journal into the installer's staging namespace
/// (or replace its lock) is refused, and so is a RECORD that names them.
#[test]
fn a_wheel_cannot_plant_the_installers_own_files() {
    let site = Site::new();
    pycl(&site);
    let victim = site.path("victim.txt");
    std::fs::write(&victim, "keep me\n").unwrap();
    let journal = format!(
        "wheelhouse-journal 1\nB\t{}\t/tmp/stolen\nEND\n",
        victim.display()
    );
    WheelSpec::pure("planter", "1.0")
        .file(
            "planter-1.0.data/data/.wheelhouse-staging-7/journal",
            journal.as_bytes(),
        )
        .write(&site.generic);
    WheelSpec::pure("locker", "1.0")
        .file("locker-1.0.data/data/.wheelhouse.lock", b"")
        .write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    for name in ["planter", "locker"] {
        let before = contents(&env);
        let out = site.wheelhouse(&["install", "-p", e, name]);
        assert_eq!(out.status.code(), Some(3), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("installer's own"),
            "{name}: {}",
            stderr(&out)
        );
        assert_eq!(contents(&env), before, "{name} changed the environment");
    }
    // Later commands run as usual and the file outside is untouched.
    site.ok(&["install", "-p", e, "pycl==1.0"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");

    // An installed distribution whose RECORD names the lock file.
    let sp = site_packages(&env);
    let meta = sp.join("grabber-1.0.dist-info");
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("METADATA"),
        "Metadata-Version: 2.1\nName: grabber\nVersion: 1.0\n",
    )
    .unwrap();
    let rel = relative_to(&env.join(".wheelhouse.lock"), &sp);
    std::fs::write(meta.join("RECORD"), format!("{rel},,\n")).unwrap();
    let out = site.wheelhouse(&["uninstall", "-y", "-p", e, "grabber"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("installer's own"), "{}", stderr(&out));
}

fn relative_to(path: &Path, base: &Path) -> String {
    let up = base
        .strip_prefix(path.parent().unwrap())
        .unwrap()
        .components()
        .count();
    format!(
        "{}{}",
        "../".repeat(up),
        path.file_name().unwrap().to_string_lossy()
    )
}

/// A staging directory planted by hand whose journal names paths outside the environment is
/// never acted on: the next command says what it is and what to do, and touches nothing.
#[test]
fn a_planted_journal_is_never_acted_on() {
    let site = Site::new();
    pycl(&site);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let victim = site.path("victim.txt");
    std::fs::write(&victim, "keep me\n").unwrap();
    let stage = env.join(".wheelhouse-staging-7");
    std::fs::create_dir_all(stage.join("w0")).unwrap();
    std::fs::write(stage.join("w0/payload"), "payload\n").unwrap();
    let made = site.path("created-outside.txt");
    std::fs::write(
        stage.join("journal"),
        format!(
            "wheelhouse-journal 1\nB\t{}\t{}\nM\t{}\t{}\nEND\n",
            victim.display(),
            stage.join("backup/1").display(),
            stage.join("w0/payload").display(),
            made.display()
        ),
    )
    .unwrap();
    for args in [
        &["install", "pycl"][..],
        &["install", "--dry-run", "pycl"],
        &["uninstall", "-y", "pycl"],
    ] {
        let mut args = args.to_vec();
        args.extend(["-p", e]);
        let out = site.wheelhouse(&args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("was not written by wheelhouse"), "{err}");
        assert!(err.contains("rm -r"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
        assert!(!made.exists());
    }
    // The advice works: once the directory is removed, installs go on.
    std::fs::remove_dir_all(&stage).unwrap();
    site.ok(&["install", "-p", e, "pycl"]);
}

#[test]
fn metadata_that_contradicts_the_file_name_is_refused() {
    let site = Site::new();
    let mut lying = WheelSpec::pure("mmc", "1.0");
    lying.metadata_override = Some(b"Metadata-Version: 2.1\nName: mmc\nVersion: 2.0\n".to_vec());
    lying.write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let before = contents(&env);
    let out = site.wheelhouse(&["install", "-p", e, "mmc==1.0"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("its METADATA says version 2.0, but its file name says 1.0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(contents(&env), before);
    // The same version written differently (PEP 440 normal forms) is one version.
    let mut padded = WheelSpec::pure("padded", "1.0");
    padded.metadata_override =
        Some(b"Metadata-Version: 2.1\nName: padded\nVersion: 1.0.0\n".to_vec());
    padded.write(&site.generic);
    site.ok(&["install", "-p", e, "padded"]);
}

#[test]
fn a_requirement_line_of_hostile_size_is_refused_briefly() {
    let site = Site::new();
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    // Over the line limit: refused before parsing, without echoing it.
    let file = site.path("huge.txt");
    std::fs::write(&file, format!("six{}\n", "=".repeat(3 << 20))).unwrap();
    let out = site.wheelhouse(&["install", "-p", e, "-r", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("bytes long"), "{}", stderr(&out));
    assert!(
        out.stderr.len() < 2000,
        "{} bytes of error",
        out.stderr.len()
    );
    // Under the limit but invalid: the error shows the start of the line only.
    std::fs::write(&file, format!("six {}\n", "x".repeat(300_000))).unwrap();
    let out = site.wheelhouse(&["install", "-p", e, "-r", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("bytes in all"), "{}", stderr(&out));
    assert!(
        out.stderr.len() < 2000,
        "{} bytes of error",
        out.stderr.len()
    );
}

/// `cache clean` with a link planted at each level inside the cache (its entry directory, an
/// entry, an entry's byte-code directories, the temporary and trash directories): what the
/// links point at stays as it was. The cache root itself may be a link (a cache moved to
/// scratch space) and is cleaned through it.
#[test]
fn cache_clean_never_follows_a_link_inside_the_cache() {
    let site = Site::new();
    pycl(&site);
    let levels = [
        "v1/entries",
        "v1/entries/ENTRY",
        "v1/entries/ENTRY/pyc",
        "v1/entries/ENTRY/pyc/TAG",
        "v1/tmp",
        "v1/trash",
    ];
    for level in levels {
        let cache = site.path("cache");
        let _ = std::fs::remove_dir_all(&cache);
        let env = site.path("env");
        let _ = std::fs::remove_dir_all(&env);
        site.ok(&["venv", "--without-pip", env.to_str().unwrap()]);
        let c = cache.to_str().unwrap();
        let e = env.to_str().unwrap();
        site.ok(&["install", "--compile", "--cache-dir", c, "-p", e, "pycl"]);
        let entry = only_child(&cache.join("v1/entries"));
        std::fs::create_dir_all(cache.join("v1/tmp")).unwrap();
        std::fs::create_dir_all(cache.join("v1/trash")).unwrap();
        let level = level.replace("ENTRY", &entry);
        let level = if level.ends_with("TAG") {
            let pyc = cache.join(level.trim_end_matches("/TAG"));
            level.replace("TAG", &only_child(&pyc))
        } else {
            level
        };
        let outside = site.path("cache-outside");
        let _ = std::fs::remove_dir_all(&outside);
        std::fs::rename(cache.join(&level), &outside).unwrap();
        // Old temporary names and entries of its own: what a clean would remove inside.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        for name in [".tmp.1.1", "abandoned"] {
            let f = outside.join(name);
            std::fs::write(&f, "outside\n").unwrap();
            std::fs::File::options()
                .write(true)
                .open(&f)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        std::os::unix::fs::symlink(&outside, cache.join(&level)).unwrap();
        let before = contents(&outside);
        site.ok(&["cache", "clean", "--cache-dir", c]);
        site.ok(&["cache", "prune", "--cache-dir", c]);
        assert_eq!(contents(&outside), before, "{level} as a link");
    }
    // The root as a link is the cache itself.
    let real = site.path("scratch-cache");
    let _ = std::fs::remove_dir_all(&real);
    let link = site.path("linked-cache");
    std::fs::create_dir_all(&real).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let env = site.path("env2");
    site.ok(&["venv", "--without-pip", env.to_str().unwrap()]);
    let l = link.to_str().unwrap();
    site.ok(&[
        "install",
        "--cache-dir",
        l,
        "-p",
        env.to_str().unwrap(),
        "pycl",
    ]);
    assert!(std::fs::read_dir(real.join("v1/entries")).unwrap().count() > 0);
    site.ok(&["cache", "clean", "--cache-dir", l]);
    assert_eq!(
        std::fs::read_dir(real.join("v1/entries")).unwrap().count(),
        0
    );
}

fn only_child(dir: &Path) -> String {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{}: {names:?}", dir.display());
    names.into_iter().next().unwrap()
}
