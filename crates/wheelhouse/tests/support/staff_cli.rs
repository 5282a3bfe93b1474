//! The staff tests' way to run `wheelhouse`: without this machine's own PIP_*, UV_*,
//! WHEELHOUSE, PYTHONPATH or VIRTUAL_ENV, which would override what each test sets.

#![allow(dead_code)]

use std::process::{Command, Output};

/// Removes the machine's variables that would change what the command under test does.
pub fn clean_env(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key.starts_with("PIP_")
            || key.starts_with("UV_")
            || key == "WHEELHOUSE"
            || key == "PYTHONPATH"
            || key == "VIRTUAL_ENV"
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// The binary under test, in a clean environment.
pub fn wheelhouse() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wheelhouse"));
    clean_env(&mut cmd);
    cmd
}

/// Exit status and both streams, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
