//! Where a locked file is on this machine: `path` (absolute, or relative to the lock file as
//! PEP 751 says), else a `file://` URL; and, when the site moved its wheelhouse, the same
//! place under the current `$WHEELHOUSE`.

use std::path::{Path, PathBuf};

use crate::{File, Lock};

impl Lock {
    /// The local file for `file`. `lock_dir` is the lock file's directory; `wheelhouse_now`
    /// the current `$WHEELHOUSE`. Errors say why the file cannot be local (an http URL).
    pub fn local_path(
        &self,
        file: &File,
        lock_dir: &Path,
        wheelhouse_now: Option<&Path>,
    ) -> Result<PathBuf, String> {
        let named = match (&file.path, &file.url) {
            (Some(p), _) => {
                let p = Path::new(p);
                if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    lock_dir.join(p)
                }
            }
            (None, Some(url)) => match url.strip_prefix("file://") {
                // `file:///x` and `file://localhost/x`.
                Some(rest) => {
                    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
                    PathBuf::from(percent_decode(rest))
                }
                None => {
                    return Err(format!(
                        "is at {url}, which is neither a local file nor an http(s) URL. \
                         Download it first (`wheelhouse download`) and lock against the \
                         directory (`wheelhouse lock -f DIR`)"
                    ))
                }
            },
            (None, None) => return Err("has neither a path nor a url".into()),
        };
        // Only a file under the wheelhouse the lock was made with can have moved (a `stat`
        // each otherwise, for nothing: the file is opened to be hashed anyway).
        if let (Some(then), Some(now)) = (&self.wheelhouse, wheelhouse_now) {
            if let Ok(rel) = named.strip_prefix(then) {
                if !named.exists() {
                    let moved = now.join(rel);
                    if moved.exists() {
                        return Ok(moved);
                    }
                }
            }
        }
        Ok(named)
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_urls_are_decoded() {
        assert_eq!(super::percent_decode("/a/b%2Bc.whl"), "/a/b+c.whl");
        assert_eq!(super::percent_decode("/a%2"), "/a%2");
        assert_eq!(super::percent_decode("%"), "%");
    }
}
