//! The index tests' helpers around test-support's package index (`test_support::index`,
//! served by its `index_server.py`: PEP 691 JSON, PEP 503 HTML, PEP 658 metadata, Range, a
//! cut connection, a request log): running `download` against it, what landed, TLS
//! certificates for it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{Site, WheelSpec};

pub use test_support::index::{listed, with_metadata, Index, Listed};

/// The hex SHA-256 of the file at `path`.
pub fn sha256(path: &Path) -> String {
    test_support::index::sha256_hex(&std::fs::read(path).unwrap())
}

/// An index where the newest choice of each name fails: `b` wants `c>=1.5, d>=2`; the newest
/// `a` wants `c<2` (fine: c 1.9) and `d==1.0` (a clash), so a resolver must go back to `a`
/// 1.0 (which wants `c<2` and any `d`): a 1.0, b 1.0, c 1.9, d 2.1. `names` renames a, b, c,
/// d. No PEP 658 metadata for a and b (it comes from the wheels); c and d have it.
pub fn backtracking_index(dir: &Path, names: [&str; 4]) -> Index {
    let [a, b, c, d] = names;
    let with = |name: &str, versions: &[&str]| -> Vec<Listed> {
        versions
            .iter()
            .map(|v| with_metadata(WheelSpec::pure(name, v)))
            .collect()
    };
    Index::new(
        dir,
        &[
            (
                a,
                vec![
                    listed(
                        WheelSpec::pure(a, "2.0")
                            .requires(&format!("{c}<2"))
                            .requires(&format!("{d}==1.0")),
                    ),
                    listed(
                        WheelSpec::pure(a, "1.0")
                            .requires(&format!("{c}<2"))
                            .requires(d),
                    ),
                ],
            ),
            (
                b,
                vec![listed(
                    WheelSpec::pure(b, "1.0")
                        .requires(&format!("{c}>=1.5"))
                        .requires(&format!("{d}>=2")),
                )],
            ),
            (c, with(c, &["1.0", "1.5", "1.9", "2.0", "2.1"])),
            (d, with(d, &["1.0", "2.0", "2.1"])),
        ],
        true,
    )
}

pub fn download(site: &Site, index: &str, args: &[&str]) -> Output {
    site.command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["download", "--index-url", index])
        .args(args)
        .output()
        .unwrap()
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
