//! A project's page on a package index, in either of its two forms: PEP 691 JSON
//! (`application/vnd.pypi.simple.v1+json`) or PEP 503 HTML anchors. Both are untrusted text:
//! the parsers never panic, and a page that is neither is an error naming its URL.

use serde_json::Value;

/// One file a project page lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileEntry {
    pub filename: String,
    /// Absolute URL (resolved against the page's).
    pub url: String,
    pub sha256: Option<String>,
    /// Every hash the index gives, `(algorithm, hex digest)`, algorithm in lower case
    /// (`sha256` among them when given); for `--require-hashes` with other algorithms.
    pub hashes: Vec<(String, String)>,
    pub requires_python: Option<String>,
    /// PEP 658/714: the index serves the wheel's METADATA at `url + ".metadata"`; `Some(None)`
    /// when offered without a hash.
    pub metadata: Option<Option<String>>,
    pub yanked: bool,
    /// PEP 700's `size` (JSON pages of api-version 1.1 and later); `None` from HTML.
    pub size: Option<u64>,
    /// The position of the index that lists it (in `IndexSource::urls`); 0 from [`parse`].
    pub index: usize,
}

/// Parses a page by its content type (JSON when it says so, else HTML).
pub fn parse(page_url: &str, content_type: &str, body: &[u8]) -> Result<Vec<FileEntry>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the page is not UTF-8 text".to_string())?;
    if content_type.contains("json") {
        parse_json(page_url, text)
    } else if content_type.contains("html") || text.trim_start().starts_with('<') {
        Ok(parse_html(page_url, text))
    } else {
        Err(format!(
            "the page is neither PEP 691 JSON nor PEP 503 HTML (content type {content_type:?})"
        ))
    }
}

fn parse_json(page_url: &str, text: &str) -> Result<Vec<FileEntry>, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("invalid PEP 691 JSON: {e}"))?;
    let files = value
        .get("files")
        .and_then(Value::as_array)
        .ok_or("invalid PEP 691 JSON: no \"files\" list")?;
    let mut out = Vec::new();
    for f in files {
        let (Some(filename), Some(url)) = (
            f.get("filename").and_then(Value::as_str),
            f.get("url").and_then(Value::as_str),
        ) else {
            continue;
        };
        let metadata = ["core-metadata", "dist-info-metadata"]
            .iter()
            .find_map(|k| f.get(*k))
            .and_then(|m| match m {
                Value::Bool(true) => Some(None),
                Value::Object(h) => {
                    Some(h.get("sha256").and_then(Value::as_str).map(str::to_string))
                }
                _ => None,
            });
        let hashes: Vec<(String, String)> = f
            .get("hashes")
            .and_then(Value::as_object)
            .map(|h| {
                h.iter()
                    .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        out.push(FileEntry {
            filename: filename.to_string(),
            url: join(page_url, url),
            sha256: hashes
                .iter()
                .find(|(k, _)| k == "sha256")
                .map(|(_, v)| v.clone()),
            hashes,
            requires_python: f
                .get("requires-python")
                .and_then(Value::as_str)
                .map(str::to_string),
            metadata,
            yanked: match f.get("yanked") {
                Some(Value::Bool(b)) => *b,
                Some(Value::String(_)) => true,
                _ => false,
            },
            size: f.get("size").and_then(Value::as_u64),
            index: 0,
        });
    }
    Ok(out)
}

/// The `<a>` elements of a PEP 503 page. Not a full HTML parser: index pages are a flat list
/// of anchors, and anything malformed is skipped.
fn parse_html(page_url: &str, text: &str) -> Vec<FileEntry> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<a").map(|i| i + pos) {
        let Some(tag_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</a").map(|i| i + tag_end) else {
            break;
        };
        let after = lower.as_bytes().get(start + 2).copied();
        pos = close + 3;
        if !matches!(after, Some(b' ' | b'\t' | b'\n' | b'\r')) {
            continue;
        }
        let attrs = attributes(&text[start + 2..tag_end]);
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let Some(href) = get("href") else { continue };
        let (href, fragment) = match href.split_once('#') {
            Some((h, f)) => (h.to_string(), Some(f.to_string())),
            None => (href, None),
        };
        let filename = unescape(text[tag_end + 1..close].trim());
        let metadata = get("data-core-metadata")
            .or_else(|| get("data-dist-info-metadata"))
            .map(|v| v.strip_prefix("sha256=").map(str::to_string));
        let hashes: Vec<(String, String)> = fragment
            .as_deref()
            .and_then(|f| f.split_once('='))
            .map(|(k, v)| vec![(k.to_ascii_lowercase(), v.to_string())])
            .unwrap_or_default();
        out.push(FileEntry {
            filename,
            url: join(page_url, &href),
            sha256: hashes
                .iter()
                .find(|(k, _)| k == "sha256")
                .map(|(_, v)| v.clone()),
            hashes,
            requires_python: get("data-requires-python"),
            metadata,
            yanked: get("data-yanked").is_some(),
            size: None,
            index: 0,
        });
    }
    out
}

