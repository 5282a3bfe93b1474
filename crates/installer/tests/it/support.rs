//! What the installer's tests share.

use std::path::Path;

use installer::Layout;

/// A CPython 3.11 virtual environment's layout at `root`.
pub fn layout(root: &Path) -> Layout {
    let sp = root.join("lib/python3.11/site-packages");
    Layout {
        root: root.to_path_buf(),
        purelib: sp.clone(),
        platlib: sp,
        scripts: root.join("bin"),
        include: root.join("include/site/python3.11"),
        data: root.to_path_buf(),
        python: root.join("bin/python"),
    }
}
