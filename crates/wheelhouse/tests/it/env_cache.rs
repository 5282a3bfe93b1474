//! The unpacked-wheel cache on real file systems (the disk and tmpfs): a warm install puts
//! exactly the files a cold one does, in every link mode and under another umask; concurrent
//! installs fill one cache; a kill while an entry is written never leaves a half entry that
//! is used; a read-only cache is read and never written; an environment's file edited in
//! place never makes the cache hand out wrong content.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::cache::CacheRun;
use crate::common::*;

/// A wheel with many modules, incompressible data (so writing takes a while), an executable
/// member, a `#!python` script (rewritten per environment, so never cached) and a launcher.
fn wheel(site: &Site) {
    let mut spec = WheelSpec::pure("cached", "1.0");
    for i in 0..150 {
        spec.files.push((
            format!("cached/mod{i}.py"),
            format!("I = {i}\n").into_bytes(),
        ));
    }
    let seed: u64 = 0x9E3779B97F4A7C15;
    for i in 0..24 {
        let content = noise(64 * 1024, seed ^ i as u64);
        spec.files.push((format!("cached/blob{i}.bin"), content));
    }
    spec.files
        .push(("cached/tool.sh".into(), b"#!/bin/sh\necho tool\n".to_vec()));
    spec.executable.push("cached/tool.sh".into());
    spec.files.push((
        "cached-1.0.data/scripts/run-cached".into(),
        b"#!python\nimport cached\n".to_vec(),
    ));
    spec.console_scripts
        .push(("cached-cli".into(), "cached:main".into()));
    spec.write(&site.generic);
}

const PACKAGES: [&str; 3] = ["cached", "six", "tzdata"];

/// Installs of PACKAGES through `cache`.
fn run(site: &Site, cache: PathBuf) -> CacheRun<'_> {
    CacheRun {
        site,
        cache,
        options: &[],
        packages: &PACKAGES,
    }
}

/// The environment as the uncached path makes it (with the wheel's executable kept so).
fn reference(run: &CacheRun, env: &Path) -> Vec<String> {
    let reference = run.reference(env);
    assert!(reference.iter().any(|l| l.contains("cached/tool.sh 755")));
    reference
}

/// A count from the `-v` cache line: the number right after `what` (`hard-linked 12`), or
/// right before it (`3 wheels from the cache`).
fn count(out: &Output, what: &str) -> usize {
    let text = stderr(out);
    let line = text
        .lines()
        .find(|l| l.starts_with("cache "))
        .expect(&text)
        .to_string();
    let at = line
        .find(what)
        .unwrap_or_else(|| panic!("{what} in {line}"));
    let after = line[at + what.len()..].trim_start();
    let digits: String = if after.starts_with(|c: char| c.is_ascii_digit()) {
        after.chars().take_while(char::is_ascii_digit).collect()
    } else {
        let before = line[..at].trim_end();
        let n = before
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .count();
        before[before.len() - n..].to_string()
    };
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{what} in {line}"))
}

fn nlink(env: &Path, rel: &str) -> u64 {
    std::fs::metadata(site_packages(env).join(rel))
        .unwrap()
        .nlink()
}

