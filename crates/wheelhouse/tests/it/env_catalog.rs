//! `install` resolves from the wheelhouse catalog's metadata when the catalog is fresh: no
//! wheel is opened to read its requirements. Proven by damaging a wheel's bytes in place
//! (same size, same modification time): with a fresh catalog the dry run still resolves its
//! dependencies; a wheel whose size or time changed is read again (and then fails).

use crate::common::*;

fn damage_in_place(path: &std::path::Path) {
    let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
    let len = std::fs::metadata(path).unwrap().len() as usize;
    std::fs::write(path, vec![b'x'; len]).unwrap();
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(mtime).unwrap();
}

#[test]
fn a_fresh_catalog_answers_for_the_wheels() {
    let site = Site::new();
    let app = WheelSpec::pure("catapp", "1.0")
        .requires("catdep>=2")
        .write(&site.generic);
    WheelSpec::pure("catdep", "2.0").write(&site.generic);
    let env = site.path("env");
    let e = env.to_str().unwrap();
    site.ok(&["venv", "--without-pip", e]);
    site.ok(&["index", site.path("wheelhouse").to_str().unwrap()]);
    damage_in_place(&app);
    let out = site.ok(&["install", "-p", e, "--dry-run", "catapp"]);
    assert!(
        out.contains("catapp-1.0") && out.contains("catdep-2.0"),
        "{out}"
    );
    // Touched since the index: the wheel itself is read, and it is no longer a wheel.
    let f = std::fs::File::options().write(true).open(&app).unwrap();
    f.set_modified(std::time::SystemTime::now()).unwrap();
    let out = site.wheelhouse(&["install", "-p", e, "--dry-run", "catapp"]);
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
