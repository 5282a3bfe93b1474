//! Real builds with real backends (setuptools with pyproject.toml and with only setup.py,
//! hatchling, flit-core), several at once, in isolated environments made by real venv + pip
//! from the wheels of `scripts/build-test-setup.sh`; and metadata without a full build.

use std::fs;
use std::path::Path;
use std::sync::atomic::Ordering;

use build_frontend::{Frontend, MetadataOrigin, Source, LEGACY_REQUIRES};

use crate::support::{self, make_sdist, options, wheel_name_version, write_tree, PipMaker};

fn setuptools_project(dir: &Path) {
    write_tree(
        dir,
        &[
            (
                "pyproject.toml",
                "[build-system]\nrequires = [\"setuptools>=64\"]\n\
                 build-backend = \"setuptools.build_meta\"\n\n\
                 [project]\nname = \"st-demo\"\nversion = \"1.2.0\"\n\
                 dependencies = [\"six>=1.0\"]\n",
            ),
            ("st_demo/__init__.py", "VALUE = 'setuptools'\n"),
        ],
    );
}

fn legacy_project(dir: &Path) {
    write_tree(
        dir,
        &[
            (
                "setup.py",
                "from setuptools import setup\n\
                 setup(name='legacy-demo', version='0.3', py_modules=['legacy_demo'])\n",
            ),
            ("legacy_demo.py", "VALUE = 'legacy'\n"),
        ],
    );
}

fn hatchling_project(dir: &Path) {
    write_tree(
        dir,
        &[
            (
                "pyproject.toml",
                "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n\
                 [project]\nname = \"hatch-demo\"\nversion = \"2.0\"\n",
            ),
            ("src/hatch_demo/__init__.py", "VALUE = 'hatchling'\n"),
        ],
    );
}

fn flit_project(dir: &Path) {
    write_tree(
        dir,
        &[
            (
                "pyproject.toml",
                "[build-system]\nrequires = [\"flit_core>=3.4\"]\n\
                 build-backend = \"flit_core.buildapi\"\n\n\
                 [project]\nname = \"flit_demo\"\nversion = \"0.5\"\ndescription = \"demo\"\n",
            ),
            ("flit_demo/__init__.py", "VALUE = 'flit'\n"),
        ],
    );
}

#[test]
fn four_backends_build_wheels_the_installer_reads_two_at_a_time() {
    support::backends_dir();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    setuptools_project(&root.join("st"));
    legacy_project(&root.join("legacy-demo-0.3"));
    hatchling_project(&root.join("hatch"));
    flit_project(&root.join("flit"));
    // The setup.py-only project comes as an sdist, as most old packages do.
    let sdist = root.join("legacy-demo-0.3.tar.gz");
    make_sdist(&root.join("legacy-demo-0.3"), "legacy-demo-0.3", &sdist);

    let maker = PipMaker::default();
    let frontend = Frontend::new(options(&maker, &root.join("work")));
    let sources = [
        Source::from_path(&root.join("st")).unwrap(),
        Source::from_path(&sdist).unwrap(),
        Source::from_path(&root.join("hatch")).unwrap(),
        Source::from_path(&root.join("flit")).unwrap(),
    ];
    let out = root.join("wheels");
    let results = frontend.build_wheels(&sources, &out, 2);
    let built: Vec<_> = results
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let expected = [
        ("st_demo-1.2.0-py3-none-any.whl", "st-demo", "1.2.0"),
        ("legacy_demo-0.3-py3-none-any.whl", "legacy-demo", "0.3"),
        ("hatch_demo-2.0-py2.py3-none-any.whl", "hatch-demo", "2.0"),
        ("flit_demo-0.5-py2.py3-none-any.whl", "flit_demo", "0.5"),
    ];
    for (wheel, (file, name, version)) in built.iter().zip(expected) {
        assert_eq!(wheel.path, out.join(file));
        assert!(!wheel.from_cache);
        let (got_name, got_version) = wheel_name_version(&wheel.path);
        assert_eq!((got_name.as_str(), got_version.as_str()), (name, version));
    }
    // The setup.py-only project got pip's fallback requirement; builds overlapped, two at most.
    let requests = maker.requests.lock().unwrap().clone();
    assert!(
        requests.iter().any(|r| r == &[LEGACY_REQUIRES]),
        "{requests:?}"
    );
    assert_eq!(maker.most_at_once.load(Ordering::SeqCst), 2);
    // Build directories are removed; a project directory is built in place, as pip 26 does.
    assert_eq!(fs::read_dir(root.join("work")).unwrap().count(), 0);

    // The wheels install with real pip and import.
    let python = support::pip_install_into_new_venv(&root.join("venv"), &built[2].path);
    assert_eq!(
        support::run_python(&python, "import hatch_demo; print(hatch_demo.VALUE)"),
        "hatchling"
    );
}