/// Every link mode on the file system of `base`; `reflinks`: whether it shares blocks
/// (FICLONE works), which makes clone the default there.
fn each_link_mode_on(base: &Path, reflinks: bool) {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, base.join("cache"));
    let env = base.join("env");
    let reference = reference(&run, &env);
    // Cold: the entries are written, nothing comes from the cache.
    let out = run.install(&env, &[]);
    assert_eq!(
        (
            count(&out, "wheels from the cache"),
            count(&out, "entries written")
        ),
        (0, 3)
    );
    assert_eq!(contents(&env), reference);
    assert_eq!(run.info()["entries"], 3);
    for mode in ["auto", "clone", "hardlink", "copy"] {
        let out = run.install(&env, &["--link-mode", mode]);
        assert_eq!(
            count(&out, "wheels from the cache"),
            3,
            "{mode}: {}",
            stderr(&out)
        );
        assert_eq!(contents(&env), reference, "{mode}");
        let (cloned, linked, copied) = (
            count(&out, "cloned"),
            count(&out, "hard-linked"),
            count(&out, "copied"),
        );
        assert!(cloned + linked + copied > 700, "{mode}: {}", stderr(&out));
        match mode {
            // With reflinks, auto and clone clone: separate files sharing blocks.
            "auto" | "clone" if reflinks => {
                assert!(cloned > 700 && linked == 0, "{mode}: {}", stderr(&out));
                assert_eq!(nlink(&env, "six.py"), 1);
            }
            // ext4 and tmpfs have no reflinks: auto hard-links, clone falls back to copies.
            "auto" | "hardlink" => {
                assert!(linked > 700 && cloned == 0, "{mode}: {}", stderr(&out));
                assert!(nlink(&env, "six.py") >= 2);
            }
            "clone" | "copy" => {
                assert!(linked == 0 && cloned == 0, "{mode}: {}", stderr(&out));
                assert_eq!(nlink(&env, "six.py"), 1);
            }
            _ => unreachable!(),
        }
    }
    // Another umask: a hard link would carry the cached file's mode, so those files are
    // copied with the mode this umask gives, and the cache keeps its own.
    let cached_six = entry_file(&run.cache, "six.py");
    let before = std::fs::metadata(&cached_six).unwrap().mode() & 0o7777;
    run.fresh(&env);
    let c = run.install_cmd(&env, &["--link-mode", "hardlink"]);
    let args: Vec<String> = std::iter::once(c.get_program().to_string_lossy().into_owned())
        .chain(c.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect();
    let out = site
        .command("sh")
        .arg("-c")
        .arg("umask 002; exec \"$@\"")
        .arg("sh")
        .args(&args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(count(&out, "copied") > 700, "{}", stderr(&out));
    let mode = std::fs::metadata(site_packages(&env).join("six.py"))
        .unwrap()
        .mode()
        & 0o7777;
    assert_eq!((before, mode), (0o644, 0o664));
    assert_eq!(
        std::fs::metadata(&cached_six).unwrap().mode() & 0o7777,
        0o644
    );
}

#[test]
fn each_link_mode_places_the_files_of_a_cold_install_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    each_link_mode_on(tmp.path(), false);
}

#[test]
fn each_link_mode_places_the_files_of_a_cold_install_on_tmpfs() {
    let tmp = tempfile::tempdir_in("/dev/shm").expect("tmpfs at /dev/shm");
    each_link_mode_on(tmp.path(), false);
}

/// XFS with reflinks on a loop device (scripts/reflink-fs.sh): clone is what auto chooses,
/// and an environment's cloned file edited in place leaves the cache's copy as it was.
#[test]
fn each_link_mode_places_the_files_of_a_cold_install_on_a_file_system_with_reflinks() {
    let dir = std::env::var_os("WHEELHOUSE_TEST_REFLINK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/reflink/mnt")
        });
    let fs_type = std::process::Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(&dir)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    assert_eq!(
        fs_type,
        "xfs",
        "no XFS with reflinks at {}: run scripts/reflink-fs.sh up (scripts/test does; needs root)",
        dir.display()
    );
    let tmp = tempfile::tempdir_in(&dir).unwrap();
    each_link_mode_on(tmp.path(), true);

    // In place, as an editor that rewrites the file (not write-then-rename) would.
    let site = Site::new();
    wheel(&site);
    let run = run(&site, tmp.path().join("cache2"));
    let env = tmp.path().join("env2");
    run.install(&env, &[]);
    let out = run.install(&env, &["--link-mode", "clone"]);
    assert!(count(&out, "cloned") > 700, "{}", stderr(&out));
    let cached = entry_file(&run.cache, "six.py");
    let before = std::fs::read(&cached).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(site_packages(&env).join("six.py"))
        .unwrap();
    std::io::Write::write_all(&mut file, b"\nEDITED = True\n").unwrap();
    drop(file);
    assert_eq!(
        std::fs::read(&cached).unwrap(),
        before,
        "the cache's copy is untouched"
    );
}

