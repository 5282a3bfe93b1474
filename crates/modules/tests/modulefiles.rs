//! The generated files, pinned as snapshots under tests/snapshots (`modulefile-*.lua`,
//! `site-*`): fixed inputs, so the text is the same on every machine. A change of wording is
//! a reviewed diff: rerun with `UPDATE_SNAPSHOTS=1` and commit the new files. The Lmod tests
//! in crates/wheelhouse/tests/it/modules_*.rs check that Lmod reads what these files say.

use std::path::PathBuf;

use modules::site::{pip_config, profile_csh, profile_sh, SiteLayout};
use modules::{PythonModule, StackModule};
use test_support::snapshot;
use wheel_name::PythonVersion;

#[test]
fn generated_files_match_the_snapshots() {
    let python = PythonModule {
        version: "3.11.7".into(),
        implementation: "CPython".into(),
        root: "/SITE/software/python/3.11.7".into(),
        dev_prefix: Some("/opt/python/3.11.7".into()),
        executable: "/opt/python/3.11.7/bin/python3.11".into(),
        site_dir: Some("/SITE/python-site".into()),
        bundled: vec![
            ("pip".into(), "24.2".into()),
            ("setuptools".into(), "70.0.0".into()),
        ],
    };
    let pypy = PythonModule {
        version: "3.9.16".into(),
        implementation: "PyPy".into(),
        root: "/SITE/software/python/3.9.16".into(),
        dev_prefix: None,
        executable: "/usr/bin/pypy3.9".into(),
        site_dir: Some("/SITE/python-site".into()),
        bundled: vec![],
    };
    let stack = StackModule {
        name: "scipy-stack".into(),
        version: "2024a".into(),
        prefix: PathBuf::from("/SITE/software/scipy-stack/2024a"),
        pythons: vec![PythonVersion::new(3, 10), PythonVersion::new(3, 11)],
        packages: vec![
            ("numpy".into(), "1.26.4+computecanada".into()),
            ("scipy".into(), "1.13.1+computecanada".into()),
        ],
    };
    let layout = SiteLayout::new("/SITE".into());
    let failures: Vec<String> = [
        snapshot("modulefile-python.lua", &python.render()),
        snapshot("modulefile-python-pypy.lua", &pypy.render()),
        snapshot(
            "modulefile-python-modulerc.lua",
            &modules::lua::python_default_rc("3.11.7"),
        ),
        snapshot("modulefile-stack.lua", &stack.render()),
        snapshot("site-pip-x86-64-v3.conf", &pip_config(&layout, "x86-64-v3")),
        snapshot("site-profile.sh", &profile_sh(&layout)),
        snapshot("site-profile.csh", &profile_csh(&layout)),
        snapshot("site-cpu-level.sh", &modules::site::cpu_level_script()),
        snapshot("site-sitecustomize.py", modules::hooks::SITECUSTOMIZE_PY),
        snapshot("site-_manylinux.py", modules::hooks::MANYLINUX_PY),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The shell's CPU-level test (`libexec/cpu-level.sh`, run by both profiles) agrees with the
/// Rust one on every level, on cpuinfo files written here.
#[test]
fn the_profiles_cpu_level_matches_the_rust_one() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("cpu-level.sh");
    std::fs::write(&script, modules::site::cpu_level_script()).unwrap();
    let v3 = "fpu sse2 avx avx2 bmi1 bmi2 f16c fma abm movbe xsave";
    let cases = [
        ("generic", "fpu sse2 avx".to_string()),
        ("x86-64-v3", v3.to_string()),
        (
            "x86-64-v4",
            format!("{v3} avx512f avx512bw avx512cd avx512dq avx512vl"),
        ),
        ("generic", format!("{v3} avx512f").replace("movbe", "")),
        ("generic", String::new()),
    ];
    for (expected, flags) in cases {
        let cpuinfo = tmp.path().join("cpuinfo");
        let text =
            format!("processor\t: 0\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: fpu\n");
        std::fs::write(&cpuinfo, &text).unwrap();
        let out = std::process::Command::new("sh")
            .arg(&script)
            .arg(&cpuinfo)
            .output()
            .unwrap();
        let level = String::from_utf8(out.stdout).unwrap();
        assert_eq!(level.trim(), expected, "flags: {flags}");
        assert_eq!(
            modules::cpu::arch_from_cpuinfo(&text),
            expected,
            "flags: {flags}"
        );
    }
    let this_node = std::process::Command::new("sh")
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(this_node.stdout).unwrap().trim(),
        modules::cpu::this_node_arch()
    );
}
