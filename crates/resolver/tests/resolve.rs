//! Resolution on small wheels written by the test (real zip archives with METADATA).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, Requirement};
use resolver::{resolve, Index, Installed, Request, Source, Upgrade};
use wheel_name::{PythonVersion, TagPriority, TagTarget};

fn wheel(dir: &Path, file: &str, requires: &[&str], requires_python: Option<&str>) -> PathBuf {
    let path = dir.join(file);
    let mut parts = file.split('-');
    let name = parts.next().unwrap();
    let version = parts.next().unwrap();
    let mut meta = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    // Every extra a requirement's marker names is declared, as build tools declare them.
    for r in requires {
        if let Some((_, rest)) = r.split_once("extra == '") {
            let extra = rest.split('\'').next().unwrap();
            meta.push_str(&format!("Provides-Extra: {extra}\n"));
        }
    }
    for r in requires {
        meta.push_str(&format!("Requires-Dist: {r}\n"));
    }
    if let Some(rp) = requires_python {
        meta.push_str(&format!("Requires-Python: {rp}\n"));
    }
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file(format!("{name}-{version}.dist-info/METADATA"), opts)
        .unwrap();
    zip.write_all(meta.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

fn markers() -> MarkerEnvironment {
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.11.7",
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "6.1",
        platform_system: "Linux",
        platform_version: "#1",
        python_full_version: "3.11.7",
        python_version: "3.11",
        sys_platform: "linux",
    })
    .unwrap()
}

fn index(dir: &Path) -> Index {
    let target = TagTarget {
        implementation: "cpython".into(),
        python: PythonVersion::new(3, 11),
        abi: "cp311".into(),
        platform: "linux_x86_64".into(),
        glibc: Some((2, 36)),
    };
    let mut files: Vec<(PathBuf, String, u32)> = Vec::new();
    for (rank, sub) in ["x86-64-v3", "generic"].iter().enumerate() {
        let d = dir.join(sub);
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                files.push((
                    e.path(),
                    e.file_name().to_string_lossy().into_owned(),
                    rank as u32,
                ));
            }
        }
    }
    Index::build(
        files.iter().map(|(p, n, r)| (p.clone(), n.as_str(), *r)),
        &TagPriority::new(&target, false),
        &TagPriority::new(&target, true),
        vec![dir.join("x86-64-v3"), dir.join("generic")],
    )
}

fn request(reqs: &[&str]) -> Request {
    Request {
        requirements: reqs
            .iter()
            .map(|r| Requirement::from_str(r).unwrap())
            .collect(),
        constraints: Vec::new(),
        markers: markers(),
        python_version: Version::from_str("3.11.7").unwrap(),
        installed: HashMap::new(),
        upgrade: Upgrade::None,
        force_reinstall: false,
        no_deps: false,
        pre: false,
        conflict_advice: None,
    }
}

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let v3 = tmp.path().join("x86-64-v3");
    let generic = tmp.path().join("generic");
    std::fs::create_dir_all(&v3).unwrap();
    std::fs::create_dir_all(&generic).unwrap();
    (tmp, v3, generic)
}

fn chosen(req: &Request, idx: &Index) -> Vec<String> {
    resolve(req, idx)
        .unwrap()
        .packages
        .iter()
        .map(|p| {
            let file = match &p.source {
                Source::Wheel(path) => path.file_name().unwrap().to_string_lossy().into_owned(),
                Source::Installed => "installed".into(),
            };
            format!("{}=={} {file}", p.key, p.version)
        })
        .collect()
}

#[test]
fn local_builds_win_and_satisfy_public_pins() {
    let (tmp, v3, generic) = setup();
    wheel(
        &v3,
        "numpy-1.26.4+computecanada-cp311-cp311-linux_x86_64.whl",
        &[],
        None,
    );
    wheel(
        &generic,
        "numpy-1.26.4-cp311-cp311-linux_x86_64.whl",
        &[],
        None,
    );
    wheel(
        &generic,
        "numpy-1.25.0+computecanada-cp311-cp311-linux_x86_64.whl",
        &[],
        None,
    );
    let idx = index(tmp.path());
    assert_eq!(
        chosen(&request(&["numpy==1.26.4"]), &idx),
        ["numpy==1.26.4+computecanada numpy-1.26.4+computecanada-cp311-cp311-linux_x86_64.whl"]
    );
    assert_eq!(
        chosen(&request(&["numpy<1.26"]), &idx),
        ["numpy==1.25.0+computecanada numpy-1.25.0+computecanada-cp311-cp311-linux_x86_64.whl"]
    );
}

#[test]
fn specific_tag_then_arch_directory() {
    let (tmp, v3, generic) = setup();
    wheel(&generic, "six-1.16.0-py2.py3-none-any.whl", &[], None);
    wheel(&v3, "six-1.16.0-py3-none-any.whl", &[], None);
    wheel(&generic, "fast-1.0-cp311-cp311-linux_x86_64.whl", &[], None);
    wheel(&generic, "fast-1.0-py3-none-any.whl", &[], None);
    let idx = index(tmp.path());
    let got = chosen(&request(&["six", "fast"]), &idx);
    assert_eq!(
        got,
        [
            "fast==1.0 fast-1.0-cp311-cp311-linux_x86_64.whl",
            "six==1.16.0 six-1.16.0-py3-none-any.whl"
        ]
    );
}

