//! `wheelhouse serve` on 127.0.0.1: stock pip and uv install through it; traversal attempts,
//! malformed requests, a slow client, concurrent downloads, ETag, Range, catalog reload and
//! SIGTERM, all against the real binary.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::noise;
use crate::common::staff_cli::{
    get, header, pip_install, pythons_with_pip, raw, uv_install, wheelhouse, Server,
};
use test_support::WheelSpec;

fn site(tmp: &Path) -> PathBuf {
    let root = tmp.join("wheelhouse");
    WheelSpec::pure("app", "1.0")
        .requires("dep>=1")
        .write(&root.join("gentoo2023/x86-64-v3"));
    let mut dep = WheelSpec::pure("dep", "1.2+computecanada");
    dep.requires_python = Some(">=3.8".into());
    // A bigger file, so downloads take several chunks.
    dep = dep.file("dep/blob.bin", &noise(1_500_000, 0x2545_f491_4f6c_dd1d));
    dep.write(&root.join("generic"));
    let out = wheelhouse().arg("index").arg(&root).output().unwrap();
    assert!(out.status.success());
    root
}

#[test]
fn pip_and_uv_install_through_serve() {
    // Checks how long the server takes to stop and to drop a slow client.
    let _alone = crate::common::alone();
    let tmp = tempfile::tempdir().unwrap();
    let root = site(tmp.path());
    let server = Server::start(&root, &tmp.path().join("log"));
    let index = server.url("/x86-64-v3/simple/");
    for (n, python) in pythons_with_pip().into_iter().enumerate() {
        let target = tmp.path().join(format!("pip-target-{n}"));
        let out = pip_install(&python, &index, &target, &["app"]);
        assert!(
            out.status.success(),
            "{}: {}{}",
            python.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(target.join("dep/blob.bin").is_file());
    }

    let target = tmp.path().join("uv-target");
    let out = uv_install(&index, &target, &tmp.path().join("uv-cache"), &["app"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(target.join("dep/blob.bin").is_file());
    // The access log names the requests.
    let log = std::fs::read_to_string(&server.stderr).unwrap();
    assert!(log.contains("\"GET /x86-64-v3/simple/app/\" 200"), "{log}");
    assert!(log.contains(".whl\" 200"), "{log}");
    let (code, took) = server.terminate();
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(5));
}

#[test]
fn serve_is_safe_and_speaks_http_properly() {
    // Checks how long the server takes to stop and to drop a slow client.
    let _alone = crate::common::alone();
    let tmp = tempfile::tempdir().unwrap();
    let root = site(tmp.path());
    std::fs::write(tmp.path().join("secret.txt"), "secret").unwrap();
    let server = Server::start(&root, &tmp.path().join("log"));
    let addr = server.addr.clone();

    // Traversal, plain and encoded, and files the catalog does not list.
    for path in [
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/..%2fsecret.txt",
        "/files/generic/%2e%2e/%2e%2e/secret.txt",
        "/x86-64-v3/simple/../../../secret.txt",
        "/files/.wheelhouse-catalog",
        "/files//etc/passwd",
        "/files/%00",
    ] {
        let (status, _, body) = get(&addr, path, "");
        assert!(matches!(status, 400 | 404), "{path}: {status}");
        assert!(!String::from_utf8_lossy(&body).contains("secret"), "{path}");
    }
    // Malformed requests get 400 (or a closed connection), and the server lives on.
    for junk in [
        &b"NONSENSE\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"\x00\x01\x02\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
    ] {
        let (status, _, _) = raw(&addr, junk);
        assert!(matches!(status, 0 | 400 | 505), "{junk:?}: {status}");
    }
    let (status, head, _) = raw(&addr, b"POST /x86-64-v3/simple/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 405);
    assert!(head.contains("allow: get, head"));

    // JSON or HTML by Accept; ETag and If-None-Match.
    let (status, head, body) = get(&addr, "/x86-64-v3/simple/dep/", "Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1\r\n");
    assert_eq!(status, 200);
    assert_eq!(
        header(&head, "content-type"),
        Some("application/vnd.pypi.simple.v1+json")
    );
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["files"][0]["requires-python"], ">=3.8");
    let wheel_url = page["files"][0]["url"].as_str().unwrap().to_string();
    let sha = page["files"][0]["hashes"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let etag = header(&head, "etag").unwrap().to_string();
    let (status, _, body) = get(
        &addr,
        "/x86-64-v3/simple/dep/",
        &format!("If-None-Match: {etag}\r\nAccept: application/vnd.pypi.simple.v1+json\r\n"),
    );
    assert_eq!(status, 304);
    assert!(body.is_empty());
    let (status, head, body) = get(&addr, "/x86-64-v3/simple/dep/", "Accept: text/html\r\n");
    assert_eq!(status, 200);
    assert!(header(&head, "content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(String::from_utf8_lossy(&body).contains("data-core-metadata=\"sha256="));
    let (status, head, _) = get(&addr, "/x86-64-v3/simple/DEP", "");
    assert_eq!(status, 301);
    assert_eq!(header(&head, "location"), Some("/x86-64-v3/simple/dep/"));
    // PEP 658 metadata.
    let (status, _, body) = get(&addr, &format!("{wheel_url}.metadata"), "");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("Name: dep"));

    // The wheel: whole, by range, by ETag.
    let whole_path = root.join("generic/dep-1.2+computecanada-py3-none-any.whl");
    let whole = std::fs::read(&whole_path).unwrap();
    let (status, head, body) = get(&addr, &wheel_url, "");
    assert_eq!(status, 200);
    assert_eq!(body, whole);
    assert_eq!(header(&head, "etag").unwrap(), format!("\"{sha}\""));
    let (status, head, body) = get(&addr, &wheel_url, "Range: bytes=100-199\r\n");
    assert_eq!(status, 206);
    assert_eq!(body, &whole[100..200]);
    assert_eq!(
        header(&head, "content-range"),
        Some(format!("bytes 100-199/{}", whole.len()).as_str())
    );
    let (status, _, body) = get(&addr, &wheel_url, "Range: bytes=-50\r\n");
    assert_eq!(status, 206);
    assert_eq!(body, &whole[whole.len() - 50..]);
    let (status, _, _) = get(
        &addr,
        &wheel_url,
        &format!("Range: bytes={}-\r\n", whole.len()),
    );
    assert_eq!(status, 416);
    let (status, _, _) = get(&addr, &wheel_url, &format!("If-None-Match: \"{sha}\"\r\n"));
    assert_eq!(status, 304);

    // A slow client (half a request line, then silence) does not stop the others, and is
    // dropped after the header timeout.
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /x86-64-v3/simple/ HT").unwrap();
    // Concurrent downloads, byte-identical.
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let addr = addr.clone();
            let url = wheel_url.clone();
            std::thread::spawn(move || get(&addr, &url, "").2)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), whole);
    }
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    let mut sink = Vec::new();
    let _ = slow.read_to_end(&mut sink);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the slow client was not dropped"
    );

    // The catalog is reloaded when it changes.
    let extra = WheelSpec::pure("late", "1.0").write(&tmp.path().join("dist"));
    let out = wheelhouse()
        .args(["add", "--wheelhouse"])
        .arg(&root)
        .arg(&extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _, _) = get(&addr, "/x86-64-v3/simple/late/", "");
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the new wheel was never served");
        std::thread::sleep(Duration::from_millis(200));
    }

    // SIGTERM while a download is in flight: it completes, then the server exits 0.
    let addr2 = addr.clone();
    let url2 = wheel_url.clone();
    let mut stream = TcpStream::connect(&addr2).unwrap();
    stream
        .write_all(
            format!("GET {url2} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
    let mut first = [0u8; 1024];
    let n = stream.read(&mut first).unwrap();
    assert!(n > 0);
    let (code, took) = server.terminate();
    let mut rest = first[..n].to_vec();
    stream.read_to_end(&mut rest).unwrap();
    let split = rest.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert_eq!(
        &rest[split + 4..],
        &whole[..],
        "the in-flight download was cut"
    );
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(10));
}