/// `name="value"`, `name='value'`, `name=value` and bare `name`, values unescaped.
fn attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() || c == '/' {
            chars.next();
            continue;
        }
        let mut end = i;
        while let Some(&(j, c)) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            end = j + c.len_utf8();
            chars.next();
        }
        let name = text[i..end].to_string();
        while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().map(|&(_, c)| c) != Some('=') {
            out.push((name, String::new()));
            continue;
        }
        chars.next();
        while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let value = match chars.peek().map(|&(_, c)| c) {
            Some(q @ ('"' | '\'')) => {
                chars.next();
                let mut v = String::new();
                for (_, c) in chars.by_ref() {
                    if c == q {
                        break;
                    }
                    v.push(c);
                }
                v
            }
            _ => {
                let mut v = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    v.push(c);
                    chars.next();
                }
                v
            }
        };
        out.push((name, unescape(&value)));
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Resolves `href` against the page URL: absolute, scheme-relative, root-relative or
/// relative (with `../`).
pub fn join(base: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    if let Some(h) = href.strip_prefix("//") {
        return format!("{scheme}://{h}");
    }
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if href.starts_with('/') {
        return format!("{scheme}://{host}{href}");
    }
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop(); // the last segment is a file name, or empty after a trailing slash
    for seg in href.split('/') {
        match seg {
            "." => {}
            ".." => {
                if parts.len() > 1 {
                    parts.pop();
                }
            }
            s => parts.push(s),
        }
    }
    format!("{scheme}://{host}{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins() {
        let base = "http://127.0.0.1:8000/simple/six/";
        assert_eq!(
            join(base, "six-1.whl"),
            "http://127.0.0.1:8000/simple/six/six-1.whl"
        );
        assert_eq!(
            join(base, "../../files/six-1.whl"),
            "http://127.0.0.1:8000/files/six-1.whl"
        );
        assert_eq!(
            join(base, "/files/a.whl"),
            "http://127.0.0.1:8000/files/a.whl"
        );
        assert_eq!(
            join(base, "https://files.example/a.whl"),
            "https://files.example/a.whl"
        );
        assert_eq!(
            join("https://h/simple/x/", "//cdn/a.whl"),
            "https://cdn/a.whl"
        );
    }

    #[test]
    fn html_anchors() {
        let page = r#"<!DOCTYPE html><html><body>
<a href="../../f/six-1.17.0-py2.py3-none-any.whl#sha256=abc" data-requires-python="&gt;=2.7" data-core-metadata="sha256=def">six-1.17.0-py2.py3-none-any.whl</a><br/>
<a href='six-1.0.tar.gz' data-yanked>six-1.0.tar.gz</a>
<a href="six-0.9.tar.gz#SHA512=ff">six-0.9.tar.gz</a>
<abbr>not a link</abbr><a>no href</a>
</body></html>"#;
        let files = parse("http://h/simple/six/", "text/html", page.as_bytes()).unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(files[2].sha256, None);
        assert_eq!(files[2].hashes, [("sha512".to_string(), "ff".to_string())]);
        assert_eq!(files[0].url, "http://h/f/six-1.17.0-py2.py3-none-any.whl");
        assert_eq!(files[0].sha256.as_deref(), Some("abc"));
        assert_eq!(files[0].requires_python.as_deref(), Some(">=2.7"));
        assert_eq!(files[0].metadata, Some(Some("def".into())));
        assert!(files[1].yanked && files[1].metadata.is_none());
    }

    #[test]
    fn json_page() {
        let page = r#"{"meta":{"api-version":"1.1"},"name":"six","files":[
            {"filename":"six-1.17.0-py2.py3-none-any.whl","url":"six-1.17.0-py2.py3-none-any.whl",
             "hashes":{"sha256":"abc"},"requires-python":">=2.7","core-metadata":{"sha256":"m"},"yanked":false,
             "size":11050},
            {"filename":"old.whl","url":"old.whl","hashes":{},"yanked":"broken","dist-info-metadata":true}]}"#;
        let files = parse(
            "http://h/simple/six/",
            "application/vnd.pypi.simple.v1+json",
            page.as_bytes(),
        )
        .unwrap();
        assert_eq!(files[0].metadata, Some(Some("m".into())));
        assert!(files[1].yanked);
        assert_eq!(files[1].metadata, Some(None));
        // PEP 700's size, when the page gives it.
        assert_eq!((files[0].size, files[1].size), (Some(11050), None));
        assert_eq!(files[0].hashes, [("sha256".to_string(), "abc".to_string())]);
        assert!(parse("u", "application/vnd.pypi.simple.v1+json", b"<html>").is_err());
        assert!(parse("u", "application/octet-stream", b"\x00\x01").is_err());
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "<a",
            "<a href=",
            "<a href='x>y</a",
            "<a \u{e9}=\"",
            "<<<a a a>>></a>",
            "<a href=\"\u{1F600}\">\u{1F600}</a>",
        ] {
            let _ = parse("http://h/", "text/html", text.as_bytes());
        }
    }
}
