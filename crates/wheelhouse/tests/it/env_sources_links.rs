//! Source distributions found in the search paths (`-f` directories, the site's), as pip takes
//! them: a version without a compatible wheel is built and installed; the newest version
//! wins unless `--prefer-binary`; `--only-binary` leaves them out with a hint that pastes.
//! The cluster journey: `pip download` (or `wheelhouse download`) of sdists on the login
//! node, `install --no-index -f dir` on the compute nodes. pip 26 is the reference for the
//! choices (`--dry-run --report`) and the installed tree.

use std::path::{Path, PathBuf};

use crate::common::sources::{sdist, setuptools_project, site_with_backends, write};
use crate::common::*;

/// `dir/NAME-VERSION.tar.gz` of a setuptools project that depends on six.
fn sdist_in(site: &Site, dir: &Path, name: &str, version: &str) -> PathBuf {
    let src = site.path(&format!("src/{name}-{version}"));
    setuptools_project(&src, name, version);
    std::fs::create_dir_all(dir).unwrap();
    let archive = dir.join(format!("{name}-{version}.tar.gz"));
    sdist(&src, &format!("{name}-{version}"), &archive);
    archive
}

/// `name==version` of what pip 26 would install into `env` (`--dry-run --report`), with
/// the site's configuration and `args`.
fn pip_choice(site: &Site, env: &Path, args: &[&str], vars: &[(&str, &str)]) -> Vec<String> {
    let report = site.path("report.json");
    let _ = std::fs::remove_file(&report);
    let out = site
        .command(env.join("bin/python"))
        .arg(pip26_wheel().join("pip"))
        .args(["install", "--dry-run", "--quiet", "--report"])
        .arg(&report)
        .args(args)
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "pip: {}", stderr(&out));
    crate::common::report_choices(&report)
}

/// `name==version` of what `wheelhouse install --dry-run` would install.
fn our_choice(site: &Site, env: &Path, args: &[&str], vars: &[(&str, &str)]) -> Vec<String> {
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["install", "--dry-run", "--format", "json", "-p"])
        .arg(env)
        .args(args)
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut found: Vec<String> = result["would_install"]
        .as_array()
        .unwrap_or_else(|| panic!("no would_install in {result}"))
        .iter()
        .map(|n| {
            let text = n.as_str().unwrap();
            let (name, version) = text.rsplit_once('-').unwrap();
            format!("{}=={version}", name.to_lowercase().replace('_', "-"))
        })
        .collect();
    found.sort();
    found
}

fn freeze(site: &Site, env: &Path) -> String {
    site.ok(&["freeze", "-p", env.to_str().unwrap()])
}

