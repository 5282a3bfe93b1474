//! Files over HTTP: whole wheels written under a temporary name and renamed into place only
//! when verified (resumed with a Range request after a cut connection, removed on Ctrl-C),
//! and a wheel's METADATA read by range requests (module `lazy`), with the whole file as the
//! fallback for servers that ignore ranges.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use ureq::http::Response;
use ureq::Body;

use crate::http::{hex, Client, Stop};
use crate::lazy::{self, Unreadable};
use crate::route::{self, Route};
use crate::Error;

/// A file under a temporary name: removed when dropped, unless [`TempFile::keep`] says
/// otherwise (a part kept for resuming) or it was renamed into place.
pub(crate) struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl TempFile {
    pub(crate) fn new(path: PathBuf) -> TempFile {
        TempFile { path, keep: false }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file to `dest` (then nothing is left to remove).
    pub(crate) fn persist(mut self, dest: &Path) -> std::io::Result<()> {
        std::fs::rename(&self.path, dest)?;
        self.keep = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A wheel's METADATA, or, from a server that ignores ranges, the whole wheel (verified,
/// at this path).
pub(crate) enum Lazy {
    Text(String),
    Whole(PathBuf),
}

/// `bytes START-END/TOTAL` of a 206 answer.
fn content_range(response: &Response<Body>) -> Option<(u64, u64, u64)> {
    let value = response.headers().get("content-range")?.to_str().ok()?;
    let (range, total) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end, total) = (
        start.trim().parse().ok()?,
        end.trim().parse().ok()?,
        total.trim().parse().ok()?,
    );
    (start <= end && end < total).then_some((start, end, total))
}

/// A range request that did not work.
enum RangeError {
    /// The server answered otherwise than with the range: fetch the whole file instead.
    Refused,
    Failed(Error),
}

/// Later range requests, once the length is known.
struct Ranges<'a> {
    client: &'a Client,
    url: &'a str,
    total: u64,
}

impl lazy::Source for Ranges<'_> {
    type Error = RangeError;

    fn read(&mut self, start: u64, end: u64) -> Result<Vec<u8>, RangeError> {
        if start >= end || end > self.total {
            return Err(RangeError::Refused);
        }
        let range = format!("bytes={start}-{}", end - 1);
        let (mut response, route) = self
            .client
            .get(
                self.url,
                &[("Range", &range), ("Accept-Encoding", "identity")],
            )
            .map_err(RangeError::Failed)?;
        if response.status().as_u16() != 206
            || content_range(&response) != Some((start, end - 1, self.total))
        {
            return Err(RangeError::Refused);
        }
        self.client
            .body(self.url, &route, &mut response, end - start)
            .map_err(RangeError::Failed)
    }
}

impl Client {
    /// Reads the METADATA of the wheel at `url`: its zip's end, directory and METADATA
    /// member by range requests. A server that ignores ranges sends the whole file with the
    /// first answer, which is then saved to the path `whole` gives (checked against
    /// `sha256`); so is a file whose parts do not make a wheel this reader understands (the
    /// caller reads it whole).
    pub(crate) fn lazy_metadata(
        &self,
        url: &str,
        whole: &dyn Fn() -> Result<PathBuf, Error>,
        sha256: Option<&str>,
    ) -> Result<Lazy, Error> {
        let tail = format!("bytes=-{}", lazy::TAIL);
        let (mut response, route) =
            self.get(url, &[("Range", &tail), ("Accept-Encoding", "identity")])?;
        match response.status().as_u16() {
            206 => {}
            // The server ignores ranges: this answer is the whole file.
            200 => {
                let dest = whole()?;
                self.save(url, &route, &mut response, &dest, sha256, false)?;
                return Ok(Lazy::Whole(dest));
            }
            // An empty file, or ranges refused: the whole file decides.
            416 => return self.whole(url, whole, sha256),
            status => return Err(route::status(url, &route, status)),
        }
        let Some((start, end, total)) = content_range(&response) else {
            return self.whole(url, whole, sha256);
        };
        if end + 1 != total || end - start + 1 > lazy::TAIL {
            return self.whole(url, whole, sha256);
        }
        let bytes = self.body(url, &route, &mut response, end - start + 1)?;
        if bytes.len() as u64 != end - start + 1 {
            return self.whole(url, whole, sha256);
        }
        let mut ranges = Ranges {
            client: self,
            url,
            total,
        };
        match lazy::read_metadata(&mut ranges, total, start, bytes) {
            Ok(text) => Ok(Lazy::Text(text)),
            Err(Unreadable::Fetch(RangeError::Failed(e))) => Err(e),
            Err(Unreadable::Fetch(RangeError::Refused) | Unreadable::Archive(_)) => {
                self.whole(url, whole, sha256)
            }
        }
    }

