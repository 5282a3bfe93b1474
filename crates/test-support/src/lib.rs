//! What the tests of several crates share, this crate's one job: the real tools they run
//! (the Python tools they compare with, the machine's CPython, pip, uv, PyPI wheels, Lmod),
//! wheels written by tests, a package index on 127.0.0.1 ([`index`]) and snapshot files. It
//! is a dev-dependency only; no shipped crate uses it. (Helpers of the command line's tests
//! alone live beside them, in `crates/wheelhouse/tests/it/common`.)
//!
//! The Python tools live in the tools virtualenv made by `scripts/setup-tools.sh` (packaging
//! 21.3, tabulate, pip 24.2: the reference `avail_wheels` stack). A comparison test must fail,
//! never skip, when they are missing, so [`tools_python`] panics with the command to run, and
//! [`lmod_init`] likewise for Lmod.
//!
//! [`WheelSpec`] writes real wheels (zip archives with METADATA, WHEEL, entry points and a
//! RECORD whose hashes are right, or deliberately wrong):
//!
//! ```
//! use std::io::Read;
//! use test_support::WheelSpec;
//!
//! let dir = std::env::temp_dir().join(format!("wheelspec-doc-{}", std::process::id()));
//! let wheel = WheelSpec::pure("my-pkg", "1.0").requires("six>=1.16").write(&dir);
//! assert_eq!(wheel.file_name().unwrap(), "my_pkg-1.0-py3-none-any.whl");
//! let mut zip = zip::ZipArchive::new(std::fs::File::open(&wheel).unwrap()).unwrap();
//! let mut text = String::new();
//! zip.by_name("my_pkg-1.0.dist-info/METADATA").unwrap().read_to_string(&mut text).unwrap();
//! assert_eq!(wheel_metadata::CoreMetadata::parse(&text).requires_dist, ["six>=1.16"]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

pub mod index;
mod lmod;
mod snapshot;
mod tools;
mod wheels;

pub use lmod::{bash_with_lmod, lmod_init, ModuleRun};
pub use tools::{machine_python, newest_pip_python, real_wheel, real_wheels, uv};

pub use snapshot::{assert_snapshot, snapshot, snapshots_dir, transcript, Redact};
pub use wheels::WheelSpec;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// The tools virtualenv's interpreter: `$WHEELHOUSE_TOOLS_PYTHON`, else `.tools/venv` at the
/// workspace root.
pub fn tools_python() -> PathBuf {
    let path = std::env::var_os("WHEELHOUSE_TOOLS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/python")
        });
    assert!(
        path.exists(),
        "the tools Python {} is missing: run scripts/setup-tools.sh (or set WHEELHOUSE_TOOLS_PYTHON)",
        path.display()
    );
    path
}

/// The environment-tools virtualenv's interpreter (virtualenv, uv): `.tools/envtools`.
pub fn envtools_python() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/envtools/bin/python");
    assert!(
        path.exists(),
        "the environment tools {} are missing: run scripts/setup-tools.sh",
        path.display()
    );
    path
}

/// Runs `script` (with `args`) in the tools Python, `input` as JSON on standard input, and
/// returns what it prints as JSON. Warnings are silenced: packaging 21.3 warns on every
/// legacy version.
pub fn run_python_json(script: &str, args: &[&str], input: &Value) -> Value {
    let mut child = Command::new(tools_python())
        .args(["-W", "ignore", "-c", script])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the tools Python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the tools Python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from the tools Python")
}

/// `len` incompressible bytes (xorshift64 from `seed`), so that a wheel holding them is as
/// large as they are and takes as long to unpack.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Every entry below `dir` (directories too, links not followed), as its path relative to
/// `dir` with its metadata, sorted by path: what the tree comparisons build on. A directory
/// that cannot be read counts as empty.
pub fn entries_under(dir: &std::path::Path) -> Vec<(String, std::fs::Metadata)> {
    fn walk(
        base: &std::path::Path,
        dir: &std::path::Path,
        out: &mut Vec<(String, std::fs::Metadata)>,
    ) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            let is_dir = meta.is_dir();
            out.push((rel, meta));
            if is_dir {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