#[test]
fn metadata_comes_from_static_pkg_info_or_the_backend() {
    support::backends_dir();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let maker = PipMaker::default();
    let frontend = Frontend::new(options(&maker, &root.join("work")));

    // An sdist with PEP 643 static metadata: read without any environment or backend.
    setuptools_project(&root.join("st-demo-1.2.0"));
    let pkg_info = "Metadata-Version: 2.2\nName: st-demo\nVersion: 1.2.0\n\
                    Requires-Dist: six>=1.0\nDynamic: Description\n";
    fs::write(root.join("st-demo-1.2.0/PKG-INFO"), pkg_info).unwrap();
    let sdist = root.join("st_demo-1.2.0.tar.gz");
    make_sdist(&root.join("st-demo-1.2.0"), "st-demo-1.2.0", &sdist);
    let meta = frontend
        .metadata(&Source::from_path(&sdist).unwrap())
        .unwrap();
    assert_eq!(meta.origin, MetadataOrigin::StaticPkgInfo);
    assert_eq!(meta.metadata.requires_dist, ["six>=1.0"]);
    assert_eq!(maker.calls.load(Ordering::SeqCst), 0);

    // Dynamic requirements: the backend's prepare_metadata_for_build_wheel tells.
    let dynamic = pkg_info.replace("Dynamic: Description", "Dynamic: Requires-Dist");
    fs::write(root.join("st-demo-1.2.0/PKG-INFO"), dynamic).unwrap();
    make_sdist(&root.join("st-demo-1.2.0"), "st-demo-1.2.0", &sdist);
    let meta = frontend
        .metadata(&Source::from_path(&sdist).unwrap())
        .unwrap();
    assert_eq!(meta.origin, MetadataOrigin::PreparedByBackend);
    assert_eq!(
        (meta.metadata.name.as_str(), meta.metadata.version.as_str()),
        ("st-demo", "1.2.0")
    );
    assert_eq!(meta.metadata.requires_dist, ["six>=1.0"]);
    assert_eq!(maker.calls.load(Ordering::SeqCst), 1);

    // A backend without prepare_metadata_for_build_wheel: a wheel is built and read, then
    // reused by the build that follows (one build_wheel call, not two).
    let project = root.join("bare");
    write_tree(
        &project,
        &[
            (
                "pyproject.toml",
                "[build-system]\nrequires = []\nbuild-backend = \"bare_backend\"\n\
                 backend-path = [\"_backend\"]\n",
            ),
            ("_backend/bare_backend.py", BARE_BACKEND),
        ],
    );
    let mut prepared = frontend
        .prepare(&Source::from_path(&project).unwrap())
        .unwrap();
    let meta = prepared.metadata().unwrap();
    assert_eq!(meta.origin, MetadataOrigin::BuiltWheel);
    assert_eq!(meta.metadata.name, "bare");
    let built = prepared.wheel_into(&root.join("out")).unwrap();
    assert!(built.path.ends_with("bare-1.0-py3-none-any.whl") && !built.from_cache);
    assert_eq!(
        fs::read_to_string(project.join("builds.log")).unwrap(),
        "built\n"
    );
}

/// An in-tree backend (backend-path) with only the two mandatory hooks; it logs each build.
const BARE_BACKEND: &str = r#"
import base64, hashlib, os, zipfile

def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open("builds.log", "a") as log:
        log.write("built\n")
    name = "bare-1.0-py3-none-any.whl"
    files = {
        "bare.py": b"VALUE = 1\n",
        "bare-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: bare\nVersion: 1.0\n",
        "bare-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: bare\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append("bare-1.0.dist-info/RECORD,,")
        z.writestr("bare-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return name
"#;
