//! The environment commands: `venv`, `install`, `freeze`, `list`, `uninstall`. The workflow
//! itself is the `environment` crate's; these modules parse arguments and print.

pub mod inspect;
pub mod install;
pub mod venv;

pub use environment::short;

/// Exit codes of the environment commands (130, interrupted, comes from
/// `environment::ErrorKind`).
pub mod exit {
    /// Could not resolve: no matching wheel, a conflict, site policy.
    pub const RESOLUTION: i32 = 1;
    /// Bad input: usage, unreadable requirement or configuration, no environment.
    pub const INPUT: i32 = 2;
    /// The installation itself failed; the environment was left as it was.
    pub const INSTALL: i32 = 3;
}
