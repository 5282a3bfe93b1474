//! A package index made by a test and served on 127.0.0.1 by `index_server.py` (beside this
//! crate's Cargo.toml): PEP 503 HTML pages always, PEP 691 JSON when asked, PEP 658 metadata
//! files, HTTP ranges, optional TLS, and logs of every request and of the bytes of every
//! answer. The download crate's tests and the CLI's tests both use it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use sha2::{Digest, Sha256};

use crate::WheelSpec;

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A Python script serving on 127.0.0.1: it prints its port once listening, and is killed
/// when this is dropped.
pub struct ScriptServer {
    child: Child,
    pub port: u16,
}

impl ScriptServer {
    /// Starts `python3 SCRIPT ARGS…` and waits for the port it prints.
    pub fn start(script: &Path, args: &[&Path]) -> ScriptServer {
        let mut child = Command::new("python3")
            .arg(script)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 for the test servers");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{} did not start: {line:?}", script.display()));
        ScriptServer { child, port }
    }
}

impl Drop for ScriptServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `index_server.py`.
pub fn index_server_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("index_server.py")
}

/// One file of a project, as the index lists it.
pub struct Listed {
    pub spec: WheelSpec,
    pub requires_python: Option<&'static str>,
    /// A PEP 658 `.metadata` file beside the wheel, named by the page.
    pub metadata: bool,
    /// The page gives a hash the file does not have.
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

pub fn with_metadata(spec: WheelSpec) -> Listed {
    Listed {
        metadata: true,
        ..listed(spec)
    }
}

/// One answer the server gave.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Bytes of the body sent.
    pub bytes: u64,
    pub path: String,
}

pub struct Index {
    pub root: PathBuf,
    pub server: ScriptServer,
    /// `http(s)://127.0.0.1:PORT/simple`.
    pub url: String,
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
        for (project, entries) in projects {
            write_project(&root, project, entries, json);
        }
        let mut args = vec![root.as_path()];
        if let Some((cert, key)) = tls {
            args.extend([cert, key]);
        }
        let server = ScriptServer::start(&index_server_script(), &args);
        let scheme = if tls.is_some() { "https" } else { "http" };
        Index {
            url: format!("{scheme}://127.0.0.1:{}/simple", server.port),
            root,
            server,
        }
    }

    /// The request log: `METHOD PATH` and the range asked for, a line each.
    pub fn requests(&self) -> String {
        std::fs::read_to_string(self.root.join("requests.log")).unwrap_or_default()
    }

    /// Every answer so far.
    pub fn answers(&self) -> Vec<Answer> {
        std::fs::read_to_string(self.root.join("transfers.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut parts = l.splitn(4, ' ');
                Some(Answer {
                    status: parts.next()?.parse().ok()?,
                    bytes: parts.next()?.parse().ok()?,
                    path: parts.nth(1)?.to_string(),
                })
            })
            .collect()
    }

    /// Forgets the requests and answers so far.
    pub fn clear(&self) {
        let _ = std::fs::remove_file(self.root.join("transfers.log"));
        let _ = std::fs::remove_file(self.root.join("requests.log"));
    }

    /// From now on, answer every request with the whole file (no range support).
    pub fn without_ranges(&self) {
        std::fs::write(self.root.join("no-ranges"), "").unwrap();
    }

    /// Pages carry this `Cache-Control` from now on.
    pub fn cache_control(&self, value: &str) {
        std::fs::write(self.root.join("cache-control"), value).unwrap();
    }

    /// A served file (a wheel or its `.metadata`).
    pub fn file(&self, name: &str) -> PathBuf {
        self.root.join("files").join(name)
    }
}

/// `ROOT/simple/PROJECT/index.html` (and `index.json`), the wheels in `ROOT/files`.
fn write_project(root: &Path, project: &str, entries: &[Listed], json: bool) {
    let files = root.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let page = root.join("simple").join(project);
    std::fs::create_dir_all(&page).unwrap();
    let mut html = String::from("<!DOCTYPE html>\n<html><body>\n");
    let mut json_files = Vec::new();
    for e in entries {
        let wheel = e.spec.write(&files);
        let name = wheel.file_name().unwrap().to_str().unwrap().to_string();
        let mut hash = sha256_hex(&std::fs::read(&wheel).unwrap());
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
            std::fs::write(files.join(format!("{name}.metadata")), &text).unwrap();
            let mh = sha256_hex(text.as_bytes());
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
            "size": std::fs::metadata(&wheel).unwrap().len(),
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
