//! Sources in lock files: a git pin locked at its commit, a project directory, an sdist
//! (a file, and one served on 127.0.0.1) with its hash, each built again by `sync`,
//! `install -r pylock.toml` and `venv -r` with real PEP 517 backends (setuptools from
//! `scripts/build-test-setup.sh`); pip 26's `pip lock` of the same sources as the reference.

use std::path::Path;
use std::process::Command;

use crate::common::sources::{setuptools_project, site_with_backends, write};
use crate::common::staff_cli;
use crate::common::*;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `name-version.tar.gz` of `dir` under `top/`, made by Python's tarfile.
fn sdist(dir: &Path, top: &str, archive: &Path) {
    std::fs::create_dir_all(archive.parent().unwrap()).unwrap();
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, tarfile\n\
             with tarfile.open(sys.argv[3], 'w:gz') as t: t.add(sys.argv[1], arcname=sys.argv[2])",
        ])
        .arg(dir)
        .arg(top)
        .arg(archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn value(site: &Site, env: &Path, module: &str) -> String {
    site.run_ok(
        &env.join("bin/python"),
        &["-c", &format!("import {module}; print({module}.VALUE)")],
    )
    .trim()
    .to_string()
}

fn read_lock(path: &Path) -> (lock::Lock, String) {
    let text = std::fs::read_to_string(path).unwrap();
    (lock::Lock::parse(&text).unwrap(), text)
}

fn entry<'a>(lock: &'a lock::Lock, name: &str) -> &'a lock::Package {
    lock.packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no {name} in the lock"))
}

#[test]
fn a_git_pin_is_locked_at_its_commit_and_synced_there_after_the_branch_moves() {
    let site = site_with_backends();
    let repo = site.path("repo");
    setuptools_project(&repo.join("pkg"), "from-git", "2.0");
    git(&site.path(""), &["init", "-q", "repo"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);
    let url = format!("git+file://{}", repo.display());
    let lock_path = site.path("pylock.toml");
    site.ok(&[
        "lock",
        &format!("from-git @ {url}#subdirectory=pkg"),
        "-o",
        s(&lock_path),
    ]);
    let (lock, text) = read_lock(&lock_path);
    assert_eq!(
        entry(&lock, "from-git").source,
        lock::Source::Vcs {
            kind: "git".into(),
            url: Some(format!("file://{}", repo.display())),
            path: None,
            requested_revision: None,
            commit_id: first.clone(),
            subdirectory: Some("pkg".into()),
        },
        "{text}"
    );
    assert!(
        text.contains("[packages.vcs]") || text.contains("vcs = {"),
        "{text}"
    );
    assert!(matches!(
        entry(&lock, "six").source,
        lock::Source::Files { .. }
    ));

    let reqs = site.ok(&[
        "lock",
        &format!("from-git @ {url}#subdirectory=pkg"),
        "--format",
        "requirements",
    ]);
    assert!(
        reqs.contains(&format!("from-git @ {url}@{first}#subdirectory=pkg\n")),
        "{reqs}"
    );
    // The branch moves on; the lock still installs the locked commit.
    write(&repo.join("pkg/from_git/__init__.py"), "VALUE = 2\n");
    git(&repo, &["commit", "-q", "-am", "later"]);
    let env = site.venv("env");
    site.ok(&["install", "-p", s(&env), "six"]);
    // A dry run builds nothing and says what it would build.
    let before = contents(&env);
    let dry = site.ok(&["sync", "--dry-run", "-p", s(&env), s(&lock_path)]);
    assert!(
        dry.contains("Would build and install from-git-2.0"),
        "{dry}"
    );
    assert_eq!(contents(&env), before);
    site.ok(&["sync", "-p", s(&env), s(&lock_path)]);
    assert_eq!(value(&site, &env, "from_git"), "1");
    let frozen = site.ok(&["freeze", "-p", s(&env)]);
    assert!(
        frozen.contains(&format!("from-git @ {url}@{first}#subdirectory=pkg")),
        "{frozen}"
    );
    // Already at the locked commit: nothing is built or installed again.
    let again = site.ok(&["sync", "-p", s(&env), s(&lock_path)]);
    assert!(again.contains("Nothing to do"), "{again}");
    // A job's node: `venv -r pylock.toml`.
    let node = site.path("node-env");
    site.ok(&["venv", s(&node), "-r", s(&lock_path)]);
    assert_eq!(value(&site, &node, "from_git"), "1");
}

#[test]
fn a_project_directory_is_locked_relative_to_the_lock_and_built_by_sync() {
    let site = site_with_backends();
    let proj = site.path("work/proj");
    setuptools_project(&proj, "hello-proj", "0.1");
    write(&site.path("work/requirements.txt"), "-e ./work/proj\n");
    let lock_path = site.path("work/pylock.toml");
    site.ok(&["lock", "./work/proj", "-o", s(&lock_path)]);
    let (lock, text) = read_lock(&lock_path);
    assert_eq!(
        entry(&lock, "hello-proj").source,
        lock::Source::Directory {
            path: "proj".into(),
            editable: false,
            subdirectory: None
        },
        "{text}"
    );
    let env = site.venv("env");
    site.ok(&["install", "-p", s(&env), "-r", s(&lock_path)]);
    assert_eq!(value(&site, &env, "hello_proj"), "1");
    let frozen = site.ok(&["freeze", "-p", s(&env)]);
    assert!(
        frozen.contains(&format!("hello-proj @ file://{}", proj.display())),
        "{frozen}"
    );

    // Editable, from a requirements file's `-e` line.
    let editable_lock = site.path("work/pylock.dev.toml");
    site.ok(&[
        "lock",
        "-r",
        s(&site.path("work/requirements.txt")),
        "-o",
        s(&editable_lock),
    ]);
    let (lock, text) = read_lock(&editable_lock);
    assert!(
        matches!(
            entry(&lock, "hello-proj").source,
            lock::Source::Directory { editable: true, .. }
        ),
        "{text}"
    );
    let dev = site.venv("dev");
    site.ok(&["sync", "-p", s(&dev), s(&editable_lock)]);
    write(&proj.join("hello_proj/__init__.py"), "VALUE = 3\n");
    assert_eq!(
        value(&site, &dev, "hello_proj"),
        "3",
        "an editable install sees edits"
    );

    // The project's version moved on since the lock: refused, nothing changed.
    setuptools_project(&proj, "hello-proj", "0.2");
    let fresh = site.venv("fresh");
    let before = contents(&fresh);
    let out = site.wheelhouse(&["sync", "-p", s(&fresh), s(&lock_path)]);
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains("(hello-proj): the lock has version 0.1, but its source now builds 0.2"),
        "{}",
        stderr(&out)
    );
    assert_eq!(contents(&fresh), before);
}

