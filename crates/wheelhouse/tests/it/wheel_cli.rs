//! `wheelhouse wheel`: the staff path from a project directory or an sdist to a published
//! wheel (`wheelhouse wheel -w dist ...`, then `wheelhouse add`), with a real setuptools
//! backend installed in the target environment (from `scripts/build-test-setup.sh`'s wheels),
//! isolated builds whose requirements come from the wheel directories, and its errors: a
//! failed build, not a project.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::sources::write;
use crate::common::staff_cli::{clean_env, text, wheelhouse};

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

/// A venv (no pip) with setuptools installed by the tools' pip from the backend wheels.
fn venv_with_setuptools(dir: &Path) -> PathBuf {
    let backends = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/backends");
    assert!(
        backends
            .join("setuptools-84.2.1-py3-none-any.whl")
            .is_file(),
        "{} lacks the backends: run scripts/build-test-setup.sh",
        backends.display()
    );
    let out = run(clean_env(&mut Command::new("python3"))
        .args(["-m", "venv", "--without-pip"])
        .arg(dir));
    assert!(out.status.success(), "{}", text(&out));
    let out = run(clean_env(&mut Command::new(test_support::tools_python()))
        .args(["-m", "pip", "--python"])
        .arg(dir.join("bin/python"))
        .args(["install", "--quiet", "--no-index", "--find-links"])
        .arg(&backends)
        .arg("setuptools"));
    assert!(out.status.success(), "{}", text(&out));
    dir.to_path_buf()
}

fn project(dir: &Path, name: &str, version: &str) {
    write(
        &dir.join("pyproject.toml"),
        &format!(
            "[build-system]\nrequires = [\"setuptools>=64\"]\n\
             build-backend = \"setuptools.build_meta\"\n\n\
             [project]\nname = \"{name}\"\nversion = \"{version}\"\n"
        ),
    );
    write(&dir.join(format!("{}.py", name.replace('-', "_"))), "");
}

/// `name-version.tar.gz` of `dir` under `name-version/`, made by Python's tarfile.
fn sdist(dir: &Path, top: &str, archive: &Path) {
    let out = run(Command::new("python3")
        .args([
            "-c",
            "import sys, tarfile\n\
             with tarfile.open(sys.argv[3], 'w:gz') as t: t.add(sys.argv[1], arcname=sys.argv[2])",
        ])
        .arg(dir)
        .arg(top)
        .arg(archive));
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn staff_build_wheels_then_publish_them() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let env = venv_with_setuptools(&root.join("env"));
    project(&root.join("proj"), "staff-tool", "1.0");
    project(&root.join("src-pkg"), "src-pkg", "2.1");
    let archive = root.join("src-pkg-2.1.tar.gz");
    sdist(&root.join("src-pkg"), "src-pkg-2.1", &archive);
    let dist = root.join("dist");

    // Isolated (the default): the build requirements come from the wheel directories
    // (here only -f with the backends), installed by our own installer into a fresh
    // environment; the target environment is not touched.
    let isolated = root.join("isolated");
    let before = std::fs::read_dir(env.join("lib/python3.11/site-packages"))
        .unwrap()
        .count();
    let backends = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/backends");
    let out = run(wheelhouse()
        .env("VIRTUAL_ENV", &env)
        .arg("wheel")
        .arg("-f")
        .arg(&backends)
        .arg("-w")
        .arg(&isolated)
        .arg(root.join("proj")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(isolated.join("staff_tool-1.0-py3-none-any.whl").is_file());
    let after = std::fs::read_dir(env.join("lib/python3.11/site-packages"))
        .unwrap()
        .count();
    assert_eq!(
        before, after,
        "the isolated build changed the target environment"
    );
    // Without the backends, the missing build requirement is named.
    let out = run(wheelhouse()
        .env("VIRTUAL_ENV", &env)
        .arg("wheel")
        .arg("-w")
        .arg(&isolated)
        .arg(root.join("src-pkg")));
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("setuptools"),
        "{}",
        text(&out)
    );

    let out = run(wheelhouse()
        .env("VIRTUAL_ENV", &env)
        .args(["wheel", "--no-build-isolation", "-w"])
        .arg(&dist)
        .arg(root.join("proj"))
        .arg(&archive));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let wheels = [
        dist.join("staff_tool-1.0-py3-none-any.whl"),
        dist.join("src_pkg-2.1-py3-none-any.whl"),
    ];
    let stdout = String::from_utf8_lossy(&out.stdout);
    for wheel in &wheels {
        assert!(wheel.is_file(), "{}", text(&out));
        assert!(
            stdout.contains(&format!("Saved {}", wheel.display())),
            "{stdout}"
        );
    }
    assert!(stdout.contains("Publish with: wheelhouse add"), "{stdout}");

    // The staff path's second half: publish what was built.
    let house = root.join("wheelhouse");
    std::fs::create_dir_all(house.join("gentoo2023/x86-64-v3")).unwrap();
    let out = run(wheelhouse()
        .args(["add", "--local-version", "computecanada", "--wheelhouse"])
        .arg(&house)
        .args(&wheels));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(house
        .join("generic/staff_tool-1.0+computecanada-py3-none-any.whl")
        .is_file());
}

#[test]
fn failed_builds_and_non_projects_exit_with_their_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let env = venv_with_setuptools(&root.join("env"));
    let broken = root.join("broken");
    write(
        &broken.join("setup.py"),
        "import sys\nprint('checking for hdf5')\nsys.exit('error: hdf5 not found')\n",
    );
    let out = run(wheelhouse()
        .env("VIRTUAL_ENV", &env)
        .args(["wheel", "--no-build-isolation", "-w"])
        .arg(root.join("dist"))
        .arg(&broken));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("    checking for hdf5\n    error: hdf5 not found"),
        "{stderr}"
    );
    assert!(stderr.contains("module load gcc"), "{stderr}");

    let empty = root.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = run(wheelhouse()
        .env("VIRTUAL_ENV", &env)
        .args(["wheel", "--no-build-isolation", "-w"])
        .arg(root.join("dist"))
        .arg(&empty));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("neither pyproject.toml nor setup.py"),
        "{}",
        text(&out)
    );
    assert!(!root.join("dist").exists());
}
