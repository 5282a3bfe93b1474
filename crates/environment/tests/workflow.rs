//! The install workflow driven through its library API, in-process: a real virtual
//! environment made by the venv crate from the machine's CPython, wheels written by
//! test-support into a wheelhouse that the site's pip configuration names, and the
//! environment's files, its RECORDs and the CPython that imports from it as the judges.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use environment::{
    install, sync, uninstall, ErrorKind, InstallOptions, LockedWheel, SyncOptions, Target,
};
use site_config::{ProcessVars, SiteConfig};
use test_support::WheelSpec;

/// A site (wheelhouse, pip configuration) and an environment made by `venv::create`.
struct World {
    /// Holds the site and the environment until the test ends.
    _tmp: tempfile::TempDir,
    wheels: PathBuf,
    site: SiteConfig,
    target: Target,
}

impl World {
    /// `app 1.0` (needs `dep>=1`), `dep 1.0` and `dep 2.0`, `other 1.0`.
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let wheels = tmp.path().join("wheelhouse/gentoo2023/generic");
        std::fs::create_dir_all(&wheels).unwrap();
        WheelSpec::pure("app", "1.0")
            .requires("dep>=1")
            .write(&wheels);
        WheelSpec::pure("dep", "1.0").write(&wheels);
        WheelSpec::pure("dep", "2.0").write(&wheels);
        WheelSpec::pure("other", "1.0").write(&wheels);
        let pip_conf = tmp.path().join("pip.conf");
        std::fs::write(
            &pip_conf,
            format!(
                "[install]\nfind-links = {}\nno-index = true\n",
                wheels.display()
            ),
        )
        .unwrap();
        let site = SiteConfig::from_env(&ProcessVars::from_pairs([
            ("PATH", "/usr/local/bin:/usr/bin:/bin".to_string()),
            ("HOME", tmp.path().display().to_string()),
            ("PIP_CONFIG_FILE", pip_conf.display().to_string()),
            (
                "WHEELHOUSE",
                tmp.path().join("wheelhouse").display().to_string(),
            ),
            ("RSNT_ARCH", "generic".to_string()),
            ("EBVERSIONGENTOO", "2023".to_string()),
        ]));
        let created = venv::create(
            &test_support::machine_python(),
            &tmp.path().join("env"),
            &venv::VenvOptions::default(),
        )
        .expect("a virtual environment of the machine's python3");
        let target = Target::new_venv(&created, false);
        World {
            _tmp: tmp,
            wheels,
            site,
            target,
        }
    }

    fn install(&self, options: InstallOptions) -> Result<environment::Report, environment::Error> {
        let cancel = AtomicBool::new(false);
        install(&self.site, &self.target, &options, &cancel, &|_| {})
    }

    fn install_ok(&self, requirements: &[&str]) -> environment::Report {
        self.install(requested(requirements))
            .unwrap_or_else(|e| panic!("install {requirements:?}: {e}"))
    }

    /// `name version` of each distribution the environment holds, sorted.
    fn holds(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .target
            .own_distributions()
            .unwrap()
            .iter()
            .map(|d| format!("{} {}", d.key, d.version))
            .collect();
        out.sort();
        out
    }

    /// What the environment's CPython imports: `module version` per name.
    fn import(&self, modules: &[&str]) -> String {
        let code = format!(
            "import importlib\nfor m in {modules:?}:\n    print(m, importlib.import_module(m).__version__)"
        );
        let out = Command::new(self.target.root.join("bin/python"))
            .args(["-c", &code])
            .env_clear()
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn requested(requirements: &[&str]) -> InstallOptions {
    InstallOptions {
        requirements: requirements.iter().map(|r| r.to_string()).collect(),
        ..InstallOptions::default()
    }
}

/// Every path under `dir` with its content (links as their target), sorted: equal trees are
/// equal environments, byte for byte. The environment's lock file, made empty by the first
/// command that takes the lock and kept for the next, is no part of it.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    test_support::entries_under(dir)
        .into_iter()
        .filter(|(rel, _)| rel != ".wheelhouse.lock")
        .map(|(rel, meta)| {
            let path = dir.join(&rel);
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                (rel, target.display().to_string().into_bytes())
            } else if meta.is_dir() {
                (format!("{rel}/"), Vec::new())
            } else {
                (rel, std::fs::read(&path).unwrap())
            }
        })
        .collect()
}

