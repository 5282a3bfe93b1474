//! `--pip-config`: `wheelhouse audit` and `wheelhouse index --html` on the CPU levels and
//! search directories of a site's pip configuration files (as `wheelhouse site init` writes
//! them) rather than of the wheelhouse layout: the same answer while the two agree; the
//! configuration's answer when an edited file drops or adds a directory; the index built from
//! a configuration installed from by stock pip over HTTP.

use std::path::{Path, PathBuf};

use crate::common::staff_cli::{pip_install, text, wheelhouse, StaticServer};
use serde_json::Value;
use test_support::WheelSpec;

/// A site made by `wheelhouse site init`, its wheelhouse holding app 1.0 (x86-64-v3, needs
/// dep from the layer's generic) and tool 1.0 (top-level generic), catalogued.
fn site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let out = wheelhouse()
        .args(["site", "init"])
        .arg(&site)
        .arg("--python")
        .arg(test_support::tools_python())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let house = site.join("wheelhouse");
    WheelSpec::pure("app", "1.0")
        .requires("dep>=1")
        .write(&house.join("gentoo2023/x86-64-v3"));
    WheelSpec::pure("dep", "1.0").write(&house.join("gentoo2023/generic"));
    WheelSpec::pure("tool", "1.0").write(&house.join("generic"));
    catalogue(&house);
    (tmp, site)
}

