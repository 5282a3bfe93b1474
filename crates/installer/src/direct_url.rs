//! PEP 610 `direct_url.json` for distributions installed from something named directly (a
//! project directory, an editable project, an archive, a VCS checkout), byte for byte as pip
//! writes it (`json.dumps(..., sort_keys=True)`), and read back for `freeze`.

use std::path::Path;

use crate::unpack::{file_url, json_escape};

/// A project directory built and installed (`pip install ./proj`), or installed editable
/// (`pip install -e ./proj`).
pub fn for_directory(project: &Path, editable: bool) -> String {
    let info = if editable {
        "{\"editable\": true}"
    } else {
        "{}"
    };
    format!(
        "{{\"dir_info\": {info}, \"url\": \"{}\"}}",
        json_escape(&file_url(project))
    )
}

/// A source archive file (`pip install ./x-1.0.tar.gz`), with its sha256.
pub fn for_archive(archive: &Path, sha256: &str) -> String {
    format!(
        "{{\"archive_info\": {{\"hash\": \"sha256={sha256}\", \"hashes\": {{\"sha256\": \
         \"{sha256}\"}}}}, \"url\": \"{}\"}}",
        json_escape(&file_url(archive))
    )
}

/// An archive (wheel or sdist) downloaded from a URL named directly
/// (`name @ https://host/x-1.0.tar.gz`), with its sha256.
pub fn for_archive_url(url: &str, sha256: &str) -> String {
    format!(
        "{{\"archive_info\": {{\"hash\": \"sha256={sha256}\", \"hashes\": {{\"sha256\": \
         \"{sha256}\"}}}}, \"url\": \"{}\"}}",
        json_escape(url)
    )
}

/// A git checkout (`name @ git+https://host/repo@rev#subdirectory=sub`): the repository URL
/// without the `git+` prefix, the commit it resolved to, the revision asked for.
pub fn for_git(
    url: &str,
    commit: &str,
    requested_revision: Option<&str>,
    subdirectory: Option<&str>,
) -> String {
    let subdirectory = subdirectory
        .map(|s| format!("\"subdirectory\": \"{}\", ", json_escape(s)))
        .unwrap_or_default();
    let requested = requested_revision
        .map(|r| format!("\"requested_revision\": \"{}\", ", json_escape(r)))
        .unwrap_or_default();
    format!(
        "{{{subdirectory}\"url\": \"{}\", \"vcs_info\": {{\"commit_id\": \"{}\", \
         {requested}\"vcs\": \"git\"}}}}",
        json_escape(url),
        json_escape(commit)
    )
}

/// What `freeze` prints for a distribution, read from its `direct_url.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectReference {
    /// `name @ <reference>`: an archive's URL with its hash, a directory's URL, or a VCS URL
    /// pinned to its commit.
    Url(String),
    /// An editable project: pip prints `-e <path>` after a comment line.
    Editable(String),
}

/// The reference in `dist_info/direct_url.json`, when there is one pip's freeze would use.
pub fn read(dist_info: &Path) -> Option<DirectReference> {
    let text = std::fs::read_to_string(dist_info.join("direct_url.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let url = value.get("url")?.as_str()?;
    if let Some(archive) = value.get("archive_info") {
        return Some(DirectReference::Url(
            match archive.get("hash").and_then(|h| h.as_str()) {
                Some(hash) => format!("{url}#{hash}"),
                None => url.to_string(),
            },
        ));
    }
    if let Some(vcs) = value.get("vcs_info") {
        let kind = vcs.get("vcs")?.as_str()?;
        let commit = vcs.get("commit_id")?.as_str()?;
        let mut reference = format!("{kind}+{url}@{commit}");
        if let Some(sub) = value.get("subdirectory").and_then(|s| s.as_str()) {
            reference.push_str(&format!("#subdirectory={sub}"));
        }
        return Some(DirectReference::Url(reference));
    }
    let dir_info = value.get("dir_info")?;
    let editable = dir_info
        .get("editable")
        .and_then(|e| e.as_bool())
        .unwrap_or(false);
    if editable {
        let path = url.strip_prefix("file://").map(percent_decode)?;
        return Some(DirectReference::Editable(path));
    }
    Some(DirectReference::Url(url.to_string()))
}

/// `%XX` escapes of a URL's path decoded (invalid UTF-8 replaced), as `file://` URLs are
/// turned back into paths.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
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
    use super::*;

    #[test]
    fn written_as_pip_writes_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("p-1.0.dist-info");
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            (
                for_directory(Path::new("/src/my proj"), true),
                DirectReference::Editable("/src/my proj".into()),
            ),
            (
                for_directory(Path::new("/src/proj"), false),
                DirectReference::Url("file:///src/proj".into()),
            ),
            (
                for_archive(Path::new("/d/p-1.0.tar.gz"), "ab"),
                DirectReference::Url("file:///d/p-1.0.tar.gz#sha256=ab".into()),
            ),
            (
                for_git("file:///r/repo", "c0ffee", Some("v1"), Some("sub")),
                DirectReference::Url("git+file:///r/repo@c0ffee#subdirectory=sub".into()),
            ),
        ];
        for (json, want) in cases {
            serde_json::from_str::<serde_json::Value>(&json).expect(&json);
            std::fs::write(dir.join("direct_url.json"), &json).unwrap();
            assert_eq!(read(&dir), Some(want), "{json}");
        }
        assert_eq!(
            for_directory(Path::new("/src/proj"), true),
            r#"{"dir_info": {"editable": true}, "url": "file:///src/proj"}"#
        );
        assert_eq!(
            for_git("https://h/r.git", "abc", None, None),
            r#"{"url": "https://h/r.git", "vcs_info": {"commit_id": "abc", "vcs": "git"}}"#
        );
    }
}
