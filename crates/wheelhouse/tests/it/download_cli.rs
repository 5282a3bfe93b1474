//! `wheelhouse download` against package indexes made here and served on 127.0.0.1 by
//! `crates/test-support/index_server.py` (PEP 691 JSON, PEP 503 HTML, Range, a cut connection).
//! Never the internet.

use crate::common::index::{certificates, download, listed, sha256, wheels_in, Index};
use crate::common::{stderr, stdout, Site, WheelSpec};

#[test]
fn json_index_with_dependencies_then_install_offline() {
    let site = Site::new();
    let idx_dir = site.path("index");
    let mut alpha2 = listed(
        WheelSpec::pure("alpha", "2.0")
            .requires("beta>=1")
            .requires("gamma; python_version < '3'"),
    );
    alpha2.metadata = true;
    let index = Index::new(
        &idx_dir,
        &[
            (
                "alpha",
                vec![listed(WheelSpec::pure("alpha", "1.0")), alpha2],
            ),
            (
                "beta",
                vec![
                    listed(WheelSpec::pure("beta", "1.5")),
                    listed(WheelSpec::pure("beta", "0.9")),
                ],
            ),
        ],
        true,
    );
    let out = download(&site, &index.url, &["alpha", "-d", "wheels"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Saved wheels/alpha-2.0-py3-none-any.whl"),
        "{text}"
    );
    assert!(
        text.contains("Saved wheels/beta-1.5-py3-none-any.whl"),
        "{text}"
    );
    assert!(text.ends_with("Install them in the job with: wheelhouse install wheels/alpha-2.0-py3-none-any.whl wheels/beta-1.5-py3-none-any.whl\n"), "{text}");
    // No warning for pure wheels; nothing half-written left beside them.
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(
        wheels_in(&site.path("wheels")),
        ["alpha-2.0-py3-none-any.whl", "beta-1.5-py3-none-any.whl"]
    );
    // JSON pages were asked for and used, and the PEP 658 metadata file was read.
    let log = index.requests();
    assert!(
        log.contains("GET /files/alpha-2.0-py3-none-any.whl.metadata"),
        "{log}"
    );
    assert!(!log.contains("gamma"), "{log}");
    // Again: already there, nothing fetched.
    let again = download(&site, &index.url, &["alpha", "-d", "wheels"]);
    assert!(
        stdout(&again).contains("File was already downloaded wheels/alpha-2.0-py3-none-any.whl")
    );
    // The seed's next step, in the job: install the files.
    let env = site.venv("env");
    let installed = site.ok(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "wheels/alpha-2.0-py3-none-any.whl",
        "wheels/beta-1.5-py3-none-any.whl",
    ]);
    assert!(installed.contains("Successfully installed"), "{installed}");
}

