//! Staff operations on a wheelhouse: what the site's scripts did by hand, in one place.
//!
//! - [`inspect_wheel`]: tags, and for every ELF member its RPATH/RUNPATH, needed libraries,
//!   highest `GLIBC_` version, GNU property ISA level and the instruction-set extensions its
//!   code uses (decoded, not guessed).
//! - [`add_wheel`]: the directory a wheel belongs in ([`choose_placement`]), the local
//!   version, `manylinux` renamed to `linux_x86_64`, no clobbering, an atomic write, the
//!   catalog updated.
//! - [`edit_wheel`]: `Requires-Dist` edited in place ([`ReqEdit`]), RECORD valid.
//! - [`audit`]: the dependency closure per Python and CPU level (optionally a real resolution
//!   of `pip install NAME` for every package), and the layout mistakes that make pip and us
//!   choose differently.
//! - [`write_static_index`]: PEP 503 HTML, PEP 691 JSON and PEP 658 metadata files, one index
//!   per CPU level.
//!
//! ```
//! use admin::{apply_req_edits, ReqEdit};
//! let edited = apply_req_edits(
//!     &["numpy>=1.21".to_string()],
//!     &[ReqEdit::SetMax("numpy".into(), "2".into())],
//! ).unwrap();
//! assert_eq!(edited, ["numpy>=1.21,<2"]);
//! ```

mod audit;
mod audit_resolve;
mod elf;
mod html;
mod index_files;
mod publish;
mod published;
mod reqedit;
mod rewrite;
mod views;
mod wheel;

use std::fmt;
use std::path::Path;

pub use audit::{audit, AuditOptions, AuditReport, Finding, ResolveScope};
pub use elf::{inspect_elf, rank_of_arch, ElfReport, LEVELS};
pub use html::{
    index_levels, project_html, project_json, root_html, root_json, site_views, write_static_index,
    FilesMode, IndexFile, IndexStats, LevelProjects, View,
};
pub use publish::{add_wheel, edit_wheel, file_sha256, update_catalog, AddOptions, Added, Edited};
pub use published::{PublishRoot, Refusal};
pub use reqedit::{apply as apply_req_edits, diff as req_diff, req_name, ReqChanges, ReqEdit};
pub use rewrite::{
    confined, house_confinement, local_label, new_filename, retag_platform, rewrite_metadata,
    rewrite_wheel, with_local, Rewrite,
};
pub use views::{rebase_views, views_from_pip_configs};
pub use wheel::{
    choose_placement, inspect_wheel, ArchChoice, Placement, RpathEvidence, WheelReport,
};

/// What kind of failure: it decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong (not a wheel, a bad requirement, an unsafe member): exit 2.
    Input,
    /// The operation would overwrite or contradict what is published: exit 1.
    Refused,
    /// A file could not be read or written: exit 3.
    Io,
}

/// A failure, as one paragraph that says what to do next.
#[derive(Clone, Debug)]
pub struct AdminError {
    pub kind: ErrorKind,
    pub message: String,
}

impl AdminError {
    pub fn input(message: String) -> AdminError {
        AdminError {
            kind: ErrorKind::Input,
            message,
        }
    }

    pub fn exists(message: String) -> AdminError {
        AdminError {
            kind: ErrorKind::Refused,
            message,
        }
    }

    pub fn io(path: &Path, e: std::io::Error) -> AdminError {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("{} does not exist. Check the path", path.display())
            }
            std::io::ErrorKind::PermissionDenied => format!(
                "{}: permission denied. Run as the wheelhouse's owner or fix its permissions",
                path.display()
            ),
            _ => format!("{}: {e}", path.display()),
        };
        AdminError {
            kind: ErrorKind::Io,
            message,
        }
    }

    /// The kind's name in the CLI's JSON output: `input`, `refused` or `io`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ErrorKind::Input => "input",
            ErrorKind::Refused => "refused",
            ErrorKind::Io => "io",
        }
    }

    /// The exit code the CLI returns for it.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Input => 2,
            ErrorKind::Refused => 1,
            ErrorKind::Io => 3,
        }
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AdminError {}
