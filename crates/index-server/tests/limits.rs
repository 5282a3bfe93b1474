//! The server's limits, in process: a response a client stops reading is abandoned after the
//! write-stall time (its slot and file freed), and connections beyond the bound wait in the
//! listen queue until a slot frees, while the server keeps answering.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use test_support::WheelSpec;

/// A wheelhouse with one wheel of `size` incompressible bytes, indexed; returns its root.
fn wheelhouse(size: usize) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let generic = root.path().join("generic");
    std::fs::create_dir_all(&generic).unwrap();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let noise: Vec<u8> = (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    WheelSpec::pure("big", "1.0")
        .file("big/blob.bin", &noise)
        .write(&generic);
    catalog::Catalog::build(root.path())
        .unwrap()
        .write()
        .unwrap();
    root
}

/// Starts a server on a free port in a thread of its own (it lives until the test process
/// ends); returns its address.
fn start(root: &Path, write_stall: Duration, max_connections: Option<usize>) -> SocketAddr {
    let config = index_server::ServerConfig {
        root: root.to_path_buf(),
        bind: "127.0.0.1:0".parse().unwrap(),
        access_log: false,
        views: None,
        write_stall,
        max_connections,
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        index_server::serve(config, |addr| tx.send(addr).unwrap()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(30)).unwrap()
}

/// One GET with `Connection: close`; the status and the whole response.
fn get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut data = Vec::new();
    let _ = s.read_to_end(&mut data);
    let status = String::from_utf8_lossy(&data[..data.len().min(12)])
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, data)
}

/// Where the server publishes the one wheel (under `/files/`, by its path in the tree).
const WHEEL: &str = "/files/generic/big-1.0-py3-none-any.whl";
/// A page every level has.
const PAGE: &str = "/generic/simple/big/";

#[test]
fn a_client_that_stops_reading_is_dropped_after_the_stall_time() {
    let size = 12 << 20;
    let root = wheelhouse(size);
    let addr = start(root.path(), Duration::from_secs(1), None);
    let path = WHEEL;
    assert_eq!(get(addr, PAGE).0, 200);

    let mut s = TcpStream::connect(addr).unwrap();
    // A receive window far smaller than the wheel: the server's writes stall soon.
    let small: libc::c_int = 256 * 1024;
    // SAFETY: setsockopt on a socket this test owns, with a pointer to an int of the size given.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&small as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut got = 0usize;
    let mut buf = [0u8; 65536];
    let started = Instant::now();
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    assert!(
        got < size,
        "the whole wheel arrived ({got} bytes): the stalled response was not abandoned"
    );
    assert!(started.elapsed() < Duration::from_secs(25));
    // The server goes on answering.
    assert_eq!(get(addr, PAGE).0, 200);
    let (status, whole) = get(addr, path);
    assert_eq!(status, 200);
    assert!(whole.len() > size, "{} bytes", whole.len());
}

#[test]
fn connections_beyond_the_bound_wait_for_a_slot() {
    let root = wheelhouse(1000);
    let bound = 8;
    let addr = start(root.path(), Duration::from_secs(60), Some(bound));
    assert_eq!(get(addr, PAGE).0, 200);
    // Every slot held by a client that sends nothing.
    let idle: Vec<TcpStream> = (0..bound)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(get(addr, PAGE).0);
    });
    // Not served while every slot is held...
    assert!(
        rx.recv_timeout(Duration::from_secs(1)).is_err(),
        "a connection beyond the bound was served at once"
    );
    // ...and served once the idle clients are dropped (the header timeout, 10 s).
    let status = rx.recv_timeout(Duration::from_secs(40)).unwrap();
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_secs(1));
    drop(idle);
}
