//! A package index made here and served on 127.0.0.1 by `index_server.py` (PEP 691 JSON,
//! PEP 503 HTML, PEP 658 metadata, Range, a cut connection, a request log), for the
//! `download_*` tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use sha2::{Digest, Sha256};

use super::{Site, WheelSpec};

pub struct Index {
    pub root: PathBuf,
    server: Child,
    pub url: String,
}

impl Drop for Index {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// One file of a project, as the index lists it.
pub struct Listed {
    pub spec: WheelSpec,
    pub requires_python: Option<&'static str>,
    pub metadata: bool,
    pub wrong_hash: bool,
}

pub fn listed(spec: WheelSpec) -> Listed {
    Listed {
        spec,
        requires_python: None,
        metadata: false,
        wrong_hash: false,
    }
}

pub fn sha256(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Index {
    /// Writes the projects' pages (HTML always, JSON when `json`) and starts the server.
    pub fn new(dir: &Path, projects: &[(&str, Vec<Listed>)], json: bool) -> Index {
        Index::serve(dir, projects, json, None)
    }

    /// The same, served over TLS with `(certificate, key)`.
    pub fn serve(
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
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/common/index_server.py");
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

    pub fn requests(&self) -> String {
        std::fs::read_to_string(self.root.join("requests.log")).unwrap_or_default()
    }
}

pub fn download(site: &Site, index: &str, args: &[&str]) -> Output {
    site.command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["download", "--index-url", index])
        .args(args)
        .output()
        .unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn wheels_in(dir: &Path) -> Vec<String> {
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

pub fn with_metadata(spec: WheelSpec) -> Listed {
    let mut l = listed(spec);
    l.metadata = true;
    l
}

/// How many times each file and page was asked for, and the ones asked more than once.
pub fn repeated_requests(log: &str) -> Vec<String> {
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

/// A certificate authority and a server certificate for `host` (an IP address or a name),
/// made in `dir` with openssl (EC keys: quick to make): `(ca.pem, server.pem, server.key)`.
pub fn certificates(dir: &Path, host: &str) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl (scripts/download-test-setup.sh installs it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"],
        &["-subj", "/CN=wheelhouse test CA"],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &["-keyout", "server.key", "-out", "server.csr"],
        &["-subj", &format!("/CN={host}")],
    ]
    .concat());
    let kind = if host.parse::<std::net::IpAddr>().is_ok() {
        "IP"
    } else {
        "DNS"
    };
    std::fs::write(
        dir.join("ext.cnf"),
        format!("subjectAltName={kind}:{host}\n"),
    )
    .unwrap();
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

/// Incompressible bytes, so a wheel holding them is as large as they are.
pub fn noise(len: usize) -> Vec<u8> {
    let mut state = 12345u64;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect()
}
