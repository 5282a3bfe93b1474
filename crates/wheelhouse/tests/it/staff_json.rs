//! `wheelhouse add --format json` and `wheelhouse edit --format json`, against real parts: wheels
//! built by `WheelSpec`, shared objects compiled here by gcc with `-mavx2` and `-mavx512f`, and
//! a real PyPI manylinux wheel.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::staff_cli::{text, wheelhouse};
use crate::common::{real_wheel, stderr};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use test_support::WheelSpec;

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("start the command")
}

/// The whole of stdout is one JSON document.
fn doc(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", text(out)))
}

fn sha256_hex(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// A wheel holding one shared object compiled by gcc (the test fails when gcc is missing).
fn compiled_wheel(dir: &Path, name: &str, flags: &[&str], source: &str) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    let so = dir.join(format!("{name}.so"));
    let out = run(Command::new("gcc")
        .args(["-O2", "-shared", "-fPIC"])
        .args(flags)
        .arg(&src)
        .arg("-o")
        .arg(&so));
    assert!(out.status.success(), "gcc: {}", text(&out));
    WheelSpec::pure(name, "1.0")
        .tag("cp311-cp311-linux_x86_64")
        .file(&format!("{name}/_ext.so"), &std::fs::read(&so).unwrap())
        .write(&dir.join("dist"))
}

const AVX2_SOURCE: &str = "#include <immintrin.h>\n\
    void add(int *a, int *b, int *c) { __m256i x = _mm256_loadu_si256((__m256i*)a); \
    __m256i y = _mm256_loadu_si256((__m256i*)b); _mm256_storeu_si256((__m256i*)c, _mm256_add_epi32(x, y)); }\n";
const AVX512_SOURCE: &str = "#include <immintrin.h>\n\
    void add(float *a, float *b, float *c) { __m512 x = _mm512_loadu_ps(a); \
    __m512 y = _mm512_loadu_ps(b); _mm512_storeu_ps(c, _mm512_add_ps(x, y)); }\n";
const V4_RPATH: &str =
    "/cvmfs/soft.computecanada.ca/easybuild/software/2023/x86-64-v4/Core/gcccore/lib64";