#[test]
fn html_fallback_requires_python_and_the_sites_warnings() {
    let site = Site::new();
    let mut new = listed(WheelSpec::pure("tool", "3.0"));
    new.requires_python = Some(">=3.12");
    let index = Index::new(
        &site.path("index"),
        &[
            ("tool", vec![listed(WheelSpec::pure("tool", "2.0")), new]),
            (
                "fast",
                vec![
                    listed(WheelSpec::pure("fast", "1.0").tag("cp311-cp311-linux_x86_64")),
                    listed(WheelSpec::pure("fast", "1.1").tag("cp312-cp312-linux_x86_64")),
                ],
            ),
            (
                "wide",
                vec![listed(WheelSpec::pure("wide", "1.0").tag(
                    "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
                ))],
            ),
        ],
        false,
    );
    // HTML only; the module is Python 3.11 (EBVERSIONPYTHON): tool 3.0 needs 3.12, fast 1.1 is
    // for 3.12. Under the site's policy the manylinux-only `wide` is refused, as `install`
    // would refuse it, and the way out is named.
    let out = download(&site, &index.url, &["--no-deps", "tool", "fast", "wide"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("no wheel of wide (from the command line) for CPython 3.11")
            && err.contains("the only fitting ones are manylinux builds (wide-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl)")
            && err.contains("pass --allow-manylinux"),
        "{err}"
    );
    // Refused before anything was saved.
    assert_eq!(
        wheels_in(&site.path("."))
            .iter()
            .filter(|n| n.ends_with(".whl"))
            .count(),
        0
    );
    let out = download(
        &site,
        &index.url,
        &["--no-deps", "tool", "fast", "wide", "--allow-manylinux"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The whole text pinned (the index's port and any timings or sizes replaced); the checks
    // below say what matters in it.
    let args = [
        "download",
        "--index-url",
        &index.url,
        "--no-deps",
        "tool",
        "fast",
        "wide",
        "--allow-manylinux",
    ];
    let redact = site
        .redact()
        .text(index.url.clone(), "$INDEX")
        .durations()
        .sizes();
    site.assert_snapshot_with("download-warnings-and-install-line", &args, &out, redact);
    let text = stdout(&out);
    assert!(text.contains("Saved ./tool-2.0-py3-none-any.whl"), "{text}");
    assert!(
        text.contains("Saved ./fast-1.0-cp311-cp311-linux_x86_64.whl"),
        "{text}"
    );
    let err = stderr(&out);
    assert!(err.contains("warning: fast-1.0-cp311-cp311-linux_x86_64.whl is compiled for one platform (cp311-cp311-linux_x86_64), not `none-any`: it might not function correctly"), "{err}");
    assert!(err.contains("warning: wide-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl is a manylinux wheel"), "{err}");
    assert!(
        err.contains("it was taken because of --allow-manylinux"),
        "{err}"
    );
    assert!(
        text.contains("Install them in the job with: wheelhouse install --allow-manylinux "),
        "{text}"
    );
    // The suggested command works as printed: `install` takes the manylinux wheel it names.
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Install them in the job with: wheelhouse "))
        .unwrap();
    let env = site.venv("env-from-download");
    let mut args: Vec<&str> = line.split_whitespace().collect();
    args.splice(1..1, ["-p", env.to_str().unwrap()]);
    let out = site.wheelhouse(&args);
    assert!(
        out.status.success(),
        "wheelhouse {args:?}: {}",
        stderr(&out)
    );
    assert!(!err.contains("warning: tool"), "{err}");
    // Asked for another Python, the other wheels.
    let out = download(
        &site,
        &index.url,
        &[
            "--no-deps",
            "fast",
            "tool",
            "-d",
            "py312",
            "--python-version",
            "3.12",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        wheels_in(&site.path("py312")),
        [
            "fast-1.1-cp312-cp312-linux_x86_64.whl",
            "tool-3.0-py3-none-any.whl"
        ]
    );
}

#[test]
fn errors_say_what_and_where_and_leave_nothing() {
    let site = Site::new();
    let mut bad = listed(WheelSpec::pure("tampered", "1.0"));
    bad.wrong_hash = true;
    let index = Index::new(
        &site.path("index"),
        &[
            ("tampered", vec![bad]),
            (
                "only312",
                vec![listed(
                    WheelSpec::pure("only312", "1.0").tag("cp312-cp312-linux_x86_64"),
                )],
            ),
        ],
        true,
    );
    let dest = site.path("out");
    let d = dest.to_str().unwrap();
    // No such project.
    let out = download(&site, &index.url, &["nothere", "-d", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no wheel of nothere (from the command line) for CPython 3.11"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("/simple/nothere/ (not found)"),
        "{}",
        stderr(&out)
    );
    // Wheels only for another Python: says which versions exist.
    let out = download(&site, &index.url, &["only312", "-d", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("the index has wheels of versions 1.0, none for this Python and platform"),
        "{}",
        stderr(&out)
    );
    // The index from PIP_INDEX_URL, as pip takes it, when --index-url is not given.
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PIP_INDEX_URL", &index.url)
        .args(["download", "only312", "-d", d])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(" at {}/only312/: the index has wheels", index.url)),
        "{}",
        stderr(&out)
    );
    // ... and from a requirements file's own --index-url line.
    std::fs::write(
        site.path("req.txt"),
        format!("--index-url {}\nonly312\n", index.url),
    )
    .unwrap();
    let out = site.wheelhouse(&["download", "-r", "req.txt", "-d", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no wheel of only312 (from req.txt line 2) for CPython 3.11")
            && stderr(&out).contains(&format!(" at {}/only312/: the index has wheels", index.url)),
        "{}",
        stderr(&out)
    );
    // A file that does not match its hash: refused, nothing saved.
    let out = download(&site, &index.url, &["tampered", "-d", d]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("does not match the sha256 the index gives"),
        "{}",
        stderr(&out)
    );
    assert!(wheels_in(&dest).is_empty(), "{:?}", wheels_in(&dest));
    // An index that is not there.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = download(
        &site,
        &format!("http://127.0.0.1:{closed}/simple"),
        &["six", "-d", d],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains(&format!(
            "cannot reach http://127.0.0.1:{closed}/simple/six/"
        )),
        "{}",
        stderr(&out)
    );
    // An index that answers garbage.
    let garbage = index.root.join("simple/garbage");
    std::fs::create_dir_all(&garbage).unwrap();
    std::fs::write(garbage.join("index.json"), "{ this is not json").unwrap();
    std::fs::write(garbage.join("index.html"), "<html></html>").unwrap();
    let out = download(&site, &index.url, &["garbage", "-d", d]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("/simple/garbage/ is not usable: invalid PEP 691 JSON"),
        "{}",
        stderr(&out)
    );
    assert!(wheels_in(&dest).is_empty());
    // No Python module loaded and no --python-version: not this machine's python3.
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env_remove("EBVERSIONPYTHON")
        .args(["download", "--index-url", &index.url, "six"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no Python module is loaded"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_interrupted_download_resumes() {
    let site = Site::new();
    let mut spec = WheelSpec::pure("big", "1.0");
    // Incompressible content, so the wheel is large enough to cut in the middle.
    let mut state = 12345u64;
    let data: Vec<u8> = (0..400_000)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect();
    spec = spec.file("big/blob.bin", &data);
    let index = Index::new(&site.path("index"), &[("big", vec![listed(spec)])], true);
    let wheel = index.root.join("files/big-1.0-py3-none-any.whl");
    std::fs::write(format!("{}.cut", wheel.display()), "").unwrap();
    let dest = site.path("out");
    let out = download(&site, &index.url, &["big", "-d", dest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("stopped halfway") && err.contains("the same command resumes it"),
        "{err}"
    );
    // Never under its own name while partial.
    assert_eq!(wheels_in(&dest), [".big-1.0-py3-none-any.whl.part"]);
    let out = download(&site, &index.url, &["big", "-d", dest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("big-1.0-py3-none-any.whl (resumed)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(wheels_in(&dest), ["big-1.0-py3-none-any.whl"]);
    assert_eq!(
        sha256(&dest.join("big-1.0-py3-none-any.whl")),
        sha256(&wheel)
    );
    assert!(index
        .requests()
        .contains("GET /files/big-1.0-py3-none-any.whl"));
}

#[test]
fn https_with_the_sites_certificates() {
    let site = Site::new();
    let (ca, cert, key) = certificates(&site.path("tls"), "127.0.0.1");
    let index = Index::serve(
        &site.path("index"),
        &[("six", vec![listed(WheelSpec::pure("six", "1.17.0"))])],
        true,
        Some((&cert, &key)),
    );
    assert!(index.url.starts_with("https://"));
    // A certificate authority the system does not know: refused, and said so.
    let out = download(&site, &index.url, &["six", "-d", "a"]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot reach {}/six/", index.url))
            && err.to_lowercase().contains("cert"),
        "{err}"
    );
    assert!(wheels_in(&site.path("a")).is_empty());
    // Trusted through pip's own setting (PIP_CERT), and through SSL_CERT_FILE; a proxy
    // configured for the outside world is not used for the loopback index.
    for var in ["PIP_CERT", "SSL_CERT_FILE"] {
        let out = site
            .command(env!("CARGO_BIN_EXE_wheelhouse"))
            .env(var, &ca)
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .args(["download", "--index-url", &index.url, "six", "-d", var])
            .output()
            .unwrap();
        assert!(out.status.success(), "{var}: {}", stderr(&out));
        assert_eq!(wheels_in(&site.path(var)), ["six-1.17.0-py3-none-any.whl"]);
    }
}
