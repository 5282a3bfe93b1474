//! Source builds' set-up: a site whose wheelhouse holds the PEP 517 backends that
//! `scripts/build-test-setup.sh` fetched, and small projects written on disk.

use std::path::{Path, PathBuf};

use super::Site;

/// The site's wheelhouse holds the build backends, as a cluster's does.
pub fn site_with_backends() -> Site {
    let site = Site::new();
    let backends = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/backends");
    let mut found = 0;
    for entry in std::fs::read_dir(&backends).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run scripts/build-test-setup.sh",
            backends.display()
        )
    }) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "whl") {
            std::fs::copy(&path, site.generic.join(path.file_name().unwrap())).unwrap();
            found += 1;
        }
    }
    assert!(
        found >= 5,
        "the backend wheels are missing: run scripts/build-test-setup.sh"
    );
    site
}

pub fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// A setuptools project `name` with one module and a dependency on six.
pub fn setuptools_project(dir: &Path, name: &str, version: &str) {
    let module = name.replace('-', "_");
    write(
        &dir.join("pyproject.toml"),
        &format!(
            "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \
             \"setuptools.build_meta\"\n\n[project]\nname = \"{name}\"\nversion = \
             \"{version}\"\ndependencies = [\"six\"]\n\n[tool.setuptools]\npackages = \
             [\"{module}\"]\n"
        ),
    );
    write(&dir.join(format!("{module}/__init__.py")), "VALUE = 1\n");
}

/// `name-version.tar.gz` of `dir` under `top` (`name-version/`), made by Python's tarfile.
pub fn sdist(dir: &Path, top: &str, archive: &Path) {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, tarfile\n\
             with tarfile.open(sys.argv[3], 'w:gz') as t: t.add(sys.argv[1], arcname=sys.argv[2])",
        ])
        .arg(dir)
        .arg(top)
        .arg(archive)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
