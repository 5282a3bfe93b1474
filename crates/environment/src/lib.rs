//! The install workflow for one Python environment, as the environment commands run it.
//!
//! A command names its target ([`target_environment`]: `-p ENV` or the active
//! `VIRTUAL_ENV`); the site's search directories become an index of candidate wheels for the
//! target's interpreter ([`search_paths`], [`build_index`]); what the user asked for is read
//! from the command line, requirement files and the pip configuration ([`read_wanted`]); the
//! resolver chooses; the cluster's rules turn its choice into a plan (a module's copy on
//! `PYTHONPATH` is never silently shadowed); and the plan is carried out atomically under the
//! environment's lock ([`install`]). Every step reports through [`Event`]s and fails with an
//! [`Error`] whose kind maps to the command's exit code, so the command line only prints.

pub mod available;
mod build_env;
mod cache;
mod compile;
mod direct;
mod error;
mod hashes;
mod indexes;
pub mod inspect;
mod install;
mod remote;
pub mod report;
mod search;
mod seed;
mod sources;
mod stacks;
mod sync;
mod target;
mod uninstall;
mod wanted;

pub use build_env::BuildEnvironments;
pub use cache::{finish as finish_cache, open as open_cache, CacheOptions, CacheReport};
pub use direct::{
    classify as classify_direct, Direct, RemoteRequest, SourceLocation, SourceRequest,
};
pub use download::IndexStrategy;
pub use error::{Error, ErrorKind};
pub use indexes::IndexOptions;
pub use install::{execute, install, Event, InstallOptions, Report, NOTHING_TO_INSTALL};
pub use search::{build_index, search_paths};
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
