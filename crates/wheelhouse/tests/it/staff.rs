//! Staff commands against real parts: shared objects compiled here by gcc with `-mavx2` and
//! `-mavx512f`, a real PyPI binary wheel, and stock pip (24.2, from `.tools/venv`) and uv
//! (`.tools/envtools`) installing what `add`, `edit` and `index --html` publish.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::staff_cli::{
    clean_env, pip_install, pythons_with_pip, text, uv_install, wheelhouse,
};
use crate::common::{copy_tree, real_wheel, real_wheels};
use serde_json::Value;
use test_support::WheelSpec;

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("start the command")
}

/// Runs `cmd` and compares what it printed with `tests/snapshots/NAME.txt`, the temporary
/// directory `tmp` written `$TMP` and the PyPI wheels' directory `$WHEELS`.
fn run_snapshot(name: &str, tmp: &Path, cmd: &mut Command) -> Output {
    let out = run(cmd);
    let words: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let redact = test_support::Redact::new()
        .path(tmp, "$TMP")
        .path(&real_wheels(), "$WHEELS");
    let shown = format!("wheelhouse {}", words.join(" "));
    test_support::assert_snapshot(name, &redact.apply(&test_support::transcript(&shown, &out)));
    out
}

/// Compiles a shared object with gcc (Debian's); the test fails when gcc is missing.
fn compile(dir: &Path, name: &str, flags: &[&str], source: &str, rpath: Option<&str>) -> Vec<u8> {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    let out = dir.join(format!("{name}.so"));
    let mut cmd = Command::new("gcc");
    cmd.args(["-O2", "-shared", "-fPIC"])
        .args(flags)
        .arg(&src)
        .arg("-o")
        .arg(&out);
    if let Some(r) = rpath {
        cmd.arg(format!("-Wl,-rpath,{r}"));
    }
    let result = cmd
        .output()
        .expect("gcc must be installed (apt-get install gcc)");
    assert!(result.status.success(), "{}", text(&result));
    std::fs::read(out).unwrap()
}

const AVX2_SOURCE: &str = "#include <immintrin.h>\n#include <stdio.h>\n\
    void hello(const char *s) { puts(s); }\n\
    void add(int *a, int *b, int *c) { __m256i x = _mm256_loadu_si256((__m256i*)a); \
    __m256i y = _mm256_loadu_si256((__m256i*)b); _mm256_storeu_si256((__m256i*)c, _mm256_add_epi32(x, y)); }\n";
const AVX512_SOURCE: &str = "#include <immintrin.h>\n\
    void add(float *a, float *b, float *c) { __m512 x = _mm512_loadu_ps(a); \
    __m512 y = _mm512_loadu_ps(b); _mm512_storeu_ps(c, _mm512_add_ps(x, y)); }\n";
const PLAIN_SOURCE: &str = "int add(int a, int b) { return a + b; }\n";

fn binary_wheel(dir: &Path, name: &str, so: Vec<u8>) -> PathBuf {
    WheelSpec::pure(name, "1.0")
        .tag("cp311-cp311-linux_x86_64")
        .file(&format!("{name}/_ext.so"), &so)
        .write(dir)
}

