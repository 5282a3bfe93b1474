//! The catalog's per-wheel metadata, on wheels written by the test (real zip archives).

use std::path::{Path, PathBuf};

use catalog::{Catalog, Wheelhouse, CATALOG_FILE};
use test_support::WheelSpec;

fn site(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::Builder::new().prefix(name).tempdir().unwrap();
    let root = tmp.path().join("wheelhouse");
    let generic = root.join("gentoo2023/generic");
    let mut spec = WheelSpec::pure("demo-pkg", "1.0")
        .requires("six>=1.5")
        .requires("numpy<2; python_version>='3.9'");
    spec.requires_python = Some(">=3.8".into());
    spec.write(&generic);
    WheelSpec::pure("six", "1.16.0")
        .tag("py2.py3-none-any")
        .write(&generic);
    std::fs::create_dir_all(root.join("gentoo2023/x86-64-v3")).unwrap();
    std::fs::write(
        root.join("gentoo2023/x86-64-v3/broken-1.0-py3-none-any.whl"),
        b"not a zip",
    )
    .unwrap();
    std::fs::write(root.join("gentoo2023/x86-64-v3/README"), b"not a wheel").unwrap();
    (tmp, root)
}

fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn metadata_is_stored_and_read_back_without_opening_wheels() {
    let (_tmp, root) = site("catalog-meta");
    let built = Catalog::build(&root).unwrap();
    assert_eq!(built.meta_stats().read, 3);
    assert_eq!(built.meta_stats().unreadable, 1);
    built.write().unwrap();

    let house = Wheelhouse::open(&root);
    assert!(house.catalog_in_use(), "{:?}", house.stale_reason());
    let path = root.join("gentoo2023/generic/demo_pkg-1.0-py3-none-any.whl");
    let meta = house.wheel_meta(&path).expect("metadata from the catalog");
    assert_eq!(meta.name, "demo-pkg");
    assert_eq!(meta.version, "1.0");
    assert_eq!(meta.requires_python.as_deref(), Some(">=3.8"));
    assert_eq!(
        meta.requires_dist,
        ["six>=1.5", "numpy<2; python_version>='3.9'"]
    );
    assert_eq!(meta.size, std::fs::metadata(&path).unwrap().len());
    assert_eq!(meta.sha256, sha256_hex(&path));
    assert_eq!(*meta, catalog::read_wheel_meta(&path).unwrap());

    let broken = house
        .wheel_meta(&root.join("gentoo2023/x86-64-v3/broken-1.0-py3-none-any.whl"))
        .unwrap();
    assert!(broken.error.as_deref().unwrap().contains("not a zip"));
    // Only wheels get metadata.
    assert!(house
        .wheel_meta(&root.join("gentoo2023/x86-64-v3/README"))
        .is_none());
}

#[test]
fn rebuild_reads_only_changed_directories_and_files() {
    let (_tmp, root) = site("catalog-reuse");
    Catalog::build(&root).unwrap().write().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    WheelSpec::pure("newpkg", "2.0").write(&root.join("gentoo2023/x86-64-v3"));
    let old = Catalog::load(&root).unwrap().unwrap();
    let new = Catalog::rebuild(&root, Some(&old)).unwrap();
    // The two generic wheels are reused (directory unchanged); in the changed directory the
    // unchanged broken wheel is reused too (same size and mtime), the new one is read.
    assert_eq!(new.meta_stats().read, 1, "{:?}", new.meta_stats());
    assert_eq!(new.meta_stats().reused, 3);
    new.write().unwrap();
    let house = Wheelhouse::open(&root);
    let meta = house
        .wheel_meta(&root.join("gentoo2023/x86-64-v3/newpkg-2.0-py3-none-any.whl"))
        .unwrap();
    assert_eq!(meta.version, "2.0");
}

#[test]
fn a_wheel_replaced_in_place_is_not_answered_from_the_catalog() {
    let (_tmp, root) = site("catalog-inplace");
    Catalog::build(&root).unwrap().write().unwrap();
    let path = root.join("gentoo2023/generic/six-1.16.0-py2.py3-none-any.whl");
    std::thread::sleep(std::time::Duration::from_millis(20));
    // Overwrite without changing the directory's entries.
    let mut spec = WheelSpec::pure("six", "1.16.0").tag("py2.py3-none-any");
    spec.requires.push("extra-dep".into());
    let other = spec.write(&root.join("elsewhere"));
    std::fs::write(&path, std::fs::read(other).unwrap()).unwrap();
    std::fs::remove_dir_all(root.join("elsewhere")).unwrap();
    let house = Wheelhouse::open(&root);
    // The root changed (elsewhere/ came and went), so check the catalog directly.
    let catalog = Catalog::load(&root).unwrap().unwrap();
    assert!(catalog.wheel_meta(&path).is_some());
    assert!(house.wheel_meta(&path).is_none());
}

#[test]
fn format_two_catalogs_are_still_read_for_listings() {
    let (_tmp, root) = site("catalog-v2");
    let catalog = Catalog::build(&root).unwrap();
    catalog.write().unwrap();
    let text = std::fs::read_to_string(root.join(CATALOG_FILE)).unwrap();
    let v2: String = text
        .lines()
        .filter(|l| !l.starts_with("M\t"))
        .map(|l| l.replace("wheelhouse-catalog 4", "wheelhouse-catalog 2") + "\n")
        .collect();
    std::fs::write(root.join(CATALOG_FILE), v2).unwrap();
    let loaded = Catalog::load(&root).unwrap().unwrap();
    assert_eq!(loaded.format(), 2);
    assert!(loaded.metadata().is_none());
    let house = Wheelhouse::open(&root);
    assert!(house.catalog_in_use());
    assert!(house
        .wheel_meta(&root.join("gentoo2023/generic/six-1.16.0-py2.py3-none-any.whl"))
        .is_none());
    assert_eq!(
        house
            .list(&site_config::SearchPaths::UnderWheelhouse(root.clone()))
            .files
            .len(),
        4
    );
}

#[test]
fn a_malformed_metadata_section_is_reported() {
    let (_tmp, root) = site("catalog-badmeta");
    Catalog::build(&root).unwrap().write().unwrap();
    let mut text = std::fs::read_to_string(root.join(CATALOG_FILE)).unwrap();
    text.push_str("M\tnot-a-number\tx\n");
    std::fs::write(root.join(CATALOG_FILE), text).unwrap();
    let loaded = Catalog::load(&root).unwrap().unwrap();
    assert!(loaded.metadata().is_none());
    assert!(loaded
        .metadata_error()
        .unwrap()
        .contains("wheelhouse index"));
}
