//! pip's everyday read-only commands, compared with pip 26 itself (run from its wheel with the
//! environment's Python) on the same environment: standard output, standard error and exit
//! code must match, because scripts parse them. `show` (plain, `-f`, `-v`, a missing name),
//! `check` (clean, then with missing and conflicting requirements, markers and extras) and
//! `hash` (each algorithm).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

fn pip(site: &Site, env: &Path, args: &[&str]) -> Output {
    site.command(env.join("bin/python"))
        .arg(pip26_wheel().join("pip"))
        .args(args)
        .output()
        .unwrap()
}

fn ours(site: &Site, env: &Path, args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-p", env.to_str().unwrap()]);
    site.wheelhouse(&all)
}

/// Compares with pip, then pins the output as `tests/snapshots/NAME.txt` (pip decides what
/// is right; the snapshot makes a change of it a reviewed diff). An empty name pins nothing:
/// for output about pip itself, whose version is the newest PyPI had when the wheels were
/// fetched.
fn assert_same(site: &Site, env: &Path, name: &str, args: &[&str]) -> String {
    let theirs = pip(site, env, args);
    let mine = ours(site, env, args);
    let text = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(text(&mine), text(&theirs), "stdout of {args:?}");
    assert_eq!(stderr(&mine), stderr(&theirs), "stderr of {args:?}");
    assert_eq!(mine.status.code(), theirs.status.code(), "exit of {args:?}");
    let e = env.to_str().unwrap();
    if !name.is_empty() {
        site.assert_snapshot(name, &[args, &["-p", e]].concat(), &mine);
    }
    text(&mine)
}

fn metadata_of(env: &Path, prefix: &str) -> PathBuf {
    std::fs::read_dir(site_packages(env))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(prefix) && n.ends_with(".dist-info")
        })
        .unwrap()
        .join("METADATA")
}

#[test]
fn show_and_check_print_what_pip_prints() {
    let site = Site::new();
    let env = site.venv("env");
    site.ok(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "python-dateutil",
        "packaging",
        "six",
    ]);
    let shown = assert_same(
        &site,
        &env,
        "pip-show",
        &["show", "python-dateutil", "six", "nothere"],
    );
    assert!(shown.contains("Name: python-dateutil\n"), "{shown}");
    assert!(shown.contains("Requires: tzdata\n"), "{shown}");
    let files = assert_same(&site, &env, "pip-show-files", &["show", "-f", "six"]);
    assert!(
        files.contains("Files:\n  six-1.17.0.dist-info/INSTALLER\n"),
        "{files}"
    );
    assert!(files.ends_with("\n  six.py\n"), "{files}");
    assert_same(&site, &env, "", &["show", "-v", "-f", "packaging", "pip"]);
    assert_same(&site, &env, "pip-show-missing", &["show", "nothere"]);
    assert_eq!(pip(&site, &env, &["show"]).status.code(), Some(1));
    assert_eq!(ours(&site, &env, &["show"]).status.code(), Some(1));
    let clean = assert_same(&site, &env, "pip-check-clean", &["check"]);
    assert_eq!(clean, "No broken requirements found.\n");

    // A package whose requirements are not met: missing, conflicting, a marker that applies,
    // one that does not, extras.
    let metadata = metadata_of(&env, "python_dateutil");
    let text = std::fs::read_to_string(&metadata).unwrap().replacen(
        "Requires-Dist: tzdata\n",
        "Requires-Dist: tzdata\nRequires-Dist: six<1.0,>=0.5; python_version >= \"3\"\n\
         Requires-Dist: Not_There[b,a]>=1\nRequires-Dist: zzz; extra == \"x\"\n\
         Requires-Dist: packaging[x]!=26.4\nRequires-Dist: old; python_version < \"3\"\n",
        1,
    );
    std::fs::write(&metadata, text).unwrap();
    let broken = assert_same(&site, &env, "pip-check-broken", &["check"]);
    assert!(
        broken.contains("python-dateutil 4.0.0 requires not-there, which is not installed.\n"),
        "{broken}"
    );
    assert!(broken.contains("but you have six 1.17.0.\n"), "{broken}");
    assert_same(
        &site,
        &env,
        "pip-show-broken",
        &["show", "python-dateutil", "packaging"],
    );
}

