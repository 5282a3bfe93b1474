//! Request handling: routing, content negotiation (PEP 691), ETags, ranges.
//!
//! ```text
//! /, /index.html                      every package, with a search box (the human page)
//! /wheels/<project>.html              one package: its versions, Pythons, CPU levels, wheels
//! /<level>/simple/                    the project list (HTML or JSON by Accept)
//! /<level>/simple/<project>/          a project's files
//! /files/<path>                       a wheel (Range, ETag)
//! /files/<path>.metadata              its METADATA (PEP 658)
//! ```

use std::io::SeekFrom;
use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use sha2::{Digest, Sha256};
use tokio::io::AsyncSeekExt;

use crate::body::Body;
use crate::state::Snapshot;

const JSON: &str = "application/vnd.pypi.simple.v1+json";
const HTML_V1: &str = "application/vnd.pypi.simple.v1+html";

pub async fn handle<B>(snapshot: Arc<Snapshot>, req: Request<B>) -> Response<Body> {
    let head_only = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head_only {
        let mut r = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD: this index is read-only\n",
        );
        r.headers_mut()
            .insert("allow", HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let Some(path) = percent_decode(req.uri().path()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "malformed percent-encoding in the path\n",
        );
    };
    if path.split('/').any(|s| s == ".." || s == ".") || path.contains('\0') || path.contains('\\')
    {
        return text(
            StatusCode::BAD_REQUEST,
            "path segments '.' and '..' are refused\n",
        );
    }
    let mut response = route(&snapshot, &path, req.headers()).await;
    if head_only {
        *response.body_mut() = Body::Empty;
    }
    response
}

async fn route(snapshot: &Arc<Snapshot>, path: &str, headers: &HeaderMap) -> Response<Body> {
    if let Some(rel) = path.strip_prefix("/files/") {
        return serve_file(snapshot, rel, headers).await;
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        [""] | ["index.html"] => page(
            headers,
            snapshot.wheels_page.clone(),
            "text/html; charset=utf-8",
        ),
        [simple_index::PACKAGE_PAGES_DIR, file] => {
            match file
                .strip_suffix(".html")
                .and_then(|name| snapshot.packages.get(name))
            {
                Some(package) => page(
                    headers,
                    Bytes::from(simple_index::package_page_html(
                        package,
                        &snapshot.level_names,
                    )),
                    "text/html; charset=utf-8",
                ),
                None => not_found(),
            }
        }
        [level, "simple"] => redirect(&format!("/{level}/simple/")),
        [level, "simple", ""] => match snapshot.levels.get(*level) {
            Some(l) => {
                let names: Vec<&str> = l.names.iter().map(String::as_str).collect();
                negotiate(
                    headers,
                    || simple_index::root_html(&names),
                    || simple_index::root_json(&names),
                )
            }
            None => not_found(),
        },
        [level, "simple", project] | [level, "simple", project, ""] => {
            let Some(l) = snapshot.levels.get(*level) else {
                return not_found();
            };
            let normal = wheel_metadata::normalize_name(project);
            if normal != *project || parts.len() == 3 {
                return redirect(&format!("/{level}/simple/{normal}/"));
            }
            match l.projects.get(&normal) {
                Some(files) => negotiate(
                    headers,
                    || simple_index::project_html(&normal, files, "/files/"),
                    || simple_index::project_json(&normal, files, "/files/"),
                ),
                None => not_found(),
            }
        }
        _ => not_found(),
    }
}

/// JSON when the client ranks PEP 691 JSON at least as high as HTML (pip and uv do).
fn negotiate(
    headers: &HeaderMap,
    html: impl FnOnce() -> String,
    json: impl FnOnce() -> String,
) -> Response<Body> {
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/html");
    let (mut q_json, mut q_html, mut html_v1) = (0f32, 0f32, false);
    for range in accept.split(',') {
        let mut params = range.split(';');
        let media = params.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = params
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            JSON | "application/vnd.pypi.simple.latest+json" => q_json = q_json.max(q),
            HTML_V1 | "application/vnd.pypi.simple.latest+html" => {
                html_v1 = true;
                q_html = q_html.max(q)
            }
            "text/html" | "*/*" | "text/*" => q_html = q_html.max(q),
            _ => {}
        }
    }
    let mut response = if q_json > 0.0 && q_json >= q_html {
        page(headers, Bytes::from(json()), JSON)
    } else if q_html > 0.0 || q_json == 0.0 {
        let kind = if html_v1 {
            HTML_V1
        } else {
            "text/html; charset=utf-8"
        };
        page(headers, Bytes::from(html()), kind)
    } else {
        text(
            StatusCode::NOT_ACCEPTABLE,
            "this index serves HTML and PEP 691 JSON\n",
        )
    };
    response
        .headers_mut()
        .insert("vary", HeaderValue::from_static("Accept"));
    response
}

/// A page with a strong ETag of its content, answered 304 when the client has it.
fn page(headers: &HeaderMap, body: Bytes, content_type: &str) -> Response<Body> {
    let digest = Sha256::digest(&body);
    let etag = format!("\"{}\"", hex(&digest[..16]));
    let mut response = if if_none_match(headers, &etag) {
        empty(StatusCode::NOT_MODIFIED)
    } else {
        let len = body.len();
        let mut r = Response::new(Body::bytes(body));
        r.headers_mut()
            .insert("content-length", HeaderValue::from(len));
        r
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert("content-type", v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert("etag", v);
    }
    h.insert("cache-control", HeaderValue::from_static("max-age=60"));
    response
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all("if-none-match")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        })
}

