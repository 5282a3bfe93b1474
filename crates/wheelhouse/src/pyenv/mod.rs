//! The environment commands: `venv`, `install`, `freeze`, `list`, `uninstall`. The workflow
//! itself is the `environment` crate's; these modules parse arguments and print.

pub mod binary;
pub mod check;
pub mod hash;
pub mod index_versions;
pub mod inspect;
pub mod install;
pub mod layouts;
pub mod outdated;
pub mod report;
pub mod show;
pub mod venv;
pub mod venv_install;

pub use environment::short;
