//! Safety of the install path against hostile or broken input: wheels, RECORDs and METADATA
//! crafted to write or delete outside the environment, archives that lie, and RECORDs that
//! do not vouch for every file. Each refusal must leave the environment, and everything
//! outside it, byte for byte as it was.

use std::io::Write;
use std::path::Path;

use crate::common::*;

fn assert_refused(site: &Site, env: &Path, args: &[&str], code: i32, want: &str) {
    let before = contents(env);
    let outside = contents(&site.path("outside"));
    let out = site.wheelhouse(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    assert_eq!(contents(env), before, "{args:?} changed the environment");
    assert_eq!(
        contents(&site.path("outside")),
        outside,
        "{args:?} changed a file outside"
    );
}

fn outside_file(site: &Site) -> std::path::PathBuf {
    let dir = site.path("outside");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("precious.txt");
    std::fs::write(&file, "keep me\n").unwrap();
    file
}

#[test]
fn metadata_names_and_entry_points_cannot_escape() {
    let site = Site::new();
    outside_file(&site);
    // A METADATA Name with `../` would put headers anywhere through include/site/.../<Name>.
    let mut headers = WheelSpec::pure("hdr", "1.0");
    headers
        .files
        .push(("hdr-1.0.data/headers/evil.h".into(), b"x".to_vec()));
    headers.metadata_override =
        Some(b"Metadata-Version: 2.1\nName: ../../../../../outside/hdr\nVersion: 1.0\n".to_vec());
    headers.write(&site.generic);
    let mut eps = WheelSpec::pure("epslip", "1.0");
    eps.console_scripts
        .push(("../../outside/precious.txt".into(), "epslip:main".into()));
    eps.write(&site.generic);
    let mut scripts = WheelSpec::pure("scriptslip", "1.0");
    scripts.raw_members.push((
        "scriptslip-1.0.data/scripts/../../../../outside/precious.txt".into(),
        b"#!python\nowned\n".to_vec(),
    ));
    scripts.write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    assert_refused(
        &site,
        &env,
        &["install", "-p", e, "hdr"],
        3,
        "not a valid distribution name",
    );
    assert_refused(
        &site,
        &env,
        &["install", "-p", e, "epslip"],
        3,
        "entry point",
    );
    assert_refused(
        &site,
        &env,
        &["install", "-p", e, "scriptslip"],
        3,
        "climbs out",
    );
}

#[test]
fn a_hostile_record_is_never_followed_when_removing() {
    let site = Site::new();
    let precious = outside_file(&site);
    WheelSpec::pure("victim", "2.0").write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "six"]);
    // An installed distribution whose RECORD points outside the environment, directly and
    // through a link planted inside it.
    let sp = site_packages(&env);
    let meta = sp.join("victim-1.0.dist-info");
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("METADATA"),
        "Metadata-Version: 2.1\nName: victim\nVersion: 1.0\n",
    )
    .unwrap();
    let climb = "../../../../outside/precious.txt".to_string();
    std::fs::write(meta.join("RECORD"), format!("victim.py,,\n{climb},,\n")).unwrap();
    std::fs::write(sp.join("victim.py"), "").unwrap();
    let want = "../../../../outside/precious.txt";
    assert_refused(&site, &env, &["uninstall", "-p", e, "victim"], 3, want);
    assert_refused(&site, &env, &["install", "-p", e, "victim==2.0"], 3, want);
    std::os::unix::fs::symlink(site.path("outside"), sp.join("linked")).unwrap();
    std::fs::write(meta.join("RECORD"), "victim.py,,\nlinked/precious.txt,,\n").unwrap();
    assert_refused(&site, &env, &["uninstall", "-p", e, "victim"], 3, "link");
    let abs = format!("victim.py,,\n{},,\n", precious.display());
    std::fs::write(meta.join("RECORD"), abs).unwrap();
    assert_refused(
        &site,
        &env,
        &["uninstall", "-p", e, "victim"],
        3,
        "absolute",
    );
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me\n");
}

