//! pip's installation report (`install --report FILE`, format version 1): what an install
//! installs (or, with `--dry-run`, would install), each with where it comes from (PEP 610),
//! whether it was asked for, and its core metadata as PEP 566 JSON; then the marker
//! environment of the target's Python. Written as pip writes it (`json.dump(indent=2,
//! ensure_ascii=False)`, keys in pip's order), so scripts written for pip's reports read ours.

use std::collections::HashMap;

use installer::WheelToInstall;

use crate::{Error, Target};

/// A JSON value that keeps its keys in the order written.
enum J {
    S(String),
    B(bool),
    L(Vec<J>),
    O(Vec<(String, J)>),
}

impl J {
    fn s(text: impl Into<String>) -> J {
        J::S(text.into())
    }

    /// Python's `json.dump(indent=2)` layout.
    fn write(&self, out: &mut String, depth: usize) {
        let pad = |n: usize| "  ".repeat(n);
        match self {
            J::S(s) => out.push_str(&serde_json::Value::from(s.as_str()).to_string()),
            J::B(b) => out.push_str(if *b { "true" } else { "false" }),
            J::L(items) if items.is_empty() => out.push_str("[]"),
            J::O(items) if items.is_empty() => out.push_str("{}"),
            J::L(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    out.push_str(&pad(depth + 1));
                    item.write(out, depth + 1);
                }
                out.push('\n');
                out.push_str(&pad(depth));
                out.push(']');
            }
            J::O(items) => {
                out.push('{');
                for (i, (key, value)) in items.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    out.push_str(&pad(depth + 1));
                    out.push_str(&serde_json::Value::from(key.as_str()).to_string());
                    out.push_str(": ");
                    value.write(out, depth + 1);
                }
                out.push('\n');
                out.push_str(&pad(depth));
                out.push('}');
            }
        }
    }

    fn from_value(value: &serde_json::Value) -> J {
        match value {
            serde_json::Value::String(s) => J::s(s.clone()),
            serde_json::Value::Bool(b) => J::B(*b),
            serde_json::Value::Array(items) => J::L(items.iter().map(J::from_value).collect()),
            serde_json::Value::Object(map) => {
                // PEP 610 as pip orders it: the URL first.
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by_key(|k| (k.as_str() != "url", k.as_str() != "subdirectory"));
                J::O(
                    keys.into_iter()
                        .map(|k| (k.clone(), J::from_value(&map[k])))
                        .collect(),
                )
            }
            other => J::s(other.to_string()),
        }
    }
}

/// The core metadata fields pip reports, in its order, and whether each may repeat.
const FIELDS: &[(&str, bool)] = &[
    ("Metadata-Version", false),
    ("Name", false),
    ("Version", false),
    ("Dynamic", true),
    ("Platform", true),
    ("Supported-Platform", true),
    ("Summary", false),
    ("Description", false),
    ("Description-Content-Type", false),
    ("Keywords", false),
    ("Home-page", false),
    ("Download-URL", false),
    ("Author", false),
    ("Author-email", false),
    ("Maintainer", false),
    ("Maintainer-email", false),
    ("License", false),
    ("License-Expression", false),
    ("License-File", true),
    ("Classifier", true),
    ("Requires-Dist", true),
    ("Requires-Python", false),
    ("Requires-External", true),
    ("Project-URL", true),
    ("Provides-Extra", true),
    ("Provides-Dist", true),
    ("Obsoletes-Dist", true),
];

/// PEP 566 JSON of a METADATA text, as pip builds it.
fn metadata_json(text: &str) -> J {
    let headers = wheel_metadata::importlib_headers(text);
    let mut out = Vec::new();
    for (field, multi) in FIELDS {
        let values = wheel_metadata::header_all(&headers, field);
        let Some(first) = values.first() else {
            continue;
        };
        let key = field.to_lowercase().replace('-', "_");
        let value = if *multi {
            J::L(values.iter().map(|v| J::s(*v)).collect())
        } else if key == "keywords" {
            let words: Vec<J> = if first.contains(',') {
                first.split(',').map(|w| J::s(w.trim())).collect()
            } else {
                first.split_whitespace().map(J::s).collect()
            };
            J::L(words)
        } else {
            J::s(*first)
        };
        out.push((key, value));
    }
    // The body, which importlib added as a last `Description` header, wins over an earlier
    // `Description` header.
    let body = wheel_metadata::body(text);
    if !body.is_empty() {
        if let Some((_, value)) = out.iter_mut().find(|(k, _)| k == "description") {
            *value = J::s(body);
        }
    }
    J::O(out)
}

