//! Hints that lead somewhere: each message of a failed install names the cause and a next
//! command that works (issue 17).

use crate::common::{stderr, Site, WheelSpec};

#[test]
fn a_misspelt_name_gets_a_near_miss_and_a_glob_avail_wheels_accepts() {
    let site = Site::new();
    WheelSpec::pure("python_dateutil", "2.9.0").write(&site.generic);
    let env = site.venv("env");
    let out = site.wheelhouse(&["install", "-p", env.to_str().unwrap(), "python-datutil"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("Did you mean python-dateutil?"), "{err}");
    assert!(err.contains("avail_wheels \"*datutil*\""), "{err}");
    // The suggested glob runs, and finds nothing misleading.
    let out = site
        .command(env!("CARGO_BIN_EXE_avail_wheels"))
        .arg("*datutil*")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
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
    for arg in ["h5netcdf", wheel.to_str().unwrap()] {
        let out = site.wheelhouse(&["install", "-p", e, arg]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("numpy, needed by h5netcdf, is not in the wheelhouse"),
            "{err}"
        );
        assert!(err.contains("module spider numpy"), "{err}");
        assert!(
            !err.contains("Loosen") && !err.contains("conflict"),
            "{err}"
        );
    }
}

#[test]
fn a_requires_python_mismatch_names_the_module_to_load() {
    let site = Site::new();
    let mut newer = WheelSpec::pure("newer", "1.0");
    newer.requires_python = Some(">=3.13".into());
    newer.write(&site.generic);
    let env = site.venv("env");
    let pythons = site.path("pythons");
    for v in ["3.9.16", "3.11.7", "3.13.1"] {
        std::fs::create_dir_all(pythons.join(v).join("bin")).unwrap();
    }
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PYTHON_DIRS", &pythons)
        .args(["install", "-p", env.to_str().unwrap(), "newer"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("requires Python >=3.13"), "{err}");
    assert!(err.contains("`module load python/3.13`"), "{err}");
    assert!(!err.contains("Loosen"), "{err}");
}