#[test]
fn record_must_vouch_for_every_member() {
    let site = Site::new();
    let mut unlisted = WheelSpec::pure("unlisted", "1.0");
    unlisted
        .files
        .push(("unlisted/extra.py".into(), b"x = 1\n".to_vec()));
    unlisted.unlisted.push("unlisted/extra.py".into());
    unlisted.write(&site.generic);
    let mut unhashed = WheelSpec::pure("unhashed", "1.0");
    unhashed.unhashed.push("unhashed/__init__.py".into());
    unhashed.write(&site.generic);
    let mut strong = WheelSpec::pure("strong", "1.0");
    strong.record_algorithm = "sha512".into();
    strong.write(&site.generic);
    let mut mid = WheelSpec::pure("mid", "1.0");
    mid.record_algorithm = "sha384".into();
    mid.corrupt.push("mid/__init__.py".into());
    mid.write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    assert_refused(
        &site,
        &env,
        &["install", "-p", e, "unlisted"],
        3,
        "`unlisted/extra.py` is not listed in the wheel's RECORD",
    );
    assert_refused(
        &site,
        &env,
        &["install", "-p", e, "unhashed"],
        3,
        "without a hash",
    );
    assert_refused(
        &site,
        &env,
        &["install", "-p", e, "mid"],
        3,
        "the wheel's RECORD says sha384=",
    );
    site.ok(&["install", "-p", e, "strong"]);
    // The documented escape hatch for legacy wheels: installed, with a warning.
    let conf = std::fs::read_to_string(&site.pip_conf).unwrap();
    std::fs::write(
        &site.pip_conf,
        conf.replace("[install]\n", "[install]\nallow-incomplete-record = true\n"),
    )
    .unwrap();
    let out = site.wheelhouse(&["install", "-p", e, "unlisted", "unhashed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("installed unverified"),
        "{}",
        stderr(&out)
    );
    // A hash mismatch is never let through.
    assert_refused(&site, &env, &["install", "-p", e, "mid"], 3, "RECORD says");
}

/// Writes `bytes` as a wheel named for `name` 1.0.
fn raw_wheel(site: &Site, name: &str, bytes: &[u8]) {
    std::fs::write(
        site.generic.join(format!("{name}-1.0-py3-none-any.whl")),
        bytes,
    )
    .unwrap();
}

#[test]
fn corrupt_archives_get_a_clear_error_and_no_panic() {
    let site = Site::new();
    let good = WheelSpec::pure("good", "1.0").write(&site.path("spare"));
    let bytes = std::fs::read(&good).unwrap();
    raw_wheel(&site, "truncated", &bytes[..bytes.len() / 2]);
    raw_wheel(&site, "garbage", b"this is not a zip archive at all\n");
    // Same archive, renamed member names patched so the file says it is another project.
    let rename = |from: &str, to: &str, data: &[u8]| -> Vec<u8> {
        let (f, t) = (from.as_bytes(), to.as_bytes());
        assert_eq!(f.len(), t.len());
        let mut out = data.to_vec();
        let mut i = 0;
        while i + f.len() <= out.len() {
            if &out[i..i + f.len()] == f {
                out[i..i + f.len()].copy_from_slice(t);
            }
            i += 1;
        }
        out
    };
    // Two members with one name: write a/b.py and a/c.py, then rename c to b in place.
    let dupe = WheelSpec::pure("dupe", "1.0")
        .file("dupe/b.py", b"b = 1\n")
        .file("dupe/c.py", b"c = 2\n")
        .write(&site.path("spare"));
    raw_wheel(
        &site,
        "dupe",
        &rename("dupe/c.py", "dupe/b.py", &std::fs::read(dupe).unwrap()),
    );
    // A central directory that understates a member's size.
    let big = WheelSpec::pure("liar", "1.0")
        .file("liar/data.txt", &vec![b'a'; 100_000])
        .write(&site.path("spare"));
    raw_wheel(
        &site,
        "liar",
        &lie_about_sizes(&std::fs::read(big).unwrap()),
    );
    // A zip bomb: 100 MiB of zeros in about a hundred kilobytes.
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    bomb.start_file("bomb/zeros.bin", opts).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..100 {
        bomb.write_all(&zeros).unwrap();
    }
    bomb.start_file("bomb-1.0.dist-info/METADATA", opts)
        .unwrap();
    bomb.write_all(b"Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n")
        .unwrap();
    raw_wheel(&site, "bomb", &bomb.finish().unwrap().into_inner());
    let mut latin = WheelSpec::pure("latin", "1.0");
    latin.metadata_override =
        Some(b"Metadata-Version: 2.1\nName: latin\nVersion: 1.0\nSummary: caf\xe9\n".to_vec());
    latin.write(&site.generic);
    let mut notcsv = WheelSpec::pure("notcsv", "1.0");
    notcsv.record_override = Some(b"notcsv/__init__.py\n\"unclosed,\n".to_vec());
    notcsv.write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    for (name, want) in [
        ("truncated", "not a readable zip archive"),
        ("garbage", "not a readable zip archive"),
        ("dupe", "appears twice"),
        (
            "liar",
            "central directory entry says|larger than its declared uncompressed size",
        ),
        ("bomb", "zip bomb"),
        ("latin", "not UTF-8"),
        ("notcsv", "not a valid RECORD"),
    ] {
        let out = site.wheelhouse(&["install", "-p", e, name]);
        let code = out.status.code();
        assert!(
            code == Some(3) || code == Some(1),
            "{name}: exit {code:?} (101 is a panic)\n{}",
            stderr(&out)
        );
        if code == Some(3) {
            let err = stderr(&out);
            assert!(want.split('|').any(|w| err.contains(w)), "{name}: {err}");
        }
        assert!(
            !stderr(&out).contains("panicked"),
            "{name}: {}",
            stderr(&out)
        );
    }
    assert_eq!(site.ok(&["freeze", "-p", e]), "");
}

/// Halves the uncompressed size recorded in every central directory entry.
fn lie_about_sizes(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    let mut i = 0;
    while i + 46 <= out.len() {
        if out[i..i + 4] == [0x50, 0x4b, 0x01, 0x02] {
            let size = u32::from_le_bytes(out[i + 24..i + 28].try_into().unwrap());
            if size > 1000 {
                out[i + 24..i + 28].copy_from_slice(&(size / 2).to_le_bytes());
            }
        }
        i += 1;
    }
    out
}

#[test]
fn venv_clear_removes_only_an_environment() {
    let site = Site::new();
    let dir = site.path("project");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("thesis.tex"), "years of work").unwrap();
    let d = dir.to_str().unwrap();
    for args in [vec!["venv", d], vec!["venv", "--clear", d]] {
        let out = site.wheelhouse(&args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("is not a virtual environment"), "{err}");
        assert!(err.contains("thesis.tex"), "{err}");
        assert!(
            !err.contains("--clear"),
            "the error must not suggest --clear: {err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("thesis.tex")).unwrap(),
        "years of work"
    );
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "six"]);
    site.ok(&["venv", "--clear", e]);
    assert_eq!(site.ok(&["freeze", "-p", e]), "");
}

