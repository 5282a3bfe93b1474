//! `RECORD`: one CSV row per installed file, written the way Python's `csv` module writes it
//! (fields quoted only when they hold a comma, a quote or a line break), so `pip uninstall`
//! and our own uninstall read the same file.

use base64::Engine;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// One row of a `RECORD` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordEntry {
    /// Path relative to the site-packages directory (may start with `../` for scripts).
    pub path: String,
    /// `sha256=<urlsafe base64, no padding>`, empty for RECORD itself and byte code.
    pub hash: String,
    /// Size in bytes, empty when `hash` is.
    pub size: String,
}

/// Parses a `RECORD` file; malformed rows are skipped (uninstall still removes what it can).
pub fn parse_record(text: &str) -> Vec<RecordEntry> {
    let mut out = Vec::new();
    for row in split_rows(text) {
        let mut fields = row.into_iter();
        let Some(path) = fields.next().filter(|p| !p.is_empty()) else {
            continue;
        };
        out.push(RecordEntry {
            path,
            hash: fields.next().unwrap_or_default(),
            size: fields.next().unwrap_or_default(),
        });
    }
    out
}

/// Parses a `RECORD` strictly, for verifying a wheel: every row must have exactly three
/// fields (path, hash, size), a non-empty path, a hash that is empty or `algorithm=digest`,
/// and a size that is empty or a number; quotes must be closed. The error names the row.
pub fn parse_record_strict(text: &str) -> Result<Vec<RecordEntry>, String> {
    if !text.matches('"').count().is_multiple_of(2) {
        return Err("it has an unclosed quote".into());
    }
    let mut out = Vec::new();
    for (i, row) in split_rows(text).into_iter().enumerate() {
        let line = i + 1;
        if row.len() == 1 && row[0].is_empty() {
            continue;
        }
        if row.len() != 3 {
            return Err(format!(
                "row {line} has {} fields instead of 3 (path,hash,size)",
                row.len()
            ));
        }
        let mut fields = row.into_iter();
        let (path, hash, size) = (
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
        );
        if path.is_empty() {
            return Err(format!("row {line} has an empty path"));
        }
        if !hash.is_empty() && RecordHash::parse(&hash).is_none() {
            return Err(format!(
                "row {line} ({path}) has the hash `{hash}`, not `algorithm=urlsafe-base64-digest`"
            ));
        }
        if !size.is_empty() && size.parse::<u64>().is_err() {
            return Err(format!(
                "row {line} ({path}) has the size `{size}`, not a number"
            ));
        }
        out.push(RecordEntry { path, hash, size });
    }
    Ok(out)
}

/// A RECORD hash, `algorithm=digest` with the digest in urlsafe base64 without padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordHash {
    pub algorithm: String,
    pub digest: Vec<u8>,
}

impl RecordHash {
    /// Parses `sha256=...`; `None` when it is not of that shape.
    pub fn parse(text: &str) -> Option<RecordHash> {
        let (algorithm, digest) = text.split_once('=')?;
        if algorithm.is_empty() || !algorithm.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(digest.trim_end_matches('='))
            .ok()?;
        Some(RecordHash {
            algorithm: algorithm.to_ascii_lowercase(),
            digest,
        })
    }

    /// Whether the algorithm is one the wheel spec lets an installer trust (SHA-256 or
    /// stronger from the SHA-2 family; md5 and sha1 are refused, as pip refuses them).
    pub fn is_supported(&self) -> bool {
        matches!(self.algorithm.as_str(), "sha256" | "sha384" | "sha512")
    }

    /// The digest of `data` with one of the supported algorithms; `None` for any other.
    pub fn digest_of(algorithm: &str, data: &[u8]) -> Option<Vec<u8>> {
        Some(match algorithm {
            "sha256" => Sha256::digest(data).to_vec(),
            "sha384" => Sha384::digest(data).to_vec(),
            "sha512" => Sha512::digest(data).to_vec(),
            _ => return None,
        })
    }

    /// The hex digest of the file at `path` with one of the supported algorithms, read in
    /// pieces (wheels and sdists can be large); `None` for any other algorithm.
    pub fn file_hex_digest(
        algorithm: &str,
        path: &std::path::Path,
    ) -> std::io::Result<Option<String>> {
        if !matches!(algorithm, "sha256" | "sha384" | "sha512") {
            return Ok(None);
        }
        RecordHash::open_file_hex_digest(algorithm, std::fs::File::open(path)?)
    }

