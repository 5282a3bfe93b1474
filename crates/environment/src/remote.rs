//! Wheels and source archives named by URL (`name @ https://host/x-1.0-py3-none-any.whl`),
//! fetched with the same client as every index request (pip's proxy, certificate and timeout
//! settings), checked against the `#sha256=` the reference gives, and then installed or built
//! like local files, recorded with the URL they came from (PEP 610).

use std::path::Path;

use site_config::SiteConfig;

use crate::direct::{SourceLocation, SourceRequest};
use crate::{Error, Event, Wanted};

/// Files a lock names by URL fetched at once.
const FETCHERS: usize = 8;

const ARCHIVE_SUFFIXES: &[&str] = &[".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar"];

/// Fetches every URL of `wanted.remote` into `dir`: wheels become wheel files of `wanted`,
/// archives sources to build.
pub fn fetch(
    site: &SiteConfig,
    wanted: &mut Wanted,
    dir: &Path,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<(), Error> {
    if wanted.remote.is_empty() {
        return Ok(());
    }
    let settings = site.index_settings("install").map_err(Error::Config)?;
    let client = download::Client::new(&download::HttpSettings::from_settings(&settings))
        .map_err(|e| Error::HttpClient(Box::new(e)))?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        action: "create",
        path: dir.to_path_buf(),
        source,
    })?;
    for remote in std::mem::take(&mut wanted.remote) {
        let file_name = file_name_of(&remote.url).ok_or_else(|| Error::UrlWithoutFileName {
            origin: remote.origin.clone(),
            url: remote.url.clone(),
        })?;
        let dest = dir.join(&file_name);
        events(Event::Note(&format!("fetching {}", remote.url)));
        client
            .fetch(&remote.url, &dest, remote.sha256.as_deref())
            .map_err(|source| Error::Fetch {
                origin: remote.origin.clone(),
                url: remote.url.clone(),
                source: Box::new(source),
            })?;
        let sha256 = build_frontend::sha256_file(&dest).map_err(|source| Error::Io {
            action: "read",
            path: dest.clone(),
            source,
        })?;
        if file_name.ends_with(".whl") {
            check_name(&remote.name, &file_name, &remote.origin)?;
            let direct_url = installer::direct_url::for_archive_url(&remote.url, &sha256);
            wanted.add_fetched_wheel(dest, direct_url)?;
        } else if ARCHIVE_SUFFIXES.iter().any(|s| file_name.ends_with(s)) {
            wanted.sources.push(SourceRequest {
                location: SourceLocation::Archive(dest),
                editable: false,
                name: Some(remote.name.clone()),
                url: Some(remote.url.clone()),
                extras: remote.extras.clone(),
                origin: remote.origin.clone(),
            });
        } else {
            return Err(Error::NotWheelOrArchive {
                origin: remote.origin.clone(),
                url: remote.url.clone(),
            });
        }
    }
    Ok(())
}

/// One file a lock names by URL (a wheel of an index), to fetch before a sync: its hash is
/// the caller's to check against the lock, which also names the entry in the error.
pub struct UrlFile {
    pub url: String,
    /// Where in the lock (`pylock.toml: packages[3] (six)`).
    pub origin: String,
}

/// Fetches each of `files` into `dir` (one client, pip's proxy, certificate and timeout
/// settings); returns each file's path there, in order.
pub fn fetch_urls(
    site: &SiteConfig,
    files: &[UrlFile],
    dir: &Path,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Vec<std::path::PathBuf>, Error> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let settings = site.index_settings("install").map_err(Error::Config)?;
    let client = download::Client::new(&download::HttpSettings::from_settings(&settings))
        .map_err(|e| Error::HttpClient(Box::new(e)))?;
    let fetch_one = |n: usize, file: &UrlFile| -> Result<std::path::PathBuf, Error> {
        let name = file_name_of(&file.url).ok_or_else(|| Error::UrlWithoutFileName {
            origin: file.origin.clone(),
            url: file.url.clone(),
        })?;
        // A directory each: two entries may name files of the same name.
        let sub = dir.join(n.to_string());
        std::fs::create_dir_all(&sub).map_err(|source| Error::Io {
            action: "create",
            path: sub.clone(),
            source,
        })?;
        let dest = sub.join(name);
        events(Event::Note(&format!("fetching {}", file.url)));
        client
            .fetch(&file.url, &dest, None)
            .map_err(|source| Error::Fetch {
                origin: file.origin.clone(),
                url: file.url.clone(),
                source: Box::new(source),
            })?;
        Ok(dest)
    };
    // A few at once, as an index's pages are read; the first failure (in the lock's order)
    // is the one said.
    let indexed: Vec<(usize, &UrlFile)> = files.iter().enumerate().collect();
    let chunk = indexed.len().div_ceil(FETCHERS).max(1);
    let results: Vec<Result<std::path::PathBuf, Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = indexed
            .chunks(chunk)
            .map(|part| {
                let fetch_one = &fetch_one;
                scope.spawn(move || {
                    part.iter()
                        .map(|(n, f)| fetch_one(*n, f))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("fetchers do not panic"))
            .collect()
    });
    results.into_iter().collect()
}

/// The last path segment of a URL, percent-decoded, when it is a plain file name.
fn file_name_of(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let last = path.rsplit('/').next()?;
    let mut out = Vec::new();
    let bytes = last.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&last[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let name = String::from_utf8(out).ok()?;
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control);
    plain.then_some(name)
}

fn check_name(asked: &str, file_name: &str, origin: &str) -> Result<(), Error> {
    let parsed =
        wheel_name::WheelFilename::parse(file_name).map_err(|source| Error::InvalidWheelName {
            origin: Some(origin.to_string()),
            file_name: file_name.to_string(),
            source,
        })?;
    if wheel_metadata::normalize_name(asked) != wheel_metadata::normalize_name(parsed.name()) {
        return Err(Error::WheelNameMismatch {
            origin: origin.to_string(),
            asked: asked.to_string(),
            file_name: file_name.to_string(),
            name: parsed.name().to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_urls() {
        assert_eq!(
            file_name_of("https://h/p/six-1.0-py3-none-any.whl#sha256=00").as_deref(),
            Some("six-1.0-py3-none-any.whl")
        );
        assert_eq!(
            file_name_of("https://h/a%20b-1.0.tar.gz?x=1").as_deref(),
            Some("a b-1.0.tar.gz")
        );
        assert_eq!(file_name_of("https://h/p/..%2F..%2Fx.whl"), None);
        assert_eq!(file_name_of("https://h/p/"), None);
    }
}
