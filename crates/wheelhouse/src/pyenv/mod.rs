//! The environment commands: `venv`, `install`, `freeze`, `list`, `uninstall`. The workflow
//! itself is the `environment` crate's; these modules parse arguments and print.

pub mod inspect;
pub mod install;
pub mod venv;
pub mod venv_install;

pub use environment::short;
