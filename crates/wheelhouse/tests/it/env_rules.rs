//! Cluster rules and safety: manylinux policy, module PYTHONPATH, teaching errors, path
//! escapes, hashes, interrupted and concurrent installs.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{noise, site_packages, stderr, tree, Site, WheelSpec};

#[test]
fn manylinux_only_packages_are_refused_by_policy() {
    let site = Site::new();
    WheelSpec::pure("binonly", "1.0")
        .tag("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64")
        .write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let before = tree(&env);
    let out = site.wheelhouse(&["install", "-p", e, "binonly"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("refuses `manylinux` wheels by policy"),
        "{err}"
    );
    assert!(err.contains("--allow-manylinux"), "{err}");
    assert_eq!(tree(&env), before);
    site.ok(&["install", "-p", e, "--allow-manylinux", "binonly"]);
    assert!(site_packages(&env).join("binonly/__init__.py").exists());
    // The opt-in also comes from the site's pip configuration.
    let env2 = site.venv("env2");
    let conf = std::fs::read_to_string(&site.pip_conf)
        .unwrap()
        .replace("[install]\n", "[install]\nallow-manylinux = true\n");
    std::fs::write(&site.pip_conf, conf).unwrap();
    site.ok(&["install", "-p", env2.to_str().unwrap(), "binonly"]);
}

#[test]
fn module_pythonpath_packages_count_and_are_never_shadowed() {
    let site = Site::new();
    WheelSpec::pure("stackpkg", "1.0").write(&site.path("stack-wheels"));
    WheelSpec::pure("stackpkg", "2.0").write(&site.generic);
    WheelSpec::pure("user", "1.0")
        .requires("stackpkg>=1.0")
        .write(&site.generic);
    // A scipy-stack-like module: a prefix of installed packages on PYTHONPATH.
    let module_dir = site.path("modules/scipy-stack/lib/python/site-packages");
    let env = site.venv("env");
    let python = env.join("bin/python");
    let out = site
        .command(&python)
        .args(["-m", "pip", "install", "--no-index", "--target"])
        .arg(&module_dir)
        .arg(site.path("stack-wheels/stackpkg-1.0-py3-none-any.whl"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let with_module = |args: &[&str]| {
        site.command(env!("CARGO_BIN_EXE_wheelhouse"))
            .env("PYTHONPATH", &module_dir)
            .args(args)
            .output()
            .unwrap()
    };
    let e = env.to_str().unwrap();
    let out = with_module(&["install", "-p", e, "user"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sp = site_packages(&env);
    assert!(sp.join("user").exists());
    assert!(
        !sp.join("stackpkg").exists(),
        "the module's stackpkg 1.0 satisfies user's >=1.0"
    );
    let out = with_module(&["install", "-p", e, "stackpkg==2.0"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("PYTHONPATH") && err.contains("silently hidden"),
        "{err}"
    );
    assert!(err.contains("module unload"), "{err}");
    assert!(!sp.join("stackpkg").exists());
    // freeze, like pip freeze, lists what the module provides (pip installed it there from
    // a file, so both print its direct reference).
    let freeze = String::from_utf8(with_module(&["freeze", "-p", e]).stdout).unwrap();
    let lines: Vec<&str> = freeze.lines().collect();
    assert_eq!(lines.len(), 2, "{freeze}");
    assert!(lines[0].starts_with("stackpkg @ file:///"), "{freeze}");
    assert!(
        lines[0].contains("stackpkg-1.0-py3-none-any.whl#sha256="),
        "{freeze}"
    );
    assert_eq!(lines[1], "user==1.0");
    // A lock that names another version than the module's is refused by sync as by
    // install, with nothing changed.
    let lock = site.path("pylock.toml");
    site.ok(&["lock", "stackpkg==2.0", "-o", lock.to_str().unwrap()]);
    let before = tree(&env);
    let out = with_module(&["sync", "-p", e, lock.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("PYTHONPATH") && err.contains("silently hidden"),
        "{err}"
    );
    assert_eq!(tree(&env), before);
}

#[test]
fn errors_teach_what_to_do() {
    let site = Site::new();
    WheelSpec::pure("oldpy", "1.0")
        .tag("cp310-cp310-linux_x86_64")
        .write(&site.generic);
    WheelSpec::pure("oldpy", "1.0")
        .tag("cp39-cp39-linux_x86_64")
        .write(&site.generic);
    WheelSpec::pure("a", "1.0")
        .requires("c<2")
        .write(&site.generic);
    WheelSpec::pure("b", "1.0")
        .requires("c>=2")
        .write(&site.generic);
    WheelSpec::pure("c", "1.0").write(&site.generic);
    WheelSpec::pure("c", "2.0").write(&site.generic);
    let mut newpy = WheelSpec::pure("newpy", "1.0");
    newpy.requires_python = Some(">=3.99".into());
    newpy.write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    // Each paragraph is pinned whole (tests/snapshots/install-teaches-*.txt); the words
    // listed are what each must keep saying.
    let check = |name: &str, args: &[&str], code: i32, wants: &[&str]| {
        let out = site.snapshot(&format!("install-teaches-{name}"), args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        for w in wants {
            assert!(err.contains(w), "{args:?}: wanted {w:?} in:\n{err}");
        }
    };
    check(
        "other-python",
        &["install", "-p", e, "oldpy"],
        1,
        &[
            "cp310",
            "cp39",
            "module load python/3.10",
            "avail_wheels oldpy --all-versions --all-pythons",
        ],
    );
    check(
        "no-such-name",
        &["install", "-p", e, "nosuchthing"],
        1,
        &[
            "no wheel named nosuchthing",
            "avail_wheels \"*nosuchthing*\"",
        ],
    );
    // An sdist is a candidate (built) unless --only-binary leaves it out.
    std::fs::write(site.generic.join("srconly-1.0.tar.gz"), b"").unwrap();
    check(
        "source-only",
        &["install", "-p", e, "--only-binary", ":all:", "srconly"],
        1,
        &[
            "only source distributions",
            "srconly-1.0.tar.gz",
            "Build it from source by naming the file",
            "gentoo2023/generic/srconly-1.0.tar.gz`",
        ],
    );
    check(
        "no-version",
        &["install", "-p", e, "c>=3"],
        1,
        &["2.0, 1.0", "none satisfies"],
    );
    check(
        "conflict",
        &["install", "-p", e, "a", "b"],
        1,
        &["a 1.0 requires c<2", "b 1.0 requires c>=2"],
    );
    check(
        "requires-python",
        &["install", "-p", e, "newpy"],
        1,
        &["requires Python >=3.99"],
    );
    check(
        "bad-requirement",
        &["install", "-p", e, "not a requirement!"],
        2,
        &["is not a valid requirement"],
    );
    check(
        "no-environment",
        &["install", "six"],
        2,
        &["No virtual environment is active", "wheelhouse venv ENV"],
    );
    check(
        "module-python",
        &["install", "-p", site.python_root.to_str().unwrap(), "six"],
        2,
        &[
            "the loaded module's Python installation, not a virtual environment",
            "wheelhouse venv ENV && wheelhouse install -p ENV six",
        ],
    );
}

#[test]
fn requirement_files_constraints_and_hashes() {
    let site = Site::new();
    for v in ["1.0", "1.1", "2.0"] {
        WheelSpec::pure("dep", v).write(&site.generic);
    }
    WheelSpec::pure("app", "1.0")
        .requires("dep")
        .write(&site.generic);
    std::fs::write(site.path("nested.txt"), "dep>=1.0 \\\n    # comment\n").unwrap();
    std::fs::write(
        site.path("req.txt"),
        "# the app\n${APPNAME}\n-r nested.txt\n",
    )
    .unwrap();
    std::fs::write(site.path("cons.txt"), "dep<2\n").unwrap();
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("APPNAME", "app")
        .args(["install", "-p", e, "-r", "req.txt", "-c", "cons.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(site.ok(&["freeze", "-p", e]), "app==1.0\ndep==1.1\n");

    let wheel = site.generic.join("dep-1.0-py3-none-any.whl");
    let sha = sha256_hex(&std::fs::read(&wheel).unwrap());
    std::fs::write(
        site.path("hashed.txt"),
        format!("dep==1.0 --hash=sha256:{sha}\n"),
    )
    .unwrap();
    std::fs::write(
        site.path("badhash.txt"),
        format!("dep==1.0 --hash=sha256:{}\n", "0".repeat(64)),
    )
    .unwrap();
    let env2 = site.venv("env2");
    let e2 = env2.to_str().unwrap();
    let out = site.wheelhouse(&["install", "-p", e2, "-r", "badhash.txt"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("DO NOT MATCH THE HASHES"));
    site.ok(&["install", "-p", e2, "-r", "hashed.txt"]);
    assert_eq!(site.ok(&["freeze", "-p", e2]), "dep==1.0\n");
    let out = site.wheelhouse(&["install", "-p", e2, "--require-hashes", "app==1.0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

fn sha256_hex(bytes: &[u8]) -> String {
    let out = std::process::Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(bytes)?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

#[test]
fn escaping_and_corrupt_wheels_are_rejected_untouched() {
    let site = Site::new();
    let mut slip = WheelSpec::pure("slip", "1.0");
    slip.raw_members
        .push(("../../../../escaped.txt".into(), b"owned".to_vec()));
    slip.write(&site.generic);
    let mut abs = WheelSpec::pure("abspath", "1.0");
    abs.raw_members
        .push(("/tmp/wheelhouse-abs-escape.txt".into(), b"owned".to_vec()));
    abs.write(&site.generic);
    let mut data = WheelSpec::pure("dataslip", "1.0");
    data.files.push((
        "dataslip-1.0.data/data/../../../../outside.txt".into(),
        b"x".to_vec(),
    ));
    data.write(&site.generic);
    let mut link = WheelSpec::pure("linky", "1.0");
    link.symlinks.push(("linky/etc".into(), "/etc".into()));
    link.write(&site.generic);
    let mut corrupt = WheelSpec::pure("corrupt", "1.0");
    corrupt.corrupt.push("corrupt/__init__.py".into());
    corrupt.write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let before = tree(&env);
    for (name, want) in [
        ("slip", "climbs out with `..`"),
        ("abspath", "absolute path"),
        ("dataslip", "climbs out with `..`"),
        ("linky", "is a symbolic link"),
        ("corrupt", "but the wheel's RECORD says"),
    ] {
        let out = site.wheelhouse(&["install", "-p", e, "six", name]);
        assert_eq!(out.status.code(), Some(3), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{name}: {}", stderr(&out));
        assert_eq!(tree(&env), before, "{name} changed the environment");
    }
    assert!(
        !site.path("escaped.txt").exists()
            && !std::path::Path::new("/tmp/wheelhouse-abs-escape.txt").exists()
    );
}

/// A wheel big enough that unpacking it takes a while: incompressible modules.
fn big_wheel(site: &Site, name: &str, files: usize) {
    let mut spec = WheelSpec::pure(name, "1.0");
    let seed: u64 = 0x9E3779B97F4A7C15 ^ name.len() as u64;
    for i in 0..files {
        let content = noise(256 * 1024, seed ^ i as u64);
        spec.files.push((format!("{name}/blob{i}.bin"), content));
    }
    spec.write(&site.generic);
}

#[test]
fn killed_or_interrupted_installs_leave_the_environment_as_it_was() {
    let site = Site::new();
    big_wheel(&site, "huge", 600);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "six"]);
    let before = tree(&env);
    for signal in ["-KILL", "-INT"] {
        let child = site
            .command(env!("CARGO_BIN_EXE_wheelhouse"))
            .args(["install", "-p", e, "huge", "attrs"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until it is unpacking (an entry of the first wheel's site-packages is in the
        // staging directory), then stop it.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let staging =
                std::fs::read_dir(env.join(format!(".wheelhouse-staging-{}", child.id())))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("w0-0."));
            if staging || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        std::process::Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        if signal == "-INT" {
            assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
            assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
        }
        let mut after = tree(&env);
        after.retain(|l| !l.starts_with(".wheelhouse-staging-"));
        assert_eq!(after, before, "{signal} left changes");
        assert_eq!(site.ok(&["freeze", "-p", e]), "six==1.17.0\n");
    }
    // The next command that takes the lock clears what the killed one left.
    site.ok(&["install", "-p", e, "idna"]);
    assert!(std::fs::read_dir(&env).unwrap().flatten().all(|d| !d
        .file_name()
        .to_string_lossy()
        .starts_with(".wheelhouse-staging-")));
}

#[test]
fn concurrent_installs_into_one_environment_serialise() {
    let site = Site::new();
    big_wheel(&site, "bigone", 200);
    big_wheel(&site, "bigtwo", 200);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let spawn = |pkg: &str| {
        site.command(env!("CARGO_BIN_EXE_wheelhouse"))
            .args(["install", "-p", e, pkg, "six"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let one = spawn("bigone");
    let two = spawn("bigtwo");
    let (one, two) = (
        one.wait_with_output().unwrap(),
        two.wait_with_output().unwrap(),
    );
    assert!(
        one.status.success() && two.status.success(),
        "{}\n{}",
        stderr(&one),
        stderr(&two)
    );
    let waited = stderr(&one).contains("waiting for another install")
        || stderr(&two).contains("waiting for another install");
    assert!(
        waited,
        "neither install waited for the other:\n{}\n{}",
        stderr(&one),
        stderr(&two)
    );
    assert_eq!(
        site.ok(&["freeze", "-p", e]),
        "bigone==1.0\nbigtwo==1.0\nsix==1.17.0\n"
    );
    let python = env.join("bin/python");
    let check = site.run_ok(&python, &["-m", "pip", "check"]);
    assert!(check.contains("No broken requirements"));
}
