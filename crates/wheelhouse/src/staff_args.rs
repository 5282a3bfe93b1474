//! What the staff commands (`add`, `edit`, `inspect`, `audit`, `index`, `serve`) share: the
//! wheelhouse root they work on, `--pip-config` views, and printing a library's error.

use std::path::PathBuf;

use site_config::{ProcessVars, SiteConfig};

/// The wheelhouse root a staff command works on: `given`, else `WHEELHOUSE`; when it is not
/// a directory, the error is printed for `command` and the exit code (2) returned. `how` is
/// the way to give it (`as an argument`, `with --wheelhouse`).
pub fn existing_root(command: &str, given: Option<PathBuf>, how: &str) -> Result<PathBuf, i32> {
    let root =
        given.unwrap_or_else(|| SiteConfig::from_env(&ProcessVars::from_process()).wheelhouse);
    if root.is_dir() {
        return Ok(root);
    }
    // `audit --python 3.11 3.12`: 3.12 took the root's place.
    let message = match crate::argv::repeated_option_hint(&root.to_string_lossy()) {
        Some(hint) => format!("{} is not a directory: {hint}", root.display()),
        None => format!(
            "{} is not a directory. Give the wheelhouse root {how} or set WHEELHOUSE",
            root.display()
        ),
    };
    crate::out::print_error(command, &message);
    Err(crate::exit::INPUT)
}

/// The views of `--pip-config`, `None` when it is not given.
pub fn pip_config_views(
    paths: &[PathBuf],
) -> Result<Option<Vec<simple_index::View>>, simple_index::IndexError> {
    if paths.is_empty() {
        return Ok(None);
    }
    simple_index::views_from_pip_configs(paths).map(Some)
}

/// An error of a staff library, printed as the CLI prints errors, with its exit code.
pub trait StaffError: std::fmt::Display {
    fn exit_code(&self) -> i32;
}

impl StaffError for admin::AdminError {
    fn exit_code(&self) -> i32 {
        crate::exit::admin(self.kind())
    }
}

impl StaffError for simple_index::IndexError {
    fn exit_code(&self) -> i32 {
        crate::exit::simple_index(self.kind())
    }
}

pub fn fail(program: &str, e: &impl StaffError) -> i32 {
    crate::out::print_error(program, &e.to_string());
    e.exit_code()
}
