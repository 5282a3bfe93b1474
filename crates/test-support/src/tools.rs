//! Where the tests find the real things they run: the PyPI wheels `scripts/fetch-wheels.sh`
//! caches, uv and the newest pip that the setup scripts install, the machine's CPython. Each
//! panics with the script that installs what is missing: a test never skips.

use std::path::PathBuf;
use std::process::Command;

/// The workspace root (the test-support crate is `crates/test-support`).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real PyPI wheels: `$WHEELHOUSE_TEST_WHEELS`, else `.cache/wheels/small`.
pub fn real_wheels() -> PathBuf {
    let dir = std::env::var_os("WHEELHOUSE_TEST_WHEELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".cache/wheels/small"));
    let wheels = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "whl"))
                .count()
        })
        .unwrap_or(0);
    assert!(
        wheels >= 5,
        "the real PyPI wheels are missing from {}: run scripts/fetch-wheels.sh small \
         (scripts/test does)",
        dir.display()
    );
    dir
}

/// The real wheel whose file name starts with `prefix` (`"six-"`, `"pip-26"`).
pub fn real_wheel(prefix: &str) -> PathBuf {
    let dir = real_wheels();
    std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| {
            panic!(
                "no {prefix}* wheel in {}: run scripts/fetch-wheels.sh small",
                dir.display()
            )
        })
}

/// uv from the environment-tools virtualenv (`.tools/envtools`).
pub fn uv() -> PathBuf {
    let uv = root().join(".tools/envtools/bin/uv");
    assert!(uv.exists(), "uv is missing: run scripts/setup-tools.sh");
    uv
}

/// The interpreter of `.staff-tools/pip-latest`, a virtualenv with the newest pip.
pub fn newest_pip_python() -> PathBuf {
    let python = root().join(".staff-tools/pip-latest/bin/python");
    assert!(
        python.exists(),
        "the newest pip is missing: run scripts/setup-staff.sh"
    );
    python
}

/// The machine's CPython (`python3` on `PATH`), as the path of its executable.
pub fn machine_python() -> PathBuf {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 on PATH");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}