#[test]
fn add_json_reports_a_generic_a_cpu_level_and_a_refused_wheel() {
    let tmp = tempfile::tempdir().unwrap();
    let house = tmp.path().join("house");
    std::fs::create_dir_all(&house).unwrap();
    let pure = WheelSpec::pure("demo-json", "1.0")
        .requires("six")
        .write(&tmp.path().join("dist"));
    let rpath = format!("-Wl,-rpath,{V4_RPATH}");
    let vec512 = compiled_wheel(tmp.path(), "vec512", &["-mavx512f", &rpath], AVX512_SOURCE);
    let vec2 = compiled_wheel(tmp.path(), "vec2", &["-mavx2"], AVX2_SOURCE);

    // The pure wheel twice: the second copy is refused (the first is published by then).
    let out = run(wheelhouse()
        .args([
            "add",
            "--format",
            "json",
            "--local-version",
            "computecanada",
        ])
        .arg("--wheelhouse")
        .arg(&house)
        .args([&pure, &vec512, &vec2, &pure]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v = doc(&out);
    assert_eq!(v["ok"], false, "{v:#}");
    assert_eq!(v["added"], 3, "{v:#}");
    assert_eq!(v["failed"], 1, "{v:#}");
    assert_eq!(v["wheelhouse"], json!(house));
    let catalog = PathBuf::from(v["catalog"].as_str().unwrap());
    assert!(catalog.is_file(), "{v:#}");
    assert!(v.get("error").is_none(), "{v:#}");
    let wheels = v["wheels"].as_array().unwrap();
    assert_eq!(wheels.len(), 4, "{v:#}");

    // Generic: a pure wheel, the local version added, nothing retagged.
    let w = &wheels[0];
    assert_eq!(w["ok"], true, "{w:#}");
    assert_eq!(w["source"], json!(pure));
    let path = house.join("generic/demo_json-1.0+computecanada-py3-none-any.whl");
    assert_eq!(w["path"], json!(path));
    assert!(path.is_file());
    assert_eq!(w["dir"], "generic");
    assert_eq!(
        w["filename"],
        "demo_json-1.0+computecanada-py3-none-any.whl"
    );
    assert_eq!(w["original_filename"], "demo_json-1.0-py3-none-any.whl");
    assert_eq!(w["name"], "demo_json");
    assert_eq!(w["version"], "1.0+computecanada");
    assert_eq!(w["original_version"], "1.0");
    assert_eq!(w["local_version"], "computecanada");
    assert_eq!(w["tags"], json!(["py3-none-any"]));
    assert_eq!(w["retagged"], false);
    assert_eq!(w["replaced"], false);
    assert_eq!(w["pure"], true);
    assert_eq!(w["placement"]["arch"], "generic");
    assert!(
        w["placement"]["reason"]
            .as_str()
            .unwrap()
            .contains("pure Python wheel"),
        "{w:#}"
    );
    assert!(w["placement"]["rpath_evidence"].is_null());
    assert!(w["placement"]["warning"].is_null());
    assert_eq!(w["code"]["level"], "generic");
    assert!(w["code"]["member"].is_null());
    assert_eq!(w["elf"], json!([]));
    assert_eq!(w["warnings"], json!([]));
    assert_eq!(w["sha256"], sha256_hex(&path));

    // CPU level from the RPATH, and the AVX-512 instructions the disassembler found.
    let w = &wheels[1];
    assert_eq!(w["ok"], true, "{w:#}");
    assert_eq!(w["source"], json!(vec512));
    let path =
        house.join("gentoo2023/x86-64-v4/vec512-1.0+computecanada-cp311-cp311-linux_x86_64.whl");
    assert_eq!(w["path"], json!(path));
    assert!(path.is_file());
    assert_eq!(w["dir"], "gentoo2023/x86-64-v4");
    assert_eq!(w["placement"]["arch"], "x86-64-v4");
    assert_eq!(w["placement"]["rpath_evidence"]["member"], "vec512/_ext.so");
    assert_eq!(w["placement"]["rpath_evidence"]["entry"], V4_RPATH);
    assert!(w["placement"]["warning"].is_null(), "{w:#}");
    assert_eq!(w["pure"], false);
    assert_eq!(w["code"]["level"], "x86-64-v4");
    assert_eq!(w["code"]["member"], "vec512/_ext.so");
    assert!(
        strings(&w["code"]["extensions"]).contains(&"AVX512F".to_string()),
        "{w:#}"
    );
    assert_eq!(w["elf"][0]["path"], "vec512/_ext.so");
    assert_eq!(w["elf"][0]["code_level"], "x86-64-v4");
    assert_eq!(w["warnings"], json!([]));
    assert_eq!(w["sha256"], sha256_hex(&path));

    // No RPATH names a level: the layer's generic, with the AVX2 warning in the entry (and
    // on stderr, as in text mode).
    let w = &wheels[2];
    assert_eq!(w["ok"], true, "{w:#}");
    assert_eq!(w["dir"], "gentoo2023/generic");
    assert!(w["placement"]["rpath_evidence"].is_null());
    assert_eq!(w["code"]["level"], "x86-64-v3");
    assert!(
        strings(&w["code"]["extensions"]).contains(&"AVX2".to_string()),
        "{w:#}"
    );
    let warnings = strings(&w["warnings"]);
    assert_eq!(warnings.len(), 1, "{w:#}");
    assert!(warnings[0].contains("vec2/_ext.so uses AVX, AVX2"), "{w:#}");
    assert_eq!(w["placement"]["warning"], json!(warnings[0]));
    assert!(stderr(&out).contains(&format!("wheelhouse add: warning: {}", warnings[0])));

    // Refused: the error as kind, message and exit code, and the same paragraph on stderr.
    let w = &wheels[3];
    assert_eq!(w["ok"], false, "{w:#}");
    assert_eq!(w["source"], json!(pure));
    assert_eq!(w["refused"], true);
    assert_eq!(w["error"]["kind"], "refused");
    assert_eq!(w["error"]["exit_code"], 1);
    let message = w["error"]["message"].as_str().unwrap();
    assert!(message.contains("already exists"), "{w:#}");
    assert!(
        stderr(&out).contains(&format!("wheelhouse add: error: {message}")),
        "{}",
        text(&out)
    );
    assert!(w.get("path").is_none());

    // The catalog written is fresh.
    let check = run(wheelhouse().args(["index", "--check"]).arg(&house));
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn add_json_retag_replace_and_input_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let house = tmp.path().join("house");
    std::fs::create_dir_all(&house).unwrap();
    let yaml = real_wheel("pyyaml-");
    let add = |extra: &[&str], wheel: &Path| {
        run(wheelhouse()
            .args(["add", "--format", "json", "--arch", "x86-64-v3"])
            .args(extra)
            .arg("--wheelhouse")
            .arg(&house)
            .arg(wheel))
    };

    // Retagged: manylinux renamed, the file name and tags say so.
    let out = add(&["--retag-manylinux"], &yaml);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = doc(&out);
    assert_eq!(v["ok"], true, "{v:#}");
    let w = &v["wheels"][0];
    assert_eq!(w["retagged"], true, "{w:#}");
    assert_eq!(w["tags"], json!(["cp311-cp311-linux_x86_64"]));
    assert!(strings(&w["original_tags"])
        .iter()
        .all(|t| t.contains("manylinux")));
    assert!(w["local_version"].is_null(), "{w:#}");
    assert_eq!(w["version"], w["original_version"]);
    assert_eq!(w["placement"]["reason"], "--arch x86-64-v3 given");
    // Its extension module is baseline x86-64 code.
    assert_eq!(w["code"]["level"], "generic", "{w:#}");
    assert!(w["code"]["member"].is_null(), "{w:#}");
    assert!(w["elf"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with("yaml/_yaml"));
    assert_eq!(w["replaced"], false);
    let path = PathBuf::from(w["path"].as_str().unwrap());
    assert!(path.starts_with(house.join("gentoo2023/x86-64-v3")));
    assert!(path
        .to_string_lossy()
        .ends_with("-cp311-cp311-linux_x86_64.whl"));
    let first_hash = w["sha256"].as_str().unwrap().to_string();
    assert_eq!(first_hash, sha256_hex(&path));

    // Again with --force: the file is replaced, and says so.
    let out = add(&["--retag-manylinux", "--force"], &yaml);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let w = &doc(&out)["wheels"][0];
    assert_eq!(w["replaced"], true, "{w:#}");
    assert_eq!(w["sha256"], sha256_hex(&path));

    // Not retagged: refused, saying how; nothing replaced.
    let out = add(&[], &yaml);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--retag-manylinux, or publish it as it is with --allow-manylinux"),
        "{}",
        text(&out)
    );
    assert_eq!(sha256_hex(&path), first_hash);
    // Allowed: the manylinux tag is kept, with a warning.
    let out = add(&["--allow-manylinux"], &yaml);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let w = &doc(&out)["wheels"][0];
    assert_eq!(w["retagged"], false, "{w:#}");
    assert_eq!(w["tags"], w["original_tags"]);
    assert!(
        strings(&w["warnings"])
            .iter()
            .any(|m| m.contains("keeps a manylinux tag")),
        "{w:#}"
    );

    // An unsafe wheel: bad input (exit 2), nothing published, no catalog written.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let mut evil = WheelSpec::pure("evil", "1.0");
    evil.raw_members
        .push(("../../escape.py".into(), b"x".to_vec()));
    let evil = evil.write(&tmp.path().join("dist"));
    let out = run(wheelhouse()
        .args(["add", "--format", "json", "--wheelhouse"])
        .arg(&other)
        .arg(&evil));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let v = doc(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["added"], 0);
    assert!(v["catalog"].is_null(), "{v:#}");
    let w = &v["wheels"][0];
    assert_eq!(w["refused"], false);
    assert_eq!(w["error"]["kind"], "input");
    assert_eq!(w["error"]["exit_code"], 2);
    assert!(w["error"]["message"]
        .as_str()
        .unwrap()
        .contains("outside the install directory"));
    assert!(stderr(&out).contains("outside the install directory"));
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 0);

    // An argument error before any wheel is read: stderr only, as with audit and inspect.
    let out = run(wheelhouse().args([
        "add",
        "--format",
        "json",
        "--wheelhouse",
        "/nonexistent/house",
        "x-1.0-py3-none-any.whl",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    assert!(stderr(&out).contains("is not a directory"));

    // Text mode is unchanged: one `SOURCE -> DEST (reason)` line per wheel.
    let out = run(wheelhouse()
        .args(["add", "--arch", "x86-64-v3", "--force", "--retag-manylinux"])
        .arg("--wheelhouse")
        .arg(&house)
        .arg(&yaml));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{} -> {} (--arch x86-64-v3 given)\n",
            yaml.display(),
            path.display()
        )
    );
}

#[test]
fn edit_json_reports_the_changes_and_the_new_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let house = tmp.path().join("house");
    let wheel = WheelSpec::pure("editme", "1.0")
        .requires("numpy>=1.21")
        .requires("oldname>=2")
        .requires("dropme")
        .requires("kept<3")
        .write(&house.join("generic"));
    let index = run(wheelhouse().arg("index").arg(&house));
    assert_eq!(index.status.code(), Some(0), "{}", text(&index));
    let before = sha256_hex(&wheel);

    let out = run(wheelhouse()
        .args(["edit", "--format", "json"])
        .arg(&wheel)
        .args(["--set-max", "numpy", "2", "--remove-req", "dropme"])
        .args([
            "--rename-req",
            "oldname",
            "newname",
            "--add-req",
            "packaging>=21",
        ]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = doc(&out);
    assert_eq!(v["ok"], true, "{v:#}");
    assert_eq!(v["wheel"], json!(wheel));
    assert_eq!(v["path"], json!(wheel));
    assert_eq!(v["filename"], "editme-1.0-py3-none-any.whl");
    assert_eq!(v["changed"], true);
    assert_eq!(v["metadata_fields_changed"], json!(["Requires-Dist"]));
    assert_eq!(
        v["previous_requires_dist"],
        json!(["numpy>=1.21", "oldname>=2", "dropme", "kept<3"])
    );
    assert_eq!(
        v["requires_dist"],
        json!(["numpy>=1.21,<2", "newname>=2", "kept<3", "packaging>=21"])
    );
    assert_eq!(
        v["requirements"],
        json!({
            "changed": [{ "from": "numpy>=1.21", "to": "numpy>=1.21,<2" }],
            "removed": ["oldname>=2", "dropme"],
            "added": ["newname>=2", "packaging>=21"],
        })
    );
    // The hash and size are those of the file now on disk, a new one.
    let after = sha256_hex(&wheel);
    assert_ne!(after, before);
    assert_eq!(v["sha256"], after);
    assert_eq!(v["size"], std::fs::metadata(&wheel).unwrap().len());
    // The catalog above it was refreshed.
    assert_eq!(
        PathBuf::from(v["catalog"].as_str().unwrap())
            .canonicalize()
            .unwrap(),
        house.join(".wheelhouse-catalog").canonicalize().unwrap()
    );
    let check = run(wheelhouse().args(["index", "--check"]).arg(&house));
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));

    // An edit that changes nothing says so (the wheel is still rewritten). Removing a
    // requirement the wheel lacks is no such edit: it is an error (a typo, most likely).
    let out = run(wheelhouse()
        .args(["edit", "--format", "json"])
        .arg(&wheel)
        .args(["--remove-req", "absent"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(doc(&out)["error"]["kind"], "input");
    let out = run(wheelhouse()
        .args(["edit", "--format", "json"])
        .arg(&wheel)
        .args(["--update-req", "newname>=2"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = doc(&out);
    assert_eq!(v["changed"], false, "{v:#}");
    assert_eq!(v["metadata_fields_changed"], json!([]));
    assert_eq!(v["sha256"], sha256_hex(&wheel));

    // A bad requirement: the error in the document and on stderr, exit 2, the wheel untouched.
    let bytes = std::fs::read(&wheel).unwrap();
    let out = run(wheelhouse()
        .args(["edit", "--format", "json"])
        .arg(&wheel)
        .args(["--add-req", "numpy>=>2"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let v = doc(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["wheel"], json!(wheel));
    assert_eq!(v["error"]["kind"], "input");
    assert_eq!(v["error"]["exit_code"], 2);
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("not a valid requirement"), "{v:#}");
    assert!(stderr(&out).contains(&format!("wheelhouse edit: error: {message}")));
    assert_eq!(std::fs::read(&wheel).unwrap(), bytes);

    // No edit given: an argument error, stderr only.
    let out = run(wheelhouse().args(["edit", "--format", "json"]).arg(&wheel));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));

    // Text mode is unchanged.
    let out = run(wheelhouse()
        .arg("edit")
        .arg(&wheel)
        .args(["--remove-req", "kept"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{}: Requires-Dist is now:\n  numpy>=1.21,<2\n  newname>=2\n  packaging>=21\n",
            wheel.display()
        )
    );
}
