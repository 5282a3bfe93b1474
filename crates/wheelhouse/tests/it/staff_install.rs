//! `wheelhouse add` then `wheelhouse install`: a wheel published by staff is what users get,
//! under the site's rules (its pip config, the CPU-level directory first).

use crate::common::{Site, WheelSpec};

#[test]
fn an_added_wheel_installs_with_wheelhouse_install() {
    let site = Site::new();
    let dist = site.path("dist");
    let wheel = WheelSpec::pure("staffpkg", "3.1")
        .tag("cp311-cp311-linux_x86_64")
        .requires("six")
        .write(&dist);
    let house = site.path("wheelhouse");
    site.ok(&[
        "add",
        "--wheelhouse",
        house.to_str().unwrap(),
        "--arch",
        "x86-64-v3",
        "--local-version",
        "computecanada",
        wheel.to_str().unwrap(),
    ]);
    assert!(site
        .v3
        .join("staffpkg-3.1+computecanada-cp311-cp311-linux_x86_64.whl")
        .is_file());
    let env = site.venv("env");
    let out = site.ok(&["install", "-p", env.to_str().unwrap(), "staffpkg==3.1"]);
    assert!(out.contains("staffpkg"), "{out}");
    let python = env.join("bin/python");
    let got = site.run_ok(
        &python,
        &[
            "-c",
            "import importlib.metadata as m, staffpkg, six; d = m.distribution('staffpkg'); \
             print(d.version, d._path.name)",
        ],
    );
    assert_eq!(
        got.trim(),
        "3.1+computecanada staffpkg-3.1+computecanada.dist-info"
    );
    // pip agrees the environment is consistent.
    site.run_ok(&python, &["-m", "pip", "check"]);
}
