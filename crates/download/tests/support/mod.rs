//! A package index on 127.0.0.1 for the index-client tests: pages written here, served by
//! the download tests' server (`crates/wheelhouse/tests/it/common/index_server.py`: ranges,
//! revalidation, request and byte logs).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use sha2::{Digest, Sha256};
use test_support::WheelSpec;

pub struct Server {
    pub root: PathBuf,
    child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Incompressible bytes, so a wheel holding them is as large as they are.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect()
}

/// One answer the server gave: `(status, body bytes, path)`.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub bytes: u64,
    pub path: String,
}

impl Server {
    /// Writes `projects` (each wheel with PEP 658 metadata when its flag says so) as PEP 503
    /// pages under `dir`, and serves them.
    pub fn new(dir: &Path, projects: &[(&str, Vec<(WheelSpec, bool)>)]) -> Server {
        let root = dir.to_path_buf();
        let files = root.join("files");
        std::fs::create_dir_all(&files).unwrap();
        for (project, wheels) in projects {
            let page = root.join("simple").join(project);
            std::fs::create_dir_all(&page).unwrap();
            let mut html = String::from("<!DOCTYPE html>\n<html><body>\n");
            for (spec, metadata) in wheels {
                let wheel = spec.write(&files);
                let name = wheel.file_name().unwrap().to_str().unwrap().to_string();
                let hash = sha256(&std::fs::read(&wheel).unwrap());
                let mut attrs = String::new();
                if *metadata {
                    let text = wheel_metadata::read_dist_info_file(&wheel, "METADATA").unwrap();
                    std::fs::write(files.join(format!("{name}.metadata")), &text).unwrap();
                    attrs = format!(" data-core-metadata=\"sha256={}\"", sha256(text.as_bytes()));
                }
                html.push_str(&format!(
                    "<a href=\"../../files/{name}#sha256={hash}\"{attrs}>{name}</a><br/>\n"
                ));
            }
            html.push_str("</body></html>\n");
            std::fs::write(page.join("index.html"), html).unwrap();
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../wheelhouse/tests/it/common/index_server.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(&root)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 for the test index server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line.trim().parse().expect("the index server's port");
        Server {
            root,
            child,
            url: format!("http://127.0.0.1:{port}/simple"),
        }
    }

    /// From now on, answer every request with the whole file (no range support).
    pub fn without_ranges(&self) {
        std::fs::write(self.root.join("no-ranges"), "").unwrap();
    }

    /// Pages carry this `Cache-Control` from now on.
    pub fn cache_control(&self, value: &str) {
        std::fs::write(self.root.join("cache-control"), value).unwrap();
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

    /// Forgets the answers so far.
    pub fn clear(&self) {
        let _ = std::fs::remove_file(self.root.join("transfers.log"));
        let _ = std::fs::remove_file(self.root.join("requests.log"));
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.root.join("files").join(name)
    }
}