#[test]
fn an_sdist_in_a_find_links_directory_is_built_and_installed_as_pip_26_does() {
    let site = site_with_backends();
    let dir = site.path("dir");
    sdist_in(&site, &dir, "linked-src", "1.0");
    // Its dependency, as a wheel in the same directory.
    WheelSpec::pure("six", "99.0").write(&dir);
    let ours = site.venv("ours");
    let o = ours.to_str().unwrap();
    let out = site.wheelhouse(&["install", "-p", o, "--no-index", "-f", "dir", "linked-src"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("building linked-src-1.0.tar.gz from dir"),
        "{}",
        stderr(&out)
    );
    assert_eq!(freeze(&site, &ours), "linked-src==1.0\nsix==99.0\n");
    let theirs = site.venv("theirs");
    site.run_ok(
        &theirs.join("bin/python"),
        &[
            &pip26_wheel().join("pip").to_string_lossy(),
            "install",
            "--no-index",
            "-f",
            "dir",
            "linked-src",
        ],
    );
    assert_eq!(freeze(&site, &theirs), freeze(&site, &ours));
    // The same files, no direct_url.json (a name, not a URL, was asked for), RECORD's
    // content and INSTALLER aside.
    let files = |env: &Path| -> Vec<String> {
        tree(&site_packages(env))
            .into_iter()
            .filter(|l| l.contains("linked_src") && !l.contains("__pycache__"))
            .filter(|l| !l.contains("/RECORD") && !l.contains("/INSTALLER"))
            .collect()
    };
    assert_eq!(files(&ours), files(&theirs));
    assert!(!files(&ours).iter().any(|f| f.contains("direct_url.json")));
    // A requirements file's own `-f` line finds it too, and the built wheel is kept in the
    // cache: the second environment is not built again.
    write(&site.path("req.txt"), "-f dir\nlinked-src\n");
    let cache = site.path("cache");
    let c = cache.to_str().unwrap();
    let first = site.venv("first");
    site.ok(&[
        "install",
        "-p",
        first.to_str().unwrap(),
        "--cache-dir",
        c,
        "-r",
        "req.txt",
    ]);
    let built = tree(&cache.join("built-wheels-v1"));
    assert!(
        built
            .iter()
            .any(|f| f.contains("linked_src-1.0-py3-none-any.whl")),
        "{built:?}"
    );
    let second = site.venv("second");
    site.ok(&[
        "install",
        "-p",
        second.to_str().unwrap(),
        "--cache-dir",
        c,
        "-r",
        "req.txt",
    ]);
    assert_eq!(freeze(&site, &second), "linked-src==1.0\nsix==99.0\n");
    assert_eq!(tree(&cache.join("built-wheels-v1")), built);
}

/// pip's rule: the newest version wins even when only its sdist is there; for the same
/// version a compatible wheel is preferred; with `--prefer-binary` (the site's
/// configuration sets it) an older wheel beats a newer sdist.
#[test]
fn a_newer_sdist_beside_an_older_wheel_is_chosen_as_pip_26_chooses() {
    let site = site_with_backends();
    let dir = site.path("dir");
    WheelSpec::pure("six", "99.0").write(&dir);
    WheelSpec::pure("pick", "1.0").write(&dir);
    sdist_in(&site, &dir, "pick", "2.0");
    // An sdist beside a wheel of its own version is never built.
    sdist_in(&site, &dir, "same", "1.0");
    WheelSpec::pure("same", "1.0").write(&dir);
    let env = site.venv("env");
    let args = ["--no-index", "-f", "dir", "pick", "same"];
    let plain = [("PIP_PREFER_BINARY", "false")];
    let newest = our_choice(&site, &env, &args, &plain);
    assert_eq!(newest, ["pick==2.0", "same==1.0", "six==99.0"]);
    assert_eq!(pip_choice(&site, &env, &args, &plain), newest);
    let mut prefer = args.to_vec();
    prefer.push("--prefer-binary");
    let wheels = our_choice(&site, &env, &prefer, &plain);
    assert_eq!(wheels, ["pick==1.0", "same==1.0"]);
    assert_eq!(pip_choice(&site, &env, &prefer, &plain), wheels);
    // The site's configuration says prefer-binary = true.
    assert_eq!(our_choice(&site, &env, &args, &[]), wheels);
    assert_eq!(pip_choice(&site, &env, &args, &[]), wheels);
    // Installed for real: the newer sdist is built; the wheel of `same` is the one installed.
    let e = env.to_str().unwrap();
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["install", "-p", e])
        .args(args)
        .envs(plain)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(freeze(&site, &env), "pick==2.0\nsame==1.0\nsix==99.0\n");
    let same = std::fs::read_to_string(site_packages(&env).join("same/__init__.py")).unwrap();
    assert_eq!(same, "__version__ = \"1.0\"\n");
    // A pin on the wheel's version takes the wheel, never building the newer sdist.
    let pinned = site.venv("pinned");
    let out = site.wheelhouse(&[
        "install",
        "-p",
        pinned.to_str().unwrap(),
        "--no-index",
        "-f",
        "dir",
        "pick==1.0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("building"), "{}", stderr(&out));
}

/// `--only-binary :all:` (or the package's name, or a requirements file's line) leaves the
/// sdists out: the old paragraph, whose command pastes and works (the environment and the
/// search paths kept).
#[test]
fn only_binary_refuses_an_sdist_with_a_hint_that_pastes() {
    let site = site_with_backends();
    let dir = site.path("dir");
    sdist_in(&site, &dir, "wheelless", "1.0");
    WheelSpec::pure("six", "99.0").write(&dir);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let before = tree(&env);
    write(&site.path("req.txt"), "--only-binary :all:\nwheelless\n");
    let cases: [&[&str]; 3] = [
        &["--only-binary", ":all:", "wheelless"],
        &["--only-binary", "six,Wheelless", "wheelless"],
        &["-r", "req.txt"],
    ];
    let mut hint = String::new();
    for args in cases {
        let mut full = vec!["install", "-p", e, "--no-index", "-f", "dir"];
        full.extend(args);
        let out = site.wheelhouse(&full);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("only source distributions of it (wheelless-1.0.tar.gz)"));
        assert!(err.contains("--only-binary asks for wheels of it"), "{err}");
        assert!(!err.contains("building"), "{err}");
        hint = quoted_after(&err, "by naming the file");
        assert_eq!(tree(&env), before);
    }
    assert_eq!(
        hint,
        format!("wheelhouse install -p {e} --no-index -f dir dir/wheelless-1.0.tar.gz")
    );
    let out = site.run_pasted(&hint);
    assert!(out.status.success(), "{hint}: {}", stderr(&out));
    let frozen = freeze(&site, &env);
    assert!(
        frozen.starts_with("six==99.0\nwheelless @ file://"),
        "{frozen}"
    );
}

/// A build that fails names the sdist and leaves the environment as it was.
#[test]
fn a_failing_sdist_build_changes_nothing() {
    let site = site_with_backends();
    let dir = site.path("dir");
    let src = site.path("src/brokensrc-1.0");
    write(
        &src.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \
         \"setuptools.build_meta\"\n",
    );
    write(
        &src.join("setup.py"),
        "import sys\nsys.exit('error: Python.h: No such file')\n",
    );
    std::fs::create_dir_all(&dir).unwrap();
    sdist(&src, "brokensrc-1.0", &dir.join("brokensrc-1.0.tar.gz"));
    WheelSpec::pure("six", "99.0").write(&dir);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "--no-index", "-f", "dir", "six"]);
    let before = contents(&env);
    let out = site.wheelhouse(&[
        "install",
        "-p",
        e,
        "--no-index",
        "-f",
        "dir",
        "brokensrc",
        "six",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("brokensrc: the search paths have no wheel"),
        "{err}"
    );
    assert!(err.contains("dir/brokensrc-1.0.tar.gz was built"), "{err}");
    assert!(err.contains("Python.h: No such file"), "{err}");
    assert!(err.contains("environment was left as it was"), "{err}");
    assert_eq!(contents(&env), before);
}