#[test]
fn serve_without_a_catalog_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("generic")).unwrap();
    let out = wheelhouse()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Run `wheelhouse index"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn serve_publishes_the_levels_of_pip_configs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = site(tmp.path());
    // One level, named after its file, searching only the x86-64-v3 directory.
    let conf = tmp.path().join("pip-custom.conf");
    std::fs::write(
        &conf,
        format!(
            "[global]\nfind-links = /nowhere\n[install]\nfind-links = {}\n",
            root.join("gentoo2023/x86-64-v3").display()
        ),
    )
    .unwrap();
    let server = Server::start_with(
        &root,
        &tmp.path().join("log"),
        &["--pip-config".as_ref(), conf.as_os_str()],
    );
    let (status, _, body) = get(
        &server.addr,
        "/custom/simple/",
        "Accept: application/vnd.pypi.simple.v1+json\r\n",
    );
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["projects"], serde_json::json!([{"name": "app"}]), "{v:#}");
    assert_eq!(get(&server.addr, "/custom/simple/dep/", "").0, 404);
    assert_eq!(get(&server.addr, "/x86-64-v3/simple/", "").0, 404);
    drop(server);

    // A directory outside the wheelhouse cannot be served.
    std::fs::write(
        &conf,
        format!("[install]\nfind-links = {}\n", tmp.path().display()),
    )
    .unwrap();
    let out = wheelhouse()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .arg(&root)
        .arg("--pip-config")
        .arg(&conf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("outside the wheelhouse"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
