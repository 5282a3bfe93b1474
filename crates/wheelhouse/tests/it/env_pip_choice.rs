//! We choose the wheels pip chooses. A generated wheelhouse of small wheels with real
//! metadata (markers, extras, Requires-Python, local versions, pre/post/dev releases, build
//! tags, tag specificity, conflicts that need backtracking, constraints, manylinux under the
//! site's `_manylinux.py`) is resolved case by case by `pip install --dry-run --report` (pip
//! 26, run from its wheel) and by `wheelhouse install --dry-run`; the chosen files must be the
//! same, or both must refuse.
//!
//! Deliberately left out: the very same file name in two search directories (we take the
//! first directory, pip the smallest path; the README documents it).

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::*;

struct Case {
    name: &'static str,
    wheels: Vec<WheelSpec>,
    /// Wheels with a build tag: (spec, build).
    built: Vec<(WheelSpec, &'static str)>,
    requirements: Vec<&'static str>,
    constraints: Vec<&'static str>,
    pre: bool,
}

fn w(name: &str, version: &str) -> WheelSpec {
    WheelSpec::pure(name, version)
}

fn case(name: &'static str, wheels: Vec<WheelSpec>, requirements: Vec<&'static str>) -> Case {
    Case {
        name,
        wheels,
        built: Vec::new(),
        requirements,
        constraints: Vec::new(),
        pre: false,
    }
}

fn cases() -> Vec<Case> {
    let mut out = vec![
        case(
            "local-version-wins",
            vec![
                w("nump", "1.26.4"),
                w("nump", "1.26.4+computecanada"),
                w("nump", "1.25.0"),
            ],
            vec!["nump==1.26.4"],
        ),
        case(
            "newest",
            vec![w("a", "1.0"), w("a", "1.10"), w("a", "1.9")],
            vec!["a"],
        ),
        case(
            "pre-release-skipped",
            vec![w("b", "1.9"), w("b", "2.0rc1")],
            vec!["b"],
        ),
        case(
            "pre-release-asked",
            vec![w("b", "1.9"), w("b", "2.0rc1")],
            vec!["b>=2.0rc1"],
        ),
        case("only-pre-release", vec![w("b", "2.0b1")], vec!["b"]),
        case(
            "post-and-dev",
            vec![w("c", "1.0"), w("c", "1.0.post1"), w("c", "1.1.dev3")],
            vec!["c"],
        ),
        case(
            "not-equal",
            vec![w("d", "1.0"), w("d", "1.1"), w("d", "1.2")],
            vec!["d!=1.2"],
        ),
        case(
            "compatible",
            vec![w("d", "1.4"), w("d", "1.5.2"), w("d", "2.0")],
            vec!["d~=1.4"],
        ),
        case(
            "wildcard",
            vec![w("d", "1.4.1"), w("d", "1.4.9"), w("d", "1.5")],
            vec!["d==1.4.*"],
        ),
        case(
            "markers",
            vec![
                w("app", "1.0")
                    .requires("never; python_version < \"3.0\"")
                    .requires("always; sys_platform == \"linux\""),
                w("always", "1.0"),
                w("never", "1.0"),
            ],
            vec!["app"],
        ),
        case(
            "extras",
            vec![
                w("app", "1.0")
                    .requires("plain")
                    .requires("fancy; extra == \"extra\""),
                w("plain", "1.0"),
                w("fancy", "2.0"),
            ],
            vec!["app[extra]"],
        ),
        case(
            "extras-declared",
            vec![
                w("app", "1.0")
                    .provides("extra")
                    .requires("plain")
                    .requires("fancy; extra == \"extra\""),
                w("plain", "1.0"),
                w("fancy", "2.0"),
            ],
            vec!["app[extra]"],
        ),
        case(
            "extras-not-asked",
            vec![
                w("app", "1.0")
                    .requires("plain")
                    .requires("fancy; extra == \"extra\""),
                w("plain", "1.0"),
                w("fancy", "2.0"),
            ],
            vec!["app"],
        ),
        case(
            "deep-chain",
            vec![
                w("top", "1.0").requires("mid>=2"),
                w("mid", "2.1").requires("low<3"),
                w("mid", "1.0"),
                w("low", "2.5"),
                w("low", "3.0"),
            ],
            vec!["top"],
        ),
        case(
            "backtracking",
            vec![
                w("x", "2.0").requires("y<1"),
                w("x", "1.0").requires("y>=1"),
                w("y", "0.5"),
                w("y", "1.5"),
            ],
            vec!["x", "y>=1"],
        ),
        case(
            "conflict",
            vec![
                w("p", "1.0").requires("q==1.0"),
                w("q", "1.0"),
                w("q", "2.0"),
            ],
            vec!["p", "q==2.0"],
        ),
        case(
            "missing",
            vec![w("r", "1.0").requires("nowhere")],
            vec!["r"],
        ),
        case(
            "tag-specificity",
            vec![
                w("t", "1.0"),
                w("t", "1.0").tag("cp311-cp311-linux_x86_64"),
                w("t", "0.9").tag("cp311-abi3-linux_x86_64"),
            ],
            vec!["t"],
        ),
        case(
            "abi3-and-other-python",
            vec![
                w("u", "2.0").tag("cp312-cp312-linux_x86_64"),
                w("u", "1.5").tag("cp39-abi3-linux_x86_64"),
            ],
            vec!["u"],
        ),
        case(
            "manylinux-refused-for-older-site-build",
            vec![
                w("m", "2.0").tag("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
                w("m", "1.0").tag("cp311-cp311-linux_x86_64"),
            ],
            vec!["m"],
        ),
        case(
            "manylinux-only",
            vec![w("m", "2.0").tag("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64")],
            vec!["m"],
        ),
        case(
            "musllinux-only",
            vec![w("m", "2.0").tag("cp311-cp311-musllinux_1_2_x86_64")],
            vec!["m"],
        ),
    ];
    let mut rp_new = w("rp", "2.0");
    rp_new.requires_python = Some(">=3.12".into());
    let mut rp_old = w("rp", "1.0");
    rp_old.requires_python = Some(">=3.8".into());
    out.push(case("requires-python", vec![rp_new, rp_old], vec!["rp"]));
    let mut c = case(
        "constraints",
        vec![w("k", "1.0"), w("k", "2.0"), w("k", "3.0")],
        vec!["k"],
    );
    c.constraints = vec!["k<3"];
    out.push(c);
    let mut c = case("pre-flag", vec![w("b", "1.9"), w("b", "2.0rc1")], vec!["b"]);
    c.pre = true;
    out.push(c);
    let mut c = case("build-tags", vec![], vec!["bt"]);
    c.built = vec![
        (w("bt", "1.0"), "1"),
        (w("bt", "1.0"), "2"),
        (w("bt", "0.9"), "9"),
    ];
    out.push(c);
    out
}

fn write_case(case: &Case, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for spec in &case.wheels {
        spec.write(dir);
    }
    for (spec, build) in &case.built {
        let path = spec.write(&dir.join("tmp"));
        let name = spec.filename().replacen(
            &format!("-{}-", spec.version),
            &format!("-{}-{build}-", spec.version),
            1,
        );
        std::fs::rename(path, dir.join(name)).unwrap();
    }
    let _ = std::fs::remove_dir_all(dir.join("tmp"));
}

/// pip's choice: the file names of its report's install list, or `None` when it refuses.
fn pip_choice(site: &Site, dir: &Path, case: &Case, site_dir: &Path) -> Option<BTreeSet<String>> {
    let report = site.path("report.json");
    let _ = std::fs::remove_file(&report);
    let mut cmd = site.command(site.python_root.join("bin/python3"));
    cmd.arg(pip26_wheel().join("pip"))
        .args([
            "install",
            "--dry-run",
            "--ignore-installed",
            "--no-index",
            "--quiet",
        ])
        .args(["--disable-pip-version-check", "--report"])
        .arg(&report)
        .arg("--find-links")
        .arg(dir)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PYTHONPATH", site_dir);
    if case.pre {
        cmd.arg("--pre");
    }
    if !case.constraints.is_empty() {
        let c = site.path("constraints.txt");
        std::fs::write(&c, case.constraints.join("\n")).unwrap();
        cmd.arg("-c").arg(c);
    }
    cmd.args(&case.requirements);
    let out = cmd.output().unwrap();
    if !out.status.success() {
        return None;
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    Some(
        report["install"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let url = i["download_info"]["url"].as_str().unwrap();
                percent_decode(url.rsplit('/').next().unwrap())
            })
            .collect(),
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Our choice, from `install --dry-run -v`'s "chose" lines, or `None` when we refuse.
fn our_choice(
    site: &Site,
    env: &str,
    dir: &Path,
    case: &Case,
) -> (Option<BTreeSet<String>>, String) {
    let mut args: Vec<String> = vec![
        "install".into(),
        "-p".into(),
        env.into(),
        "--dry-run".into(),
        "-v".into(),
    ];
    args.push("-f".into());
    args.push(dir.display().to_string());
    if case.pre {
        args.push("--pre".into());
    }
    if !case.constraints.is_empty() {
        let c = site.path("constraints.txt");
        std::fs::write(&c, case.constraints.join("\n")).unwrap();
        args.push("-c".into());
        args.push(c.display().to_string());
    }
    args.extend(case.requirements.iter().map(|r| r.to_string()));
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(&args)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    let err = stderr(&out);
    if !out.status.success() {
        assert!(matches!(out.status.code(), Some(1)), "{}: {err}", case.name);
        return (None, err);
    }
    let chosen = err
        .lines()
        .filter_map(|l| l.strip_prefix("chose "))
        .filter_map(|l| l.split_once(": ").map(|(_, path)| path))
        .filter(|p| p.ends_with(".whl"))
        .map(|p| {
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    (Some(chosen), err)
}

#[test]
fn we_choose_the_wheels_pip_chooses() {
    let site = Site::new();
    // The site's hook that makes stock pip refuse manylinux wheels.
    let site_dir = site.path("site-python");
    std::fs::create_dir_all(&site_dir).unwrap();
    std::fs::write(
        site_dir.join("_manylinux.py"),
        "manylinux1_compatible = manylinux2010_compatible = manylinux2014_compatible = False\n\n\
         def manylinux_compatible(*args, **kwargs):\n    return False\n",
    )
    .unwrap();
    let env = site.path("env");
    let e = env.to_str().unwrap();
    site.ok(&["venv", "--without-pip", e]);
    let mut differences = Vec::new();
    for case in cases() {
        let dir = site.path(&format!("cases/{}", case.name));
        write_case(&case, &dir);
        let theirs = pip_choice(&site, &dir, &case, &site_dir);
        let (ours, log) = our_choice(&site, e, &dir, &case);
        if theirs != ours {
            differences.push(format!(
                "{}: pip chose {theirs:?}, we chose {ours:?}\n{log}",
                case.name
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn what_pip_would_skip_or_ignore_is_said() {
    let site = Site::new();
    let dir = site.path("odd");
    std::fs::create_dir_all(&dir).unwrap();
    // A name pip's packaging rejects (`__`), a platform this node cannot run, an invalid
    // Requires-Python.
    let good = w("dunder", "1.0").write(&dir);
    std::fs::copy(&good, dir.join("dun__der-1.0-py3-none-any.whl")).unwrap();
    w("muslonly", "1.0")
        .tag("cp311-cp311-musllinux_1_2_x86_64")
        .write(&dir);
    let mut badrp = w("badrp", "1.0");
    badrp.requires_python = Some(">=3.8,<=>4".into());
    badrp.write(&dir);
    let env = site.path("env");
    let e = env.to_str().unwrap();
    site.ok(&["venv", "--without-pip", e]);
    let d = dir.to_str().unwrap();
    let out = site.wheelhouse(&["install", "-p", e, "-f", d, "--dry-run", "dunder", "badrp"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("dun__der-1.0-py3-none-any.whl: its name is not a valid wheel file name"),
        "{err}"
    );
    assert!(
        err.contains("ignoring the invalid Requires-Python `>=3.8,<=>4` of badrp"),
        "{err}"
    );
    let out = site.wheelhouse(&["install", "-p", e, "-f", d, "muslonly"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("only built for platforms this node cannot run (musllinux_1_2_x86_64"),
        "{err}"
    );
    assert!(
        !err.contains("module load"),
        "the loaded Python is the right one: {err}"
    );
}

#[test]
fn options_inside_requirement_files_work_as_in_pip() {
    let site = Site::new();
    let extra = site.path("extra-wheels");
    w("fromfile", "1.0").write(&extra);
    w("fromfile", "2.0rc1").write(&extra);
    let env = site.path("env");
    let e = env.to_str().unwrap();
    site.ok(&["venv", "--without-pip", e]);
    // A relative -f is read from the requirement file's directory, as pip does.
    std::fs::write(
        site.path("reqs.txt"),
        "--pre\n-f extra-wheels\n--no-index\n--only-binary :all:\n--prefer-binary\nfromfile\n",
    )
    .unwrap();
    let out = site.ok(&[
        "install",
        "-p",
        e,
        "--dry-run",
        "-r",
        site.path("reqs.txt").to_str().unwrap(),
    ]);
    assert!(out.contains("fromfile-2.0rc1"), "{out}");
    std::fs::write(site.path("bad.txt"), "--frobnicate\nsix\n").unwrap();
    let out = site.wheelhouse(&[
        "install",
        "-p",
        e,
        "-r",
        site.path("bad.txt").to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bad.txt") && err.contains("--frobnicate"),
        "{err}"
    );
    // Each pip option a requirement file may hold is honoured or refused with its reason,
    // never dropped without a word (tests/snapshots/reqfile-option-*.txt).
    let index = "https://index.wheelhouse.test/simple";
    for (name, line) in [
        ("use-feature", "--use-feature=fast-deps".to_string()),
        (
            "use-feature-always-on",
            "--use-feature=truststore".to_string(),
        ),
        ("no-binary-all", "--no-binary :all:".to_string()),
        ("no-binary-name", "--no-binary six".to_string()),
        ("no-binary-none", "--no-binary :none:".to_string()),
        (
            "trusted-host",
            "--trusted-host index.wheelhouse.test".to_string(),
        ),
        ("index-url", format!("--index-url {index}")),
        ("extra-index-url", format!("--extra-index-url {index}")),
        ("unknown", "--frobnicate".to_string()),
    ] {
        std::fs::write(site.path("opts.txt"), format!("{line}\nsix\n")).unwrap();
        // The index is never reached: six is in the wheelhouse, which comes first.
        site.snapshot(
            &format!("reqfile-option-{name}"),
            &["install", "-p", e, "--dry-run", "-r", "opts.txt"],
        );
    }
    // A wheel given by path needs no wheelhouse or pip configuration when it has no
    // dependencies to resolve.
    let wheel = w("alone", "1.0").write(&site.path("loose"));
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["install", "-p", e, wheel.to_str().unwrap()])
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("WHEELHOUSE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let frozen = site.ok(&["freeze", "-p", e]);
    assert!(frozen.starts_with("alone @ file:///"), "{frozen}");
}
