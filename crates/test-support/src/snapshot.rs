//! Snapshot files under the repository's tests/snapshots: a text a user reads, pinned, so
//! that a change of wording is a reviewed diff. `UPDATE_SNAPSHOTS=1` writes them anew.

use std::path::PathBuf;

/// The snapshots directory, tests/snapshots at the workspace root.
pub fn snapshots_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/snapshots")
}

/// Compares `text` with the snapshot `name` (a file name in tests/snapshots): `None` when they
/// are equal or `UPDATE_SNAPSHOTS` is set (then the file is written), else what differs.
pub fn snapshot(name: &str, text: &str) -> Option<String> {
    let path = snapshots_dir().join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, text).unwrap();
        return None;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == text => None,
        Ok(expected) => Some(format!(
            "{name}: differs\n--- expected\n{expected}\n--- actual\n{text}"
        )),
        Err(_) => Some(format!(
            "{name}: no snapshot at {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )),
    }
}
