//! `wheelhouse audit --resolve` against real wheels: breakages the per-requirement closure
//! check passes (conflicting pins two dependencies deep, an extra whose requirement is
//! missing) are found, named with the package, the Python and the level, and stock pip
//! (24.2, from `.tools/venv`) agrees that those installs fail and the others work.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::staff_cli::{clean_env, text, wheelhouse};
use serde_json::Value;
use test_support::WheelSpec;

fn audit(root: &Path, args: &[&str]) -> Output {
    wheelhouse()
        .arg("audit")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

fn audit_json(root: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let out = audit(root, &[args, &["--format", "json"]].concat());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    (
        out.status.code().unwrap(),
        v["findings"].as_array().unwrap().clone(),
    )
}

/// Every requirement is met by some wheel, and every package installs.
fn clean_house(root: &Path) {
    let generic = root.join("generic");
    WheelSpec::pure("app", "1.0")
        .requires("lib-a>=1")
        .requires("lib-b[fast]")
        .write(&generic);
    WheelSpec::pure("lib-a", "1.2")
        .requires("shared<2")
        .write(&generic);
    WheelSpec::pure("lib-b", "2.0")
        .provides("fast")
        .requires("speedup; extra == 'fast'")
        .requires("shared>=1")
        .write(&generic);
    WheelSpec::pure("speedup", "0.3").write(&root.join("gentoo2023/generic"));
    for v in ["1.0", "2.0"] {
        WheelSpec::pure("shared", v).write(&generic);
    }
    WheelSpec::pure("fastlib", "1.0")
        .tag("cp311-cp311-linux_x86_64")
        .write(&root.join("gentoo2023/x86-64-v3"));
}

/// The clean house plus two breakages the closure check cannot see.
fn broken_house(root: &Path) {
    clean_house(root);
    let generic = root.join("generic");
    // x-app 1.0 needs dep-a and dep-b, which pin `shared` apart. An older x-app installs.
    WheelSpec::pure("x-app", "1.0")
        .requires("dep-a")
        .requires("dep-b")
        .write(&generic);
    WheelSpec::pure("x-app", "0.9").write(&generic);
    WheelSpec::pure("dep-a", "1.0")
        .requires("shared<2")
        .write(&generic);
    WheelSpec::pure("dep-b", "1.0")
        .requires("shared>=2")
        .write(&generic);
    // Fails only because x-app 1.0 does.
    WheelSpec::pure("top", "1.0")
        .requires("x-app>=1")
        .write(&generic);
    // uses-extra needs plug[gpu]; gpu needs cuda-thing, published for x86-64-v3 only.
    WheelSpec::pure("uses-extra", "1.0")
        .requires("plug[gpu]>=1")
        .write(&generic);
    WheelSpec::pure("plug", "1.0")
        .provides("gpu")
        .requires("cuda-thing; extra == 'gpu'")
        .write(&generic);
    WheelSpec::pure("cuda-thing", "1.0")
        .tag("cp311-cp311-linux_x86_64")
        .write(&root.join("gentoo2023/x86-64-v3"));
}

/// Whether stock pip can install `name` from these directories (a dry run).
fn pip_installs(dirs: &[PathBuf], name: &str) -> bool {
    let python = test_support::tools_python();
    let mut cmd = Command::new(python);
    clean_env(&mut cmd);
    cmd.args([
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--no-index",
        "--disable-pip-version-check",
        "--quiet",
    ]);
    for d in dirs {
        cmd.arg("--find-links").arg(d);
    }
    cmd.arg(name).output().unwrap().status.success()
}

fn find<'a>(findings: &'a [Value], needle: &str) -> &'a str {
    findings
        .iter()
        .filter_map(|f| f["message"].as_str())
        .find(|m| m.contains(needle))
        .unwrap_or_else(|| panic!("no finding with {needle:?}: {findings:#?}"))
}

