//! Index pages and wheel metadata kept in the cache directory, so a second resolve costs no
//! transfers: a page is reused while its `Cache-Control: max-age` lasts, then revalidated
//! with its `ETag` / `Last-Modified` (a 304 costs no body); METADATA is kept by the wheel's
//! sha256 (a file's content never changes under its hash) or, without one, by URL (index
//! files are immutable by convention, as pip's and uv's caches assume).
//!
//! ```text
//! <cache>/index-v1/pages/<sha256 of URL>      a header line (JSON), then the page's body
//! <cache>/index-v1/metadata/<sha256 of key>   a wheel's METADATA
//! <cache>/index-v1/tmp/                       files being written, and whole wheels
//!                                             fetched for their metadata
//! ```
//! Files are written under a temporary name and renamed into place, so a reader sees a whole
//! file or none. A kept file is untrusted input: one that does not parse is ignored (and the
//! page fetched again), never a panic.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::http::{hex, PageMeta, Validators};

/// A page as kept.
#[derive(Clone, Debug)]
pub(crate) struct KeptPage {
    pub status: u16,
    pub content_type: String,
    pub validators: Validators,
    /// Seconds since the epoch until which the page is used without asking.
    pub fresh_until: u64,
    pub body: Vec<u8>,
}

impl KeptPage {
    pub(crate) fn is_fresh(&self) -> bool {
        now() < self.fresh_until
    }
}

/// What `Cache-Control` allows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    pub no_store: bool,
    pub no_cache: bool,
    pub max_age: Option<u64>,
}

impl Policy {
    pub(crate) fn parse(header: &str) -> Policy {
        let mut policy = Policy::default();
        for directive in header.split(',') {
            let (name, value) = match directive.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            match name.to_ascii_lowercase().as_str() {
                "no-store" => policy.no_store = true,
                "no-cache" => policy.no_cache = true,
                "max-age" => policy.max_age = value.and_then(|v| v.parse().ok()),
                _ => {}
            }
        }
        policy
    }