#[test]
fn concurrent_installs_fill_one_cache() {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, site.path("cache"));
    let envs: Vec<PathBuf> = (0..3).map(|i| site.path(&format!("env{i}"))).collect();
    let references: Vec<Vec<String>> = envs.iter().map(|e| reference(&run, e)).collect();
    for round in 0..2 {
        // Round 0 fills the empty cache from three installs at once; round 1 reads it.
        let children: Vec<_> = envs
            .iter()
            .map(|e| {
                run.fresh(e);
                run.install_cmd(e, &[])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (child, (env, reference)) in children.into_iter().zip(envs.iter().zip(&references)) {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", stderr(&out));
            assert_eq!(&contents(env), reference, "round {round}");
            if round == 1 {
                assert_eq!(count(&out, "wheels from the cache"), 3, "{}", stderr(&out));
            }
        }
        let info = run.info();
        assert_eq!(
            (info["entries"].as_u64(), info["partial"].as_u64()),
            (Some(3), Some(0))
        );
    }
}

/// Every entry has its MANIFEST and every file it lists, at the size it lists.
fn assert_entries_complete(cache: &Path) -> usize {
    let Ok(read) = std::fs::read_dir(cache.join("v1/entries")) else {
        return 0;
    };
    let mut n = 0;
    for entry in read.flatten() {
        let manifest = std::fs::read_to_string(entry.path().join("MANIFEST"))
            .unwrap_or_else(|_| panic!("{} has no MANIFEST", entry.path().display()));
        for (i, line) in manifest.lines().skip(1).enumerate() {
            let size: u64 = line.split(' ').next().unwrap().parse().unwrap();
            let file = entry_member(&entry.path(), &manifest, i);
            assert_eq!(
                std::fs::metadata(&file).map(|m| m.len()).ok(),
                Some(size),
                "{}",
                file.display()
            );
        }
        n += 1;
    }
    n
}

#[test]
fn a_kill_while_an_entry_is_written_never_leaves_a_half_entry_used() {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, site.path("cache"));
    let env = site.path("env");
    let reference = reference(&run, &env);
    let tmp_dir = run.cache.join("v1/tmp");
    let mut killed_mid_write = 0;
    for k in 0..12u64 {
        let _ = std::fs::remove_dir_all(&run.cache);
        run.fresh(&env);
        let mut child = run
            .install_cmd(&env, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // From the moment an entry is being written, at growing offsets.
        let deadline = Instant::now() + Duration::from_secs(30);
        let writing = || std::fs::read_dir(&tmp_dir).is_ok_and(|mut d| d.next().is_some());
        while !writing() && Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        std::thread::sleep(Duration::from_micros(k * 700));
        let _ = child.kill();
        let _ = child.wait();
        if writing() {
            killed_mid_write += 1;
        }
        assert_entries_complete(&run.cache);
        // What the next installs get is right, whatever the kill left.
        run.install(&env, &[]);
        assert_eq!(contents(&env), reference, "after kill {k}");
        assert_eq!(assert_entries_complete(&run.cache), 3);
        run.install(&env, &[]);
        assert_eq!(contents(&env), reference, "after kill {k}, warm");
    }
    assert!(
        killed_mid_write > 0,
        "no kill landed while an entry was being written"
    );
    // Half-written entries are not entries: info counts them apart, and a prune of
    // abandoned writes (older than an hour) would remove them.
    let info = run.info();
    assert_eq!(info["entries"], 3);
}

#[test]
fn a_read_only_cache_is_read_and_never_written() {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, site.path("cache"));
    let env = site.path("env");
    let reference = reference(&run, &env);
    let read_only = |extra: &str| -> Output {
        run.fresh(&env);
        let c = run.install_cmd(&env, &[]);
        let mut args = vec![c.get_program().to_string_lossy().into_owned()];
        args.extend(c.get_args().map(|a| a.to_string_lossy().into_owned()));
        std::fs::create_dir_all(&run.cache).unwrap();
        let script = format!("mount --bind -o ro \"$0\" \"$0\" || exit 97; {extra} exec \"$@\"");
        let out = site
            .command("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .arg(&run.cache)
            .args(&args)
            .output()
            .unwrap();
        assert_ne!(
            out.status.code(),
            Some(97),
            "a read-only bind mount needs root: {}",
            stderr(&out)
        );
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    // Empty and read-only: installs as without a cache, writes nothing.
    let out = read_only("");
    assert!(stderr(&out).contains("not written"), "{}", stderr(&out));
    assert_eq!(count(&out, "entries written"), 0);
    assert_eq!(contents(&env), reference);
    assert_eq!(run.info()["entries"], 0);
    // Filled, then read-only: read (by copying: a hard link cannot cross the mount).
    run.install(&env, &[]);
    let out = read_only("");
    assert_eq!(count(&out, "wheels from the cache"), 3, "{}", stderr(&out));
    assert!(count(&out, "copied") > 700, "{}", stderr(&out));
    assert_eq!(contents(&env), reference);
}

#[test]
fn an_edited_environment_file_never_corrupts_what_the_cache_gives() {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, site.path("cache"));
    let env = site.path("env");
    let reference = reference(&run, &env);
    run.install(&env, &[]);
    let edit = |env: &Path| {
        use std::io::Write;
        // In place, same size: what `open(path, "r+")` does, which a hard link writes
        // through to the cache and every environment linked to it.
        std::thread::sleep(Duration::from_millis(20));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(site_packages(env).join("six.py"))
            .unwrap();
        f.write_all(b"# edited!").unwrap();
    };
    let cached = entry_file(&run.cache, "six.py");
    let pristine = std::fs::read(&cached).unwrap();

    // Copy and clone: the cache never sees the edit.
    for mode in ["copy", "clone"] {
        run.install(&env, &["--link-mode", mode]);
        edit(&env);
        assert_eq!(std::fs::read(&cached).unwrap(), pristine, "{mode}");
    }

    // Hard link: the edit reaches the cache; the next install notices, drops the entry and
    // decompresses the wheel again, then the entry is rebuilt.
    run.install(&env, &["--link-mode", "hardlink"]);
    assert!(nlink(&env, "six.py") >= 2);
    edit(&env);
    assert_ne!(std::fs::read(&cached).unwrap(), pristine);
    let other = site.path("other");
    let out = run.install(&other, &[]);
    assert!(
        stderr(&out).contains("1 changed entries dropped"),
        "{}",
        stderr(&out)
    );
    assert_eq!(count(&out, "wheels from the cache"), 2);
    assert_eq!(count(&out, "entries written"), 1);
    let out = run.install(&env, &[]);
    assert_eq!(count(&out, "wheels from the cache"), 3);
    assert_eq!(contents(&env), reference);
}

/// Found while measuring the scipy stack: ipython and jupyter_core both bring `share/`, which
/// a fresh environment lacks; the second is merged into what the first puts there.
#[test]
fn two_wheels_bringing_the_same_new_directory_install_together() {
    let site = Site::new();
    for name in ["first", "second"] {
        WheelSpec::pure(name, "1.0")
            .file(
                &format!("{name}-1.0.data/data/share/man/man1/{name}.1"),
                b"manual\n",
            )
            .file(
                &format!("{name}-1.0.data/data/share/{name}/x.json"),
                b"{}\n",
            )
            .write(&site.generic);
    }
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    for cache in [
        &["--no-cache"][..],
        &["--cache-dir", "cache"],
        &["--cache-dir", "cache"],
    ] {
        let _ = std::fs::remove_dir_all(env.join("share"));
        let mut args = vec!["install", "-p", e, "--force-reinstall"];
        args.extend(cache);
        args.extend(["first", "second"]);
        site.ok(&args);
        for name in ["first", "second"] {
            let page = env.join(format!("share/man/man1/{name}.1"));
            assert_eq!(std::fs::read(&page).unwrap(), b"manual\n", "{cache:?}");
            assert!(env.join(format!("share/{name}/x.json")).exists());
        }
    }
}

/// A cache on another file system (tmpfs, the environment on the disk) is read by copying
/// while that measures faster than decompressing, and never written.
#[test]
fn a_cache_on_another_file_system_is_read_by_copying_and_never_written() {
    let site = Site::new();
    wheel(&site);
    let shm = tempfile::tempdir_in("/dev/shm").expect("tmpfs at /dev/shm");
    let env = site.path("env");
    let local = run(&site, shm.path().join("cache"));
    let reference = reference(&local, &env);
    // Filled from an environment on its own file system.
    let there = shm.path().join("env");
    local.install(&there, &[]);
    assert_eq!(local.info()["entries"], 3);
    let out = local.install(&env, &[]);
    let text = stderr(&out);
    assert!(text.contains("not written"), "{text}");
    assert!(
        text.contains("cache on another file system: copying from it"),
        "{text}"
    );
    assert_eq!(count(&out, "hard-linked"), 0);
    assert_eq!(contents(&env), reference);
    assert_eq!(local.info()["entries"], 3);
}

/// `venv` seeds pip through the cache as `install` does: the second environment's pip is
/// linked from the entry the first one wrote; `--no-cache` writes its own files.
#[test]
fn venv_seeds_pip_through_the_cache() {
    let site = Site::new();
    let cache = site.path("cache");
    let c = cache.to_str().unwrap();
    let first = site.path("first");
    site.ok(&["venv", "--cache-dir", c, first.to_str().unwrap()]);
    let info = site.ok(&["cache", "info", "--format", "json", "--cache-dir", c]);
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["entries"], 1, "{info}");
    let second = site.path("second");
    site.ok(&["venv", "--cache-dir", c, second.to_str().unwrap()]);
    assert!(
        nlink(&second, "pip/__init__.py") >= 2,
        "pip linked from the cache"
    );
    let third = site.path("third");
    site.ok(&["venv", "--no-cache", third.to_str().unwrap()]);
    assert_eq!(nlink(&third, "pip/__init__.py"), 1);
    // The same pip, file for file, whichever way it came (RECORD differs only by the
    // launchers' hashes: each names its own environment's python).
    let files = |env: &Path| -> Vec<String> {
        contents(&site_packages(env))
            .into_iter()
            .filter(|l| l.starts_with("pip") && !l.contains(".dist-info/RECORD "))
            .collect()
    };
    let (linked, written) = (files(&second), files(&third));
    assert!(linked.len() > 500);
    let differ: Vec<_> = linked
        .iter()
        .filter(|l| !written.contains(l))
        .take(5)
        .collect();
    assert!(
        differ.is_empty() && linked.len() == written.len(),
        "{differ:?}"
    );
    let version = site.run_ok(&second.join("bin/python"), &["-m", "pip", "--version"]);
    assert!(version.starts_with("pip "), "{version}");
}

