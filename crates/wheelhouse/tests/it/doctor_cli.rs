//! `wheelhouse doctor` on real environments made by `wheelhouse venv`/`install` and then
//! broken the way clusters break them.

use std::path::Path;

use crate::common::{site_packages, Site, WheelSpec};
use serde_json::Value;

fn doctor(site: &Site, env: &Path, vars: &[(&str, &str)]) -> (i32, String, Value) {
    let run = |format: &str| {
        site.command(env!("CARGO_BIN_EXE_wheelhouse"))
            .envs(vars.iter().copied())
            .args(["doctor", "-p", env.to_str().unwrap(), "--format", format])
            .output()
            .unwrap()
    };
    let text = run("text");
    let json = run("json");
    assert_eq!(text.status.code(), json.status.code());
    (
        text.status.code().unwrap(),
        String::from_utf8(text.stdout).unwrap(),
        serde_json::from_slice(&json.stdout).unwrap(),
    )
}

fn checks(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_fresh_environment_is_healthy() {
    let site = Site::new();
    let env = site.venv("env");
    site.ok(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "python-dateutil",
        "six",
    ]);
    let (code, text, json) = doctor(&site, &env, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.ends_with("no problems found\n"), "{text}");
    assert_eq!(json["healthy"], true);
    assert!(
        json["environment"]["packages"].as_u64().unwrap() >= 3,
        "{json}"
    );
}

