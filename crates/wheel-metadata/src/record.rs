//! `RECORD`: one CSV row per installed file, written the way Python's `csv` module writes it
//! (fields quoted only when they hold a comma, a quote or a line break), so `pip uninstall`
//! and our own uninstall read the same file.

use base64::Engine;
use sha2::{Digest, Sha256};

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
    fn hash_matches_the_wheel_spec() {
        // hashlib.sha256(b"").digest(), urlsafe b64, no padding.
        assert_eq!(
            hash_bytes(b""),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }
}
