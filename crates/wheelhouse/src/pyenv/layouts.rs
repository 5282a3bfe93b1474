//! `install --target DIR` and `--prefix DIR`: the same install, into another layout for the
//! environment's Python (`environment::Target::target_dir`, `Target::prefix`).

use std::path::Path;

/// The target an install writes to: the environment itself, or DIR in pip's `--target` or
/// `--prefix` layout.
pub fn place(
    env: environment::Target,
    target_dir: Option<&Path>,
    prefix: Option<&Path>,
) -> Result<environment::Target, environment::Error> {
    match (target_dir, prefix) {
        (Some(dir), _) => environment::Target::target_dir(&env.interpreter, dir),
        (None, Some(dir)) => environment::Target::prefix(&env.interpreter, dir),
        (None, None) => Ok(env),
    }
}