#[test]
fn package_problems_are_found_with_their_fix() {
    let site = Site::new();
    WheelSpec::pure("numpy", "2.0.0").write(&site.generic);
    WheelSpec::pure("oldext", "1.0")
        .requires("numpy<2")
        .write(&site.generic);
    WheelSpec::pure("dep", "1.0").write(&site.generic);
    WheelSpec::pure("needsnew", "1.0")
        .requires("dep>=2")
        .write(&site.generic);
    WheelSpec::pure("lonely", "1.0")
        .requires("absent")
        .requires("other; python_version < '3'")
        .write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&[
        "install",
        "-p",
        e,
        "--no-deps",
        "numpy",
        "oldext",
        "dep",
        "needsnew",
        "lonely",
        "six",
    ]);
    site.ok(&["install", "-p", e, "--allow-manylinux", "markupsafe"]);
    let sp = site_packages(&env);
    // The $SCRATCH purge: files gone from an installed package.
    std::fs::remove_file(sp.join("six.py")).unwrap();
    // A package copied in from another Python.
    let meta = sp.join("dep-1.0.dist-info/METADATA");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(&meta, format!("{text}Requires-Python: >=3.99\n")).unwrap();

    let (code, text, json) = doctor(&site, &env, &[]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(json["healthy"], false);
    let found = checks(&json);
    for check in [
        "missing-files",
        "numpy-abi",
        "dependency-conflict",
        "missing-dependency",
        "requires-python",
        "manylinux",
    ] {
        assert!(
            found.contains(&check.to_string()),
            "{check} not in {found:?}\n{text}"
        );
    }
    // The marker excludes `other`: only `absent` is missing.
    assert_eq!(
        found.iter().filter(|c| *c == "missing-dependency").count(),
        1,
        "{text}"
    );
    for needle in [
        "six 1.17.0: 1 of the ",
        "fix: wheelhouse install -p ",
        "--force-reinstall 'six==1.17.0'",
        "oldext 1.0 requires numpy<2, but numpy 2.0.0 is installed",
        "'numpy<2'",
        "needsnew 1.0 has requirement dep>=2, but dep 1.0 is installed",
        "lonely 1.0 requires absent, which is not installed",
        "dep 1.0 requires a different Python: ",
        "MarkupSafe 3.0.4 was installed from a manylinux wheel",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    // The dependency findings are what `pip check` reports, no more, no less.
    let pip = site
        .command(env.join("bin/python"))
        .args(["-m", "pip", "check"])
        .output()
        .unwrap();
    let pip_text = String::from_utf8_lossy(&pip.stdout);
    let mut pip_lines: Vec<String> = pip_text
        .lines()
        .filter(|l| l.contains(" requires ") || l.contains(" has requirement "))
        .map(|l| {
            l.split(" requires ")
                .next()
                .unwrap()
                .split(" has requirement ")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    pip_lines.sort();
    let mut ours: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            ["missing-dependency", "dependency-conflict", "numpy-abi"]
                .contains(&f["check"].as_str().unwrap())
        })
        .map(|f| {
            let what = f["what"].as_str().unwrap();
            what.split(" requires ")
                .next()
                .unwrap()
                .split(" has requirement ")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    ours.sort();
    assert_eq!(
        ours, pip_lines,
        "pip check said:\n{pip_text}\nwe said:\n{text}"
    );
    // Every finding has its three parts.
    for f in json["findings"].as_array().unwrap() {
        for key in ["what", "why", "fix"] {
            assert!(!f[key].as_str().unwrap().is_empty(), "{f}");
        }
    }
}

#[test]
fn session_problems_are_found() {
    let site = Site::new();
    let env = site.venv("env");
    let bin = format!("{}/bin", env.display());
    let base_path = format!("{}/bin:/usr/bin:/bin", site.python_root.display());
    let active = |path: &str| {
        vec![
            ("VIRTUAL_ENV".to_string(), env.display().to_string()),
            ("PATH".to_string(), path.to_string()),
        ]
    };
    let with = |vars: &[(String, String)], extra: &[(&str, &str)]| {
        let mut all: Vec<(&str, &str)> =
            vars.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        all.extend_from_slice(extra);
        doctor(&site, &env, &all)
    };
    // Activated properly: healthy.
    let ok = active(&format!("{bin}:{base_path}"));
    let (code, text, _) = with(&ok, &[]);
    assert_eq!(code, 0, "{text}");
    // Another Python module loaded after activation.
    let (code, text, json) = with(&ok, &[("EBVERSIONPYTHON", "3.9.6")]);
    assert_eq!(code, 1);
    assert_eq!(checks(&json), ["module-python-mismatch"], "{text}");
    assert!(
        text.contains("fix: deactivate; module load python/3.11; source "),
        "{text}"
    );
    // Same version, another build of Python loaded (EBROOTPYTHON elsewhere).
    let other = site.path("other-python");
    std::fs::create_dir_all(&other).unwrap();
    let (_, text, json) = with(&ok, &[("EBROOTPYTHON", other.to_str().unwrap())]);
    assert_eq!(checks(&json), ["module-python-mismatch"], "{text}");
    assert!(text.contains("(EBROOTPYTHON), but "), "{text}");
    // A module (any EBROOT*) put its bin, with a python, in front of the environment's.
    let module = site.path("modules/tool");
    std::fs::create_dir_all(module.join("bin")).unwrap();
    std::os::unix::fs::symlink(
        site.python_root.join("bin/python3"),
        module.join("bin/python"),
    )
    .unwrap();
    let after = active(&format!("{}/bin:{bin}:{base_path}", module.display()));
    let (_, text, json) = with(&after, &[("EBROOTTOOL", module.to_str().unwrap())]);
    assert_eq!(checks(&json), ["module-after-activate"], "{text}");
    // The same directory, put there by hand.
    let (_, text, json) = with(&after, &[]);
    assert_eq!(checks(&json), ["path-by-hand"], "{text}");
    // PYTHONPATH by hand, while a module's own entry is fine.
    let (_, text, json) = with(
        &ok,
        &[
            ("EBROOTTOOL", module.to_str().unwrap()),
            (
                "PYTHONPATH",
                &format!("{}/lib:/home/me/mylibs", module.display()),
            ),
        ],
    );
    assert_eq!(checks(&json), ["pythonpath-by-hand"], "{text}");
    assert!(
        text.contains("PYTHONPATH holds /home/me/mylibs (set by hand"),
        "{text}"
    );
}

#[test]
fn a_python_that_went_away() {
    let site = Site::new();
    let env = site.venv("env");
    // The module's Python was removed: bin/python points nowhere.
    let python = env.join("bin/python");
    std::fs::remove_file(&python).unwrap();
    std::os::unix::fs::symlink("/cvmfs/gone/python/3.11.4/bin/python3.11", &python).unwrap();
    let (code, text, json) = doctor(&site, &env, &[]);
    assert_eq!(code, 1);
    assert_eq!(checks(&json)[0], "broken-interpreter", "{text}");
    assert!(
        text.contains(
            "/bin/python is a broken link (it points to /cvmfs/gone/python/3.11.4/bin/python3.11"
        ),
        "{text}"
    );
    assert!(
        text.contains("fix: module load python/3.11 && wheelhouse venv --clear "),
        "{text}"
    );
    // Not an environment at all.
    let (code, text, json) = doctor(&site, &site.path("nothing"), &[]);
    assert_eq!(code, 1);
    assert_eq!(checks(&json), ["not-an-environment"], "{text}");
}

/// 35 packages with a dependency chain: every one is read and the chain is found intact. How
/// fast is measured by the benchmarks, not here (a loaded CI machine is no stopwatch).
#[test]
fn a_chain_of_35_packages_is_healthy() {
    let site = Site::new();
    let mut names = Vec::new();
    for i in 0..35 {
        let mut spec = WheelSpec::pure(&format!("pkg{i}"), "1.0");
        for j in 0..40 {
            spec = spec.file(&format!("pkg{i}/mod{j}.py"), b"x = 1\n");
        }
        if i > 0 {
            spec = spec.requires(&format!("pkg{}>=1", i - 1));
        }
        spec.write(&site.generic);
        names.push(format!("pkg{i}"));
    }
    let env = site.venv("env");
    let mut args = vec!["install", "-p", env.to_str().unwrap()];
    args.extend(names.iter().map(String::as_str));
    site.ok(&args);
    let (code, text, _) = doctor(&site, &env, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("36 packages"), "{text}"); // and pip
}