/// A wheel whose entry is in the cache is installed without opening it while the file is the
/// one an install read (the cache remembers its size, times and inode); the same name
/// rewritten in place with other bytes of the same size, its modification time set back, is
/// read again and its own content installed, never the entry of the bytes it replaced.
#[test]
fn a_wheel_rewritten_in_place_is_read_again_not_served_from_what_the_cache_remembers() {
    let site = Site::new();
    let spec = |value: &str| {
        WheelSpec::pure("swap", "1.0").file("swap/value.py", format!("V = '{value}'\n").as_bytes())
    };
    let wheel = spec("one").write(&site.generic);
    let size = std::fs::metadata(&wheel).unwrap().len();
    // Other bytes of the same size: the first of a few values whose archive has that size.
    let (value, other) = ["two", "six", "ten", "xyz", "abc", "pqr"]
        .iter()
        .map(|v| (*v, std::fs::read(spec(v).write(&site.path(v))).unwrap()))
        .find(|(_, bytes)| bytes.len() as u64 == size)
        .expect("a value giving an archive of the same size");
    // Only a file changed more than two seconds ago is remembered (a same-size rewrite in the
    // same timestamp tick could not be told apart).
    std::thread::sleep(Duration::from_millis(2100));
    let run = CacheRun {
        site: &site,
        cache: site.path("cache"),
        options: &[],
        packages: &["swap"],
    };
    let env = site.path("env");
    let read =
        |env: &Path| std::fs::read_to_string(site_packages(env).join("swap/value.py")).unwrap();
    let out = run.install(&env, &[]);
    assert_eq!(count(&out, "entries written"), 1, "{}", stderr(&out));
    assert_eq!(count(&out, "not opened"), 0);
    let out = run.install(&env, &[]);
    assert_eq!(count(&out, "wheels from the cache"), 1, "{}", stderr(&out));
    assert_eq!(count(&out, "not opened"), 1, "{}", stderr(&out));
    assert_eq!(read(&env), "V = 'one'\n");

    // In place: same inode, same size, the old modification time.
    let before = std::fs::metadata(&wheel).unwrap();
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&wheel)
            .unwrap();
        file.write_all_at(&other, 0).unwrap();
        file.set_modified(before.modified().unwrap()).unwrap();
    }
    let after = std::fs::metadata(&wheel).unwrap();
    assert_eq!(
        (after.ino(), after.len(), after.modified().unwrap()),
        (before.ino(), before.len(), before.modified().unwrap())
    );
    let out = run.install(&env, &[]);
    assert_eq!(count(&out, "not opened"), 0, "{}", stderr(&out));
    assert_eq!(count(&out, "entries written"), 1, "{}", stderr(&out));
    assert_eq!(read(&env), format!("V = '{value}'\n"));
}
