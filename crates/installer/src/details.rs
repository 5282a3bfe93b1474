//! What an installed distribution says about itself beyond name and version, for `show`: its
//! metadata headers, its installer, its entry points and the files its RECORD lists.
//!
//! The `.dist-info` is untrusted text: files are read up to a bound, strictly as UTF-8 where
//! it matters, and nothing unreadable stops the command (a field is then empty).

use std::io::Read;
use std::path::Path;

use crate::InstalledDist;

/// The `.dist-info` files `show` reads are read up to this many bytes.
const MAX_FILE: u64 = wheel_metadata::MAX_METADATA_FILE;

/// The metadata of one installed distribution as `pip show` reads it.
#[derive(Clone, Debug, Default)]
pub struct Details {
    /// `METADATA` (or `PKG-INFO`) headers, in file order.
    pub headers: Vec<(String, String)>,
    /// The first non-empty line of `INSTALLER`.
    pub installer: String,
    /// The lines of `entry_points.txt`.
    pub entry_points: Vec<String>,
    /// The paths RECORD lists, normalised and sorted; `None` without a RECORD.
    pub files: Option<Vec<String>>,
}

/// Reads a file of the metadata directory; `None` when absent, unreadable or too large.
fn read_small(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(MAX_FILE).read_to_string(&mut text).ok()?;
    Some(text)
}

/// Reads what `show` prints of `dist`; the file list only when `with_files`.
pub fn read_details(dist: &InstalledDist, with_files: bool) -> Details {
    let dir = &dist.metadata_dir;
    let metadata = if dist.is_dist_info() {
        read_small(&dir.join("METADATA"))
    } else if dir.is_dir() {
        read_small(&dir.join("PKG-INFO"))
    } else {
        read_small(dir)
    };
    let headers = wheel_metadata::importlib_headers(&metadata.unwrap_or_default());
    let installer = read_small(&dir.join("INSTALLER"))
        .and_then(|t| {
            t.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(String::from)
        })
        .unwrap_or_default();
    let entry_points = read_small(&dir.join("entry_points.txt"))
        .map(|t| t.lines().map(String::from).collect())
        .unwrap_or_default();
    let files = if with_files {
        read_small(&dir.join("RECORD")).map(|text| record_paths(&text))
    } else {
        None
    };
    Details {
        headers,
        installer,
        entry_points,
        files,
    }
}

/// The paths of a RECORD as pip lists them: each normalised as a POSIX path (empty and `.`
/// parts dropped, no trailing slash; `..` kept), sorted by code point.
pub fn record_paths(record: &str) -> Vec<String> {
    let mut out: Vec<String> = wheel_metadata::parse_record(record)
        .into_iter()
        .map(|e| normalise_posix(&e.path))
        .collect();
    out.sort();
    out
}

/// A path written as Python's `pathlib.PurePosixPath` writes it back.
fn normalise_posix(path: &str) -> String {
    let root = if path.starts_with("//") && !path.starts_with("///") {
        "//"
    } else if path.starts_with('/') {
        "/"
    } else {
        ""
    };
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = format!("{root}{}", parts.join("/"));
    if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_paths_are_normalised_and_sorted_as_pip_lists_them() {
        let record = "b/./x.py,sha256=a,1\n../../../bin/tool,,\nA//y.py,,\nd/,,\n\"c,1.py\",,\n";
        assert_eq!(
            record_paths(record),
            ["../../../bin/tool", "A/y.py", "b/x.py", "c,1.py", "d"]
        );
        assert_eq!(normalise_posix("./"), ".");
        assert_eq!(normalise_posix("//srv/x"), "//srv/x");
        assert_eq!(normalise_posix("///srv/x"), "/srv/x");
    }
}