    /// Until when an answer with this policy, `age` seconds old already, is fresh.
    fn fresh_until(self, age: u64) -> u64 {
        match self.max_age {
            Some(max) if !self.no_cache => now().saturating_add(max.saturating_sub(age)),
            _ => 0,
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The index part of a cache directory.
#[derive(Clone, Debug)]
pub(crate) struct IndexCache {
    root: PathBuf,
}

static SERIAL: AtomicU64 = AtomicU64::new(0);

fn key(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

impl IndexCache {
    pub(crate) fn new(cache_dir: &Path) -> IndexCache {
        IndexCache {
            root: cache_dir.join("index-v1"),
        }
    }

    pub(crate) fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    fn page_path(&self, url: &str) -> PathBuf {
        self.root.join("pages").join(key(url))
    }

    fn metadata_path(&self, key_text: &str) -> PathBuf {
        self.root.join("metadata").join(key(key_text))
    }

    /// The kept page of `url`, if one is there and readable.
    pub(crate) fn page(&self, url: &str) -> Option<KeptPage> {
        let bytes = std::fs::read(self.page_path(url)).ok()?;
        let newline = bytes.iter().position(|&b| b == b'\n')?;
        let head: Value = serde_json::from_slice(&bytes[..newline]).ok()?;
        if head.get("url").and_then(Value::as_str) != Some(url) {
            return None;
        }
        let text = |name: &str| head.get(name).and_then(Value::as_str).map(str::to_string);
        let status = u16::try_from(head.get("status")?.as_u64()?).ok()?;
        Some(KeptPage {
            status,
            content_type: text("content_type").unwrap_or_default(),
            validators: Validators {
                etag: text("etag"),
                last_modified: text("last_modified"),
            },
            fresh_until: head.get("fresh_until").and_then(Value::as_u64).unwrap_or(0),
            body: bytes[newline + 1..].to_vec(),
        })
    }

    /// Keeps an answer for `url` when its `Cache-Control` allows and there is something to
    /// reuse it by (a validator or a freshness time). Returns what was kept, if anything.
    pub(crate) fn keep_page(&self, url: &str, meta: &PageMeta, body: &[u8]) -> Option<KeptPage> {
        let policy = Policy::parse(&meta.cache_control);
        let fresh_until = policy.fresh_until(meta.age);
        let has_validator =
            meta.validators.etag.is_some() || meta.validators.last_modified.is_some();
        if policy.no_store || !(has_validator || fresh_until > 0) {
            let _ = std::fs::remove_file(self.page_path(url));
            return None;
        }
        let kept = KeptPage {
            status: meta.status,
            content_type: meta.content_type.clone(),
            validators: meta.validators.clone(),
            fresh_until,
            body: body.to_vec(),
        };
        self.write_page(url, &kept);
        Some(kept)
    }

    /// A 304 for a kept page: its freshness starts again, with the new validators if sent.
    pub(crate) fn renew_page(&self, url: &str, mut kept: KeptPage, meta: &PageMeta) -> KeptPage {
        let policy = Policy::parse(&meta.cache_control);
        kept.fresh_until = policy.fresh_until(meta.age);
        if meta.validators.etag.is_some() {
            kept.validators.etag = meta.validators.etag.clone();
        }
        if meta.validators.last_modified.is_some() {
            kept.validators.last_modified = meta.validators.last_modified.clone();
        }
        if !policy.no_store {
            self.write_page(url, &kept);
        }
        kept
    }

    /// Forgets a kept page (it did not parse).
    pub(crate) fn drop_page(&self, url: &str) {
        let _ = std::fs::remove_file(self.page_path(url));
    }

    fn write_page(&self, url: &str, kept: &KeptPage) {
        let head = json!({
            "url": url,
            "status": kept.status,
            "content_type": kept.content_type,
            "etag": kept.validators.etag,
            "last_modified": kept.validators.last_modified,
            "fresh_until": kept.fresh_until,
        });
        let mut bytes = head.to_string().into_bytes();
        bytes.push(b'\n');
        bytes.extend_from_slice(&kept.body);
        self.write(&self.page_path(url), &bytes);
    }

    /// Kept METADATA for `key_text` (a wheel's sha256 and name, or its URL).
    pub(crate) fn metadata(&self, key_text: &str) -> Option<String> {
        let bytes = std::fs::read(self.metadata_path(key_text)).ok()?;
        String::from_utf8(bytes).ok()
    }

    pub(crate) fn keep_metadata(&self, key_text: &str, text: &str) {
        self.write(&self.metadata_path(key_text), text.as_bytes());
    }

    /// Writes `bytes` to `path` through a temporary file in `tmp/` (best effort: a cache that
    /// cannot be written is only not used).
    fn write(&self, path: &Path, bytes: &[u8]) {
        let tmp = self.tmp();
        let Some(parent) = path.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() || std::fs::create_dir_all(&tmp).is_err() {
            return;
        }
        let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        let temp = crate::transfer::TempFile::new(tmp.join(format!(
            "{}.{}.{serial}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        )));
        if std::fs::write(temp.path(), bytes).is_ok() {
            let _ = temp.persist(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control() {
        let p = Policy::parse("public, max-age=600");
        assert_eq!(p.max_age, Some(600));
        assert!(!p.no_cache && !p.no_store);
        assert!(Policy::parse("no-cache, max-age=5").no_cache);
        assert!(Policy::parse("No-Store").no_store);
        assert_eq!(Policy::parse("max-age=\"7\"").max_age, Some(7));
        assert_eq!(Policy::parse("max-age=x").max_age, None);
        assert_eq!(Policy::parse("no-cache, max-age=5").fresh_until(0), 0);
        assert!(Policy::parse("max-age=600").fresh_until(0) > now());
        assert!(Policy::parse("max-age=600").fresh_until(700) <= now());
    }

    fn meta(cache_control: &str, etag: Option<&str>) -> PageMeta {
        PageMeta {
            status: 200,
            content_type: "text/html".into(),
            validators: Validators {
                etag: etag.map(str::to_string),
                last_modified: None,
            },
            cache_control: cache_control.into(),
            age: 0,
        }
    }

    #[test]
    fn pages_round_trip_and_garbage_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = IndexCache::new(dir.path());
        let url = "http://h/simple/six/";
        assert!(cache.keep_page(url, &meta("", None), b"x").is_none());
        assert!(cache.page(url).is_none());
        cache.keep_page(url, &meta("max-age=60", Some("\"e1\"")), b"<a>\n</a>");
        let kept = cache.page(url).unwrap();
        assert_eq!(kept.body, b"<a>\n</a>");
        assert!(kept.is_fresh());
        assert_eq!(kept.validators.etag.as_deref(), Some("\"e1\""));
        // Another URL's page in this file (a hash collision, a copied file) is not used.
        assert!(cache.page("http://h/simple/other/").is_none());
        for garbage in [&b""[..], b"\n", b"{\"url\": 3}\nx", b"\xff\xfe\n", b"{}"] {
            std::fs::write(cache.page_path(url), garbage).unwrap();
            assert!(cache.page(url).is_none());
        }
        // No temporary file is left behind.
        let left: Vec<_> = std::fs::read_dir(cache.tmp()).unwrap().collect();
        assert!(left.is_empty());
    }
}
