//! One problem the audit found.

use std::path::{Path, PathBuf};

/// One problem.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// `unsatisfiable`, `unresolvable`, `invalid-name`, `manylinux`, `duplicate-file`,
    /// `generic-and-cpu-level`, `local-version`, `unreadable`, `record`, `leftover`,
    /// `outside-root` (a configured search directory outside the root), and for `.whl`
    /// entries that are never published ([`simple_index::Refusal`]): `link-outside-root` (a
    /// symbolic link leading out of the wheelhouse), `link` (one that stays inside it),
    /// `not-a-file`.
    pub kind: String,
    pub message: String,
    pub path: Option<PathBuf>,
}

pub(crate) fn finding(kind: &str, path: &Path, message: String) -> Finding {
    Finding {
        kind: kind.into(),
        message,
        path: Some(path.to_path_buf()),
    }
}