/// The names of what differs between two trees, for a readable failure.
fn differences(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut names: Vec<String> = a
        .iter()
        .filter(|e| !b.contains(e))
        .chain(b.iter().filter(|e| !a.contains(e)))
        .map(|(name, _)| name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn install_brings_the_newest_dependency_and_python_imports_both() {
    let world = World::new();
    let report = world.install_ok(&["app"]);
    let mut installed = report.installed.clone();
    installed.sort();
    assert_eq!(
        installed,
        [
            ("app".to_string(), "1.0".to_string()),
            ("dep".to_string(), "2.0".to_string())
        ]
    );
    assert_eq!(world.holds(), ["app 1.0", "dep 2.0"]);
    assert_eq!(world.import(&["app", "dep"]), "app 1.0\ndep 2.0\n");
    // Each distribution's RECORD names its files, and the installer is recorded as pip would.
    let site_packages = &world.target.layout.purelib;
    let record = std::fs::read_to_string(site_packages.join("dep-2.0.dist-info/RECORD")).unwrap();
    assert!(record.contains("dep/__init__.py,sha256="), "{record}");
    assert!(site_packages.join("dep-2.0.dist-info/INSTALLER").is_file());
}

#[test]
fn a_pinned_requirement_and_then_an_upgrade_replace_the_version_cleanly() {
    let world = World::new();
    world.install_ok(&["dep==1.0"]);
    assert_eq!(world.holds(), ["dep 1.0"]);
    let report = world
        .install(InstallOptions {
            upgrade: true,
            ..requested(&["dep"])
        })
        .unwrap();
    assert_eq!(report.installed, [("dep".to_string(), "2.0".to_string())]);
    assert_eq!(world.holds(), ["dep 2.0"]);
    assert!(!world
        .target
        .layout
        .purelib
        .join("dep-1.0.dist-info")
        .exists());
    assert_eq!(world.import(&["dep"]), "dep 2.0\n");
}

#[test]
fn install_then_uninstall_gives_back_the_environment_byte_for_byte() {
    let world = World::new();
    let empty = tree(&world.target.root);
    world.install_ok(&["app"]);
    assert_ne!(tree(&world.target.root), empty);
    let cancel = AtomicBool::new(false);
    let removed = uninstall(
        &world.target,
        &["app".to_string(), "dep>=1".to_string()],
        &cancel,
        &|_| {},
    )
    .unwrap();
    let mut names = removed.removed.clone();
    names.sort();
    assert_eq!(names, ["app-1.0", "dep-2.0"]);
    let after = tree(&world.target.root);
    assert!(after == empty, "{:?}", differences(&after, &empty));
}

#[test]
fn uninstall_of_what_is_not_installed_warns_and_changes_nothing() {
    let world = World::new();
    world.install_ok(&["dep"]);
    let before = tree(&world.target.root);
    let warnings = std::sync::Mutex::new(Vec::new());
    let cancel = AtomicBool::new(false);
    let removed = uninstall(&world.target, &["other".to_string()], &cancel, &|event| {
        if let environment::Event::Warning(text) = event {
            warnings.lock().unwrap().push(text.to_string());
        }
    })
    .unwrap();
    assert!(removed.removed.is_empty());
    assert_eq!(
        warnings.into_inner().unwrap(),
        ["skipping other: it is not installed"]
    );
    assert!(tree(&world.target.root) == before);
}

#[test]
fn a_failed_upgrade_leaves_the_environment_as_it_was() {
    let world = World::new();
    world.install_ok(&["app"]);
    let before = tree(&world.target.root);
    // dep 3.0 is in the wheelhouse, readable and chosen, but a member does not have the hash
    // its RECORD gives: the install stops while unpacking.
    let mut broken = WheelSpec::pure("dep", "3.0");
    broken.corrupt.push("dep/__init__.py".into());
    broken.write(&world.wheels);
    let err = world
        .install(InstallOptions {
            upgrade: true,
            ..requested(&["app", "dep"])
        })
        .expect_err("a wheel that fails its RECORD cannot be installed");
    assert_eq!(err.kind(), ErrorKind::Install, "{err}");
    assert!(err.to_string().contains("dep-3.0"), "{err}");
    let after = tree(&world.target.root);
    assert!(after == before, "{:?}", differences(&after, &before));
    assert_eq!(world.import(&["app", "dep"]), "app 1.0\ndep 2.0\n");
}

#[test]
fn an_unsatisfiable_request_is_a_resolution_error_and_changes_nothing() {
    let world = World::new();
    world.install_ok(&["dep==1.0"]);
    let before = tree(&world.target.root);
    let err = world
        .install(requested(&["app", "dep<1"]))
        .expect_err("dep<1 does not exist");
    assert_eq!(err.kind(), ErrorKind::Resolution, "{err}");
    assert!(err.to_string().contains("dep"), "{err}");
    assert!(tree(&world.target.root) == before);
}

#[test]
fn a_cancelled_install_is_interrupted_and_changes_nothing() {
    let world = World::new();
    let before = tree(&world.target.root);
    let cancel = AtomicBool::new(true);
    let err = install(
        &world.site,
        &world.target,
        &requested(&["app"]),
        &cancel,
        &|_| {},
    )
    .expect_err("cancelled before it began");
    assert_eq!(err.kind(), ErrorKind::Interrupted, "{err}");
    assert!(tree(&world.target.root) == before);
}

#[test]
fn a_dry_run_reports_the_plan_and_writes_nothing() {
    let world = World::new();
    let before = tree(&world.target.root);
    let report = world
        .install(InstallOptions {
            dry_run: true,
            ..requested(&["app"])
        })
        .unwrap();
    let mut planned = report.would_install.clone();
    planned.sort();
    assert_eq!(planned, ["app-1.0", "dep-2.0"]);
    assert!(report.installed.is_empty());
    assert!(tree(&world.target.root) == before);
}

/// The lock entry for a wheel of the wheelhouse.
fn locked(world: &World, file: &str) -> LockedWheel {
    let path = world.wheels.join(file);
    let (name, rest) = file.split_once('-').unwrap();
    let version = rest.split('-').next().unwrap();
    LockedWheel {
        key: name.to_string(),
        version: version.to_string(),
        hashes: [(
            "sha256".to_string(),
            environment::digest_file("sha256", &path).unwrap(),
        )]
        .into(),
        path,
        entry: format!("packages ({name})"),
        direct_url: None,
    }
}

#[test]
fn an_exact_sync_installs_the_locked_set_and_removes_the_rest() {
    let world = World::new();
    world.install_ok(&["app"]);
    let wheels = [
        locked(&world, "dep-1.0-py3-none-any.whl"),
        locked(&world, "other-1.0-py3-none-any.whl"),
    ];
    let cancel = AtomicBool::new(false);
    let options = SyncOptions {
        exact: true,
        ..SyncOptions::default()
    };
    let report = sync(
        &world.site,
        &world.target,
        &wheels,
        &options,
        &cancel,
        &|_| {},
    )
    .unwrap();
    let mut installed = report.installed.clone();
    installed.sort();
    assert_eq!(
        installed,
        [
            ("dep".to_string(), "1.0".to_string()),
            ("other".to_string(), "1.0".to_string())
        ]
    );
    assert_eq!(report.removed, ["app-1.0"]);
    assert_eq!(world.holds(), ["dep 1.0", "other 1.0"]);
    assert_eq!(world.import(&["dep", "other"]), "dep 1.0\nother 1.0\n");
    // Again: nothing to do.
    let again = sync(
        &world.site,
        &world.target,
        &wheels,
        &options,
        &cancel,
        &|_| {},
    )
    .unwrap();
    assert_eq!((again.installed.len(), again.unchanged), (0, 2));
    assert!(again.removed.is_empty());
}

#[test]
fn a_sync_refuses_a_wheel_whose_hash_is_not_the_locked_one() {
    let world = World::new();
    world.install_ok(&["dep==1.0"]);
    let before = tree(&world.target.root);
    let mut wheel = locked(&world, "dep-2.0-py3-none-any.whl");
    wheel.hashes.insert("sha256".into(), "0".repeat(64));
    let cancel = AtomicBool::new(false);
    let err = sync(
        &world.site,
        &world.target,
        &[wheel],
        &SyncOptions::default(),
        &cancel,
        &|_| {},
    )
    .expect_err("the hash differs");
    assert!(err.to_string().contains("dep"), "{err}");
    assert!(tree(&world.target.root) == before);
}