    /// GETs the whole file at `url` to the path `dest` gives, checked.
    fn whole(
        &self,
        url: &str,
        dest: &dyn Fn() -> Result<PathBuf, Error>,
        sha256: Option<&str>,
    ) -> Result<Lazy, Error> {
        let (mut response, route) = self.get(url, &[])?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(route::status(url, &route, status));
        }
        let dest = dest()?;
        self.save(url, &route, &mut response, &dest, sha256, false)?;
        Ok(Lazy::Whole(dest))
    }

    /// Downloads `url` to `dest` through `DEST_DIR/.NAME.part`: resumed from where an earlier
    /// attempt stopped (HTTP Range), hashed, checked against `sha256` when the index gave
    /// one, and renamed into place only when whole. A cut connection keeps the part for the
    /// next attempt; Ctrl-C removes it. Returns whether it resumed.
    pub fn fetch(&self, url: &str, dest: &Path, sha256: Option<&str>) -> Result<bool, Error> {
        let have = std::fs::metadata(part_of(dest))
            .map(|m| m.len())
            .unwrap_or(0);
        let range = format!("bytes={have}-");
        let mut headers = Vec::new();
        if have > 0 {
            headers.push(("Range", range.as_str()));
            headers.push(("Accept-Encoding", "identity"));
        }
        let (mut response, route) = self.get(url, &headers)?;
        let status = response.status().as_u16();
        if status == 416 && have > 0 {
            // The part is not a prefix of the file (it changed, or the part is whole but
            // was never checked): start again.
            drop(response);
            let _ = std::fs::remove_file(part_of(dest));
            return self.fetch(url, dest, sha256);
        }
        let resumed = status == 206
            && have > 0
            && content_range(&response).is_some_and(|(start, _, _)| start == have);
        if status != 200 && !resumed {
            return Err(route::status(url, &route, status));
        }
        self.save(url, &route, &mut response, dest, sha256, resumed)?;
        Ok(resumed)
    }

    /// Writes the body to `dest` through its part file (appended to when `resumed`).
    fn save(
        &self,
        url: &str,
        route: &Route<'_>,
        response: &mut Response<Body>,
        dest: &Path,
        sha256: Option<&str>,
        resumed: bool,
    ) -> Result<(), Error> {
        let mut part = TempFile::new(part_of(dest));
        let io = |action: &'static str, e: std::io::Error| Error::local(action, part_of(dest), e);
        let mut hasher = Sha256::new();
        let mut file = if resumed {
            // The bytes kept count towards the hash.
            let mut old = File::open(part.path()).map_err(|e| io("read", e))?;
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = old.read(&mut buf).map_err(|e| io("read", e))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            OpenOptions::new()
                .append(true)
                .open(part.path())
                .map_err(|e| io("open", e))?
        } else {
            File::create(part.path()).map_err(|e| io("create", e))?
        };
        let read = self.read_body(response, u64::MAX - 1, |bytes| {
            hasher.update(bytes);
            file.write_all(bytes)
        });
        match read {
            Ok(_) => {}
            Err(Stop::Cancelled) => return Err(self.cancel_error()),
            Err(Stop::Write(e)) => return Err(io("write", e)),
            Err(Stop::TooLarge) => {
                return Err(io("write", std::io::ErrorKind::FileTooLarge.into()))
            }
            Err(Stop::Network(e)) => {
                let _ = file.flush();
                part.keep = true;
                return Err(Error::Incomplete {
                    url: url.to_string(),
                    proxy: route.proxy.map(str::to_string),
                    part: part.path().to_path_buf(),
                    source: Arc::new(e),
                });
            }
        }
        file.sync_all().map_err(|e| io("write", e))?;
        drop(file);
        let digest = hex(&hasher.finalize());
        if let Some(expected) = sha256 {
            if !digest.eq_ignore_ascii_case(expected) {
                return Err(Error::HashMismatch {
                    url: url.to_string(),
                    expected: expected.to_string(),
                    actual: digest,
                    discarded: true,
                });
            }
        }
        part.persist(dest).map_err(|e| io("rename", e))
    }
}

/// `DIR/.NAME.part` for `DIR/NAME`.
pub(crate) fn part_of(dest: &Path) -> PathBuf {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    dest.with_file_name(format!(".{name}.part"))
}