#[test]
fn a_mistyped_find_links_directory_is_named() {
    let site = Site::new();
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let out = site.wheelhouse(&["install", "-p", e, "-f", "/no/such/wheels", "six"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/no/such/wheels does not exist"),
        "{}",
        stderr(&out)
    );
}

/// Two wheels of one install bringing the same new directory (`share/`, as jupyter and
/// matplotlib-related wheels do) and even the same file: both land, the later file wins, as
/// with pip.
#[test]
fn wheels_sharing_a_new_directory_install_together() {
    let site = Site::new();
    WheelSpec::pure("sharea", "1.0")
        .file("sharea-1.0.data/data/share/jupyter/a.json", b"{\"a\": 1}\n")
        .file("sharea-1.0.data/data/share/common.txt", b"from a\n")
        .write(&site.generic);
    WheelSpec::pure("shareb", "1.0")
        .file("shareb-1.0.data/data/share/jupyter/b.json", b"{\"b\": 1}\n")
        .file("shareb-1.0.data/data/share/common.txt", b"from b\n")
        .write(&site.generic);
    let env = site.path("env");
    let e = env.to_str().unwrap();
    site.ok(&["venv", "--without-pip", e]);
    site.ok(&["install", "-p", e, "sharea", "shareb"]);
    assert!(env.join("share/jupyter/a.json").exists() && env.join("share/jupyter/b.json").exists());
    let common = std::fs::read_to_string(env.join("share/common.txt")).unwrap();
    assert!(common == "from a\n" || common == "from b\n");
    // Uninstalling one leaves the other's files.
    site.ok(&["uninstall", "-p", e, "sharea"]);
    assert!(!env.join("share/jupyter/a.json").exists());
    assert!(env.join("share/jupyter/b.json").exists());
}
