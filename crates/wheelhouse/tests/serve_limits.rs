//! `wheelhouse serve` at its open-file limit: a flood of connections that send nothing, more
//! than the process has file descriptors, must never make a good request fail for want of
//! one (each served connection keeps a descriptor free for the wheel it may send). Run under
//! `prlimit --nofile=96` so the limit is reached on any machine.

#[path = "support/staff_cli.rs"]
mod staff_cli;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use staff_cli::{clean_env, wheelhouse};
use test_support::WheelSpec;

#[test]
fn a_flood_beyond_the_file_limit_never_fails_a_good_request() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("house");
    WheelSpec::pure("dep", "1.0")
        .file("dep/data.txt", &[b'x'; 50_000])
        .write(&root.join("generic"));
    let out = wheelhouse().arg("index").arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let bin = wheelhouse().get_program().to_owned();
    let mut cmd = Command::new("prlimit");
    clean_env(&mut cmd);
    let mut child = cmd
        .arg("--nofile=96:96")
        .arg(bin)
        .args(["serve", "-q", "--bind", "127.0.0.1:0"])
        .arg(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("prlimit (util-linux) runs the server");
    let mut line = Vec::new();
    let mut out = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&line).to_string();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();

    // More idle connections than the server has descriptors.
    let idle: Vec<TcpStream> = (0..130)
        .filter_map(|_| TcpStream::connect(&addr).ok())
        .collect();
    assert!(idle.len() > 96, "only {} connections opened", idle.len());

    // Good clients, each fetching the wheel itself (a file the server must open).
    let started = Instant::now();
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || fetch(&addr, "/files/generic/dep-1.0-py3-none-any.whl"))
        })
        .collect();
    let statuses: Vec<u16> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    drop(idle);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every good request answered 200 after {:?}: {statuses:?}",
        started.elapsed()
    );
}

/// A GET that waits as long as a patient client would; the status (0: no answer).
fn fetch(addr: &str, path: &str) -> u16 {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return 0;
    };
    s.set_read_timeout(Some(Duration::from_secs(90))).unwrap();
    if write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").is_err() {
        return 0;
    }
    let mut data = Vec::new();
    let _ = s.read_to_end(&mut data);
    String::from_utf8_lossy(&data[..data.len().min(12)])
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