#[test]
fn dependencies_extras_markers_and_requires_python() {
    let (tmp, _, generic) = setup();
    wheel(
        &generic,
        "app-2.0-py3-none-any.whl",
        &[
            "lib>=1.0",
            "win ; sys_platform == 'win32'",
            "extra-dep ; extra == 'fancy'",
        ],
        None,
    );
    wheel(&generic, "lib-1.5-py3-none-any.whl", &[], None);
    wheel(&generic, "lib-2.0-py3-none-any.whl", &[], Some(">=3.12"));
    wheel(&generic, "extra_dep-1.0-py3-none-any.whl", &[], None);
    let idx = index(tmp.path());
    assert_eq!(
        chosen(&request(&["app"]), &idx),
        [
            "app==2.0 app-2.0-py3-none-any.whl",
            "lib==1.5 lib-1.5-py3-none-any.whl"
        ]
    );
    let with_extra = chosen(&request(&["app[fancy]"]), &idx);
    assert!(
        with_extra.iter().any(|l| l.starts_with("extra-dep==1.0")),
        "{with_extra:?}"
    );
}

#[test]
fn installed_versions_are_kept_unless_upgrading() {
    let (tmp, _, generic) = setup();
    wheel(&generic, "six-1.17.0-py3-none-any.whl", &[], None);
    let idx = index(tmp.path());
    let mut req = request(&["six"]);
    req.installed.insert(
        "six".into(),
        Installed {
            name: "six".into(),
            version: "1.16.0".into(),
            requires_dist: vec![],
            in_environment: false,
        },
    );
    assert_eq!(chosen(&req, &idx), ["six==1.16.0 installed"]);
    req.upgrade = Upgrade::Packages(["six".to_string()].into());
    assert_eq!(
        chosen(&req, &idx),
        ["six==1.17.0 six-1.17.0-py3-none-any.whl"]
    );
}

#[test]
fn errors_teach() {
    let (tmp, _, generic) = setup();
    wheel(
        &generic,
        "onlyml-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        &[],
        None,
    );
    wheel(&generic, "old-1.0-cp310-cp310-linux_x86_64.whl", &[], None);
    wheel(&generic, "a-1.0-py3-none-any.whl", &["c<2"], None);
    wheel(&generic, "b-1.0-py3-none-any.whl", &["c>=2"], None);
    wheel(&generic, "c-1.0-py3-none-any.whl", &[], None);
    wheel(&generic, "c-2.0-py3-none-any.whl", &[], None);
    let idx = index(tmp.path());
    let err = resolve(&request(&["onlyml"]), &idx)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("refuses `manylinux` wheels by policy") && err.contains("--allow-manylinux"),
        "{err}"
    );
    let err = resolve(&request(&["old"]), &idx).unwrap_err().to_string();
    assert!(
        err.contains("cp310") && err.contains("module load python/3.10"),
        "{err}"
    );
    let err = resolve(&request(&["nothere"]), &idx)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no wheel named nothere"), "{err}");
    let err = resolve(&request(&["a", "b"]), &idx)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("a 1.0 requires c<2") && err.contains("b 1.0 requires c>=2"),
        "{err}"
    );
    let err = resolve(&request(&["c>=3"]), &idx).unwrap_err().to_string();
    assert!(err.contains("2.0, 1.0"), "{err}");
}

#[test]
fn a_dependency_missing_from_the_wheelhouse_is_not_a_conflict() {
    let (tmp, _, generic) = setup();
    wheel(
        &generic,
        "h5netcdf-1.3.0-py3-none-any.whl",
        &["numpy", "h5py"],
        None,
    );
    wheel(
        &generic,
        "h5netcdf-1.2.0-py3-none-any.whl",
        &["numpy", "h5py"],
        None,
    );
    wheel(&generic, "h5py-3.10.0-py3-none-any.whl", &[], None);
    let idx = index(tmp.path());
    let err = resolve(&request(&["h5netcdf"]), &idx)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("numpy, needed by h5netcdf, is not in the wheelhouse"),
        "{err}"
    );
    assert!(
        err.contains("Ask your site's support to add numpy"),
        "{err}"
    );
    assert!(!err.contains("Loosen"), "{err}");
    assert!(!err.contains("conflict"), "{err}");
}

#[test]
fn a_requires_python_mismatch_names_the_python_module_to_load() {
    let (tmp, _, generic) = setup();
    wheel(&generic, "modern-2.0-py3-none-any.whl", &[], Some(">=3.12"));
    let mut idx = index(tmp.path());
    idx.available_pythons = vec!["3.9.16".into(), "3.11.7".into(), "3.12.1".into()];
    let err = resolve(&request(&["modern"]), &idx)
        .unwrap_err()
        .to_string();
    assert!(err.contains("requires Python >=3.12"), "{err}");
    assert!(err.contains("`module load python/3.12`"), "{err}");
    assert!(!err.contains("Loosen"), "{err}");
}

#[test]
fn a_misspelt_name_gets_a_hint_that_works_and_a_near_miss() {
    let (tmp, _, generic) = setup();
    wheel(
        &generic,
        "python_dateutil-2.9.0-py2.py3-none-any.whl",
        &[],
        None,
    );
    wheel(&generic, "six-1.17.0-py2.py3-none-any.whl", &[], None);
    let idx = index(tmp.path());
    let err = resolve(&request(&["python-datutil"]), &idx)
        .unwrap_err()
        .to_string();
    // One near miss: its versions are the next command.
    assert!(
        err.contains(
            "Did you mean python-dateutil? See its versions with \
             `avail_wheels python-dateutil --all-versions`."
        ),
        "{err}"
    );
    // No near miss: a search by the longest word; `*a-b*` is not a glob avail_wheels
    // accepts (nor did the original).
    let err = resolve(&request(&["dateutl-extra"]), &idx)
        .unwrap_err()
        .to_string();
    assert!(!err.contains("Did you mean"), "{err}");
    assert!(err.contains("avail_wheels \"*dateutl*\""), "{err}");
    assert_eq!(
        resolver::near_names("dateutil", ["python-dateutil", "six"].into_iter()),
        vec!["python-dateutil".to_string()]
    );
}
