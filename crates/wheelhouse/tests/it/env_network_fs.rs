//! The byte-code default follows the file system: an environment on a network file system
//! (here the FUSE mount of `../shared/slowfs`, which a cluster's CVMFS or sshfs also is) is
//! byte-compiled at install, one on a local disk is not; `--compile` and `--no-compile`
//! override both ways. Needs root, /dev/fuse and fuse3 (`scripts/slowfs-test-setup.sh`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// A slowfs mount (no added delay) over a backing directory; unmounted on drop.
struct Mount {
    script: PathBuf,
    point: PathBuf,
    _dirs: tempfile::TempDir,
}

impl Mount {
    fn up() -> Mount {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/slowfs/slowfs.sh");
        assert!(
            script.exists(),
            "{} is missing: the shared directory must sit beside the repository",
            script.display()
        );
        let dirs = tempfile::tempdir().unwrap();
        let point = dirs.path().join("mnt");
        let out = Command::new("bash")
            .arg(&script)
            .args(["up", "0"])
            .arg(dirs.path().join("back"))
            .arg(&point)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "slowfs did not mount (run scripts/slowfs-test-setup.sh as root): {}{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        );
        Mount {
            script,
            point,
            _dirs: dirs,
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("down")
            .arg(&self.point)
            .output();
    }
}

/// Installs six into a new environment at `env` with `extra` flags; returns the `.pyc` files
/// of site-packages.
fn install_six(site: &Site, env: &Path, extra: &[&str]) -> Vec<String> {
    site.ok(&["venv", "--without-pip", env.to_str().unwrap()]);
    let mut args = vec!["install", "-q", "-p", env.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("six");
    site.ok(&args);
    tree(&site_packages(env))
        .into_iter()
        .filter(|f| f.contains(".pyc "))
        .collect()
}

#[test]
fn byte_code_by_default_on_a_network_file_system_only() {
    let site = Site::new();
    let mount = Mount::up();

    let on_mount = install_six(&site, &mount.point.join("env"), &[]);
    assert!(
        on_mount.iter().any(|f| f.starts_with("__pycache__/six.")),
        "an environment on a FUSE mount is compiled by default: {on_mount:?}"
    );
    let skipped = install_six(&site, &mount.point.join("env-no"), &["--no-compile"]);
    assert!(skipped.is_empty(), "--no-compile is obeyed: {skipped:?}");

    let local = install_six(&site, &site.path("local-env"), &[]);
    assert!(
        local.is_empty(),
        "a local environment is not compiled: {local:?}"
    );
    let forced = install_six(&site, &site.path("local-forced"), &["--compile"]);
    assert!(
        forced.iter().any(|f| f.starts_with("__pycache__/six.")),
        "--compile is obeyed on a local disk: {forced:?}"
    );

    // The compiled environment imports from its byte code without writing any.
    let env = mount.point.join("env");
    let out = Command::new(env.join("bin/python"))
        .args(["-c", "import six, sys; print(six.__cached__)"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let cached = String::from_utf8_lossy(&out.stdout);
    assert!(Path::new(cached.trim()).exists(), "{cached}");
}
