//! Reading and writing pylock.toml: the keys PEP 751 requires, errors that name the entry,
//! a written lock read back unchanged, and no input that makes the reader panic.

use lock::{File, Lock, Package, Source};
use proptest::prelude::*;

const PIP_STYLE: &str = r#"
lock-version = "1.0"
created-by = "pip"

[[packages]]
name = "six"
version = "1.17.0"

[[packages.wheels]]
name = "six-1.17.0-py2.py3-none-any.whl"
url = "file:///wh/generic/six-1.17.0-py2.py3-none-any.whl"

[packages.wheels.hashes]
sha256 = "4721F391ED90541FDDACAB5ACF947AA0D3DC7D27B2E1E8EDA2BE8970586C3274"
"#;

fn err(text: &str) -> String {
    Lock::parse(text).unwrap_err().to_string()
}

#[test]
fn a_lock_as_pip_writes_it_is_read() {
    let lock = Lock::parse(PIP_STYLE).unwrap();
    assert_eq!(lock.created_by, "pip");
    let Source::Files { wheels, sdist } = &lock.packages[0].source else {
        panic!("files expected")
    };
    assert!(sdist.is_none());
    assert_eq!(
        wheels[0].sha256(),
        Some("4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274")
    );
    assert_eq!(
        wheels[0].file_name(),
        Some("six-1.17.0-py2.py3-none-any.whl")
    );
}

#[test]
fn bad_locks_are_named_by_entry() {
    assert!(err("lock-version = ").starts_with("not valid TOML"));
    let v2 = PIP_STYLE.replace("\"1.0\"", "\"2.0\"");
    let e = err(&v2);
    assert!(
        e.starts_with("lock-version:") && e.contains("\"2.0\""),
        "{e}"
    );
    let e = err(&PIP_STYLE.replace("created-by = \"pip\"", ""));
    assert_eq!(e, "missing required key \"created-by\"");
    let e = err(&PIP_STYLE.replace("[packages.wheels.hashes]\n", "[packages.wheels.other]\n"));
    assert!(
        e.starts_with("packages[0] (six): wheels[0]: missing required key \"hashes\""),
        "{e}"
    );
    let e = err(&PIP_STYLE.replace("version = \"1.17.0\"", "version = \"1.16\""));
    assert!(
        e.contains("is version 1.17.0, but the entry says 1.16"),
        "{e}"
    );
    let e = err(&PIP_STYLE.replace("name = \"six\"", "name = \"Six\""));
    assert!(e.contains("not normalised"), "{e}");
    let e = err(&PIP_STYLE.replace("4721F3", "XYZ"));
    assert!(e.contains("not a hexadecimal digest"), "{e}");
    let e = err(&format!(
        "{PIP_STYLE}\n[packages.directory]\npath = \".\"\n"
    ));
    assert!(e.contains("one kind of source"), "{e}");
    let e = err("lock-version = \"1.0\"\ncreated-by = \"x\"\n");
    assert_eq!(e, "missing required key \"packages\"");
    let e = err(&PIP_STYLE.replace("created-by", "requires-python = \"3.11\"\ncreated-by"));
    assert!(e.starts_with("requires-python:"), "{e}");
}

#[test]
fn a_newer_minor_version_warns() {
    let lock = Lock::parse(&PIP_STYLE.replace("\"1.0\"", "\"1.1\"")).unwrap();
    assert_eq!(lock.warnings.len(), 1);
}

fn sample() -> Lock {
    let wheel = |dir: &str, sha: &str| File {
        name: Some("numpy-2.0+computecanada-cp311-cp311-linux_x86_64.whl".into()),
        path: Some(format!(
            "/wh/gentoo2023/{dir}/numpy-2.0+computecanada-cp311-cp311-linux_x86_64.whl"
        )),
        size: Some(12),
        hashes: [("sha256".to_string(), sha.to_string())].into(),
        ..File::default()
    };
    Lock {
        lock_version: "1.0".into(),
        environments: vec!["python_full_version == \"3.11.7\"".into()],
        requires_python: Some("==3.11.*".into()),
        created_by: "wheelhouse 0.1.0".into(),
        packages: vec![Package {
            name: "numpy".into(),
            version: Some("2.0+computecanada".into()),
            marker: Some("python_version == \"3.11\"".into()),
            source: Source::Files {
                wheels: vec![wheel("x86-64-v3", "aa"), wheel("x86-64-v4", "bb")],
                sdist: None,
            },
            levels: vec!["x86-64-v3".into(), "x86-64-v4".into()],
            ..Package::default()
        }],
        wheelhouse: Some("/wh".into()),
        levels: vec!["x86-64-v3".into(), "x86-64-v4".into()],
        ..Lock::default()
    }
}

#[test]
fn a_written_lock_reads_back_the_same() {
    let lock = sample();
    let text = lock.to_toml();
    assert_eq!(Lock::parse(&text).unwrap(), lock, "{text}");
    assert!(text.starts_with("lock-version = \"1.0\"\n"), "{text}");
}

proptest! {
    // Any text, and any one-byte change to a valid lock, gives a lock or an error.
    #[test]
    fn any_text_parses_or_fails_cleanly(text in "\\PC{0,200}") {
        let _ = Lock::parse(&text);
    }

    #[test]
    fn mutated_locks_never_panic(pos in 0usize..2000, byte in any::<u8>()) {
        let mut bytes = sample().to_toml().into_bytes();
        let at = pos % bytes.len();
        bytes[at] = byte;
        if let Ok(text) = String::from_utf8(bytes) {
            if let Ok(lock) = Lock::parse(&text) {
                let _ = Lock::parse(&lock.to_toml());
            }
        }
    }
}
