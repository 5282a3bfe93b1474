//! `-p`: the environment in install/freeze/list/uninstall/doctor, the interpreter in venv.
//! A path that names no environment gets a paragraph naming that path and what it is, and
//! the command it suggests works when pasted.

use std::process::Output;

#[allow(unused_imports)]
use crate::common::{stderr, Site, WheelSpec};

/// The command after `marker` in an error paragraph, run in a shell as a user would paste it.
fn run_hint(site: &Site, err: &str, marker: &str) -> Output {
    let hint = err
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no `{marker}` in: {err}"))
        .trim();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    site.command("bash")
        .env("PATH", path)
        .args(["-c", hint])
        .output()
        .unwrap()
}

#[test]
fn a_typo_names_the_path_given_and_the_environment_meant() {
    let site = Site::new();
    let env = site.venv("env311");
    let typo = site.path("env3111");
    let out = site.snapshot(
        "error-p-typo-near-environment",
        &["install", "-p", typo.to_str().unwrap(), "six"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let again = run_hint(&site, &err, "To use it:");
    assert!(again.status.success(), "{}", stderr(&again));
    site.run_ok(&env.join("bin/python"), &["-c", "import six"]);

    // Nothing near: the path is new; creating it is offered, and works.
    let new = site.path("fresh");
    let out = site.snapshot("error-p-new-path", &["freeze", "-p", new.to_str().unwrap()]);
    let err = stderr(&out);
    let created = run_hint(&site, &err, "create it first:");
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(new.join("pyvenv.cfg").is_file());
}

#[test]
fn a_wrong_file_in_bin_blames_the_file_not_the_environment() {
    let site = Site::new();
    let env = site.venv("env");
    let wrong = env.join("bin/pythn");
    let out = site.snapshot(
        "error-p-wrong-file-in-bin",
        &["list", "-p", wrong.to_str().unwrap()],
    );
    let err = stderr(&out);
    let listed = run_hint(&site, &err, "give it instead:");
    assert!(listed.status.success(), "{}", stderr(&listed));
}

#[test]
fn the_module_python_is_not_an_environment_and_no_venv_is_made_over_it() {
    let site = Site::new();
    let module = site.python_root.to_str().unwrap().to_string();
    let out = site.snapshot("error-p-module-python", &["install", "-p", &module, "six"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let done = run_hint(&site, &err, "use that:");
    assert!(done.status.success(), "{}", stderr(&done));
    site.run_ok(&site.path("ENV/bin/python"), &["-c", "import six"]);
}

#[test]
fn an_environment_whose_python_is_gone_is_said_so() {
    let site = Site::new();
    let env = site.venv("env");
    let python = env.join("bin/python");
    std::fs::remove_file(&python).unwrap();
    std::os::unix::fs::symlink("/nonexistent/python3.11", &python).unwrap();
    for (name, args) in [
        (
            "error-p-python-gone",
            vec!["install", "-p", env.to_str().unwrap(), "six"],
        ),
        (
            "error-p-python-gone-bin-python",
            vec!["freeze", "-p", python.to_str().unwrap()],
        ),
    ] {
        let out = site.snapshot(name, &args);
        assert_eq!(out.status.code(), Some(2));
    }
    // doctor still diagnoses it (its job), given the environment or its python.
    let out = site.snapshot(
        "doctor-python-gone",
        &["doctor", "-p", python.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The suggested recreation works. The site's command already has the module loaded
    // (EBROOTPYTHON), so the `module load … &&` before it is left out.
    let out = site.wheelhouse(&["install", "-p", env.to_str().unwrap(), "six"]);
    let hint = stderr(&out);
    let hint = hint.trim().rsplit("&& ").next().unwrap();
    assert!(hint.starts_with("wheelhouse venv --clear"), "{hint}");
    let again = site.run_pasted(hint);
    assert!(again.status.success(), "{hint}: {}", stderr(&again));
    site.ok(&["install", "-p", env.to_str().unwrap(), "six"]);
}

#[test]
fn a_python_version_after_p_points_at_venv() {
    let site = Site::new();
    let out = site.snapshot(
        "error-p-python-version-in-site",
        &["install", "-p", "3.11", "six"],
    );
    let err = stderr(&out);
    let done = run_hint(&site, &err, "and use it:");
    assert!(done.status.success(), "{}", stderr(&done));
    site.run_ok(&site.path("ENV/bin/python"), &["-c", "import six"]);
}

/// The same hint with no module loaded: `venv --python 3.11` takes the 3.11 module's own
/// interpreter from PYTHON_DIRS, as `module load python/3.11` would.
#[test]
fn the_python_version_hint_works_with_no_module_loaded() {
    let site = Site::new();
    let pythons = site.path("pythons");
    std::fs::create_dir(&pythons).unwrap();
    std::os::unix::fs::symlink(&site.python_root, pythons.join(&site.python_version)).unwrap();
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env_remove("EBROOTPYTHON")
        .env_remove("EBVERSIONPYTHON")
        .env("PATH", "/usr/bin:/bin")
        .env("PYTHON_DIRS", &pythons)
        .args(["install", "-p", "3.11", "six"])
        .output()
        .unwrap();
    let err = stderr(&out);
    let hint = err.split("and use it:").nth(1).expect(&err).trim();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .parent()
        .unwrap();
    let done = site
        .command("bash")
        .env_remove("EBROOTPYTHON")
        .env_remove("EBVERSIONPYTHON")
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("PYTHON_DIRS", &pythons)
        .args(["-c", hint])
        .output()
        .unwrap();
    assert!(done.status.success(), "{hint}: {}", stderr(&done));
    site.run_ok(&site.path("ENV/bin/python"), &["-c", "import six"]);
}

#[test]
fn a_missing_wheel_file_is_no_such_file() {
    let site = Site::new();
    let env = site.venv("env");
    let out = site.snapshot(
        "error-install-missing-wheel-file-in-env",
        &["install", "-p", env.to_str().unwrap(), "./notthere.whl"],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// A module whose files this user cannot read: as another user (nobody), since root reads
/// everything. Needs root and setpriv (util-linux), as CI has: without them it fails.
#[test]
fn an_unreadable_module_python_is_not_no_module_loaded() {
    assert_eq!(
        unsafe_uid(),
        0,
        "this test runs wheelhouse as another user (setpriv, util-linux): run the tests as root, \
         as scripts/test does"
    );
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("software/python/3.11.5");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy("/bin/true", root.join("bin/python3")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        tmp.path().join("software"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = work.join("wheelhouse");
    std::fs::copy(env!("CARGO_BIN_EXE_wheelhouse"), &bin).unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(&bin)
        .args(["venv", "env"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &work)
        .env("EBROOTPYTHON", &root)
        .env("EBVERSIONPYTHON", "3.11.5")
        .current_dir(&work)
        .output()
        .expect("setpriv on PATH (Debian's util-linux)");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let redact = crate::common::Redact::new().path(tmp.path(), "$TMP");
    crate::common::assert_snapshot(
        "error-module-python-unreadable",
        &redact.apply(&test_support::transcript(
            "setpriv --reuid=nobody … wheelhouse venv env",
            &out,
        )),
    );
}

fn unsafe_uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap_or(1)
}
