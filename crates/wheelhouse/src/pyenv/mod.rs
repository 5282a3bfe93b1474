//! The environment commands: `venv`, `install`, `freeze`, `list`, `uninstall`. The workflow
//! itself is the `environment` crate's; these modules parse arguments and print.

pub mod binary;
pub mod check;
pub mod download_progress;
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

/// Exit codes of the environment commands, from the workflow's one table
/// (`environment::ErrorKind::exit_code`).
pub mod exit {
    use environment::ErrorKind;

    /// Could not resolve: no matching wheel, a conflict, site policy.
    pub const RESOLUTION: i32 = ErrorKind::Resolution.exit_code();
    /// Bad input: usage, unreadable requirement or configuration, no environment.
    pub const INPUT: i32 = ErrorKind::Input.exit_code();
}
