//! The one door into a Python environment: every command that changes one (`install`,
//! `uninstall`, `sync` and `install -r pylock.toml`, `venv` seeding pip and `venv -r`, `stack
//! build`, isolated build environments) goes through this crate, which is its one job. The
//! pieces it drives do one thing each: the `resolver` chooses, the `installer` unpacks and
//! commits, `venv` lays out a new environment, `build-frontend` turns sources into wheels.
//!
//! A command names its [`Target`] (an existing virtual environment, a new one, a stack
//! prefix, `--target`/`--prefix` directories, a build environment); the site's search
//! directories become an index of candidate wheels for the target's interpreter
//! ([`search_paths`], [`build_index`]); what the user asked for is read from the command
//! line, requirement files and the pip configuration ([`read_wanted`]); the resolver chooses;
//! the cluster's rules turn its choice into a plan (a module's copy on `PYTHONPATH` is never
//! silently shadowed); and the plan is carried out atomically under the environment's lock
//! ([`install`]). Every step reports through [`Event`]s and fails with an [`Error`] (one variant
//! per thing that went wrong, with its names, paths and underlying failure) whose
//! [`ErrorKind`] the command line maps to its exit code, so the command line only prints.
//!
//! Not run as a doctest: it needs a real environment and its Python, and a wheelhouse
//! (`crates/wheelhouse/tests` install into real ones).
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//!
//! use environment::{install, InstallOptions, Target};
//! use site_config::{ProcessVars, SiteConfig};
//!
//! let site = SiteConfig::from_env(&ProcessVars::from_process());
//! // `-p ENV`, or the active `VIRTUAL_ENV` when `None`.
//! let target = Target::existing(&site, None, None).unwrap();
//! let options = InstallOptions {
//!     requirements: vec!["numpy".into()],
//!     ..InstallOptions::default()
//! };
//! let cancel = AtomicBool::new(false); // set by Ctrl-C: the environment stays as it was
//! let report = install(&site, &target, &options, &cancel, &|_event| {}).unwrap();
//! println!("{} installed", report.installed.len());
//! ```

pub mod available;
mod build_env;
mod build_env_pool;
mod byte_code;
mod cache;
mod compile;
mod direct;
mod error;
mod hashes;
mod indexes;
pub mod inspect;
mod install;
mod lock_choice;
mod remote;
pub mod report;
mod sdists;
mod search;
mod seed;
mod sources;
mod stacks;
mod sync;
mod target;
mod uninstall;
mod wanted;

pub use build_env::BuildEnvironments;
pub use build_env_pool::SharedEnvironments;
pub use byte_code::{on_network_file_system, ByteCode};
pub use cache::{finish as finish_cache, open as open_cache, CacheOptions, CacheReport};
pub use direct::{
    classify as classify_direct, Direct, RemoteRequest, SourceLocation, SourceRequest,
};
pub use download::IndexStrategy;
pub use error::{Editable, Error, ErrorKind, IndexSearched, Shadowed, StackConflict};
pub use indexes::IndexOptions;
pub use install::{execute, install, Event, InstallOptions, Report, NOTHING_TO_INSTALL};
pub use lock_choice::{choose_for_lock, ChosenFile, DigestedFile, Digests, LockChoice};
pub use remote::{fetch_urls, UrlFile};
pub use search::{build_index, search_paths, with_shared_listings};
pub use seed::{pip_wheel, seed_pip};
pub use sources::{build_sources, prepare as prepare_sources, BuiltSource, BuiltSources};
pub use stacks::check_loaded_stack_dependents;
pub use sync::{digest_file, sync, LockedWheel, SyncOptions, SyncReport, SEED};
pub use target::{
    answer_cache, importable, importable_in_order, layout_for, own_distributions, short,
    target_environment, Target,
};
pub use uninstall::{uninstall, Removed};
pub use wanted::{read_wanted, Wanted};