#[test]
fn resolve_finds_what_the_closure_check_passes_and_names_package_python_and_level() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wheelhouse");
    broken_house(&root);
    let out = wheelhouse().arg("index").arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));

    // The per-requirement closure sees nothing wrong.
    let plain = audit(&root, &["--python", "3.11"]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));

    let (code, findings) = audit_json(
        &root,
        &["--python", "3.11", "--python", "3.12", "--resolve"],
    );
    assert_eq!(code, 1, "{findings:#?}");
    assert!(
        findings.iter().all(|f| f["kind"] == "unresolvable"),
        "{findings:#?}"
    );
    // The conflict: found in every pair (pure wheels), explained once, with the chain.
    let conflict = find(&findings, "`pip install x-app`");
    assert!(
        conflict.starts_with("Python 3.11 (generic, x86-64-v3), 3.12 (generic, x86-64-v3): ")
            && conflict.contains("x-app 1.0 is the version pip picks first")
            && conflict.contains("falls back to x-app 0.9")
            && conflict.contains("shared")
            && conflict.contains("dep-a")
            && conflict.contains("dep-b")
            && !conflict.contains("No usable wheel"),
        "{conflict}"
    );
    // top fails only through x-app: counted there, not reported on its own.
    assert!(
        conflict.contains("1 other install fails because it needs it: top"),
        "{conflict}"
    );
    assert!(
        !findings
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("`pip install top`")),
        "{findings:#?}"
    );
    let path = findings
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("`pip install x-app`")
        })
        .unwrap()["path"]
        .as_str()
        .unwrap();
    assert!(
        path.ends_with("generic/x_app-1.0-py3-none-any.whl"),
        "{path}"
    );

    // The extra: cuda-thing exists for Python 3.11 on x86-64-v3 only.
    let extra: Vec<&str> = findings
        .iter()
        .filter_map(|f| f["message"].as_str())
        .filter(|m| m.contains("`pip install uses-extra`"))
        .collect();
    assert!(
        extra
            .iter()
            .all(|m| m.contains("No usable wheel here of: cuda-thing.")),
        "{extra:#?}"
    );
    let pairs: Vec<&str> = extra
        .iter()
        .map(|m| m.split(": ").next().unwrap())
        .collect();
    assert!(
        pairs.iter().any(|p| p.contains("3.11 (generic)")),
        "{pairs:?}"
    );
    assert!(
        !pairs
            .iter()
            .any(|p| p.contains("3.11 (x86-64-v3)") || p.contains("3.11 (generic, x86-64-v3)")),
        "3.11 on x86-64-v3 has cuda-thing: {pairs:?}"
    );
    assert!(pairs.iter().any(|p| p.contains("3.12")), "{pairs:?}");
    // plug itself installs; with --resolve-extras its declared extra is checked too.
    assert!(
        !findings
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("`pip install plug")),
        "{findings:#?}"
    );
    let (_, with_extras) = audit_json(
        &root,
        &["--python", "3.11", "--arch", "generic", "--resolve-extras"],
    );
    find(&with_extras, "`pip install plug[gpu]`");

    // Stock pip agrees, on the generic level's directories.
    let generic = [root.join("gentoo2023/generic"), root.join("generic")];
    assert!(!pip_installs(&generic, "x-app==1.0"));
    assert!(!pip_installs(&generic, "uses-extra"));
    assert!(pip_installs(&generic, "app"));

    // The text format shows the same, and the exit code says problems were found.
    let out = audit(&root, &["--python", "3.11", "--resolve"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .contains("unresolvable: Python 3.11 (generic, x86-64-v3): `pip install x-app` fails"),
        "{}",
        text(&out)
    );
}

#[test]
fn resolve_passes_a_clean_wheelhouse_with_or_without_a_catalog() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wheelhouse");
    clean_house(&root);
    for _ in 0..2 {
        let out = audit(
            &root,
            &["--python", "3.11", "--python", "3.12", "--resolve"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(out.stdout.is_empty(), "{}", text(&out));
        let out = wheelhouse().arg("index").arg(&root).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
    let (code, findings) = audit_json(&root, &["--python", "3.11", "--resolve-extras"]);
    assert_eq!(code, 0, "{findings:#?}");
}

/// A Python series is checked as the site's module of it: `Requires-Python >=3.11.5` holds on a
/// site whose python/3.11 is 3.11.7 (from PYTHON_DIRS, or `--python 3.11.7`), and fails on
/// 3.11.2 (`--python 3.11.2`), in the closure check and in `--resolve` alike.
#[test]
fn pythons_are_checked_at_the_sites_micro_version() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wheelhouse");
    let generic = root.join("generic");
    WheelSpec::pure("soup", "4.0")
        .requires("sieve>1")
        .write(&generic);
    let mut sieve = WheelSpec::pure("sieve", "2.0");
    sieve.requires_python = Some(">=3.11.5".into());
    sieve.write(&generic);
    let modules = tmp.path().join("software/python");
    for v in ["3.11.7", "3.12.1"] {
        std::fs::create_dir_all(modules.join(v)).unwrap();
    }
    let with_site = |args: &[&str]| -> (i32, Vec<Value>) {
        let out = wheelhouse()
            .env("PYTHON_DIRS", &modules)
            .arg("audit")
            .arg(&root)
            .args(args)
            .args(["--resolve", "--format", "json"])
            .output()
            .unwrap();
        let v: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
        (
            out.status.code().unwrap(),
            v["findings"].as_array().unwrap().clone(),
        )
    };
    // The site's 3.11 is 3.11.7: nothing to report, whether named or found.
    for args in [&["--python", "3.11"][..], &[], &["--python", "3.11.7"]] {
        let (code, findings) = with_site(args);
        assert_eq!((code, findings.len()), (0, 0), "{args:?}: {findings:?}");
    }
    // 3.11.2: sieve is out of reach, so soup cannot be installed; both checks say so.
    let (code, findings) = with_site(&["--python", "3.11.2"]);
    assert_eq!(code, 1);
    let kinds: Vec<&str> = findings
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"unsatisfiable") && kinds.contains(&"unresolvable"),
        "{findings:?}"
    );
    // Without a module tree, 3.11 means 3.11.0.
    let (code, _) = audit_json(&root, &["--python", "3.11", "--resolve"]);
    assert_eq!(code, 1);
    let bad = audit(&root, &["--python", "3.11.x"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(text(&bad).contains("3.11.7"), "{}", text(&bad));
}