#[test]
fn hash_prints_what_pip_prints() {
    let site = Site::new();
    let env = site.path("env");
    std::fs::create_dir_all(&env).unwrap();
    let python = site.python_root.join("bin/python3");
    let wheel = pip26_wheel();
    let six = real_wheels().join("six-1.17.0-py2.py3-none-any.whl");
    for algorithm in ["sha256", "sha384", "sha512"] {
        let args = [
            "hash",
            "-a",
            algorithm,
            six.to_str().unwrap(),
            wheel.to_str().unwrap(),
        ];
        let theirs = site
            .command(&python)
            .arg(wheel.join("pip"))
            .args(args)
            .output()
            .unwrap();
        let mine = site.wheelhouse(&args);
        assert_eq!(
            String::from_utf8_lossy(&mine.stdout),
            String::from_utf8_lossy(&theirs.stdout)
        );
        assert_eq!(mine.status.code(), Some(0));
    }
    site.snapshot("pip-hash", &["hash", six.to_str().unwrap()]);
    let out = site.snapshot("error-hash-missing", &["hash", "missing.whl"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(site.wheelhouse(&["hash"]).status.code(), Some(1));
}

/// pip's find-links for the same directories the site's configuration gives us.
fn find_links(site: &Site) -> Vec<String> {
    let mut out = vec!["--no-index".to_string()];
    for dir in [&site.v3, &site.generic, &real_wheels()] {
        out.push("-f".into());
        out.push(dir.display().to_string());
    }
    out
}

fn assert_same_against_wheelhouse(site: &Site, env: &Path, name: &str, args: &[&str]) -> String {
    let links = find_links(site);
    let mut pip_args: Vec<&str> = args.to_vec();
    pip_args.extend(links.iter().map(String::as_str));
    let theirs = pip(site, env, &pip_args);
    let mine = ours(site, env, args);
    let text = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        text(&mine),
        text(&theirs),
        "stdout of {args:?}: {}",
        stderr(&mine)
    );
    assert_eq!(mine.status.code(), theirs.status.code(), "exit of {args:?}");
    let e = env.to_str().unwrap();
    site.assert_snapshot(name, &[args, &["-p", e]].concat(), &mine);
    text(&mine)
}

#[test]
fn list_outdated_and_index_versions_print_what_pip_prints() {
    let site = Site::new();
    WheelSpec::pure("demo", "1.0").write(&site.generic);
    WheelSpec::pure("demo", "1.5").write(&site.v3);
    WheelSpec::pure("demo", "2.0rc1").write(&site.generic);
    let other = WheelSpec::pure("Other_Pkg", "3.0").write(&site.generic);
    WheelSpec::pure("other-pkg", "3.0+computecanada").write(&site.v3);
    std::fs::write(site.generic.join("demo-1.8.tar.gz"), b"not opened").unwrap();
    let env = site.venv("env");
    site.ok(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "demo==1.0",
        other.to_str().unwrap(),
        "six",
    ]);
    let table =
        assert_same_against_wheelhouse(&site, &env, "pip-list-outdated", &["list", "--outdated"]);
    assert!(
        table.starts_with("Package   Version Latest            Type\n"),
        "{table}"
    );
    assert!(
        table.contains("demo      1.0     1.8               sdist\n"),
        "{table}"
    );
    assert!(
        table.contains("Other_Pkg 3.0     3.0+computecanada wheel\n"),
        "{table}"
    );
    assert_same_against_wheelhouse(
        &site,
        &env,
        "pip-list-outdated-pre",
        &["list", "--outdated", "--pre"],
    );
    let json = assert_same_against_wheelhouse(
        &site,
        &env,
        "pip-list-outdated-json",
        &["list", "--outdated", "--format", "json"],
    );
    assert!(json.contains("\"latest_filetype\": \"sdist\""), "{json}");
    assert_same_against_wheelhouse(
        &site,
        &env,
        "pip-index-versions",
        &["index", "versions", "demo"],
    );
    assert_same_against_wheelhouse(
        &site,
        &env,
        "pip-index-versions-pre",
        &["index", "versions", "--pre", "Demo"],
    );
    assert_same_against_wheelhouse(
        &site,
        &env,
        "pip-index-versions-json",
        &["index", "versions", "--json", "demo"],
    );
    let versions = assert_same_against_wheelhouse(
        &site,
        &env,
        "pip-index-versions-installed",
        &["index", "versions", "--json", "six"],
    );
    assert!(
        versions.contains("\"installed_version\": \"1.17.0\""),
        "{versions}"
    );
    assert_same_against_wheelhouse(
        &site,
        &env,
        "pip-index-versions-missing",
        &["index", "versions", "nothere"],
    );
    // A misspelt name: the name meant, and its versions when the suggestion is pasted.
    let e = env.to_str().unwrap();
    let out = site.snapshot(
        "error-index-versions-near-miss",
        &["index", "versions", "deme", "-p", e],
    );
    assert_eq!(out.status.code(), Some(1));
    let pasted = quoted_after(&stderr(&out), "Did you mean demo?");
    let out = site.run_pasted(&format!("{pasted} -p {e}"));
    assert!(out.status.success(), "{pasted}: {}", stderr(&out));
    // Freeze format and --outdated: pip's refusal and exit code.
    let args = [
        "list",
        "--outdated",
        "--format",
        "freeze",
        "-p",
        env.to_str().unwrap(),
    ];
    let out = site.snapshot("error-list-outdated-freeze", &args);
    assert_eq!(out.status.code(), Some(1));
}

