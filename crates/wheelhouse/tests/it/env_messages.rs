//! Hints that lead somewhere: each message of a failed install names the cause and a next
//! command that works (issue 17).

use crate::common::{quoted_after, stderr, Site, WheelSpec};

#[test]
fn a_misspelt_name_gets_a_near_miss_whose_versions_are_listed() {
    let site = Site::new();
    WheelSpec::pure("python_dateutil", "2.9.0").write(&site.generic);
    let env = site.venv("env");
    let out = site.snapshot(
        "install-near-miss",
        &["install", "-p", env.to_str().unwrap(), "python-datutil"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    // The versions of the name meant, as suggested, list it.
    let builds = site.run_pasted(&quoted_after(&err, "Did you mean python-dateutil?"));
    assert_eq!(builds.status.code(), Some(0), "{}", stderr(&builds));
    let listed = String::from_utf8_lossy(&builds.stdout);
    assert!(listed.contains("python_dateutil"), "{listed}");
    // The suggested name installs.
    site.ok(&["install", "-p", env.to_str().unwrap(), "python-dateutil"]);
}

#[test]
fn a_dependency_missing_from_the_wheelhouse_is_named_with_who_needs_it() {
    let site = Site::new();
    let wheel = WheelSpec::pure("h5netcdf", "1.3.0")
        .requires("numpy")
        .write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    // By name, and by the wheel's path (what `download` tells the user to install).
    for (name, arg) in [
        ("install-missing-dependency", "h5netcdf"),
        (
            "install-missing-dependency-of-file",
            wheel.to_str().unwrap(),
        ),
    ] {
        let out = site.snapshot(name, &["install", "-p", e, arg]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    }
    // A wheel downloaded outside the wheelhouse: its other versions are nowhere to list, so
    // the way out is to download the dependency too.
    let downloaded = WheelSpec::pure("tensorboardx", "2.6")
        .requires("numpy")
        .write(&site.path("downloads"));
    let out = site.snapshot(
        "install-missing-dependency-of-download",
        &["install", "-p", e, downloaded.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn a_requires_python_mismatch_names_the_module_to_load() {
    let site = Site::new();
    let mut newer = WheelSpec::pure("newer", "1.0");
    newer.requires_python = Some(">=3.13".into());
    newer.write(&site.generic);
    let env = site.venv("env");
    let pythons = site.path("pythons");
    for v in ["3.9.16", "3.10.14", "3.13.1"] {
        std::fs::create_dir_all(pythons.join(v).join("bin")).unwrap();
    }
    let args = ["install", "-p", env.to_str().unwrap(), "newer"];
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PYTHON_DIRS", &pythons)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    site.assert_snapshot("install-requires-python-module", &args, &out);
}
