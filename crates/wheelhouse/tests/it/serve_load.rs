//! `wheelhouse serve` under load on 127.0.0.1: many plain HTTP clients (keep-alive, each
//! checking every response), stock pip downloading through it, and slow clients sending their
//! headers a byte at a time; the tree gains wheels and is re-indexed in the middle. Every
//! good request must be answered, each project page must list the files of one version of
//! the tree (the old or the new, never a mix), the slow clients must be dropped after the
//! header timeout, and the server's peak memory must stay bounded.
//!
//! Cheap by default (100 clients, 40 slow, 1 pip, about 15 s); `WHEELHOUSE_LOAD_CLIENTS=500`
//! (and `WHEELHOUSE_LOAD_SLOW`, `WHEELHOUSE_LOAD_PIP`, `WHEELHOUSE_LOAD_SECONDS`) run the full
//! load (bench/load.sh).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::staff_cli::{self, clean_env, wheelhouse, Server};
use test_support::{noise, WheelSpec};

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn dep(version: &str, dir: &Path) {
    WheelSpec::pure("dep", version)
        .file("dep/blob.bin", &noise(200_000, version.len() as u64))
        .write(dir);
}

/// Reads one response from a keep-alive connection: (status, body).
fn response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(u16, Vec<u8>)> {
    let mut chunk = [0u8; 16384];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))?
        .trim()
        .parse()
        .ok()?;
    let start = head_end + 4;
    while buf.len() < start + len {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[start..start + len].to_vec();
    buf.drain(..start + len);
    Some((status, body))
}

/// The `dep` files a JSON project page lists.
fn listed(body: &[u8]) -> BTreeSet<String> {
    let page: serde_json::Value = serde_json::from_slice(body).unwrap();
    page["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filename"].as_str().unwrap().to_string())
        .collect()
}

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    failures: AtomicU64,
    old_pages: AtomicU64,
    new_pages: AtomicU64,
}