fn catalogue(house: &Path) {
    let out = wheelhouse().arg("index").arg(house).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

fn audit(house: &Path, extra: &[&std::ffi::OsStr]) -> (i32, Value) {
    let out = wheelhouse()
        .arg("audit")
        .arg(house)
        .args(["--python", "3.11", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    (out.status.code().unwrap(), v)
}

fn unsatisfiable(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unsatisfiable")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// Rewrites every `find-links` line of a pip configuration file.
fn set_find_links(conf: &Path, dirs: &[PathBuf]) {
    let links: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    let old = std::fs::read_to_string(conf).unwrap();
    assert!(old.contains("find-links = "), "{old}");
    let new: Vec<String> = old
        .lines()
        .map(|l| {
            if l.starts_with("find-links") {
                format!("find-links = {}", links.join(" "))
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(conf, new.join("\n") + "\n").unwrap();
}

#[test]
fn audit_follows_the_pip_configs_of_a_site() {
    let (_tmp, site) = site();
    let house = site.join("wheelhouse");
    let pip_dir = site.join("pip");
    let conf = pip_dir.join("pip-x86-64-v3.conf");
    let arg = |p: &Path| p.as_os_str().to_owned();

    // As generated, the configurations say what the layout says.
    let (code, layout) = audit(&house, &[]);
    assert_eq!(code, 0, "{layout:#}");
    let (code, configured) = audit(&house, &["--pip-config".as_ref(), &arg(&pip_dir)]);
    assert_eq!(code, 0, "{configured:#}");
    assert_eq!(configured["checked"], layout["checked"]);
    assert_eq!(configured["findings"], layout["findings"]);
    let levels: Vec<&str> = layout["checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["generic", "x86-64-v3", "x86-64-v4"]);

    // The x86-64-v3 file no longer lists the layer's generic: dep is out of sight there.
    let v3 = house.join("gentoo2023/x86-64-v3");
    set_find_links(&conf, &[v3.clone(), house.join("generic")]);
    let (code, configured) = audit(&house, &["--pip-config".as_ref(), &arg(&pip_dir)]);
    assert_eq!(code, 1, "{configured:#}");
    let found = unsatisfiable(&configured);
    assert_eq!(found.len(), 1, "{configured:#}");
    assert!(
        found[0].contains("x86-64-v3")
            && found[0].contains("dep>=1")
            && found[0].contains("app-1.0"),
        "{}",
        found[0]
    );
    let (code, layout) = audit(&house, &[]);
    assert_eq!(
        code, 0,
        "the layout still has dep for x86-64-v3: {layout:#}"
    );
    // One file alone is one level.
    let (_, one) = audit(&house, &["--pip-config".as_ref(), &arg(&conf)]);
    assert_eq!(
        one["checked"],
        serde_json::json!([{"python": "3.11", "level": "x86-64-v3"}])
    );
    assert_eq!(unsatisfiable(&one), found);
    // The resolver sees the same search path.
    let (code, resolved) = audit(
        &house,
        &["--pip-config".as_ref(), &arg(&conf), "--resolve".as_ref()],
    );
    assert_eq!(code, 1);
    let unresolvable: Vec<&Value> = resolved["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unresolvable")
        .collect();
    assert!(
        unresolvable.len() == 1 && unresolvable[0]["message"].as_str().unwrap().contains("dep"),
        "{resolved:#}"
    );
    let (code, resolved) = audit(&house, &["--resolve".as_ref()]);
    assert_eq!(code, 0, "{resolved:#}");

    // The reverse: app2's dependency is in a directory only the configuration lists.
    let local = house.join("local");
    WheelSpec::pure("app2", "1.0").requires("dep2").write(&v3);
    WheelSpec::pure("dep2", "1.0").write(&local);
    catalogue(&house);
    set_find_links(
        &conf,
        &[v3.clone(), local.clone(), house.join("gentoo2023/generic")],
    );
    let (code, configured) = audit(&house, &["--pip-config".as_ref(), &arg(&conf)]);
    assert_eq!(code, 0, "{configured:#}");
    let (code, layout) = audit(&house, &["--arch".as_ref(), "x86-64-v3".as_ref()]);
    assert_eq!(code, 1, "{layout:#}");
    let found = unsatisfiable(&layout);
    assert!(
        found.len() == 1 && found[0].contains("dep2") && found[0].contains("x86-64-v3"),
        "{layout:#}"
    );

    // A directory outside the audited root is named, not read.
    let outside = site.join("elsewhere");
    WheelSpec::pure("dep2", "1.0").write(&outside);
    set_find_links(
        &conf,
        &[
            v3.clone(),
            outside.clone(),
            house.join("gentoo2023/generic"),
        ],
    );
    let (code, configured) = audit(&house, &["--pip-config".as_ref(), &arg(&conf)]);
    assert_eq!(code, 1, "{configured:#}");
    let kinds: Vec<&str> = configured["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["outside-root", "unsatisfiable"], "{configured:#}");
    assert_eq!(
        configured["findings"][0]["path"].as_str(),
        Some(outside.to_str().unwrap())
    );
}

#[test]
fn bad_pip_configs_are_refused_clearly() {
    let (tmp, site) = site();
    let house = site.join("wheelhouse");
    let cases: Vec<(PathBuf, &str, &str)> = vec![
        (
            tmp.path().join("none.conf"),
            "",
            "cannot read the pip configuration file",
        ),
        (
            tmp.path().join("pip-nolinks.conf"),
            "[global]\ntimeout = 3\n",
            "sets no `find-links`",
        ),
        (
            tmp.path().join("pip-rel.conf"),
            "[install]\nfind-links = wheelhouse/generic\n",
            "only absolute",
        ),
        (
            tmp.path().join("pip-bad.conf"),
            "find-links = /x\n",
            "line 1",
        ),
        (tmp.path().join("empty"), "", "holds no pip-*.conf"),
    ];
    for (path, content, why) in &cases {
        if path.ends_with("empty") {
            std::fs::create_dir(path).unwrap();
        } else if !content.is_empty() {
            std::fs::write(path, content).unwrap();
        }
        let out = wheelhouse()
            .arg("audit")
            .arg(&house)
            .args(["--python", "3.11", "--pip-config"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(why) && out.stdout.is_empty(),
            "{why}: {}",
            text(&out)
        );
    }
    // Two files naming one level.
    let copy = tmp.path().join("pip-generic.conf");
    std::fs::copy(site.join("pip/pip-generic.conf"), &copy).unwrap();
    let out = wheelhouse()
        .arg("audit")
        .arg(&house)
        .args(["--python", "3.11", "--pip-config"])
        .arg(site.join("pip"))
        .arg("--pip-config")
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("two pip configuration files name the CPU level generic"));
}

fn projects(out: &Path, level: &str) -> Vec<String> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(out.join(level).join("simple/index.json")).unwrap())
            .unwrap();
    v["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn index_publishes_the_directories_a_pip_config_lists() {
    let (tmp, site) = site();
    let house = site.join("wheelhouse");
    let v3 = house.join("gentoo2023/x86-64-v3");
    let local = house.join("local");
    // tool is both in local and in the top-level generic: the configuration's first wins.
    WheelSpec::pure("dep", "2.0").write(&local);
    WheelSpec::pure("tool", "1.0")
        .file("tool/where.py", b"WHERE = 'local'\n")
        .write(&local);
    catalogue(&house);
    let conf = site.join("pip/pip-x86-64-v3.conf");
    set_find_links(&conf, &[v3.clone(), local.clone(), house.join("generic")]);

    let out = tmp.path().join("html");
    let run = wheelhouse()
        .arg("index")
        .arg(&house)
        .arg("--html")
        .arg(&out)
        .arg("--pip-config")
        .arg(&conf)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let mut levels: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    levels.sort();
    assert_eq!(levels, ["files", "index.html", "wheels", "x86-64-v3"]);
    assert_eq!(projects(&out, "x86-64-v3"), ["app", "dep", "tool"]);
    let tool: Value = serde_json::from_slice(
        &std::fs::read(out.join("x86-64-v3/simple/tool/index.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(tool["files"].as_array().unwrap().len(), 1, "{tool:#}");
    assert!(
        tool["files"][0]["url"]
            .as_str()
            .unwrap()
            .contains("/files/local/"),
        "{tool:#}"
    );
    // Nothing of the layer's generic, which the configuration no longer lists.
    assert!(!out.join("files/gentoo2023/generic").exists());

    let server = StaticServer::start(&out);
    let target = tmp.path().join("target");
    let installed = pip_install(
        &test_support::tools_python(),
        &server.url("x86-64-v3/simple/"),
        &target,
        &["app", "tool"],
    );
    drop(server);
    assert!(installed.status.success(), "{}", text(&installed));
    assert!(target.join("app/__init__.py").is_file());
    assert!(
        target.join("dep-2.0.dist-info").is_dir(),
        "dep 2.0 from local"
    );
    assert!(target.join("tool/where.py").is_file(), "tool from local");

    // A directory outside the wheelhouse cannot be published: refused, nothing written.
    set_find_links(&conf, &[v3, tmp.path().join("elsewhere")]);
    let out2 = tmp.path().join("html2");
    let run = wheelhouse()
        .arg("index")
        .arg(&house)
        .arg("--html")
        .arg(&out2)
        .arg("--pip-config")
        .arg(&conf)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("outside the wheelhouse"),
        "{}",
        text(&run)
    );
    assert!(!out2.exists());
}
