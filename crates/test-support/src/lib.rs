//! Helpers for the tests that compare wheelhouse with the real Python tools, and for the
//! snapshot files that pin what users read ([`assert_snapshot`], [`Redact`]).
//!
//! Those tools live in the tools virtualenv made by `scripts/setup-tools.sh` (packaging 21.3,
//! tabulate, pip 24.2: the reference `avail_wheels` stack). A comparison test must fail, never
//! skip, when they are missing, so [`tools_python`] panics with the command to run.

mod lmod;
mod snapshot;
mod wheels;

pub use lmod::{bash_with_lmod, lmod_init, ModuleRun};

pub use snapshot::{assert_snapshot, snapshots_dir, transcript, Redact};
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
