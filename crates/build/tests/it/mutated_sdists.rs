//! Property test: a real sdist's tar stream with bytes flipped, names rewritten or cut short
//! never panics the unpacker, never creates anything beside the destination, and what it
//! does unpack holds no link leading out.

use std::fs;
use std::io::Write;
use std::path::Path;

use build_frontend::{unpack_sdist, UnpackLimits};
use proptest::prelude::*;

/// A small sdist as tar bytes: files, a directory, a link inside, a hard link.
fn tar_bytes() -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, name, data).unwrap();
    };
    add(
        "demo-1.0/setup.py",
        b"from setuptools import setup\nsetup()\n",
    );
    add(
        "demo-1.0/PKG-INFO",
        b"Metadata-Version: 2.2\nName: demo\nVersion: 1.0\n",
    );
    add("demo-1.0/demo/__init__.py", b"VALUE = 1\n");
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    tar.append_link(&mut link, "demo-1.0/docs/setup.py", "../setup.py")
        .unwrap();
    let mut hard = tar::Header::new_gnu();
    hard.set_entry_type(tar::EntryType::Link);
    hard.set_size(0);
    tar.append_link(&mut hard, "demo-1.0/copy.py", "demo-1.0/setup.py")
        .unwrap();
    tar.into_inner().unwrap()
}

fn gzip(bytes: &[u8], path: &Path) {
    let mut gz =
        flate2::write::GzEncoder::new(fs::File::create(path).unwrap(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap();
}

/// Every symbolic link under `dir` resolves inside `root`.
fn links_stay_inside(dir: &Path, root: &Path) -> bool {
    fs::read_dir(dir).unwrap().all(|entry| {
        let path = entry.unwrap().path();
        if path.is_symlink() {
            path.canonicalize().is_ok_and(|real| real.starts_with(root))
        } else if path.is_dir() {
            links_stay_inside(&path, root)
        } else {
            true
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mutated_tars_never_escape_nor_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        climb in any::<bool>(),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = tar_bytes();
        for (at, value) in &flips {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
        if climb {
            // A name field rewritten to climb out (the checksum may or may not still match).
            let at = flips[0].0.index(bytes.len() / 512) * 512;
            bytes[at..at + 3].copy_from_slice(b"../");
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("demo-1.0.tar.gz");
        gzip(&bytes, &archive);
        let dest = dir.path().join("dest");
        fs::create_dir(&dest).unwrap();
        let result = unpack_sdist(&archive, &dest, &UnpackLimits::default());
        let mut around: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        around.sort();
        prop_assert_eq!(around, ["demo-1.0.tar.gz", "dest"]);
        if result.is_ok() {
            prop_assert!(links_stay_inside(&dest, &dest.canonicalize().unwrap()));
        }
    }
}
