//! Requirements that name their distribution directly instead of by version: a wheel file, a
//! source archive, a project directory (`.`, `./proj`), an editable project (`-e ./proj`), a
//! `name @ URL` reference (`file://`, `git+…`) and freeze's own `name @ file:///…#sha256=…`
//! lines. They are told apart from the text alone, as pip tells them apart.

use std::path::{Path, PathBuf};

use crate::{Editable, Error};

/// Something named directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Direct {
    /// A wheel file, installed as it is.
    Wheel(PathBuf),
    /// A source to build into a wheel first.
    Source(SourceRequest),
    /// A wheel or source archive on a web server, fetched first.
    Remote(RemoteRequest),
}

/// `name @ https://host/path/x-1.0.tar.gz#sha256=…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteRequest {
    /// The URL without its fragment.
    pub url: String,
    /// The `#sha256=` the reference gives, checked once fetched.
    pub sha256: Option<String>,
    pub name: String,
    pub extras: Vec<String>,
    pub origin: String,
}

/// A source to build: where it is, and what was said about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRequest {
    pub location: SourceLocation,
    /// `-e`: built with the backend's `build_editable` (PEP 660).
    pub editable: bool,
    /// The name given before ` @ `, which the built wheel must carry.
    pub name: Option<String>,
    /// For an archive fetched from a URL: that URL, which `direct_url.json` records.
    pub url: Option<String>,
    /// `[extra,...]` given with the name.
    pub extras: Vec<String>,
    /// Where it was asked for, for messages (`command line`, `req.txt:3`).
    pub origin: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceLocation {
    /// A project directory (`pyproject.toml` or `setup.py`).
    Directory(PathBuf),
    /// A source archive file (`.tar.gz`, `.zip`).
    Archive(PathBuf),
    /// A git repository: its URL (without `git+`), the revision asked for, a subdirectory.
    Git {
        url: String,
        revision: Option<String>,
        subdirectory: Option<String>,
    },
}

const ARCHIVE_SUFFIXES: &[&str] = &[".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar"];

/// What `text` names directly, or `None` for a plain requirement (`numpy>=1.2`). `editable`
/// for `-e TEXT`.
pub fn classify(text: &str, origin: &str, editable: bool) -> Result<Option<Direct>, Error> {
    let text = text.trim();
    let (name, extras, reference) = match split_at_sign(text) {
        Some((name, extras, reference)) => (Some(name), extras, reference),
        None => (None, Vec::new(), text),
    };
    let request = |location| SourceRequest {
        location,
        editable,
        name: name.clone(),
        url: None,
        extras: extras.clone(),
        origin: origin.to_string(),
    };
    if let Some(git) = reference.strip_prefix("git+") {
        let (url, fragment) = split_fragment(git);
        let (url, revision) = split_revision(url);
        let mut subdirectory = None;
        let mut egg = None;
        for part in fragment.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some(("subdirectory", v)) => subdirectory = Some(v.to_string()),
                Some(("egg", v)) => egg = Some(v.to_string()),
                _ => {}
            }
        }
        let mut found = request(SourceLocation::Git {
            url: url.to_string(),
            revision,
            subdirectory,
        });
        if found.name.is_none() {
            found.name = egg;
        }
        return Ok(Some(Direct::Source(found)));
    }
    for scheme in ["hg+", "svn+", "bzr+"] {
        if reference.starts_with(scheme) {
            return Err(Error::OtherVcs {
                origin: origin.to_string(),
                text: text.to_string(),
                vcs: scheme.trim_end_matches('+').to_string(),
            });
        }
    }
    let local = if let Some(rest) = reference.strip_prefix("file://") {
        let (path, _fragment) = split_fragment(rest);
        Some(PathBuf::from(installer::direct_url::percent_decode(path)))
    } else if name.is_none() && looks_like_path(reference) {
        Some(PathBuf::from(reference))
    } else if reference.starts_with("http://") || reference.starts_with("https://") {
        let Some(name) = name else {
            return Err(Error::UrlWithoutName {
                origin: origin.to_string(),
                text: text.to_string(),
            });
        };
        if editable {
            return Err(Error::NotEditable {
                origin: origin.to_string(),
                given: Editable::Url,
            });
        }
        let (url, fragment) = split_fragment(reference);
        let sha256 = fragment.and_then(|f| {
            f.split('&')
                .find_map(|p| p.strip_prefix("sha256="))
                .map(str::to_string)
        });
        return Ok(Some(Direct::Remote(RemoteRequest {
            url: url.to_string(),
            sha256,
            name,
            extras,
            origin: origin.to_string(),
        })));
    } else {
        None
    };
    let Some(path) = local else {
        if editable {
            return Err(Error::NotEditable {
                origin: origin.to_string(),
                given: Editable::Other(text.to_string()),
            });
        }
        return Ok(None);
    };
    // Looked up as written (`sub/../x.whl` needs `sub`), then made absolute with `..`
    // resolved lexically, as pip's os.path.abspath records it.
    let exists = path.exists();
    let path = std::path::absolute(&path).unwrap_or(path);
    let path = installer::paths::normalize(&path);
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if exists && path.is_dir() {
        return Ok(Some(Direct::Source(request(SourceLocation::Directory(
            path,
        )))));
    }
    if !exists {
        return Err(Error::PathNotFound {
            origin: origin.to_string(),
            path,
        });
    }
    if editable {
        return Err(Error::NotEditable {
            origin: origin.to_string(),
            given: Editable::File(path),
        });
    }
    if file_name.ends_with(".whl") {
        return Ok(Some(Direct::Wheel(path)));
    }
    if ARCHIVE_SUFFIXES.iter().any(|s| file_name.ends_with(s)) {
        return Ok(Some(Direct::Source(request(SourceLocation::Archive(path)))));
    }
    Err(Error::NotInstallable {
        origin: origin.to_string(),
        path,
    })
}