fn inspect_json(wheel: &Path) -> Value {
    let out = run(wheelhouse()
        .args(["inspect", "--format", "json"])
        .arg(wheel));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn inspect_finds_avx2_and_avx512_in_compiled_code() {
    let tmp = tempfile::tempdir().unwrap();
    // -z x86-64-v3 makes the linker write the GNU property note naming the ISA level.
    let avx2 = compile(
        tmp.path(),
        "avx2",
        &["-mavx2", "-Wl,-z,x86-64-v3"],
        AVX2_SOURCE,
        None,
    );
    let avx512 = compile(
        tmp.path(),
        "avx512",
        &["-mavx512f"],
        AVX512_SOURCE,
        Some("/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v4/Core/gcccore/lib64"),
    );
    let plain = compile(tmp.path(), "plain", &[], PLAIN_SOURCE, None);

    let v = inspect_json(&binary_wheel(&tmp.path().join("w"), "vec2", avx2));
    let elf = &v["elf"][0];
    assert_eq!(elf["path"], "vec2/_ext.so");
    let ext: Vec<&str> = elf["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(ext.contains(&"AVX2"), "{v:#}");
    assert!(!ext.iter().any(|e| e.starts_with("AVX512")), "{v:#}");
    assert_eq!(elf["code_level"], "x86-64-v3");
    assert_eq!(elf["isa_needed"], "x86-64-v3");
    assert!(
        elf["needed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "libc.so.6"),
        "{v:#}"
    );
    assert!(elf["max_glibc"].is_string(), "{v:#}");
    // No RPATH names a level: generic under the layer, with a warning about AVX2.
    assert_eq!(v["placement"]["dir"], "gentoo2023/generic");
    let warning = v["placement"]["warning"].as_str().unwrap();
    assert!(
        warning.contains("AVX2") && warning.contains("--arch x86-64-v3"),
        "{v:#}"
    );
    // Added with --arch generic, it goes there with the same warning.
    let house = tmp.path().join("house");
    std::fs::create_dir_all(&house).unwrap();
    let out = run(wheelhouse()
        .args(["add", "--arch", "generic", "--wheelhouse"])
        .arg(&house)
        .arg(tmp.path().join("w/vec2-1.0-cp311-cp311-linux_x86_64.whl")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: vec2/_ext.so uses AVX, AVX2"),
        "{}",
        text(&out)
    );
    assert!(house
        .join("gentoo2023/generic/vec2-1.0-cp311-cp311-linux_x86_64.whl")
        .is_file());

    let v = inspect_json(&binary_wheel(&tmp.path().join("w"), "vec512", avx512));
    let elf = &v["elf"][0];
    assert!(
        elf["extensions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "AVX512F"),
        "{v:#}"
    );
    assert_eq!(elf["code_level"], "x86-64-v4");
    let paths = format!("{}{}", elf["rpath"], elf["runpath"]);
    assert!(paths.contains("/2023/x86-64-v4/"), "{v:#}");
    assert_eq!(v["placement"]["dir"], "gentoo2023/x86-64-v4");
    assert!(v["placement"]["warning"].is_null(), "{v:#}");

    let v = inspect_json(&binary_wheel(&tmp.path().join("w"), "plain", plain));
    assert_eq!(v["elf"][0]["code_level"], "generic", "{v:#}");
    assert!(v["elf"][0]["isa_needed"].is_null(), "{v:#}");
    assert!(v["placement"]["warning"].is_null());

    // The text form names the choice and the reason, pinned whole (the shared object's
    // addresses and sizes come from gcc, so they are left out by the redaction).
    let out = run(wheelhouse()
        .arg("inspect")
        .arg("w/vec512-1.0-cp311-cp311-linux_x86_64.whl")
        .current_dir(tmp.path()));
    test_support::assert_snapshot(
        "inspect-avx512",
        &test_support::Redact::new()
            .path(tmp.path(), "$TMP")
            .apply(&test_support::transcript(
                "wheelhouse inspect w/vec512-1.0-cp311-cp311-linux_x86_64.whl",
                &out,
            )),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("add would choose: gentoo2023/x86-64-v4/"),
        "{stdout}"
    );
    assert!(stdout.contains("AVX512F"), "{stdout}");
}

#[test]
fn inspect_a_real_pypi_binary_wheel() {
    let v = inspect_json(&real_wheel("pyyaml-"));
    assert!(v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t.as_str().unwrap().contains("manylinux")));
    let elf = v["elf"].as_array().unwrap();
    assert!(!elf.is_empty(), "{v:#}");
    assert!(elf[0]["path"].as_str().unwrap().ends_with(".so"));
    assert!(
        elf[0]["max_glibc"].as_str().unwrap().starts_with("2."),
        "{v:#}"
    );
    assert_eq!(v["pure"], false);
    // The text form, whole, for the real wheel (a PyPI file: the same bytes everywhere).
    let dir = real_wheels();
    let out = run(wheelhouse()
        .arg("inspect")
        .arg(real_wheel("pyyaml-").file_name().unwrap())
        .current_dir(&dir));
    test_support::assert_snapshot(
        "inspect-pyyaml",
        &test_support::transcript("wheelhouse inspect pyyaml-…whl", &out),
    );
    // And a pure one.
    let v = inspect_json(&real_wheel("six-"));
    assert_eq!(v["pure"], true);
    assert_eq!(v["placement"]["dir"], "generic");
}

#[test]
fn inspect_refuses_a_non_wheel_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("x-1.0-py3-none-any.whl");
    std::fs::write(&bad, "not a zip").unwrap();
    let out = run(wheelhouse()
        .args(["inspect", "x-1.0-py3-none-any.whl"])
        .current_dir(tmp.path()));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    test_support::assert_snapshot(
        "error-inspect-not-a-zip",
        &test_support::transcript("wheelhouse inspect x-1.0-py3-none-any.whl", &out),
    );
}

fn tools_pip() -> Command {
    let mut cmd = Command::new(test_support::tools_python());
    clean_env(&mut cmd);
    cmd.args(["-m", "pip", "--disable-pip-version-check", "--no-cache-dir"]);
    cmd
}

/// `importlib.metadata` of a --target directory: (version, requires).
fn installed_metadata(target: &Path, dist: &str) -> Value {
    let out = run(Command::new("python3").env("PYTHONPATH", target).args([
        "-c",
        "import json, sys, importlib.metadata as m; d = m.distribution(sys.argv[1]); \
             print(json.dumps({'version': d.version, 'requires': d.requires or [], \
             'path': str(d._path.name)}))",
        dist,
    ]));
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn add_round_trip_local_version_and_retag() {
    let tmp = tempfile::tempdir().unwrap();
    let house = tmp.path().join("wheelhouse");
    std::fs::create_dir_all(house.join("gentoo2023/x86-64-v3")).unwrap();
    let dist = tmp.path().join("dist");
    let pure = WheelSpec::pure("demo-staff", "1.0")
        .requires("six")
        .write(&dist);

    let out = run_snapshot(
        "add-published",
        tmp.path(),
        wheelhouse()
            .args(["add", "--local-version", "computecanada", "--wheelhouse"])
            .arg(&house)
            .arg(&pure),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let added = house.join("generic/demo_staff-1.0+computecanada-py3-none-any.whl");
    assert!(added.is_file(), "{}", text(&out));
    // The catalog was written and is fresh.
    let check = run(wheelhouse().args(["index", "--check"]).arg(&house));
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    // avail_wheels lists it (generic/ is one level deep: list it through a pip config).
    std::fs::create_dir_all(tmp.path().join("pythons/3.11.5")).unwrap();
    let conf = tmp.path().join("pip.conf");
    std::fs::write(
        &conf,
        format!(
            "[wheel]\nfind-links = {} {}\n",
            house.join("gentoo2023/x86-64-v3").display(),
            house.join("generic").display()
        ),
    )
    .unwrap();
    let avail = run(wheelhouse()
        .env("PIP_CONFIG_FILE", &conf)
        .env("WHEELHOUSE", &house)
        .env("PYTHON_DIRS", tmp.path().join("pythons"))
        .args(["avail", "--raw", "--all", "demo_staff"]));
    assert!(
        String::from_utf8_lossy(&avail.stdout)
            .contains("demo_staff-1.0+computecanada-py3-none-any.whl"),
        "{}",
        text(&avail)
    );
    // Stock pip installs it; its dist-info matches the new name and version.
    let target = tmp.path().join("target");
    let pip = run(tools_pip()
        .args(["install", "--no-index", "--no-deps", "--target"])
        .arg(&target)
        .arg(&added));
    assert!(pip.status.success(), "{}", text(&pip));
    let meta = installed_metadata(&target, "demo-staff");
    assert_eq!(meta["version"], "1.0+computecanada");
    assert_eq!(meta["path"], "demo_staff-1.0+computecanada.dist-info");
    assert_eq!(meta["requires"][0], "six");

    // No clobbering.
    let again = run_snapshot(
        "error-add-already-exists",
        tmp.path(),
        wheelhouse()
            .args(["add", "--local-version", "computecanada", "--wheelhouse"])
            .arg(&house)
            .arg(&pure),
    );
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));

    // A CPU-level copy, then a generic copy of the same version is refused.
    let binary = WheelSpec::pure("levelled", "2.0")
        .tag("cp311-cp311-linux_x86_64")
        .write(&dist);
    let out = run(wheelhouse()
        .args(["add", "--arch", "x86-64-v3", "--wheelhouse"])
        .arg(&house)
        .arg(&binary));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(house
        .join("gentoo2023/x86-64-v3/levelled-2.0-cp311-cp311-linux_x86_64.whl")
        .is_file());
    let out = run_snapshot(
        "error-add-generic-beside-cpu-level",
        tmp.path(),
        wheelhouse()
            .args(["add", "--arch", "generic", "--wheelhouse"])
            .arg(&house)
            .arg(&binary),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!house
        .join("gentoo2023/generic/levelled-2.0-cp311-cp311-linux_x86_64.whl")
        .exists());
    let out = run(wheelhouse()
        .args(["add", "--arch", "generic", "--force", "--wheelhouse"])
        .arg(&house)
        .arg(&binary));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // The other order: a generic copy, then a CPU-level copy of the same version is refused
    // too (before, only the audit found the mix).
    let binary = WheelSpec::pure("levelled-too", "2.0")
        .tag("cp311-cp311-linux_x86_64")
        .write(&dist);
    let add = |args: &[&str]| {
        run(wheelhouse()
            .arg("add")
            .args(args)
            .arg("--wheelhouse")
            .arg(&house)
            .arg(&binary))
    };
    assert_eq!(add(&["--arch", "generic"]).status.code(), Some(0));
    let out = run_snapshot(
        "error-add-cpu-level-beside-generic",
        tmp.path(),
        wheelhouse()
            .args(["add", "--arch", "x86-64-v3", "--wheelhouse"])
            .arg(&house)
            .arg(&binary),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!house
        .join("gentoo2023/x86-64-v3/levelled_too-2.0-cp311-cp311-linux_x86_64.whl")
        .exists());
    assert_eq!(
        add(&["--arch", "x86-64-v3", "--force"]).status.code(),
        Some(0)
    );

    // A manylinux wheel that is not retagged would sit in the wheelhouse unused: refused,
    // saying how to add it.
    let many = WheelSpec::pure("many", "1.0")
        .tag("cp311-cp311-manylinux_2_17_x86_64")
        .write(&dist);
    let out = run_snapshot(
        "error-add-manylinux",
        tmp.path(),
        wheelhouse()
            .args(["add", "--arch", "generic", "--wheelhouse"])
            .arg(&house)
            .arg(&many),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!house
        .join("gentoo2023/generic")
        .read_dir()
        .unwrap()
        .any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("many-")));

    // A real manylinux wheel, retagged; pip installs the result.
    let yaml = real_wheel("pyyaml-");
    let out = run_snapshot(
        "add-retagged-manylinux",
        tmp.path(),
        wheelhouse()
            .args([
                "add",
                "--retag-manylinux",
                "--arch",
                "x86-64-v3",
                "--local-version",
                "computecanada",
                "--wheelhouse",
            ])
            .arg(&house)
            .arg(&yaml),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let retagged: Vec<String> = std::fs::read_dir(house.join("gentoo2023/x86-64-v3"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pyyaml"))
        .collect();
    assert_eq!(retagged.len(), 1, "{retagged:?}");
    assert!(
        retagged[0].ends_with("+computecanada-cp311-cp311-linux_x86_64.whl"),
        "{retagged:?}"
    );
    let target = tmp.path().join("target-yaml");
    let pip = run(tools_pip()
        .args(["install", "--no-index", "--no-deps", "--target"])
        .arg(&target)
        .arg(house.join("gentoo2023/x86-64-v3").join(&retagged[0])));
    assert!(pip.status.success(), "{}", text(&pip));
    let import = run(Command::new("python3").env("PYTHONPATH", &target).args([
        "-c",
        "import yaml, importlib.metadata as m; print(m.version('PyYAML'), yaml.__with_libyaml__)",
    ]));
    assert!(
        String::from_utf8_lossy(&import.stdout).contains("+computecanada True"),
        "{}",
        text(&import)
    );
    // Nothing half-written was left behind.
    for dir in ["generic", "gentoo2023/x86-64-v3", "gentoo2023/generic"] {
        for e in std::fs::read_dir(house.join(dir)).unwrap().flatten() {
            assert!(!e.file_name().to_string_lossy().ends_with(".part"));
        }
    }
}

#[test]
fn edit_requirements_and_pip_sees_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wheels");
    let wheel = WheelSpec::pure("editme", "1.0")
        .requires("numpy>=1.21")
        .requires("oldname>=2")
        .requires("dropme")
        .write(&dir);
    let out = run_snapshot(
        "edit-requirements",
        tmp.path(),
        wheelhouse().arg("edit").arg(&wheel).args([
            "--set-max",
            "numpy",
            "2",
            "--remove-req",
            "dropme",
            "--rename-req",
            "oldname",
            "newname",
            "--add-req",
            "packaging>=21",
        ]),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A requirement the wheel does not have: an error naming the ones it has, file untouched.
    let before = std::fs::read(&wheel).unwrap();
    let out = run_snapshot(
        "error-edit-remove-absent-requirement",
        tmp.path(),
        wheelhouse()
            .arg("edit")
            .arg(&wheel)
            .args(["--remove-req", "nunpy"]),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(std::fs::read(&wheel).unwrap(), before);
    let target = tmp.path().join("target");
    let pip = run(tools_pip()
        .args(["install", "--no-index", "--no-deps", "--target"])
        .arg(&target)
        .arg(&wheel));
    assert!(pip.status.success(), "{}", text(&pip));
    let meta = installed_metadata(&target, "editme");
    assert_eq!(
        meta["requires"],
        serde_json::json!(["numpy>=1.21,<2", "newname>=2", "packaging>=21"]),
        "{meta}"
    );
    // A bad requirement is refused and the wheel is untouched.
    let before = std::fs::read(&wheel).unwrap();
    let out = run(wheelhouse()
        .arg("edit")
        .arg(&wheel)
        .args(["--add-req", "numpy>=>2"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid requirement"));
    assert_eq!(std::fs::read(&wheel).unwrap(), before);
}

/// A clean little wheelhouse: pkg-a needs pkg-b (generic), pkg-b is pure.
fn clean_house(root: &Path) {
    WheelSpec::pure("pkg-a", "1.0")
        .requires("pkg-b>=1")
        .tag("cp311-cp311-linux_x86_64")
        .write(&root.join("gentoo2023/x86-64-v3"));
    WheelSpec::pure("pkg-b", "1.5")
        .requires("pytest; extra == 'test'")
        .write(&root.join("generic"));
    WheelSpec::pure("pkg-c", "2.0")
        .requires("pkg-b; python_version < '3'")
        .write(&root.join("gentoo2023/generic"));
}

fn audit_json(root: &Path, extra: &[&str]) -> (i32, Value) {
    let out = run(wheelhouse()
        .arg("audit")
        .arg(root)
        .args(["--python", "3.11", "--format", "json"])
        .args(extra));
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out))),
    )
}

fn kinds(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn audit_is_silent_on_a_clean_tree_and_finds_each_planted_breakage() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wheelhouse");
    clean_house(&root);
    let out = run(wheelhouse().args(["index"]).arg(&root));
    assert!(out.status.success(), "{}", text(&out));
    let plain = run(wheelhouse()
        .arg("audit")
        .arg(&root)
        .args(["--python", "3.11", "--deep"]));
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    assert!(plain.stdout.is_empty(), "{}", text(&plain));
    assert!(
        String::from_utf8_lossy(&plain.stderr).contains("(from the catalog)"),
        "{}",
        text(&plain)
    );
    let (code, v) = audit_json(&root, &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["catalog_used"], true);

    // Each breakage, alone, is found (and makes the exit code 1).
    let v3 = root.join("gentoo2023/x86-64-v3");
    type Plant<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let plant: Vec<Plant> = vec![
        (
            "unsatisfiable",
            Box::new(|| {
                WheelSpec::pure("needy", "1.0")
                    .requires("pkg-b>=2")
                    .write(&root.join("generic"));
            }),
        ),
        (
            "unsatisfiable",
            Box::new(|| {
                WheelSpec::pure("needy", "1.0")
                    .requires("absent-pkg")
                    .write(&root.join("generic"));
            }),
        ),
        (
            "invalid-name",
            Box::new(|| {
                std::fs::write(root.join("generic/not-a-wheel.whl"), "x").unwrap();
            }),
        ),
        (
            "manylinux",
            Box::new(|| {
                WheelSpec::pure("many", "1.0")
                    .tag("cp311-cp311-manylinux_2_17_x86_64")
                    .write(&v3);
            }),
        ),
        (
            "duplicate-file",
            Box::new(|| {
                WheelSpec::pure("pkg-b", "1.5").write(&root.join("gentoo2023/generic"));
            }),
        ),
        (
            "generic-and-cpu-level",
            Box::new(|| {
                WheelSpec::pure("pkg-a", "1.0")
                    .requires("pkg-b>=1")
                    .tag("cp311-cp311-linux_x86_64")
                    .write(&root.join("gentoo2023/generic"));
            }),
        ),
        (
            "local-version",
            Box::new(|| {
                WheelSpec::pure("pkg-b", "1.5+computecanada").write(&root.join("generic"));
            }),
        ),
        (
            "local-version",
            Box::new(|| {
                let w = WheelSpec::pure("mismatch", "1.0").write(&root.join("generic"));
                std::fs::rename(
                    &w,
                    root.join("generic/mismatch-1.0+computecanada-py3-none-any.whl"),
                )
                .unwrap();
            }),
        ),
        (
            "unreadable",
            Box::new(|| {
                std::fs::write(root.join("generic/trunc-1.0-py3-none-any.whl"), "PK").unwrap();
            }),
        ),
    ];
    // The text a member of staff reads for each breakage is pinned whole
    // (tests/snapshots/audit-findings.txt).
    let mut texts = String::new();
    for (kind, make) in &plant {
        let snapshot = tmp.path().join("snapshot");
        copy_tree(&root, &snapshot);
        make();
        let (code, v) = audit_json(&root, &[]);
        assert_eq!(code, 1, "{kind}: {v:#}");
        assert!(kinds(&v).contains(&kind.to_string()), "{kind}: {v:#}");
        let args = ["audit", "wheelhouse", "--python", "3.11"];
        let out = run(wheelhouse().args(args).current_dir(tmp.path()));
        texts.push_str(&format!("# {kind}\n"));
        texts.push_str(&test_support::transcript(
            &format!("wheelhouse {}", args.join(" ")),
            &out,
        ));
        std::fs::remove_dir_all(&root).unwrap();
        std::fs::rename(&snapshot, &root).unwrap();
    }
    let redact = test_support::Redact::new().path(tmp.path(), "$TMP");
    test_support::assert_snapshot("audit-findings", &redact.apply(&texts));
    // The stale catalog's hint, pasted, makes the next audit read the catalog.
    let hint = texts
        .split("run `")
        .nth(1)
        .unwrap()
        .split('`')
        .next()
        .unwrap();
    assert_eq!(hint, "wheelhouse index wheelhouse");
    let out = run(wheelhouse()
        .args(["index", "wheelhouse"])
        .current_dir(tmp.path()));
    assert!(out.status.success(), "{}", text(&out));
    // Who needs the missing one is named.
    WheelSpec::pure("needy", "1.0")
        .requires("absent-pkg>=3")
        .write(&root.join("generic"));
    let (_, v) = audit_json(&root, &[]);
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("absent-pkg>=3")
            && msg.contains("needy-1.0-py3-none-any.whl")
            && msg.contains("no wheel of absent-pkg"),
        "{msg}"
    );
    std::fs::remove_file(root.join("generic/needy-1.0-py3-none-any.whl")).unwrap();

    // --deep: a RECORD hash that lies.
    let mut bad = WheelSpec::pure("corrupt", "1.0");
    bad.corrupt.push("corrupt/__init__.py".into());
    bad.write(&root.join("generic"));
    let (code, v) = audit_json(&root, &[]);
    assert_eq!(code, 0, "without --deep the hash is not checked: {v:#}");
    let (code, v) = audit_json(&root, &["--deep"]);
    assert_eq!(code, 1);
    assert!(kinds(&v).contains(&"record".to_string()), "{v:#}");
}

#[test]
fn static_index_installs_with_stock_pip_and_uv() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wheelhouse");
    // The level's own build wins over the generic one of the same file name.
    WheelSpec::pure("app", "1.0")
        .requires("dep>=1")
        .requires("six")
        .write(&root.join("gentoo2023/x86-64-v3"));
    let mut dep = WheelSpec::pure("dep", "1.2+computecanada");
    dep.requires_python = Some(">=3.8".into());
    dep.write(&root.join("gentoo2023/generic"));
    std::fs::create_dir_all(root.join("generic")).unwrap();
    std::fs::copy(
        real_wheel("six-"),
        root.join("generic")
            .join(real_wheel("six-").file_name().unwrap()),
    )
    .unwrap();
    let out_dir = tmp.path().join("index");
    let out = run(wheelhouse()
        .arg("index")
        .arg(&root)
        .arg("--html")
        .arg(&out_dir));
    assert!(out.status.success(), "{}", text(&out));
    let simple = out_dir.join("x86-64-v3/simple");
    let page = std::fs::read_to_string(simple.join("dep/index.html")).unwrap();
    assert!(page.contains("data-requires-python=\"&gt;=3.8\""), "{page}");
    assert!(page.contains("data-core-metadata=\"sha256="), "{page}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(simple.join("dep/index.json")).unwrap())
            .unwrap();
    assert_eq!(json["files"][0]["requires-python"], ">=3.8");
    assert!(json["files"][0]["core-metadata"]["sha256"].is_string());
    let listing: Value =
        serde_json::from_str(&std::fs::read_to_string(simple.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        listing["projects"].as_array().unwrap().len(),
        3,
        "{listing}"
    );
    // The metadata file is the wheel's METADATA, and its hash is the advertised one.
    let href = json["files"][0]["url"].as_str().unwrap();
    let sidecar = simple
        .join("dep")
        .join(format!("{href}.metadata").replace("%2B", "+"));
    assert!(std::fs::read_to_string(&sidecar)
        .unwrap()
        .contains("Name: dep"));

    let url = format!("file://{}/", simple.display());
    for (n, python) in pythons_with_pip().into_iter().enumerate() {
        let target = tmp.path().join(format!("pip-target-{n}"));
        let out = pip_install(&python, &url, &target, &["app"]);
        assert!(out.status.success(), "{}: {}", python.display(), text(&out));
        let meta = installed_metadata(&target, "dep");
        assert_eq!(meta["version"], "1.2+computecanada");
        assert!(target.join("six.py").is_file());
    }

    let target = tmp.path().join("uv-target");
    let out = uv_install(&url, &target, &tmp.path().join("uv-cache"), &["app"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(target.join("dep/__init__.py").is_file(), "{}", text(&out));
    assert!(target.join("six.py").is_file());
}

#[test]
fn add_and_audit_errors_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(wheelhouse().args(["add", "--wheelhouse", "/nonexistent/house", "x.whl"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a directory"));
    let bad = tmp.path().join("bad name.whl");
    std::fs::write(&bad, "x").unwrap();
    let out = run(wheelhouse()
        .args(["add", "--wheelhouse"])
        .arg(tmp.path())
        .arg(&bad));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a wheel file name"),
        "{}",
        text(&out)
    );
    let out = run(wheelhouse()
        .arg("audit")
        .arg(tmp.path())
        .args(["--python", "three"]));
    assert_eq!(out.status.code(), Some(2));
    // An unsafe member is refused.
    let mut evil = WheelSpec::pure("evil", "1.0");
    evil.raw_members
        .push(("../../escape.py".into(), b"x".to_vec()));
    let evil = evil.write(&tmp.path().join("dist"));
    std::fs::create_dir_all(tmp.path().join("house")).unwrap();
    let out = run(wheelhouse()
        .args(["add", "--wheelhouse"])
        .arg(tmp.path().join("house"))
        .arg(&evil));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("outside the install directory"),
        "{}",
        text(&out)
    );
}
