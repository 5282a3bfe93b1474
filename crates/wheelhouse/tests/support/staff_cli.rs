//! The staff tests' way to run `wheelhouse` (without this machine's own PIP_*, UV_*,
//! WHEELHOUSE, PYTHONPATH or VIRTUAL_ENV, which would override what each test sets), and a
//! static web server for the trees they publish.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

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

/// `python -m http.server` serving a directory on a free port of 127.0.0.1, stopped when
/// dropped.
pub struct StaticServer {
    child: Child,
    port: String,
}

impl StaticServer {
    pub fn start(dir: &Path) -> StaticServer {
        let mut child = Command::new(test_support::tools_python())
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .arg("--directory")
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .unwrap_or_else(|| panic!("no port in {line:?}"))
            .to_string();
        StaticServer { child, port }
    }

    /// The URL of `path` below the served directory.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
