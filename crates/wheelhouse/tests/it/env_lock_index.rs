//! `wheelhouse lock` from the same sources as `install`: a package index served on 127.0.0.1
//! (`tests/it/common/index.rs`) behind the site's wheelhouse, and `-f` directories with
//! source distributions. An index's wheel is locked by its URL with size and sha256, a
//! package with only an sdist as `[packages.sdist]` (built at lock time to learn its
//! dependencies, built again by sync, with real setuptools from the wheelhouse). pip 26
//! installs our index lock and we install its; a wrong hash or an unreachable index fails
//! with one paragraph, at lock or sync time, the environment unchanged.

use std::path::{Path, PathBuf};

use crate::common::index::{sha256, with_metadata, Index, Listed};
use crate::common::sources::{sdist, setuptools_project, site_with_backends};
use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
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

/// The entry's wheels and sdist.
fn files<'a>(lock: &'a lock::Lock, name: &str) -> (&'a [lock::File], Option<&'a lock::File>) {
    match &entry(lock, name).source {
        lock::Source::Files { wheels, sdist } => (wheels, sdist.as_ref()),
        other => panic!("{name}: {other:?}"),
    }
}

/// `name==version` of what the environment holds, pip aside, sorted.
fn installed(env: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(site_packages(env))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let stem = name.strip_suffix(".dist-info")?;
            let (n, v) = stem.split_once('-')?;
            let n = n.to_lowercase().replace('_', "-");
            (!["pip", "setuptools", "wheel"].contains(&n.as_str())).then(|| format!("{n}=={v}"))
        })
        .collect();
    found.sort();
    found
}

/// `dir/NAME-VERSION.tar.gz` of a setuptools project that depends on six.
fn sdist_in(site: &Site, dir: &Path, name: &str, version: &str) -> PathBuf {
    let src = site.path(&format!("src/{name}-{version}"));
    setuptools_project(&src, name, version);
    std::fs::create_dir_all(dir).unwrap();
    let archive = dir.join(format!("{name}-{version}.tar.gz"));
    sdist(&src, &format!("{name}-{version}"), &archive);
    archive
}

/// Lists `archive` on `project`'s pages of `index` (HTML and PEP 691 JSON), with `hash`.
fn list_sdist(index: &Index, project: &str, archive: &Path, hash: &str) {
    let name = archive.file_name().unwrap().to_str().unwrap();
    std::fs::copy(archive, index.root.join("files").join(name)).unwrap();
    let dir = index.root.join("simple").join(project);
    let html = std::fs::read_to_string(dir.join("index.html"))
        .unwrap()
        .replace(
            "</body>",
            &format!("<a href=\"../../files/{name}#sha256={hash}\">{name}</a><br/>\n</body>"),
        );
    std::fs::write(dir.join("index.html"), html).unwrap();
    let json = dir.join("index.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    doc["files"] = serde_json::json!([{
        "filename": name,
        "url": format!("../../files/{name}"),
        "hashes": { "sha256": hash },
    }]);
    std::fs::write(&json, doc.to_string()).unwrap();
}

/// The wheelhouse has `app 1.0` (needing `b` and `srconly`, which it lacks); the index has
/// `b` 1.0 and 1.1 (wheels) and `srconly` 1.0 as an sdist only (a setuptools project needing
/// six, which the site has).
fn site_and_index(b_hash_wrong: bool) -> (Site, Index) {
    let site = site_with_backends();
    WheelSpec::pure("app", "1.0")
        .requires("b>=1")
        .requires("srconly")
        .write(&site.generic);
    let b = |v: &str| -> Listed {
        Listed {
            wrong_hash: b_hash_wrong && v == "1.1",
            ..with_metadata(WheelSpec::pure("b", v))
        }
    };
    let index = Index::new(
        &site.path("index"),
        &[("b", vec![b("1.0"), b("1.1")]), ("srconly", vec![])],
        true,
    );
    let archive = sdist_in(&site, &site.path("dist"), "srconly", "1.0");
    list_sdist(&index, "srconly", &archive, &sha256(&archive));
    (site, index)
}

/// A port nothing listens on (bound, then let go).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/simple")
}

