//! Publishing wheels into a wheelhouse, this crate's one job: what the site's scripts did by
//! hand, in one place.
//!
//! - [`inspect_wheel`]: tags, and for every ELF member what it needs ([`elf_inspect`]).
//! - [`add_wheel`]: the directory a wheel belongs in ([`choose_placement`]), the local
//!   version (a PEP 440 label: [`local_label`]), `manylinux` renamed to `linux_x86_64`, no
//!   clobbering, an atomic write proven inside the wheelhouse ([`confined`]), the catalog
//!   updated ([`update_catalog`]).
//! - [`edit_wheel`]: `Requires-Dist` edited in place ([`ReqEdit`]), RECORD valid.
//!
//! Checking a wheelhouse is the `audit` crate's job, publishing it as an index
//! `simple-index`'s.
//!
//! ```
//! use admin::{apply_req_edits, ReqEdit};
//! let edited = apply_req_edits(
//!     &["numpy>=1.21".to_string()],
//!     &[ReqEdit::SetMax("numpy".into(), "2".into())],
//! ).unwrap();
//! assert_eq!(edited, ["numpy>=1.21,<2"]);
//! ```

mod error;
mod publish;
mod reqedit;
mod rewrite;
mod wheel;

pub use error::{AdminError, ErrorKind, WheelProblem};
pub use publish::{add_wheel, edit_wheel, file_sha256, update_catalog, AddOptions, Added, Edited};
pub use reqedit::{apply as apply_req_edits, diff as req_diff, req_name, ReqChanges, ReqEdit};
pub use rewrite::{
    confined, house_confinement, local_label, new_filename, retag_platform, rewrite_metadata,
    rewrite_wheel, with_local, Rewrite,
};
pub use wheel::{
    choose_placement, inspect_wheel, ArchChoice, Placement, RpathEvidence, WheelReport,
};
