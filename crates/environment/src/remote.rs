//! Wheels and source archives named by URL (`name @ https://host/x-1.0-py3-none-any.whl`),
//! fetched with the same client as every index request (pip's proxy, certificate and timeout
//! settings), checked against the `#sha256=` the reference gives, and then installed or built
//! like local files, recorded with the URL they came from (PEP 610).

use std::path::Path;

use site_config::SiteConfig;

use crate::direct::{SourceLocation, SourceRequest};
use crate::{Error, ErrorKind, Event, Wanted};

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
    let settings = site
        .index_settings("install")
        .map_err(|e| Error::input(e.to_string()))?;
    let client = download::Client::new(&download::HttpSettings::from_settings(&settings))
        .map_err(|e| Error::input(e.to_string()))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::install(format!("cannot create {}: {e}", dir.display())))?;
    for remote in std::mem::take(&mut wanted.remote) {
        let file_name = file_name_of(&remote.url).ok_or_else(|| {
            Error::input(format!(
                "{}: {} does not end in a file name (a .whl, .tar.gz or .zip)",
                remote.origin, remote.url
            ))
        })?;
        let dest = dir.join(&file_name);
        events(Event::Note(&format!("fetching {}", remote.url)));
        client
            .fetch(&remote.url, &dest, remote.sha256.as_deref())
            .map_err(|e| {
                let kind = if e.kind() == download::ErrorKind::Integrity {
                    ErrorKind::Resolution
                } else {
                    ErrorKind::Input
                };
                Error::new(
                    kind,
                    format!(
                        "{}: {} could not be fetched: {}. Nothing was installed.",
                        remote.origin, remote.url, e
                    ),
                )
            })?;
        let sha256 = build_frontend::sha256_file(&dest)
            .map_err(|e| Error::install(format!("cannot read {}: {e}", dest.display())))?;
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
            return Err(Error::input(format!(
                "{}: {} is neither a wheel (.whl) nor a source archive (.tar.gz, .zip)",
                remote.origin, remote.url
            )));
        }
    }
    Ok(())
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
    let parsed = wheel_name::WheelFilename::parse(file_name).map_err(|e| {
        Error::input(format!(
            "{origin}: {file_name} is not a valid wheel name ({e})"
        ))
    })?;
    if wheel_metadata::normalize_name(asked) != wheel_metadata::normalize_name(parsed.name()) {
        return Err(Error::input(format!(
            "{origin}: `{asked} @ …` names the wheel {file_name}, which is `{}`. Use its own \
             name: `{} @ …`.",
            parsed.name(),
            parsed.name()
        )));
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