#[test]
fn an_sdist_is_locked_with_its_hash_and_a_changed_one_is_refused() {
    let site = site_with_backends();
    setuptools_project(&site.path("src/arch-1.2"), "arch", "1.2");
    let archive = site.path("dist/arch-1.2.tar.gz");
    sdist(&site.path("src/arch-1.2"), "arch-1.2", &archive);
    // A second sdist served on 127.0.0.1, named by URL.
    let served = site.path("served");
    setuptools_project(&site.path("src/urlsdist-0.5"), "urlsdist", "0.5");
    sdist(
        &site.path("src/urlsdist-0.5"),
        "urlsdist-0.5",
        &served.join("urlsdist-0.5.tar.gz"),
    );
    let server = staff_cli::StaticServer::start(&served);
    let url = server.url("urlsdist-0.5.tar.gz");
    let lock_path = site.path("pylock.toml");
    site.ok(&[
        "lock",
        "./dist/arch-1.2.tar.gz",
        &format!("urlsdist @ {url}"),
        "-o",
        s(&lock_path),
    ]);
    let (lock, text) = read_lock(&lock_path);
    let lock::Source::Files {
        wheels,
        sdist: Some(file),
    } = &entry(&lock, "arch").source
    else {
        panic!("{text}")
    };
    assert!(wheels.is_empty(), "{text}");
    assert_eq!(file.path.as_deref(), Some(s(&archive)), "{text}");
    assert_eq!(file.size, Some(std::fs::metadata(&archive).unwrap().len()));
    let sha = file.sha256().unwrap().to_string();
    let lock::Source::Files {
        sdist: Some(remote),
        ..
    } = &entry(&lock, "urlsdist").source
    else {
        panic!("{text}")
    };
    assert_eq!(remote.url.as_deref(), Some(url.as_str()), "{text}");
    assert!(remote.sha256().is_some() && remote.size.is_some(), "{text}");

    let env = site.venv("env");
    site.ok(&["sync", "-p", s(&env), s(&lock_path)]);
    assert_eq!(value(&site, &env, "arch"), "1");
    assert_eq!(value(&site, &env, "urlsdist"), "1");
    let frozen = site.ok(&["freeze", "-p", s(&env)]);
    assert!(frozen.contains(&format!("#sha256={sha}")), "{frozen}");

    // A lock whose sdist hash is not the file's: refused naming the entry, nothing changed.
    let index = lock.packages.iter().position(|p| p.name == "arch").unwrap();
    let bad = site.path("bad/pylock.toml");
    write(&bad, &text.replace(&sha, &"0".repeat(64)));
    let fresh = site.venv("fresh");
    site.ok(&["install", "-p", s(&fresh), "six"]);
    let before = contents(&fresh);
    let out = site.wheelhouse(&["sync", "-p", s(&fresh), s(&bad)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("packages[{index}] (arch)")), "{err}");
    assert!(
        err.contains(&format!("but the lock says sha256:{}", "0".repeat(64))),
        "{err}"
    );
    assert!(err.contains("nothing was built or installed"), "{err}");
    assert_eq!(contents(&fresh), before);
    // The served one with a wrong hash: the same.
    let remote_sha = remote.sha256().unwrap();
    write(&bad, &text.replace(remote_sha, &"1".repeat(64)));
    let out = site.wheelhouse(&["install", "-p", s(&fresh), "-r", s(&bad)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("(urlsdist)"), "{}", stderr(&out));
    assert_eq!(contents(&fresh), before);
}

#[test]
fn pip_26_locks_of_sources_install_with_ours() {
    let site = site_with_backends();
    // Environments seeded with pip 26, which reads locks.
    std::fs::copy(
        pip26_wheel(),
        site.generic.join(pip26_wheel().file_name().unwrap()),
    )
    .unwrap();
    setuptools_project(&site.path("proj"), "hello-proj", "0.1");
    let repo = site.path("repo");
    setuptools_project(&repo, "from-git", "2.0");
    git(&site.path(""), &["init", "-q", "repo"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    let commit = git(&repo, &["rev-parse", "HEAD"]);
    setuptools_project(&site.path("src/arch-1.2"), "arch", "1.2");
    sdist(
        &site.path("src/arch-1.2"),
        "arch-1.2",
        &site.path("arch-1.2.tar.gz"),
    );
    let pip_lock = site.path("pylock.toml");
    let out = site
        .command("python3")
        .arg(pip26_wheel().join("pip"))
        .args(["lock", "--quiet", "--no-index", "--find-links"])
        .arg(&site.generic)
        .arg("--find-links")
        .arg(real_wheels())
        .args([
            "./proj",
            "./arch-1.2.tar.gz",
            &format!("from-git @ git+file://{}", repo.display()),
            "-o",
        ])
        .arg(&pip_lock)
        .output()
        .unwrap();
    assert!(out.status.success(), "pip lock: {}", stderr(&out));
    let (lock, text) = read_lock(&pip_lock);
    assert!(
        matches!(&entry(&lock, "from-git").source, lock::Source::Vcs { commit_id, .. } if *commit_id == commit),
        "{text}"
    );
    let env = site.venv("env");
    site.ok(&["install", "-p", s(&env), "-r", s(&pip_lock)]);
    for module in ["hello_proj", "from_git", "arch", "six"] {
        site.run_ok(
            &env.join("bin/python"),
            &["-c", &format!("import {module}")],
        );
    }
    let frozen = site.ok(&["freeze", "-p", s(&env)]);
    assert!(
        frozen.contains(&format!(
            "from-git @ git+file://{}@{commit}",
            repo.display()
        )),
        "{frozen}"
    );
    // Ours, of the sdist, installed by pip 26. (A VCS or directory entry beside hashed files
    // it refuses, in its own locks too: "we don't have a way to hash version control
    // repositories", "they point to directories"; README says so.)
    let ours = site.path("ours/pylock.toml");
    std::fs::create_dir_all(ours.parent().unwrap()).unwrap();
    site.ok(&["lock", "./arch-1.2.tar.gz", "-o", s(&ours)]);
    let pip_env = site.venv("pip-env");
    let out = site
        .command(pip_env.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
        ])
        .arg(&site.generic)
        .arg("-r")
        .arg(&ours)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pip install -r ours: {}",
        stderr(&out)
    );
    for module in ["arch", "six"] {
        site.run_ok(
            &pip_env.join("bin/python"),
            &["-c", &format!("import {module}")],
        );
    }
}
