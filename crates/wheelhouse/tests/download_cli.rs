//! `wheelhouse download` against package indexes made here and served on 127.0.0.1 by
//! `tests/support/index_server.py` (PEP 691 JSON, PEP 503 HTML, Range, a cut connection).
//! Never the internet.

mod common_env;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common_env::{stderr, Site, WheelSpec};
use sha2::{Digest, Sha256};

struct Index {
    root: PathBuf,
    server: Child,
    url: String,
}

impl Drop for Index {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// One file of a project, as the index lists it.
struct Listed {
    spec: WheelSpec,
    requires_python: Option<&'static str>,
    metadata: bool,
    wrong_hash: bool,
}

fn listed(spec: WheelSpec) -> Listed {
    Listed {
        spec,
        requires_python: None,
        metadata: false,
        wrong_hash: false,
    }
}

fn sha256(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Index {
    /// Writes the projects' pages (HTML always, JSON when `json`) and starts the server.
    fn new(dir: &Path, projects: &[(&str, Vec<Listed>)], json: bool) -> Index {
        Index::serve(dir, projects, json, None)
    }

    /// The same, served over TLS with `(certificate, key)`.
    fn serve(
        dir: &Path,
        projects: &[(&str, Vec<Listed>)],
        json: bool,
        tls: Option<(&Path, &Path)>,
    ) -> Index {
        let root = dir.to_path_buf();
        let files = root.join("files");
        std::fs::create_dir_all(&files).unwrap();
        for (project, entries) in projects {
            let page = root.join("simple").join(project);
            std::fs::create_dir_all(&page).unwrap();
            let mut html = String::from("<!DOCTYPE html>\n<html><body>\n");
            let mut json_files = Vec::new();
            for e in entries {
                let wheel = e.spec.write(&files);
                let name = wheel.file_name().unwrap().to_str().unwrap().to_string();
                let mut hash = sha256(&wheel);
                if e.wrong_hash {
                    hash = "0".repeat(64);
                }
                let mut attrs = String::new();
                let mut meta_json = serde_json::Value::Bool(false);
                if let Some(rp) = e.requires_python {
                    attrs.push_str(&format!(
                        " data-requires-python=\"{}\"",
                        rp.replace('>', "&gt;").replace('<', "&lt;")
                    ));
                }
                if e.metadata {
                    let text = wheel_metadata::read_dist_info_file(&wheel, "METADATA").unwrap();
                    let meta_path = files.join(format!("{name}.metadata"));
                    std::fs::write(&meta_path, text).unwrap();
                    let mh = sha256(&meta_path);
                    attrs.push_str(&format!(" data-core-metadata=\"sha256={mh}\""));
                    meta_json = serde_json::json!({ "sha256": mh });
                }
                html.push_str(&format!(
                    "<a href=\"../../files/{name}#sha256={hash}\"{attrs}>{name}</a><br/>\n"
                ));
                json_files.push(serde_json::json!({
                    "filename": name,
                    "url": format!("../../files/{name}"),
                    "hashes": { "sha256": hash },
                    "requires-python": e.requires_python,
                    "core-metadata": meta_json,
                }));
            }
            html.push_str("</body></html>\n");
            std::fs::write(page.join("index.html"), html).unwrap();
            if json {
                let doc = serde_json::json!({
                    "meta": { "api-version": "1.1" },
                    "name": project,
                    "files": json_files,
                });
                std::fs::write(page.join("index.json"), doc.to_string()).unwrap();
            }
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/index_server.py");
        let mut command = Command::new("python3");
        command.arg(&script).arg(&root);
        if let Some((cert, key)) = tls {
            command.arg(cert).arg(key);
        }
        let mut server = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 for the test index server");
        let mut line = String::new();
        BufReader::new(server.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line.trim().parse().expect("the index server's port");
        let scheme = if tls.is_some() { "https" } else { "http" };
        Index {
            root,
            server,
            url: format!("{scheme}://127.0.0.1:{port}/simple"),
        }
    }

    fn requests(&self) -> String {
        std::fs::read_to_string(self.root.join("requests.log")).unwrap_or_default()
    }
}

fn download(site: &Site, index: &str, args: &[&str]) -> Output {
    site.command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["download", "--index-url", index])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wheels_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

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
    // for 3.12.
    let out = download(&site, &index.url, &["--no-deps", "tool", "fast", "wide"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Saved ./tool-2.0-py3-none-any.whl"), "{text}");
    assert!(
        text.contains("Saved ./fast-1.0-cp311-cp311-linux_x86_64.whl"),
        "{text}"
    );
    let err = stderr(&out);
    assert!(err.contains("warning: fast-1.0-cp311-cp311-linux_x86_64.whl is compiled for one platform (cp311-cp311-linux_x86_64), not `none-any`: it might not function correctly"), "{err}");
    assert!(err.contains("warning: wide-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl is a manylinux wheel"), "{err}");
    assert!(err.contains("only with --allow-manylinux"), "{err}");
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

/// A certificate authority and a server certificate for 127.0.0.1, made with openssl.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=wheelhouse test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

#[test]
fn https_with_the_sites_certificates() {
    let site = Site::new();
    let (ca, cert, key) = certificates(&site.path("tls"));
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

fn with_metadata(spec: WheelSpec) -> Listed {
    let mut l = listed(spec);
    l.metadata = true;
    l
}

/// How many times each file and page was asked for, and the ones asked more than once.
fn repeated_requests(log: &str) -> Vec<String> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for line in log.lines() {
        *seen.entry(line).or_default() += 1;
    }
    let mut twice: Vec<String> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(l, n)| format!("{l} ({n} times)"))
        .collect();
    twice.sort();
    twice
}

/// Where pip must backtrack, so must we: `b` wants `c>=1.5, d>=2`; the newest `a` wants
/// `c<2` (fine: c 1.9) and `d==1.0` (a clash: an older `a` it is). Taking the newest of each
/// name in the order met fails here. pip 24.2 against the same index chooses the same files.
#[test]
fn dependencies_are_resolved_with_backtracking_as_pip() {
    let site = Site::new();
    let index = Index::new(
        &site.path("index"),
        &[
            // No PEP 658 for a and b: their METADATA comes from the wheels.
            (
                "a",
                vec![
                    listed(
                        WheelSpec::pure("a", "2.0")
                            .requires("c<2")
                            .requires("d==1.0"),
                    ),
                    listed(WheelSpec::pure("a", "1.0").requires("c<2").requires("d")),
                ],
            ),
            (
                "b",
                vec![listed(
                    WheelSpec::pure("b", "1.0")
                        .requires("c>=1.5")
                        .requires("d>=2"),
                )],
            ),
            (
                "c",
                ["1.0", "1.5", "1.9", "2.0", "2.1"]
                    .iter()
                    .map(|v| with_metadata(WheelSpec::pure("c", v)))
                    .collect(),
            ),
            (
                "d",
                ["1.0", "2.0", "2.1"]
                    .iter()
                    .map(|v| with_metadata(WheelSpec::pure("d", v)))
                    .collect(),
            ),
        ],
        true,
    );
    let out = download(
        &site,
        &index.url,
        &["b", "a", "other; python_version < '3'", "-d", "ours"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let expected = [
        "a-1.0-py3-none-any.whl",
        "b-1.0-py3-none-any.whl",
        "c-1.9-py3-none-any.whl",
        "d-2.1-py3-none-any.whl",
    ];
    // a 2.0 was fetched to read its METADATA, then dropped: not left beside the chosen ones.
    assert_eq!(wheels_in(&site.path("ours")), expected);
    let log = index.requests();
    assert!(log.contains("GET /files/a-2.0-py3-none-any.whl\n"), "{log}");
    assert!(
        log.contains("GET /files/c-1.9-py3-none-any.whl.metadata\n"),
        "{log}"
    );
    assert!(
        !log.contains("GET /files/a-1.0-py3-none-any.whl.metadata"),
        "{log}"
    );
    // Every page, metadata file and wheel asked for once, over all the rounds.
    assert_eq!(repeated_requests(&log), Vec::<String>::new(), "{log}");
    std::fs::remove_file(index.root.join("requests.log")).unwrap();
    let pip = site
        .command(test_support::tools_python())
        .args([
            "-m",
            "pip",
            "download",
            "--index-url",
            &format!("{}/", index.url),
        ])
        .args([
            "--dest",
            "pips",
            "--only-binary=:all:",
            "--python-version",
            "3.11",
        ])
        .args(["b", "a"])
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .unwrap();
    assert!(pip.status.success(), "{}", stderr(&pip));
    assert_eq!(wheels_in(&site.path("pips")), expected);
}

/// A true conflict: no choice satisfies both, and the message names both requirements.
#[test]
fn a_true_conflict_names_both_requirements() {
    let site = Site::new();
    let index = Index::new(
        &site.path("index"),
        &[
            (
                "left",
                vec![with_metadata(
                    WheelSpec::pure("left", "1.0").requires("shared<2"),
                )],
            ),
            (
                "right",
                vec![listed(
                    WheelSpec::pure("right", "1.0").requires("shared>=2"),
                )],
            ),
            (
                "shared",
                vec![
                    with_metadata(WheelSpec::pure("shared", "1.0")),
                    with_metadata(WheelSpec::pure("shared", "2.0")),
                ],
            ),
        ],
        false,
    );
    let dest = site.path("out");
    let out = download(
        &site,
        &index.url,
        &["left", "right", "-d", dest.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("shared<2") && err.contains("shared>=2"),
        "{err}"
    );
    assert!(err.contains("left") && err.contains("right"), "{err}");
    // Nothing is saved when nothing is chosen, not even the wheel read for its METADATA.
    assert!(wheels_in(&dest).is_empty(), "{:?}", wheels_in(&dest));
}

/// Names are found in rounds, as metadata names them: a chain three deep, an extra's
/// dependency, and a dependency whose page was not fetched yet when the newest `top` was
/// first considered (choosing the older `top`, which needs nothing, would be wrong).
#[test]
fn names_are_found_in_rounds_through_extras_and_chains() {
    let site = Site::new();
    let index = Index::new(
        &site.path("index"),
        &[
            (
                "top",
                vec![
                    listed(
                        WheelSpec::pure("top", "2.0")
                            .requires("mid")
                            .requires("plot; extra == 'viz'")
                            .requires("never; extra == 'other'")
                            .provides("viz")
                            .provides("other"),
                    ),
                    listed(WheelSpec::pure("top", "1.0")),
                ],
            ),
            (
                "mid",
                vec![with_metadata(
                    WheelSpec::pure("mid", "1.0").requires("low>=1"),
                )],
            ),
            ("low", vec![listed(WheelSpec::pure("low", "1.2"))]),
            ("plot", vec![listed(WheelSpec::pure("plot", "0.5"))]),
            ("never", vec![listed(WheelSpec::pure("never", "1.0"))]),
        ],
        true,
    );
    let out = download(&site, &index.url, &["top[viz]", "-d", "w"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        wheels_in(&site.path("w")),
        [
            "low-1.2-py3-none-any.whl",
            "mid-1.0-py3-none-any.whl",
            "plot-0.5-py3-none-any.whl",
            "top-2.0-py3-none-any.whl",
        ]
    );
    // An extra nobody asked for is not looked up.
    let log = index.requests();
    assert!(!log.contains("never"), "{log}");
    assert_eq!(repeated_requests(&log), Vec::<String>::new(), "{log}");
}

/// A dependency the index does not have: the error names it and who needs it.
#[test]
fn a_missing_dependency_is_named_with_who_needs_it() {
    let site = Site::new();
    let index = Index::new(
        &site.path("index"),
        &[(
            "needy",
            vec![listed(WheelSpec::pure("needy", "1.0").requires("ghost>=1"))],
        )],
        true,
    );
    let dest = site.path("out");
    let out = download(&site, &index.url, &["needy", "-d", dest.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("needy 1.0 requires ghost>=1"), "{err}");
    assert!(
        err.contains("no wheel of ghost (from a dependency) for CPython 3.11")
            && err.contains("/simple/ghost/ (not found)"),
        "{err}"
    );
    assert!(wheels_in(&dest).is_empty(), "{:?}", wheels_in(&dest));
}