/// The report with pip's version line left out (the one line that names the tool).
fn without_pip_version(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("\"pip_version\""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn install_report_is_pips() {
    let site = Site::new();
    let env = site.venv("env");
    let six = real_wheels().join("six-1.17.0-py2.py3-none-any.whl");
    let theirs_file = site.path("pip.json");
    let mut args: Vec<String> = ["install", "--dry-run", "-q", "--report"]
        .map(String::from)
        .to_vec();
    args.push(theirs_file.display().to_string());
    args.extend(find_links(&site));
    args.extend(["python-dateutil".to_string(), six.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = pip(&site, &env, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let mine_file = site.path("ours.json");
    site.ok(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "--dry-run",
        "--report",
        mine_file.to_str().unwrap(),
        "python-dateutil",
        six.to_str().unwrap(),
    ]);
    let theirs = std::fs::read_to_string(&theirs_file).unwrap();
    let mine = std::fs::read_to_string(&mine_file).unwrap();
    let parse = |t: &str| {
        let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
        v["pip_version"] = "".into();
        v["install"]
            .as_array_mut()
            .unwrap()
            .sort_by_key(|i| i["metadata"]["name"].as_str().unwrap().to_string());
        v
    };
    assert_eq!(parse(&mine), parse(&theirs));
    assert_eq!(
        parse(&mine)["install"].as_array().unwrap().len(),
        3,
        "{mine}"
    );
    // Byte for byte, pip's layout and key order, where pip installs in the same order.
    let names = |t: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(t).unwrap();
        v["install"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    if names(&mine) == names(&theirs) {
        assert_eq!(without_pip_version(&mine), without_pip_version(&theirs));
    }
    let mut args: Vec<String> = ["install", "--dry-run", "-q", "--report"]
        .map(String::from)
        .to_vec();
    args.push(theirs_file.display().to_string());
    args.extend(find_links(&site));
    args.push("python-dateutil".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert!(pip(&site, &env, &args).status.success());
    site.ok(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "--dry-run",
        "--report",
        mine_file.to_str().unwrap(),
        "python-dateutil",
    ]);
    let theirs = std::fs::read_to_string(&theirs_file).unwrap();
    let mine = std::fs::read_to_string(&mine_file).unwrap();
    assert_eq!(names(&mine), ["python-dateutil", "tzdata"]);
    assert_eq!(without_pip_version(&mine), without_pip_version(&theirs));

    // A real install writes the report of what it installed; `-` is standard output, and
    // --format json is the result for scripts.
    let out = site.ok(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "--report",
        "-",
        "--format",
        "json",
        "six",
    ]);
    let mut docs = serde_json::Deserializer::from_str(&out).into_iter::<serde_json::Value>();
    let report = docs.next().unwrap().unwrap();
    assert_eq!(report["install"][0]["metadata"]["name"], "six");
    let result = docs.next().unwrap().unwrap();
    assert_eq!(result["installed"][0]["name"], "six");
    assert_eq!(result["dry_run"], false);
    let frozen = site.ok(&["freeze", "-p", env.to_str().unwrap(), "--format", "json"]);
    let frozen: serde_json::Value = serde_json::from_str(&frozen).unwrap();
    assert_eq!(
        frozen,
        serde_json::json!([{"name": "six", "version": "1.17.0", "requirement": "six==1.17.0"}])
    );
}

/// `--upgrade-strategy`: pip's default upgrades a dependency only when it no longer fits;
/// `eager` upgrades it too. The same choice as pip's (its dry-run report) for both.
#[test]
fn upgrade_strategy_and_binary_flags_do_what_pip_does() {
    let site = Site::new();
    let mut app = WheelSpec::pure("app", "1.0");
    app.requires.push("lib>=1".into());
    let app1 = app.write(&site.path("old"));
    let lib1 = WheelSpec::pure("lib", "1.0").write(&site.path("old"));
    let mut app = WheelSpec::pure("app", "1.1");
    app.requires.push("lib>=1".into());
    app.write(&site.generic);
    WheelSpec::pure("lib", "2.0").write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&[
        "install",
        "-p",
        e,
        lib1.to_str().unwrap(),
        app1.to_str().unwrap(),
    ]);
    let would = |strategy: &str| -> (String, Vec<String>) {
        let ours = site.ok(&[
            "install",
            "-p",
            e,
            "--dry-run",
            "-U",
            "--upgrade-strategy",
            strategy,
            "app",
        ]);
        let mut args: Vec<String> = [
            "install",
            "--dry-run",
            "-q",
            "--report",
            "-",
            "-U",
            "--upgrade-strategy",
        ]
        .map(String::from)
        .to_vec();
        args.push(strategy.into());
        args.extend(find_links(&site));
        args.push("app".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = pip(&site, &env, &args);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut theirs: Vec<String> = report["install"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                format!(
                    "{}-{}",
                    i["metadata"]["name"].as_str().unwrap(),
                    i["metadata"]["version"].as_str().unwrap()
                )
            })
            .collect();
        theirs.sort();
        (ours, theirs)
    };
    let (ours, theirs) = would("only-if-needed");
    assert_eq!(ours, "Would install app-1.1\n");
    assert_eq!(theirs, ["app-1.1"]);
    let (ours, theirs) = would("eager");
    assert_eq!(ours, "Would install app-1.1 lib-2.0\n");
    assert_eq!(theirs, ["app-1.1", "lib-2.0"]);

    // --only-binary holds for the wheelhouse; --no-binary needs a source distribution, which
    // the wheelhouse does not have for app.
    site.ok(&[
        "install",
        "-p",
        e,
        "--dry-run",
        "--only-binary",
        ":all:",
        "app",
    ]);
    site.ok(&[
        "install",
        "-p",
        e,
        "--dry-run",
        "--no-binary",
        ":none:",
        "app",
    ]);
    let out = site.snapshot(
        "error-install-no-binary",
        &["install", "-p", e, "--no-binary", "app", "app==1.1"],
    );
    assert_eq!(out.status.code(), Some(1));
}

fn files_under(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

/// `--target DIR` and `--prefix DIR` lay files out where pip does, for the environment's
/// Python, and leave no installer files in DIR (no `.wheelhouse.lock`); the environment
/// itself is left alone.
#[test]
fn target_and_prefix_installs_put_files_where_pip_does() {
    let site = Site::new();
    let env = site.venv("env");
    let before = tree(&env);
    for (flag, packages) in [
        ("--target", ["python-dateutil", "packaging"]),
        ("--prefix", ["python-dateutil", "six"]),
    ] {
        let theirs = site.path(&format!("pip{flag}"));
        let mine = site.path(&format!("ours{flag}"));
        let mut args: Vec<String> = ["install", "-q", "--no-compile", flag]
            .map(String::from)
            .to_vec();
        args.push(theirs.display().to_string());
        args.extend(find_links(&site));
        args.extend(packages.map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = pip(&site, &env, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut args = vec![
            "install",
            "-q",
            "-p",
            env.to_str().unwrap(),
            flag,
            mine.to_str().unwrap(),
        ];
        args.extend(packages);
        site.ok(&args);
        assert!(!mine.join(".wheelhouse.lock").exists(), "{flag}");
        assert_eq!(files_under(&mine), files_under(&theirs), "{flag}");
    }
    assert_eq!(tree(&env), before, "the environment is unchanged");
    let out = site
        .command(env.join("bin/python"))
        .env("PYTHONPATH", site.path("ours--target"))
        .args(["-c", "import dateutil, packaging"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}