#[test]
fn an_index_lock_names_wheels_by_url_and_sdists_and_sync_installs_it() {
    let (site, index) = site_and_index(false);
    let lock_path = site.path("pylock.toml");
    let out = site.wheelhouse(&["lock", "app", "-i", &index.url, "-o", s(&lock_path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("building srconly-1.0.tar.gz from"),
        "{}",
        stderr(&out)
    );
    let (lock, text) = read_lock(&lock_path);
    // The wheelhouse's wheel by its path, as in a wheelhouse-only lock.
    let (app, _) = files(&lock, "app");
    assert_eq!(
        app[0].path.as_deref(),
        Some(s(&site.generic.join("app-1.0-py3-none-any.whl"))),
        "{text}"
    );
    // The index's wheel by its URL, with the sha256 and size its page gives (the same as the
    // served file's): like pip lock, the lock did not download it.
    let log = index.requests();
    assert!(
        !log.lines()
            .any(|l| l == "GET /files/b-1.1-py3-none-any.whl"),
        "{log}"
    );
    let served = index.file("b-1.1-py3-none-any.whl");
    let (b, b_sdist) = files(&lock, "b");
    assert!(b_sdist.is_none(), "{text}");
    assert_eq!(b.len(), 1, "{text}");
    let url = b[0].url.as_deref().unwrap_or_else(|| panic!("{text}"));
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/files/b-1.1-py3-none-any.whl"),
        "{text}"
    );
    assert_eq!(b[0].path, None, "{text}");
    assert_eq!(
        entry(&lock, "b").index.as_deref(),
        Some(index.url.as_str()),
        "{text}"
    );
    assert_eq!(entry(&lock, "app").index, None, "{text}");
    assert_eq!(b[0].sha256(), Some(sha256(&served).as_str()), "{text}");
    assert_eq!(b[0].size, Some(std::fs::metadata(&served).unwrap().len()));
    // The sdist-only package: its sdist by URL, its version from its built metadata.
    let (src_wheels, src) = files(&lock, "srconly");
    assert!(src_wheels.is_empty(), "{text}");
    let src = src.unwrap_or_else(|| panic!("{text}"));
    let archive = index.file("srconly-1.0.tar.gz");
    assert!(
        src.url
            .as_deref()
            .is_some_and(|u| u.ends_with("/files/srconly-1.0.tar.gz")),
        "{text}"
    );
    assert_eq!(src.sha256(), Some(sha256(&archive).as_str()), "{text}");
    assert_eq!(src.size, Some(std::fs::metadata(&archive).unwrap().len()));
    assert_eq!(
        entry(&lock, "srconly").version.as_deref(),
        Some("1.0"),
        "{text}"
    );
    // The levels and environments are those of a wheelhouse-only lock.
    let plain = site.path("plain/pylock.toml");
    std::fs::create_dir_all(plain.parent().unwrap()).unwrap();
    site.ok(&["lock", "setuptools", "-o", s(&plain)]);
    let (plain, _) = read_lock(&plain);
    assert_eq!(lock.levels, plain.levels);
    assert_eq!(lock.environments, plain.environments);
    assert_eq!(lock.wheelhouse, plain.wheelhouse);

    // A wheel named by URL is locked by that URL too (not by a temporary copy).
    let named = site.path("named/pylock.toml");
    std::fs::create_dir_all(named.parent().unwrap()).unwrap();
    site.ok(&["lock", &format!("b @ {url}"), "-o", s(&named)]);
    let (named, named_text) = read_lock(&named);
    let (b_named, _) = files(&named, "b");
    assert_eq!(b_named[0].url.as_deref(), Some(url), "{named_text}");
    assert_eq!(b_named[0].path, None, "{named_text}");
    assert_eq!(b_named[0].sha256(), b[0].sha256(), "{named_text}");

    // sync fetches the index's wheel (hash checked) and builds the sdist.
    index.clear();
    let env = site.venv("env");
    let out = site.wheelhouse(&["sync", "-p", s(&env), s(&lock_path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        installed(&env),
        ["app==1.0", "b==1.1", "six==1.17.0", "srconly==1.0"]
    );
    let log = index.requests();
    assert!(!log.contains("/simple/"), "sync read no index page:\n{log}");
    assert!(log.contains("b-1.1-py3-none-any.whl"), "{log}");
    // Synced again: nothing fetched, nothing built.
    index.clear();
    let again = site.ok(&["sync", "-p", s(&env), s(&lock_path)]);
    assert!(again.contains("Nothing to do"), "{again}");
    assert_eq!(index.requests(), "");
}

#[test]
fn pip_configuration_names_the_index_as_for_install() {
    let (site, index) = site_and_index(false);
    let lock_path = site.path("pylock.toml");
    // The test site's pip.conf says no-index = true, as a cluster's does; the variables
    // override it as they do for install.
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["lock", "b", "-o", s(&lock_path)])
        .env("PIP_INDEX_URL", &index.url)
        .env("PIP_NO_INDEX", "0")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (lock, text) = read_lock(&lock_path);
    assert!(files(&lock, "b").0[0].url.is_some(), "{text}");
    // --no-index: the wheelhouse only, which lacks b.
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["lock", "b", "--no-index", "-o", s(&lock_path)])
        .env("PIP_INDEX_URL", &index.url)
        .env("PIP_NO_INDEX", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn an_sdist_in_a_find_links_directory_is_locked_by_path_and_built_by_sync() {
    let site = site_with_backends();
    let dir = site.path("dir");
    let archive = sdist_in(&site, &dir, "linked-src", "1.0");
    let lock_path = site.path("pylock.toml");
    site.ok(&[
        "lock",
        "linked-src",
        "--no-index",
        "-f",
        "dir",
        "-o",
        s(&lock_path),
    ]);
    let (lock, text) = read_lock(&lock_path);
    let (wheels, src) = files(&lock, "linked-src");
    assert!(wheels.is_empty(), "{text}");
    let src = src.unwrap_or_else(|| panic!("{text}"));
    assert_eq!(src.path.as_deref(), Some(s(&archive)), "{text}");
    assert_eq!(src.sha256(), Some(sha256(&archive).as_str()), "{text}");
    let env = site.venv("env");
    site.ok(&["sync", "-p", s(&env), s(&lock_path)]);
    assert_eq!(installed(&env), ["linked-src==1.0", "six==1.17.0"]);
    // --only-binary leaves the sdist out, as for install.
    let out = site.wheelhouse(&[
        "lock",
        "linked-src",
        "--no-index",
        "-f",
        "dir",
        "--only-binary",
        ":all:",
        "-o",
        s(&site.path("other/pylock.toml")),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("linked-src-1.0.tar.gz"),
        "{}",
        stderr(&out)
    );
    // A wheel beside the sdist is locked, unless --no-binary asks for the sdist.
    let both = sdist_in(&site, &dir, "both", "1.0");
    WheelSpec::pure("both", "1.0").requires("six").write(&dir);
    let lock_both = |extra: &[&str]| {
        let path = site.path("both/pylock.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut args = vec!["lock", "both", "--no-index", "-f", "dir", "-o", s(&path)];
        args.extend(extra);
        site.ok(&args);
        read_lock(&path)
    };
    let (lock, text) = lock_both(&[]);
    let (wheels, src) = files(&lock, "both");
    assert!(wheels.len() == 1 && src.is_none(), "{text}");
    let (lock, text) = lock_both(&["--no-binary", "both"]);
    let (wheels, src) = files(&lock, "both");
    assert!(wheels.is_empty(), "{text}");
    assert_eq!(
        src.and_then(|f| f.path.as_deref()),
        Some(s(&both)),
        "{text}"
    );
}

/// A page whose sha256 is not its wheel's: the lock takes the page's word (it does not
/// download what it does not install), and the sync, which checks every file against the
/// lock, refuses it with the environment unchanged. An sdist, fetched at lock time to be
/// built, is checked then: the lock fails and nothing is written.
#[test]
fn a_wrong_hash_on_the_index_is_refused_with_nothing_changed() {
    let (site, index) = site_and_index(true);
    let lock_path = site.path("pylock.toml");
    site.ok(&["lock", "app", "-i", &index.url, "-o", s(&lock_path)]);
    let (lock, text) = read_lock(&lock_path);
    let zeros = "0".repeat(64);
    assert_eq!(
        files(&lock, "b").0[0].sha256(),
        Some(zeros.as_str()),
        "{text}"
    );
    let env = site.venv("env");
    site.ok(&["install", "-p", s(&env), "six"]);
    let before = contents(&env);
    let out = site.wheelhouse(&["sync", "-p", s(&env), s(&lock_path)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let served = sha256(&index.file("b-1.1-py3-none-any.whl"));
    assert!(
        err.contains(&format!(
            "b-1.1-py3-none-any.whl has sha256:{served}, but the lock says sha256:{zeros}"
        )),
        "{err}"
    );
    assert!(err.contains("nothing was installed"), "{err}");
    assert_eq!(contents(&env), before);

    // The sdist's page lies: the lock fails, naming the file, and writes nothing.
    let (site, index) = site_and_index(false);
    let archive = index.file("srconly-1.0.tar.gz");
    list_sdist(&index, "srconly", &archive, &zeros);
    let lock_path = site.path("pylock.toml");
    let out = site.wheelhouse(&["lock", "app", "-i", &index.url, "-o", s(&lock_path)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("srconly-1.0.tar.gz does not match the sha256 the index gives"),
        "{err}"
    );
    assert!(err.trim_end().ends_with("No lock was written."), "{err}");
    assert!(!lock_path.exists());
    // An index this node cannot reach: said in one paragraph, nothing written.
    let out = site.wheelhouse(&["lock", "b", "-i", &closed_port_url(), "-o", s(&lock_path)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("127.0.0.1"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one paragraph: {err}");
    assert!(err.contains("cannot reach"), "{err}");
    assert!(!lock_path.exists());
}

#[test]
fn a_changed_or_unreachable_index_file_fails_the_sync_and_changes_nothing() {
    let (site, index) = site_and_index(false);
    let lock_path = site.path("pylock.toml");
    site.ok(&["lock", "app", "-i", &index.url, "-o", s(&lock_path)]);
    let env = site.venv("env");
    site.ok(&["install", "-p", s(&env), "six"]);
    let before = contents(&env);
    // The index now serves another file under the same name.
    let other = site.path("other");
    std::fs::create_dir_all(&other).unwrap();
    let changed = WheelSpec::pure("b", "1.1")
        .file("b_extra.py", b"CHANGED = True\n")
        .write(&other);
    std::fs::copy(&changed, index.file("b-1.1-py3-none-any.whl")).unwrap();
    let out = site.wheelhouse(&["sync", "-p", s(&env), s(&lock_path)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("(b): http://127.0.0.1:"), "{err}");
    assert!(
        err.contains(&format!(
            "has sha256:{}, but the lock says",
            sha256(&changed)
        )),
        "{err}"
    );
    assert!(err.contains("nothing was installed"), "{err}");
    assert_eq!(contents(&env), before);
    // The index gone: said, nothing changed.
    let (lock, text) = read_lock(&lock_path);
    let url = files(&lock, "b").0[0].url.clone().unwrap();
    let gone = url.replace(
        &index.url.trim_end_matches("/simple").to_string(),
        closed_port_url().trim_end_matches("/simple"),
    );
    let bad = site.path("bad/pylock.toml");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, text.replace(&url, &gone)).unwrap();
    let out = site.wheelhouse(&["install", "-p", s(&env), "-r", s(&bad)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{gone} could not be fetched")),
        "{err}"
    );
    assert!(err.contains("Nothing was installed"), "{err}");
    assert_eq!(contents(&env), before);
}

#[test]
fn pip_26_installs_our_index_lock_and_we_install_its() {
    let (site, index) = site_and_index(false);
    // Environments seeded with pip 26, which reads locks.
    std::fs::copy(
        pip26_wheel(),
        site.generic.join(pip26_wheel().file_name().unwrap()),
    )
    .unwrap();
    let ours = site.path("ours/pylock.toml");
    std::fs::create_dir_all(ours.parent().unwrap()).unwrap();
    site.ok(&["lock", "app", "-i", &index.url, "-o", s(&ours)]);
    let pip_env = site.venv("pip-env");
    // pip builds the sdist with setuptools from the wheelhouse (its build isolation needs an
    // index or a directory); the lock's files come from the lock.
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
    assert_eq!(
        installed(&pip_env),
        ["app==1.0", "b==1.1", "six==1.17.0", "srconly==1.0"]
    );

    // pip 26's lock of b from the index (wheels by URL), installed by ours.
    let pip_lock = site.path("pip/pylock.toml");
    std::fs::create_dir_all(pip_lock.parent().unwrap()).unwrap();
    let out = site
        .command("python3")
        .env_remove("PIP_CONFIG_FILE")
        .arg(pip26_wheel().join("pip"))
        .args(["lock", "--quiet", "--index-url", &index.url, "b", "-o"])
        .arg(&pip_lock)
        .output()
        .unwrap();
    assert!(out.status.success(), "pip lock: {}", stderr(&out));
    let (lock, text) = read_lock(&pip_lock);
    assert!(files(&lock, "b").0[0].url.is_some(), "{text}");
    let env = site.venv("env");
    site.ok(&["install", "-p", s(&env), "-r", s(&pip_lock)]);
    assert_eq!(installed(&env), ["b==1.1"]);
}

/// The site's layout as search paths (no pip configuration): every level has its own
/// `fastlib`; the index's `b` serves them all, one entry without levels, and each node syncs
/// its own level's `fastlib` and the index's `b`.
#[test]
fn an_index_package_serves_every_cpu_level_of_the_lock() {
    let site = Site::new();
    let v4 = site.v3.parent().unwrap().join("x86-64-v4");
    std::fs::create_dir_all(&v4).unwrap();
    let mut parts = site.python_version.split('.');
    let cp = format!("cp{}{}", parts.next().unwrap(), parts.next().unwrap());
    let tag = format!("{cp}-{cp}-linux_x86_64");
    WheelSpec::pure("app", "1.0")
        .requires("fastlib")
        .requires("b")
        .write(&site.generic);
    let fast = |level: &str| {
        WheelSpec::pure("fastlib", "1.0")
            .file("fastlib.py", format!("LEVEL = {level:?}\n").as_bytes())
    };
    fast("generic").write(&site.generic);
    fast("x86-64-v3").tag(&tag).write(&site.v3);
    fast("x86-64-v4").tag(&tag).write(&v4);
    let index = Index::new(
        &site.path("index"),
        &[("b", vec![with_metadata(WheelSpec::pure("b", "1.1"))])],
        true,
    );
    let run = |level: &str, args: &[&str]| {
        let out = site
            .command(env!("CARGO_BIN_EXE_wheelhouse"))
            .env_remove("PIP_CONFIG_FILE")
            .env("RSNT_ARCH", level)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let lock_path = site.path("pylock.toml");
    run(
        "x86-64-v3",
        &["lock", "app", "-i", &index.url, "-o", s(&lock_path)],
    );
    let (lock, text) = read_lock(&lock_path);
    assert_eq!(lock.levels, ["x86-64-v3", "x86-64-v4"], "{text}");
    let (fastlib, _) = files(&lock, "fastlib");
    // Each level's own build, as in a wheelhouse-only lock.
    assert_eq!(fastlib.len(), 2, "{text}");
    let b = entry(&lock, "b");
    assert!(b.levels.is_empty(), "{text}");
    let (b_wheels, _) = files(&lock, "b");
    assert_eq!(b_wheels.len(), 1, "{text}");
    assert!(b_wheels[0].url.is_some(), "{text}");
    for level in ["x86-64-v3", "x86-64-v4"] {
        let env = site.path(&format!("env-{level}"));
        run(level, &["venv", s(&env)]);
        run(level, &["sync", "-p", s(&env), s(&lock_path)]);
        assert_eq!(installed(&env), ["app==1.0", "b==1.1", "fastlib==1.0"]);
        let module = std::fs::read_to_string(site_packages(&env).join("fastlib.py")).unwrap();
        assert_eq!(module, format!("LEVEL = {level:?}\n"));
    }
}