/// One client: keep-alive requests in turn for the project page (checked against the two
/// versions of the tree), a wheel (checked byte for byte) and the index root, reconnecting
/// every 25 requests, until `stop`.
fn client(
    addr: &str,
    versions: &[BTreeSet<String>; 2],
    wheel: &(String, Vec<u8>),
    stop: &AtomicBool,
    tally: &Tally,
    mix: &std::sync::Mutex<Vec<String>>,
) {
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = TcpStream::connect(addr) else {
            tally.failures.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut buf = Vec::new();
        for _ in 0..25 {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            i += 1;
            let (path, accept) = match i % 3 {
                0 => (
                    "/x86-64-v3/simple/dep/",
                    "application/vnd.pypi.simple.v1+json",
                ),
                1 => (wheel.0.as_str(), "*/*"),
                _ => ("/x86-64-v3/simple/", "text/html"),
            };
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: {accept}\r\n\r\n");
            tally.requests.fetch_add(1, Ordering::Relaxed);
            if stream.write_all(request.as_bytes()).is_err() {
                tally.failures.fetch_add(1, Ordering::Relaxed);
                break;
            }
            let Some((status, body)) = response(&mut stream, &mut buf) else {
                tally.failures.fetch_add(1, Ordering::Relaxed);
                break;
            };
            let good = status == 200
                && match i % 3 {
                    0 => {
                        let files = listed(&body);
                        if files == versions[0] {
                            tally.old_pages.fetch_add(1, Ordering::Relaxed);
                        } else if files == versions[1] {
                            tally.new_pages.fetch_add(1, Ordering::Relaxed);
                        } else {
                            mix.lock().unwrap().push(format!("{files:?}"));
                        }
                        true
                    }
                    1 => body == wheel.1,
                    _ => true,
                };
            if !good {
                tally.failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// A slowloris client: request headers a byte every 250 ms. Returns how long the server
/// kept the connection (`None`: never dropped within 30 s).
fn slow_client(addr: &str) -> Option<Duration> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    let request = b"GET /x86-64-v3/simple/ HTTP/1.1\r\nHost: slow\r\nX-Padding: ".repeat(4);
    let mut sink = [0u8; 512];
    for byte in request.iter().cycle() {
        if started.elapsed() > Duration::from_secs(30) {
            return None;
        }
        if stream.write_all(&[*byte]).is_err() {
            return Some(started.elapsed());
        }
        match stream.read(&mut sink) {
            Ok(_) => return Some(started.elapsed()), // closed (or an error page, then closed)
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

/// Peak resident memory of a process, in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap()
}

#[test]
#[allow(clippy::disallowed_macros)] // the test's own report, on stderr
fn serve_under_load_answers_every_good_request_from_one_version_of_the_tree() {
    // A hundred clients, and a deadline for dropping the slow ones.
    let _alone = crate::common::alone();
    let clients = knob("WHEELHOUSE_LOAD_CLIENTS", 100);
    let slow = knob("WHEELHOUSE_LOAD_SLOW", 40);
    let pips = knob("WHEELHOUSE_LOAD_PIP", 1);
    let seconds = knob("WHEELHOUSE_LOAD_SECONDS", 6);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wheelhouse");
    let generic = root.join("generic");
    WheelSpec::pure("app", "1.0")
        .requires("dep>=1")
        .write(&root.join("gentoo2023/x86-64-v3"));
    dep("1.0", &generic);
    dep("1.1", &generic);
    let later = tmp.path().join("later");
    dep("2.0", &later);
    dep("2.1", &later);
    let index = || {
        let out = wheelhouse().arg("index").arg(&root).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    index();
    let names = |v: &[&str]| -> BTreeSet<String> {
        v.iter()
            .map(|v| format!("dep-{v}-py3-none-any.whl"))
            .collect()
    };
    let versions = Arc::new([names(&["1.0", "1.1"]), names(&["1.0", "1.1", "2.0", "2.1"])]);
    let server = Server::start_with(&root, &tmp.path().join("log"), &["--quiet".as_ref()]);
    let addr = server.addr.clone();
    let page = staff_cli::get(
        &addr,
        "/x86-64-v3/simple/dep/",
        "Accept: application/vnd.pypi.simple.v1+json\r\n",
    )
    .2;
    assert_eq!(listed(&page), versions[0]);
    let page: serde_json::Value = serde_json::from_slice(&page).unwrap();
    let url = page["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == "dep-1.0-py3-none-any.whl")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let wheel = Arc::new((
        url,
        std::fs::read(generic.join("dep-1.0-py3-none-any.whl")).unwrap(),
    ));

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let mix = Arc::new(std::sync::Mutex::new(Vec::new()));
    let slow_threads: Vec<_> = (0..slow)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || slow_client(&addr))
        })
        .collect();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (addr, versions, wheel) = (addr.clone(), versions.clone(), wheel.clone());
            let (stop, tally, mix) = (stop.clone(), tally.clone(), mix.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || client(&addr, &versions, &wheel, &stop, &tally, &mix))
                .unwrap()
        })
        .collect();
    let pip_threads: Vec<_> = (0..pips)
        .map(|k| {
            let (url, stop) = (server.url("/x86-64-v3/simple/"), stop.clone());
            let dest = tmp.path().join(format!("pip{k}"));
            std::thread::spawn(move || {
                let mut runs = 0;
                while runs == 0 || !stop.load(Ordering::Relaxed) {
                    let mut pip = Command::new(test_support::tools_python());
                    clean_env(&mut pip);
                    let out = pip
                        .args([
                            "-m",
                            "pip",
                            "--disable-pip-version-check",
                            "download",
                            "--no-cache-dir",
                            "--index-url",
                            &url,
                            "--dest",
                        ])
                        .arg(&dest)
                        .arg("app")
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "pip: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    runs += 1;
                }
                runs
            })
        })
        .collect();

    // A third of the way in, the tree gains two wheels and is re-indexed.
    std::thread::sleep(Duration::from_secs(seconds) / 3);
    for v in ["2.0", "2.1"] {
        let name = format!("dep-{v}-py3-none-any.whl");
        std::fs::copy(later.join(&name), generic.join(&name)).unwrap();
    }
    index();
    std::thread::sleep(Duration::from_secs(seconds) * 2 / 3);
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let pip_runs: u32 = pip_threads.into_iter().map(|t| t.join().unwrap()).sum();
    let held: Vec<Option<Duration>> = slow_threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let rss = peak_rss_kib(server.pid());

    let requests = tally.requests.load(Ordering::Relaxed);
    let failures = tally.failures.load(Ordering::Relaxed);
    let (old, new) = (
        tally.old_pages.load(Ordering::Relaxed),
        tally.new_pages.load(Ordering::Relaxed),
    );
    let longest = held
        .iter()
        .map(|h| h.unwrap_or(Duration::MAX))
        .max()
        .unwrap_or_default();
    eprintln!(
        "{clients} clients, {slow} slow, {pips} pip: {requests} requests, {failures} failed; \
         project pages {old} old, {new} new; {pip_runs} pip downloads; slow clients dropped \
         after at most {longest:?}; peak RSS {} MiB",
        rss / 1024
    );
    let mix = mix.lock().unwrap();
    assert!(
        mix.is_empty(),
        "pages listing a mix of the two trees: {:?}",
        &mix[..mix.len().min(3)]
    );
    assert_eq!(failures, 0, "good requests not answered");
    assert!(
        old > 0 && new > 0,
        "the reload did not happen under load ({old} old, {new} new)"
    );
    assert!(
        longest < Duration::from_secs(15),
        "a slow client was kept {longest:?} (header timeout 10 s)"
    );
    assert!(rss < 256 * 1024, "peak RSS {} MiB", rss / 1024);
}
