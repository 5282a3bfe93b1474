//! Property test over mutated real wheels: whatever bytes a wheel holds (flipped, truncated,
//! spliced), unpacking it either succeeds or fails with an error, never panics, and never
//! writes outside its staging directory. The parsers of RECORD, METADATA, WHEEL and entry
//! points get arbitrary text. Inputs that ever broke something are kept under
//! `tests/corpus/` and replayed first.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use installer::{unpack_wheel, UnpackOptions};
use proptest::prelude::*;
use test_support::WheelSpec;

use crate::support::layout;

fn seeds() -> Vec<(String, Vec<u8>)> {
    let tmp = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let mut rich = WheelSpec::pure("rich", "1.0")
        .file("rich-1.0.data/scripts/run", b"#!python\nprint(1)\n")
        .file("rich-1.0.data/headers/rich.h", b"int x;\n")
        .file("rich-1.0.data/data/share/rich.txt", b"data\n");
    rich.console_scripts
        .push(("rich-cli".into(), "rich:main".into()));
    out.push((
        "rich-1.0-py3-none-any.whl".to_string(),
        std::fs::read(rich.write(tmp.path())).unwrap(),
    ));
    // Real wheels from PyPI (scripts/fetch-wheels.sh; the test fails without them).
    for name in ["six-", "idna-", "attrs-"] {
        let p = test_support::real_wheel(name);
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        out.push((name, std::fs::read(p).unwrap()));
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    if let Ok(d) = std::fs::read_dir(corpus) {
        for e in d
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "whl"))
        {
            let name = e.file_name().to_string_lossy().into_owned();
            out.push((name, std::fs::read(e.path()).unwrap()));
        }
    }
    out
}

/// Unpacks `bytes` as `name`; panics only if the installer panics or escapes.
fn try_unpack(name: &str, bytes: &[u8]) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("env");
    let stage = tmp.path().join("env/.stage");
    std::fs::create_dir_all(&stage).unwrap();
    let wheel = tmp.path().join(name);
    std::fs::write(&wheel, bytes).unwrap();
    let _ = unpack_wheel(
        &wheel,
        &layout(&root),
        &stage,
        &UnpackOptions::default(),
        &AtomicBool::new(false),
    );
    // Nothing may appear next to the environment.
    let siblings: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut siblings = siblings;
    siblings.sort();
    let mut expected = vec!["env".to_string(), name.to_string()];
    expected.sort();
    assert_eq!(siblings, expected);
}

#[test]
fn the_seeds_and_the_corpus_unpack_or_fail_cleanly() {
    for (name, seed) in seeds() {
        try_unpack(&name, &seed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_wheels_never_panic(
        which in 0usize..4,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let seeds = seeds();
        let (name, mut bytes) = seeds[which % seeds.len()].clone();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        try_unpack(&name, &bytes);
    }

    #[test]
    fn metadata_parsers_never_panic(text in "\\PC*", bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let lossy = String::from_utf8_lossy(&bytes);
        for t in [text.as_str(), &lossy] {
            let _ = wheel_metadata::parse_record_strict(t);
            let _ = wheel_metadata::parse_record(t);
            let _ = wheel_metadata::CoreMetadata::parse(t);
            let _ = wheel_metadata::WheelInfo::parse(t);
            let _ = wheel_metadata::parse_entry_points(t);
            let _ = wheel_metadata::RecordHash::parse(t);
        }
    }
}