/// `--no-binary NAME` builds NAME from its sdist although a wheel of the same version is
/// there (pip 26 installs the same files); without a sdist it says so.
#[test]
fn no_binary_builds_the_sdist_beside_a_wheel_as_pip_26_does() {
    let site = site_with_backends();
    let dir = site.path("dir");
    WheelSpec::pure("six", "99.0").write(&dir);
    WheelSpec::pure("both", "1.0").write(&dir);
    sdist_in(&site, &dir, "both", "1.0");
    let ours = site.venv("ours");
    let o = ours.to_str().unwrap();
    let out = site.wheelhouse(&[
        "install",
        "-p",
        o,
        "--no-index",
        "-f",
        "dir",
        "--no-binary",
        "both",
        "both",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("building both-1.0.tar.gz from dir: --no-binary asks"),
        "{}",
        stderr(&out)
    );
    let module = |env: &Path| std::fs::read_to_string(site_packages(env).join("both/__init__.py"));
    assert_eq!(module(&ours).unwrap(), "VALUE = 1\n");
    let theirs = site.venv("theirs");
    site.run_ok(
        &theirs.join("bin/python"),
        &[
            &pip26_wheel().join("pip").to_string_lossy(),
            "install",
            "--no-index",
            "-f",
            "dir",
            "--no-binary",
            "both",
            "both",
        ],
    );
    assert_eq!(module(&theirs).unwrap(), module(&ours).unwrap());
    assert_eq!(freeze(&site, &theirs), freeze(&site, &ours));
    // six has only wheels: nothing to build it from.
    let fresh = site.venv("fresh");
    let before = tree(&fresh);
    let out = site.wheelhouse(&[
        "install",
        "-p",
        fresh.to_str().unwrap(),
        "--no-index",
        "-f",
        "dir",
        "--no-binary",
        ":all:",
        "six==99.0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--no-binary asks to build it from a source"),
        "{err}"
    );
    assert!(err.contains("six-99.0-py3-none-any.whl"), "{err}");
    assert_eq!(tree(&fresh), before);
}

/// A build backend given only as an sdist (`pip download --no-binary :all:` fetches such
/// a directory) would need itself to be built: an error naming the cycle, not endless
/// nested builds.
#[test]
fn a_build_dependency_cycle_is_an_error() {
    // No backend wheels anywhere: only the directory's sdists.
    let site = Site::new();
    let dir = site.path("dir");
    WheelSpec::pure("six", "99.0").write(&dir);
    sdist_in(&site, &dir, "cyclic", "1.0");
    let backend = site.path("src/setuptools-99.0");
    write(
        &backend.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    );
    sdist(
        &backend,
        "setuptools-99.0",
        &dir.join("setuptools-99.0.tar.gz"),
    );
    let env = site.venv("env");
    let before = tree(&env);
    let out = site.wheelhouse(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "--no-index",
        "-f",
        "dir",
        "cyclic",
    ]);
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cyclic-1.0.tar.gz"), "{err}");
    assert!(err.contains("needs setuptools-99.0.tar.gz itself"), "{err}");
    assert!(err.contains("build dependency cycle"), "{err}");
    assert_eq!(tree(&env), before);
}
