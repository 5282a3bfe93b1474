//! The pages of a simple index: PEP 503 HTML and PEP 691 JSON (API 1.1), for the project list
//! and for one project's files; `base` makes the file links relative (the static index) or
//! absolute (`serve`).

use serde_json::json;

use crate::levels::IndexFile;

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn url_path(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The PEP 503 project list.
pub fn root_html(names: &[&str]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Simple index</title></head>\n<body>\n",
    );
    for name in names {
        html.push_str(&format!(
            "<a href=\"{}/\">{}</a><br/>\n",
            url_path(name),
            escape(name)
        ));
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// The PEP 691 project list.
pub fn root_json(names: &[&str]) -> String {
    let list: Vec<_> = names.iter().map(|n| json!({ "name": n })).collect();
    json!({ "meta": { "api-version": "1.1" }, "projects": list }).to_string()
}

/// A PEP 503 project page; `base` is prefixed to each file's path (`../../../files/`).
pub fn project_html(name: &str, files: &[IndexFile], base: &str) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Links for {0}</title></head>\n<body>\n<h1>Links for {0}</h1>\n",
        escape(name)
    );
    for f in files {
        let mut attrs = String::new();
        if let Some(rp) = &f.requires_python {
            attrs.push_str(&format!(" data-requires-python=\"{}\"", escape(rp)));
        }
        if let Some(m) = &f.metadata_sha256 {
            attrs.push_str(&format!(
                " data-dist-info-metadata=\"sha256={m}\" data-core-metadata=\"sha256={m}\""
            ));
        }
        html.push_str(&format!(
            "<a href=\"{base}{}#sha256={}\"{attrs}>{}</a><br/>\n",
            url_path(&f.rel),
            f.sha256,
            escape(&f.filename)
        ));
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// A PEP 691 project page (API 1.1: sizes and versions included).
pub fn project_json(name: &str, files: &[IndexFile], base: &str) -> String {
    let mut versions: Vec<&str> = Vec::new();
    let list: Vec<_> = files
        .iter()
        .map(|f| {
            if !versions.contains(&f.version.as_str()) {
                versions.push(&f.version);
            }
            let mut file = json!({
                "filename": f.filename,
                "url": format!("{base}{}", url_path(&f.rel)),
                "hashes": { "sha256": f.sha256 },
                "size": f.size,
                "yanked": false,
            });
            if let Some(rp) = &f.requires_python {
                file["requires-python"] = json!(rp);
            }
            if let Some(m) = &f.metadata_sha256 {
                file["core-metadata"] = json!({ "sha256": m });
                file["dist-info-metadata"] = json!({ "sha256": m });
            }
            file
        })
        .collect();
    json!({
        "meta": { "api-version": "1.1" },
        "name": name,
        "files": list,
        "versions": versions,
    })
    .to_string()
}
