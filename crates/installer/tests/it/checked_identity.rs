//! A wheel whose hash a caller checked without reading it (a remembered digest) is installed
//! only while the file keeps the identity it was checked with: found changed when the
//! installer opens it, it is refused with a message that says so, and nothing is staged.

use std::sync::atomic::AtomicBool;

use installer::wheel_cache::FileIdentity;
use installer::{unpack_wheel, ReadWheel, UnpackOptions};
use test_support::WheelSpec;

use crate::support::layout;

#[test]
fn a_wheel_changed_since_its_check_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("env");
    let stage = root.join(".stage");
    std::fs::create_dir_all(&stage).unwrap();
    let wheel = WheelSpec::pure("alpha", "1.0").write(tmp.path());
    let now = FileIdentity::of(&std::fs::metadata(&wheel).unwrap());
    let unpack = |identity: FileIdentity| {
        let options = UnpackOptions {
            bytes: Some(ReadWheel {
                bytes: None,
                identity,
                sha256: None,
            }),
            ..UnpackOptions::default()
        };
        unpack_wheel(
            &wheel,
            &layout(&root),
            &stage,
            &options,
            &AtomicBool::new(false),
        )
    };
    // Checked as another file (another inode, as a replacement by rename gives).
    let other = FileIdentity {
        ino: now.ino + 1,
        ..now
    };
    let err = unpack(other).unwrap_err().to_string();
    assert!(
        err.contains("changed after its hash was checked") && err.contains("run the command again"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&stage).unwrap().count(),
        0,
        "nothing staged"
    );
    // The same file as checked: installed.
    unpack(now).unwrap();
    assert!(std::fs::read_dir(&stage).unwrap().count() > 0);
}