/// Opens a file the catalog lists, proven inside the wheelhouse and not a link at this
/// moment ([`simple_index::PublishRoot::open`]); `None` when it is refused or gone.
async fn open_listed(snapshot: &Arc<Snapshot>, rel: &str) -> Option<std::fs::File> {
    let snapshot = snapshot.clone();
    let rel = rel.to_string();
    tokio::task::spawn_blocking(move || {
        snapshot
            .house
            .open(std::path::Path::new(&rel))
            .map(|(file, _)| file)
            .map_err(|refusal| eprintln!("wheelhouse serve: {refusal}"))
            .ok()
    })
    .await
    .ok()
    .flatten()
}

async fn serve_file(snapshot: &Arc<Snapshot>, rel: &str, headers: &HeaderMap) -> Response<Body> {
    if let Some(wheel) = rel.strip_suffix(".metadata") {
        let Some(file) = snapshot.files.get(wheel) else {
            return not_found();
        };
        if file.metadata_sha256.is_none() {
            return not_found();
        }
        let Some(handle) = open_listed(snapshot, wheel).await else {
            return not_found();
        };
        let bytes = tokio::task::spawn_blocking(move || catalog::metadata_bytes_of(handle)).await;
        return match bytes {
            Ok(Ok(bytes)) => page(headers, Bytes::from(bytes), "text/plain; charset=utf-8"),
            _ => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the wheel's METADATA cannot be read\n",
            ),
        };
    }
    let Some(file) = snapshot.files.get(rel) else {
        return not_found();
    };
    let etag = format!("\"{}\"", file.sha256);
    if if_none_match(headers, &etag) {
        let mut r = empty(StatusCode::NOT_MODIFIED);
        r.headers_mut().insert(
            "etag",
            HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
        );
        return r;
    }
    let mut handle = match open_listed(snapshot, rel).await {
        Some(f) => tokio::fs::File::from_std(f),
        None => return not_found(),
    };
    let size = match handle.metadata().await {
        Ok(m) => m.len(),
        Err(_) => return not_found(),
    };
    // A Range is honoured unless If-Range names another version of the file.
    let if_range_ok = headers
        .get("if-range")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == etag);
    let range = headers
        .get("range")
        .and_then(|v| v.to_str().ok())
        .filter(|_| if_range_ok)
        .map(|v| parse_range(v, size));
    let (status, start, len) = match range {
        None | Some(Range::Ignore) => (StatusCode::OK, 0, size),
        Some(Range::Bytes(start, end)) => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        Some(Range::Unsatisfiable) => {
            let mut r = text(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable\n");
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                r.headers_mut().insert("content-range", v);
            }
            return r;
        }
    };
    if start > 0 && handle.seek(SeekFrom::Start(start)).await.is_err() {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file\n");
    }
    let mut response = Response::new(Body::file(handle, len));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert("content-length", HeaderValue::from(len));
    h.insert("accept-ranges", HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert("etag", v);
    }
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", start + len - 1)) {
            h.insert("content-range", v);
        }
    }
    response
}

#[derive(Debug, PartialEq, Eq)]
enum Range {
    Bytes(u64, u64),
    Unsatisfiable,
    /// Malformed or several ranges: the whole file is sent (RFC 9110 allows it).
    Ignore,
}

fn parse_range(value: &str, size: u64) -> Range {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Range::Ignore;
    };
    if spec.contains(',') {
        return Range::Ignore;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Range::Ignore;
    };
    let (a, b) = (a.trim(), b.trim());
    let parsed = match (a.is_empty(), b.is_empty()) {
        (true, true) => return Range::Ignore,
        (true, false) => match b.parse::<u64>() {
            Ok(0) => return Range::Unsatisfiable,
            Ok(n) => (size.saturating_sub(n), size.saturating_sub(1)),
            Err(_) => return Range::Ignore,
        },
        (false, _) => {
            let Ok(start) = a.parse::<u64>() else {
                return Range::Ignore;
            };
            let end = if b.is_empty() {
                size.saturating_sub(1)
            } else {
                match b.parse::<u64>() {
                    Ok(e) if e >= start => e.min(size.saturating_sub(1)),
                    _ => return Range::Ignore,
                }
            };
            (start, end)
        }
    };
    if size == 0 || parsed.0 >= size {
        return Range::Unsatisfiable;
    }
    Range::Bytes(parsed.0, parsed.1)
}

fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn text(status: StatusCode, message: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::bytes(Bytes::from_static(message.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut()
        .insert("content-length", HeaderValue::from(message.len()));
    r
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::Empty);
    *r.status_mut() = status;
    r
}

fn not_found() -> Response<Body> {
    text(StatusCode::NOT_FOUND, "not found\n")
}

fn redirect(to: &str) -> Response<Body> {
    let mut r = empty(StatusCode::MOVED_PERMANENTLY);
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert("location", v);
    }
    r.headers_mut()
        .insert("content-length", HeaderValue::from(0));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Range::Bytes(0, 9));
        assert_eq!(parse_range("bytes=90-", 100), Range::Bytes(90, 99));
        assert_eq!(parse_range("bytes=-10", 100), Range::Bytes(90, 99));
        assert_eq!(parse_range("bytes=95-200", 100), Range::Bytes(95, 99));
        assert_eq!(parse_range("bytes=100-", 100), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 100), Range::Ignore);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Range::Ignore);
        assert_eq!(parse_range("items=0-1", 100), Range::Ignore);
        assert_eq!(parse_range("bytes=-", 100), Range::Ignore);
        assert_eq!(parse_range("bytes=x-", 100), Range::Ignore);
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("/a%2Bb").as_deref(), Some("/a+b"));
        assert_eq!(percent_decode("/%2e%2e/x").as_deref(), Some("/../x"));
        assert!(percent_decode("/%zz").is_none());
        assert!(percent_decode("/%f").is_none());
        assert!(percent_decode("/%ff").is_none());
    }
}
