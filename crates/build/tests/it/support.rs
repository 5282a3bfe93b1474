//! What the build tests share: a build-environment maker made of real `python3 -m venv` and
//! real pip installing the backend wheels that `scripts/build-test-setup.sh` fetched, project
//! writers, and archive makers (hostile ones written byte by byte).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use build_frontend::{BuildEnvironmentMaker, BuildOptions, Isolation, MakerError};

/// The backend wheels (setuptools, hatchling, flit-core, ...).
pub fn backends_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/backends");
    assert!(
        fs::read_dir(&dir).is_ok_and(|d| d.count() > 3),
        "{} is empty: run scripts/build-test-setup.sh first",
        dir.display()
    );
    dir
}

/// The Python whose pip installs into build environments (`--python`): the tools venv's
/// when the test environment names it, else `python3`'s own.
pub fn pip_python() -> PathBuf {
    std::env::var_os("WHEELHOUSE_TOOLS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// A command with none of the machine's `PIP_*` settings.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PIP_") {
            command.env_remove(key);
        }
    }
    command
}

/// Makes a venv with pip installing from the backend wheels only; counts its calls and the
/// most made at once.
#[derive(Default)]
pub struct PipMaker {
    pub calls: AtomicUsize,
    pub running: AtomicUsize,
    pub most_at_once: AtomicUsize,
    pub requests: Mutex<Vec<Vec<String>>>,
}

impl BuildEnvironmentMaker for PipMaker {
    fn make_environment(
        &self,
        dir: &Path,
        python: &Path,
        requirements: &[String],
    ) -> Result<PathBuf, MakerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        self.requests.lock().unwrap().push(requirements.to_vec());
        let result = make_venv(dir, python, requirements);
        self.running.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

/// A venv in `dir` (kept when it exists) with `requirements` installed by pip from the
/// backend wheels.
pub fn make_venv(
    dir: &Path,
    python: &Path,
    requirements: &[String],
) -> Result<PathBuf, MakerError> {
    let env_python = dir.join("bin/python");
    if !env_python.exists() {
        let out = clean_command(python)
            .args(["-m", "venv", "--without-pip"])
            .arg(dir)
            .output()?;
        if !out.status.success() {
            return Err(format!("venv: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
    }
    if !requirements.is_empty() {
        let out = clean_command(pip_python())
            .args(["-m", "pip", "--python"])
            .arg(&env_python)
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-index",
            ])
            .arg("--find-links")
            .arg(backends_dir())
            .args(requirements)
            .output()?;
        if !out.status.success() {
            return Err(format!("pip: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
    }
    Ok(env_python)
}

/// The interpreter the tests build for.
pub fn python3() -> interpreter::Interpreter {
    interpreter::Interpreter::query(Path::new("python3")).expect("python3")
}

pub fn options<'a>(maker: &'a PipMaker, work: &Path) -> BuildOptions<'a> {
    let mut options = BuildOptions::new(&python3(), Isolation::Isolated(maker), work);
    // Build hooks find compilers on the test's own PATH.
    options.inherited_path = std::env::var_os("PATH");
    options
}

/// Writes `files` (relative path, content) under `dir`.
pub fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
}

/// A `.tar.gz` of `dir`'s files under the top directory `top/`, as an sdist is laid out.
pub fn make_sdist(dir: &Path, top: &str, archive: &Path) {
    let file = fs::File::create(archive).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all(top, dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

/// One member of a hand-made tar: any name, any type, any link target, as bytes.
pub struct RawMember<'a> {
    pub name: &'a [u8],
    pub kind: tar::EntryType,
    pub link: &'a [u8],
    pub data: &'a [u8],
}

/// A `.tar.gz` whose headers say exactly what is given (the `tar` crate's own builder
/// refuses `..` and absolute names, which is what these tests need to write).
pub fn raw_tar_gz(archive: &Path, members: &[RawMember]) {
    let file = fs::File::create(archive).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    use std::io::Write;
    for member in members {
        let mut header = tar::Header::new_old();
        {
            let old = header.as_old_mut();
            old.name[..member.name.len()].copy_from_slice(member.name);
            old.linkname[..member.link.len()].copy_from_slice(member.link);
        }
        header.set_entry_type(member.kind);
        header.set_mode(0o644);
        header.set_size(member.data.len() as u64);
        header.set_cksum();
        gz.write_all(header.as_bytes()).unwrap();
        gz.write_all(member.data).unwrap();
        let pad = (512 - member.data.len() % 512) % 512;
        gz.write_all(&vec![0; pad]).unwrap();
    }
    gz.write_all(&[0; 1024]).unwrap();
    gz.finish().unwrap();
}

/// Installs `wheel` with real pip into a new venv (without pip) and returns its Python.
pub fn pip_install_into_new_venv(venv: &Path, wheel: &Path) -> PathBuf {
    let python = make_venv(venv, Path::new("python3"), &[]).unwrap();
    let out = clean_command(pip_python())
        .args(["-m", "pip", "--python"])
        .arg(&python)
        .args([
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(wheel)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pip install {}: {}",
        wheel.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    python
}

/// Runs `python -c code` and returns its stdout (asserting success).
pub fn run_python(python: &Path, code: &str) -> String {
    let out = clean_command(python).args(["-c", code]).output().unwrap();
    assert!(
        out.status.success(),
        "{code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The name and version in a wheel's METADATA, read as the installer reads it.
pub fn wheel_name_version(wheel: &Path) -> (String, String) {
    let text = wheel_metadata::read_dist_info_file(wheel, "METADATA").unwrap();
    let meta = wheel_metadata::CoreMetadata::parse(&text);
    (meta.name, meta.version)
}