/// `name[extras] @ reference` → its parts, when `text` has that form.
fn split_at_sign(text: &str) -> Option<(String, Vec<String>, &str)> {
    let (left, right) = text.split_once('@')?;
    let left = left.trim();
    let right = right.trim();
    let (name, extras) = match left.split_once('[') {
        Some((name, rest)) => {
            let inner = rest.strip_suffix(']')?;
            let extras = inner
                .split(',')
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect();
            (name.trim(), extras)
        }
        None => (left, Vec::new()),
    };
    if !wheel_metadata::is_valid_name(name) || !right.contains(':') {
        return None;
    }
    // Markers after the URL (`; python_version > "3"`) are not supported on direct
    // references here; the URL ends at the first space.
    let reference = right.split_whitespace().next()?;
    Some((name.to_string(), extras, reference))
}

fn split_fragment(url: &str) -> (&str, Option<&str>) {
    match url.split_once('#') {
        Some((url, fragment)) => (url, Some(fragment)),
        None => (url, None),
    }
}

/// `https://host/repo.git@v1.0` → the URL and `v1.0`; an `@` inside the authority
/// (`user@host`) is not a revision.
fn split_revision(url: &str) -> (&str, Option<String>) {
    let path_start = url
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| url[start..].find('/').map(|j| start + j))
        .unwrap_or(0);
    match url[path_start..].rfind('@') {
        Some(at) => {
            let at = path_start + at;
            (&url[..at], Some(url[at + 1..].to_string()))
        }
        None => (url, None),
    }
}

fn looks_like_path(text: &str) -> bool {
    text == "."
        || text == ".."
        || text.starts_with("./")
        || text.starts_with("../")
        || text.starts_with('/')
        || text.starts_with("~/")
        || (text.contains('/') && Path::new(text).exists())
        || ARCHIVE_SUFFIXES.iter().any(|s| text.ends_with(s))
        || text.ends_with(".whl")
        || Path::new(text).is_dir() && Path::new(text).join("pyproject.toml").exists()
        || Path::new(text).is_dir() && Path::new(text).join("setup.py").exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_references() {
        let Some(Direct::Source(s)) = classify(
            "hello[cli] @ git+https://user@host/repo.git@v1.0#subdirectory=pkg",
            "x",
            false,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(s.name.as_deref(), Some("hello"));
        assert_eq!(s.extras, ["cli"]);
        assert_eq!(
            s.location,
            SourceLocation::Git {
                url: "https://user@host/repo.git".into(),
                revision: Some("v1.0".into()),
                subdirectory: Some("pkg".into())
            }
        );
        let Some(Direct::Source(s)) =
            classify("git+file:///srv/repo#egg=hello", "x", true).unwrap()
        else {
            panic!()
        };
        assert!(s.editable);
        assert_eq!(s.name.as_deref(), Some("hello"));
    }

    #[test]
    fn plain_requirements_are_not_direct() {
        for text in [
            "numpy",
            "numpy>=1.2",
            "six==1.16; python_version > '3'",
            "a[b]",
        ] {
            assert_eq!(classify(text, "x", false).unwrap(), None, "{text}");
        }
    }

    #[test]
    fn paths_and_file_urls() {
        let tmp = tempfile::tempdir().unwrap();
        let wheel = tmp.path().join("six-1.0-py3-none-any.whl");
        std::fs::write(&wheel, "").unwrap();
        let url = format!("six @ file://{}#sha256=00", wheel.display());
        assert_eq!(
            classify(&url, "x", false).unwrap(),
            Some(Direct::Wheel(wheel.clone()))
        );
        let proj = tmp.path().join("my proj");
        std::fs::create_dir(&proj).unwrap();
        let url = format!(
            "p @ file://{}",
            proj.display().to_string().replace(' ', "%20")
        );
        assert!(matches!(
            classify(&url, "x", false).unwrap(),
            Some(Direct::Source(SourceRequest { location: SourceLocation::Directory(d), .. })) if d == proj
        ));
        assert!(classify("./not-there", "x", false).is_err());
    }
}
