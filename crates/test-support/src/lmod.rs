//! Real Lmod for the module tests: `module ...` commands run in `bash` with Lmod's own
//! initialisation script sourced, a clean environment and the MODULEPATH the test gives.
//!
//! Lmod comes from Debian's `lmod` package (`scripts/lmod-setup.sh` installs it); a test that
//! needs it fails, never skips, when it is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Lmod's bash initialisation script: `$LMOD_INIT`, else where Debian's package puts it.
pub fn lmod_init() -> PathBuf {
    let path = std::env::var_os("LMOD_INIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/lmod/lmod/init/bash"));
    assert!(
        path.is_file(),
        "Lmod is missing ({}): run scripts/lmod-setup.sh (scripts/test does), or set LMOD_INIT",
        path.display()
    );
    path
}

/// What one bash session with Lmod printed.
pub struct ModuleRun {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    /// Lmod writes `avail`, `spider`, `list` and its errors here.
    pub stderr: String,
}

impl ModuleRun {
    /// Asserts the script succeeded; returns itself for reading.
    pub fn ok(self) -> ModuleRun {
        assert!(
            self.status.success(),
            "the module script failed ({:?}):\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A bash session with Lmod initialised: `env` pairs are set first (on top of a minimal PATH
/// and HOME), then MODULEPATH, then `script` runs. Lmod's cache is off, so a modulefile
/// written a moment ago is seen.
pub fn bash_with_lmod(modulepath: &[&Path], env: &[(&str, &str)], script: &str) -> ModuleRun {
    let home = std::env::temp_dir();
    let mut command = Command::new("bash");
    command
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", &home)
        .env("TERM", "dumb")
        .env("LMOD_IGNORE_CACHE", "1")
        .env("LMOD_REDIRECT", "no")
        .env("LMOD_COLORIZE", "no")
        // A wide terminal keeps Lmod's lines from wrapping, so tests can read them.
        .env("LMOD_TERM_WIDTH", "200");
    for (k, v) in env {
        command.env(k, v);
    }
    let modulepath = std::env::join_paths(modulepath).unwrap();
    command
        .env("WH_TEST_MODULEPATH", modulepath)
        .arg("-c")
        .arg(format!(
            "source '{}' || exit 97\nexport MODULEPATH=\"$WH_TEST_MODULEPATH\"\n{script}",
            lmod_init().display()
        ));
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("run bash");
    ModuleRun {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
