//! Installing wheels into a Python environment, and removing them: this crate's one job is
//! the mechanism (unpack, verify, move into place atomically), not the decision. Which wheels
//! to install is the `resolver`'s choice under the site's rules, and commands never call this
//! crate to change an environment: `environment` does (the one door), and the command line
//! only reads installed distributions here ([`read_site_dir`], [`freeze_lines`]).
//!
//! Follows the binary distribution format (PEP 427 and its successor spec): the archive root
//! goes to purelib or platlib as `WHEEL` says, `<name>.data/<scheme>/` to that scheme's path,
//! `#!python` scripts get the environment's interpreter, entry points get launchers, and
//! `RECORD` is rewritten for the installed paths (so `pip uninstall` and `pip freeze` work on
//! what we install), with `INSTALLER` and `REQUESTED`.
//!
//! Safety: members that would land outside the environment are refused, hashes are checked
//! against the wheel's RECORD, and every change goes through a journaled [`transaction`]
//! under an exclusive lock.
//!
//! ```
//! use std::sync::atomic::AtomicBool;
//! use installer::{commit, lock_environment, Layout, Transaction, WheelToInstall};
//!
//! # let tmp = tempfile::tempdir().unwrap();
//! let wheel = test_support::WheelSpec::pure("demo", "1.0").write(tmp.path());
//! let env = tmp.path().join("env");
//! let site = env.join("lib/python3.11/site-packages");
//! # std::fs::create_dir_all(&site).unwrap();
//! let layout = Layout {
//!     root: env.clone(), purelib: site.clone(), platlib: site.clone(),
//!     scripts: env.join("bin"), include: env.join("include"), data: env.clone(),
//!     python: env.join("bin/python"),
//! };
//! let cancel = AtomicBool::new(false); // Ctrl-C: the environment stays as it was
//! let lock = lock_environment(&env, &cancel, || {}).unwrap();
//! let wheel = WheelToInstall {
//!     path: wheel, requested: true, direct: false, direct_url: None, bytes: None,
//! };
//! let plan = Transaction { install: vec![wheel], ..Transaction::default() };
//! commit(&lock, &plan, &layout, &cancel, &|_progress| {}).unwrap();
//! let installed = installer::read_site_dir(&site).unwrap();
//! assert_eq!(installer::freeze_lines(&installed, (3, 11), false), ["demo==1.0"]);
//! ```

pub mod compiler;
pub mod details;
pub mod direct_url;
mod error;
mod fs_kind;
mod journal;
pub mod paths;
mod scripts;
mod site;
pub mod transaction;
mod unpack;

use std::path::{Path, PathBuf};

pub use error::InstallError;
pub use fs_kind::on_network_file_system;
pub use scripts::{entry_point_script, rewrite_shebang, shebang};
pub use site::{freeze_lines, read_site_dir, scan_site_dir, InstalledDist};
pub use transaction::{
    commit, files_of, lock_environment, EnvLock, Outcome, Progress, ReadWheel, Transaction,
    WheelToInstall,
};
pub use unpack::{
    file_url, io_threads, json_escape, pyc_path, remembered_metadata, stageable_locations,
    unpack_wheel, CacheUse, EntrySources, StagedPart, StagedWheel, UnpackOptions, IO_THREADS,
    MAX_MEMBER_RATIO, MAX_TOTAL_RATIO, READ_BELOW, TOTAL_FLOOR,
};
pub use wheel_cache;

/// Where a wheel's parts go in one environment.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The environment prefix; every path below must be inside it.
    pub root: PathBuf,
    pub purelib: PathBuf,
    pub platlib: PathBuf,
    pub scripts: PathBuf,
    /// Headers go to `include/<dist name>`.
    pub include: PathBuf,
    pub data: PathBuf,
    /// The interpreter scripts run with (the environment's `bin/python`).
    pub python: PathBuf,
}

impl Layout {
    /// A RECORD path: `target` (relative to the root) as seen from the directory that holds
    /// the `.dist-info` (`../../../bin/f2py` for a script).
    pub(crate) fn record_path(&self, target: &Path, dist_info: &Path) -> String {
        let base = dist_info.parent().unwrap_or(Path::new(""));
        // Most files are below the `.dist-info`'s own directory: the rest of their path.
        if let Some(rest) = target.strip_prefix(base).ok().and_then(Path::to_str) {
            if !rest.is_empty() {
                return rest.to_owned();
            }
        }
        let base: Vec<_> = base.components().collect();
        let target_parts: Vec<_> = target.components().collect();
        let common = base
            .iter()
            .zip(&target_parts)
            .take_while(|(a, b)| a == b)
            .count();
        let mut parts: Vec<String> =
            std::iter::repeat_n("..".to_string(), base.len() - common).collect();
        parts.extend(
            target_parts[common..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        );
        parts.join("/")
    }
}
