//! Lock files as work, above their format: making one and installing one. That is this
//! crate's one job. The file format (reading, validating, writing `pylock.toml`, and which
//! entries serve one Python and CPU level) is `lock`'s; changing an environment is
//! `environment`'s; `wheelhouse lock` and `wheelhouse sync` only parse their arguments and
//! print what this crate says.
//!
//! [`make`] resolves a [`LockRequest`] once per Python and CPU level (the first deciding the
//! versions, the others keeping them wherever their wheelhouse allows) over the same sources
//! as `install` (`environment::choose_for_lock`: the wheelhouse, `-f` directories, package
//! indexes, their sdists), builds the sources it names directly, and returns the PEP 751
//! document; [`requirements_text`] writes the same
//! lock as pinned requirements with hashes. [`install`] takes a [`LockFile`], chooses its
//! wheels for one environment (its Python, its tags, this node's CPU level), fetches those
//! named by URL (checked against the lock's hash), checks and builds the lock's sources (an sdist's hash, a git checkout's commit), and hands the
//! wheels to `environment::sync`, the one door into an environment. Their failures are an
//! [`Error`]: the lock's own (an entry, a level, a hash) or the workflow's underneath, each
//! with an `environment::ErrorKind` for the command line's exit-code table.
//!
//! ```
//! # let dir = std::env::temp_dir().join(format!("locking-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! use locking::{is_lock_file, requirements_text, LockFile};
//!
//! let path = dir.join("pylock.toml");
//! std::fs::write(
//!     &path,
//!     r#"
//! lock-version = "1.0"
//! created-by = "wheelhouse"
//!
//! [[packages]]
//! name = "six"
//! version = "1.16.0"
//! wheels = [{ path = "/srv/wh/generic/six-1.16.0-py2.py3-none-any.whl", hashes = { sha256 = "aa" } }]
//! "#,
//! )
//! .unwrap();
//! assert!(is_lock_file(&path)); // `install -r` installs it as a lock
//! let file = LockFile::read(&path).unwrap();
//! assert_eq!(file.dir(), dir); // where its relative paths start
//! let text = requirements_text(&file.lock, file.dir());
//! assert!(text.ends_with("six==1.16.0 \\\n    --hash=sha256:aa\n"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! Making or installing a lock needs a real Python and a wheelhouse (only compiled here;
//! `crates/wheelhouse/tests` lock and sync real ones):
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//!
//! use locking::{make, LockRequest};
//! use site_config::{ProcessVars, SiteConfig};
//!
//! let site = SiteConfig::from_env(&ProcessVars::from_process());
//! let request = LockRequest {
//!     requirements: vec!["numpy".into()],
//!     pythons: vec!["3.11".into(), "3.12".into()],
//!     lock_dir: ".".into(),
//!     ..LockRequest::default()
//! };
//! let cancel = AtomicBool::new(false); // set by Ctrl-C
//! let made = make(&site, &request, &cancel, &|_event| {}).unwrap();
//! std::fs::write("pylock.toml", made.lock.to_toml()).unwrap();
//! println!("{} packages on {}", made.lock.packages.len(), made.levels.join(", "));
//! ```

mod asked;
mod document;
mod error;
mod fetched;
mod freeze;
mod install;
mod make;
mod requirements;
mod sources;

pub use error::Error;
pub use freeze::{frozen, frozen_lock, Frozen, WheelFile};
pub use install::{install, is_lock_file, Installed, LockFile};
pub use make::{make, output_dir, LockRequest, Made};
pub use requirements::requirements_text;