fn sha256_of(path: &std::path::Path) -> Result<String, Error> {
    wheel_metadata::RecordHash::file_hex_digest("sha256", path)
        .map(|digest| digest.expect("sha256 is a supported algorithm"))
        .map_err(|source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })
}

fn one(
    wheel: &WheelToInstall,
    requested_extras: &HashMap<String, Vec<String>>,
) -> Result<J, Error> {
    let download_info = match wheel
        .direct_url
        .as_deref()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
    {
        Some(value) => J::from_value(&value),
        None => {
            let sha256 = sha256_of(&wheel.path)?;
            J::O(vec![
                ("url".into(), J::s(installer::file_url(&wheel.path))),
                (
                    "archive_info".into(),
                    J::O(vec![
                        (
                            "hashes".into(),
                            J::O(vec![("sha256".into(), J::s(sha256.clone()))]),
                        ),
                        ("hash".into(), J::s(format!("sha256={sha256}"))),
                    ]),
                ),
            ])
        }
    };
    let text =
        wheel_metadata::read_dist_info_file(&wheel.path, "METADATA").map_err(Error::Metadata)?;
    let metadata = metadata_json(&text);
    let key = wheel_metadata::normalize_name(&wheel_metadata::CoreMetadata::parse(&text).name);
    let mut fields = vec![
        ("download_info".into(), download_info),
        (
            "is_direct".into(),
            J::B(wheel.direct || wheel.direct_url.is_some()),
        ),
        ("is_yanked".into(), J::B(false)),
        ("requested".into(), J::B(wheel.requested)),
        ("metadata".into(), metadata),
    ];
    if let Some(extras) = requested_extras
        .get(&key)
        .filter(|e| wheel.requested && !e.is_empty())
    {
        let mut extras = extras.clone();
        extras.sort();
        extras.dedup();
        fields.push((
            "requested_extras".into(),
            J::L(extras.into_iter().map(J::S).collect()),
        ));
    }
    Ok(J::O(fields))
}

/// The report of an install that installs (or would install) `planned` into `target`;
/// `requested_extras` are the extras asked for on the command line and in requirement files,
/// by normalised name. No trailing newline, as pip writes the file.
pub fn installation_report(
    target: &Target,
    planned: &[WheelToInstall],
    requested_extras: &HashMap<String, Vec<String>>,
) -> Result<String, Error> {
    let install: Result<Vec<J>, Error> = planned.iter().map(|w| one(w, requested_extras)).collect();
    let m = &target.interpreter.markers;
    let environment = J::O(
        [
            ("implementation_name", m.implementation_name().to_string()),
            (
                "implementation_version",
                m.implementation_version().to_string(),
            ),
            ("os_name", m.os_name().to_string()),
            ("platform_machine", m.platform_machine().to_string()),
            ("platform_release", m.platform_release().to_string()),
            ("platform_system", m.platform_system().to_string()),
            ("platform_version", m.platform_version().to_string()),
            ("python_full_version", m.python_full_version().to_string()),
            (
                "platform_python_implementation",
                m.platform_python_implementation().to_string(),
            ),
            ("python_version", m.python_version().to_string()),
            ("sys_platform", m.sys_platform().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), J::S(v)))
        .collect(),
    );
    let report = J::O(vec![
        ("version".into(), J::s("1")),
        ("pip_version".into(), J::s(env!("CARGO_PKG_VERSION"))),
        ("install".into(), J::L(install?)),
        ("environment".into(), environment),
    ]);
    let mut out = String::new();
    report.write(&mut out, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_pep_566_json_in_pips_order() {
        let text = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nKeywords: a, b\n\
                    Requires-Dist: six\nRequires-Dist: tzdata\nDescription: old\n\nThe body\n";
        let mut out = String::new();
        metadata_json(text).write(&mut out, 0);
        assert_eq!(
            out,
            "{\n  \"metadata_version\": \"2.1\",\n  \"name\": \"demo\",\n  \"version\": \"1.0\",\n  \
             \"description\": \"The body\\n\",\n  \"keywords\": [\n    \"a\",\n    \"b\"\n  ],\n  \
             \"requires_dist\": [\n    \"six\",\n    \"tzdata\"\n  ]\n}"
        );
    }
}
