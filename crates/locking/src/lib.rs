//! Lock files as work, above their format (`lock`): making one and installing one. This is
//! the crate's one job; `wheelhouse lock` and `wheelhouse sync` only parse their arguments and
//! print what it says.
//!
//! [`make`] resolves what was asked once per Python and CPU level, the first deciding the
//! versions and the others keeping them where their wheelhouse allows, builds the sources
//! named directly, and returns the PEP 751 document (or, with [`requirements_text`], pinned
//! requirements with hashes). [`install`] reads what a lock holds for one environment (its
//! Python, its tags, this node's CPU level), checks and builds the lock's sources, and hands
//! the wheels to `environment::sync`, the one door into an environment.

mod install;
mod make;
mod sources;

pub use install::{install, is_lock_file, Installed, LockFile};
pub use make::{make, output_dir, LockRequest, Made};
pub use sources::requirements_text;
