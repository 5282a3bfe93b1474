//! The staff tests' way to run `wheelhouse` (without this machine's own PIP_*, UV_*,
//! WHEELHOUSE, PYTHONPATH or VIRTUAL_ENV, which would override what each test sets), a
//! static web server for the trees they publish, and `wheelhouse serve` with a raw HTTP
//! client for it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// `wheelhouse serve ROOT` on a free port of 127.0.0.1, its standard error in a file;
/// killed when dropped.
pub struct Server {
    child: Child,
    pub addr: String,
    pub stderr: PathBuf,
}

impl Server {
    pub fn start(root: &Path, log: &Path) -> Server {
        Server::start_with(root, log, &[])
    }

    pub fn start_with(root: &Path, log: &Path, extra: &[&std::ffi::OsStr]) -> Server {
        let mut child = wheelhouse()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .arg(root)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        let line = String::from_utf8(line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap_or_else(|| {
                panic!(
                    "no address in {line:?}: {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                )
            })
            .to_string();
        Server {
            child,
            addr,
            stderr: log.to_path_buf(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The server's process id (to read its memory use).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn terminate(mut self) -> (Option<i32>, Duration) {
        let started = Instant::now();
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        (status.code(), started.elapsed())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One raw request; returns (status, headers lower-cased, body).
pub fn raw(addr: &str, request: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut data = Vec::new();
    let _ = stream.read_to_end(&mut data);
    let split = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(data.len());
    let head = String::from_utf8_lossy(&data[..split]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = data.get(split + 4..).unwrap_or(&[]).to_vec();
    (status, head, body)
}

/// A GET with `extra` header lines; returns (status, headers lower-cased, body).
pub fn get(addr: &str, path: &str, extra: &str) -> (u16, String, Vec<u8>) {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n")
            .as_bytes(),
    )
}

/// A header of a lower-cased head.
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

/// The Pythons whose pip installs are checked: pip 24.2 (`.tools/venv`) and the newest pip
/// (`.staff-tools/pip-latest`, made by scripts/setup-staff.sh).
pub fn pythons_with_pip() -> Vec<PathBuf> {
    vec![
        test_support::tools_python(),
        test_support::newest_pip_python(),
    ]
}

/// `PYTHON -m pip install --index-url URL --target TARGET PACKAGES…`: stock pip installing
/// from what the staff tools published, without a cache or this machine's settings.
pub fn pip_install(python: &Path, url: &str, target: &Path, packages: &[&str]) -> Output {
    let mut pip = Command::new(python);
    clean_env(&mut pip);
    pip.args(["-m", "pip", "--disable-pip-version-check", "--no-cache-dir"])
        .args(["install", "--index-url", url, "--target"])
        .arg(target)
        .args(packages)
        .output()
        .unwrap()
}

/// The same with uv (`uv pip install --python python3`), its cache in `cache`.
pub fn uv_install(url: &str, target: &Path, cache: &Path, packages: &[&str]) -> Output {
    let mut cmd = Command::new(crate::common::uv());
    clean_env(&mut cmd);
    cmd.env("UV_NO_CONFIG", "1")
        .env("UV_CACHE_DIR", cache)
        .args(["pip", "install", "--python", "python3", "--index-url", url])
        .arg("--target")
        .arg(target)
        .args(packages)
        .output()
        .unwrap()
}