    /// [`RecordHash::file_hex_digest`] of a file already open, read from where it is.
    pub fn open_file_hex_digest(
        algorithm: &str,
        file: std::fs::File,
    ) -> std::io::Result<Option<String>> {
        // One buffer per thread, not one per file: a fresh mebibyte is zeroed (and faulted
        // in) for each file, which cost more than hashing the small wheels of a lock.
        thread_local! {
            static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        fn stream<D: Digest>(mut file: std::fs::File) -> std::io::Result<String> {
            use std::io::Read;
            let mut hasher = D::new();
            BUF.with_borrow_mut(|buf| -> std::io::Result<()> {
                buf.resize(1 << 20, 0);
                loop {
                    let n = file.read(buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    hasher.update(&buf[..n]);
                }
            })?;
            Ok(hex::encode(hasher.finalize()))
        }
        Ok(Some(match algorithm {
            "sha256" => stream::<Sha256>(file)?,
            "sha384" => stream::<Sha384>(file)?,
            "sha512" => stream::<Sha512>(file)?,
            _ => return Ok(None),
        }))
    }

    /// The hash of `data` with this hash's algorithm, in RECORD form; `None` when the
    /// algorithm is not supported.
    pub fn of_same_kind(&self, data: &[u8]) -> Option<String> {
        let digest = RecordHash::digest_of(&self.algorithm, data)?;
        Some(
            RecordHash {
                algorithm: self.algorithm.clone(),
                digest,
            }
            .to_string(),
        )
    }

    /// Whether `data` has this hash.
    pub fn matches(&self, data: &[u8]) -> bool {
        RecordHash::digest_of(&self.algorithm, data).is_some_and(|d| d == self.digest)
    }
}

/// RECORD form: `algorithm=urlsafe-base64-digest`, unpadded.
impl std::fmt::Display for RecordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}={}",
            self.algorithm,
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.digest)
        )
    }
}

fn split_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                any = false;
            }
            _ => field.push(c),
        }
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Writes rows as Python's `csv.writer` does with the default dialect (`\r\n` is what the
/// dialect says, but the wheel spec and pip use `\n`).
pub fn write_record(entries: &[RecordEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        for (i, field) in [&e.path, &e.hash, &e.size].into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if field.contains([',', '"', '\n', '\r']) {
                out.push('"');
                out.push_str(&field.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(field);
            }
        }
        out.push('\n');
    }
    out
}

/// The RECORD hash of some bytes: `sha256=` and the urlsafe, unpadded base64 digest.
pub fn hash_bytes(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_digest_is_the_digest_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        // More than one read's worth, so the pieces are joined right.
        let data: Vec<u8> = (0..(3 << 20) + 17).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        for algorithm in ["sha256", "sha384", "sha512"] {
            let hex: String = RecordHash::digest_of(algorithm, &data)
                .unwrap()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                RecordHash::file_hex_digest(algorithm, &path).unwrap(),
                Some(hex)
            );
        }
        assert_eq!(RecordHash::file_hex_digest("md5", &path).unwrap(), None);
        assert!(RecordHash::file_hex_digest("sha256", &dir.path().join("none")).is_err());
    }

    #[test]
    fn round_trip_with_commas_and_quotes() {
        let entries = vec![
            RecordEntry {
                path: "pkg/a,b.py".into(),
                hash: hash_bytes(b"x"),
                size: "1".into(),
            },
            RecordEntry {
                path: "pkg/q\"uote.py".into(),
                hash: String::new(),
                size: String::new(),
            },
            RecordEntry {
                path: "pkg-1.0.dist-info/RECORD".into(),
                hash: String::new(),
                size: String::new(),
            },
        ];
        let text = write_record(&entries);
        assert!(text.starts_with("\"pkg/a,b.py\",sha256="));
        assert_eq!(parse_record(&text), entries);
    }

    #[test]
    fn strict_parse_refuses_what_is_not_a_record() {
        assert!(parse_record_strict(
            "a.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\nx/RECORD,,\n"
        )
        .is_ok());
        assert!(parse_record_strict("a.py\n").is_err());
        assert!(parse_record_strict("a.py,sha256=x,1,extra\n").is_err());
        assert!(parse_record_strict("\"a.py,sha256=x,1\n").is_err());
        assert!(parse_record_strict("a.py,nohash,1\n").is_err());
        assert!(parse_record_strict("a.py,,big\n").is_err());
        assert!(parse_record_strict(",,\n").is_err());
    }

    #[test]
    fn sha384_and_sha512_are_understood() {
        let data = b"hello";
        for algo in ["sha256", "sha384", "sha512"] {
            let probe = RecordHash {
                algorithm: algo.into(),
                digest: vec![],
            };
            let text = probe.of_same_kind(data).unwrap();
            let parsed = RecordHash::parse(&text).unwrap();
            assert!(parsed.is_supported() && parsed.matches(data), "{algo}");
            assert!(!parsed.matches(b"other"));
        }
        assert!(!RecordHash::parse("md5=AAAA").unwrap().is_supported());
    }

    #[test]
    fn hash_matches_the_wheel_spec() {
        // hashlib.sha256(b"").digest(), urlsafe b64, no padding.
        assert_eq!(
            hash_bytes(b""),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }
}
