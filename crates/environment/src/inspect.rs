//! What an environment holds, as pip's read-only commands report it: `show` (the metadata of
//! installed distributions, who requires whom) and `check` (requirements of installed
//! distributions that are missing or not met). Nothing here changes the environment.
//!
//! pip sees every distribution on the interpreter's import path, the first of each name
//! winning; so do these.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;

use installer::InstalledDist;
use interpreter::Interpreter;
use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, Requirement, VersionOrUrl};
use wheel_metadata::{header, header_all, normalize_name};

/// The distributions on the import path, first of each name, in path order.
pub fn installed_first(interpreter: &Interpreter) -> Vec<InstalledDist> {
    let mut seen = std::collections::HashSet::new();
    crate::importable_in_order(interpreter)
        .into_iter()
        .map(|(d, _)| d)
        .filter(|d| seen.insert(d.key.clone()))
        .collect()
}

/// The requirements of `dist` that apply without extras on this interpreter (pip's
/// `iter_dependencies()`); an error names the first one that does not parse.
pub fn dependencies(
    dist: &InstalledDist,
    markers: &MarkerEnvironment,
) -> Result<Vec<(Requirement, String)>, String> {
    let mut out = Vec::new();
    for text in &dist.requires_dist {
        let text = text.trim();
        let req = Requirement::from_str(text).map_err(|e| format!("{text}: {e}"))?;
        if req.evaluate_markers(markers, &[]) {
            out.push((req, text.to_string()));
        }
    }
    Ok(out)
}

/// The project name as a requirement's text spells it (`Foo_Bar` in `Foo_Bar>=1`).
fn written_name(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(text.len());
    &text[..end]
}

/// What `pip show` prints for one distribution.
#[derive(Clone, Debug, Default)]
pub struct ShowInfo {
    pub name: String,
    pub version: String,
    pub summary: String,
    pub homepage: String,
    pub author: String,
    pub author_email: String,
    /// `("License", text)`, or `("License-Expression", text)` for metadata 2.4 and later.
    pub license: (&'static str, String),
    pub location: String,
    pub editable_project_location: Option<String>,
    pub requires: Vec<String>,
    pub required_by: Vec<String>,
    pub metadata_version: String,
    pub installer: String,
    pub classifiers: Vec<String>,
    pub entry_points: Vec<String>,
    pub project_urls: Vec<String>,
    /// `None`: no RECORD (pip: "Cannot locate RECORD or installed-files.txt").
    pub files: Option<Vec<String>>,
}

/// pip's `show` for `names` (in the order given): what was found, and the names (as typed,
/// sorted) of what is not installed.
pub fn show(
    interpreter: &Interpreter,
    names: &[String],
    with_files: bool,
) -> (Vec<ShowInfo>, Vec<String>) {
    let installed = installed_first(interpreter);
    let by_key: HashMap<&str, &InstalledDist> =
        installed.iter().map(|d| (d.key.as_str(), d)).collect();
    let mut missing: Vec<String> = names
        .iter()
        .filter(|n| !by_key.contains_key(normalize_name(n).as_str()))
        .cloned()
        .collect();
    missing.sort();
    // Who requires whom: `None` for a distribution whose requirements do not parse (pip then
    // prints `#N/A` as the required-by of every distribution).
    let deps: Vec<(&InstalledDist, Option<BTreeSet<String>>)> = installed
        .iter()
        .map(|d| {
            let keys = dependencies(d, &interpreter.markers).ok().map(|reqs| {
                reqs.iter()
                    .map(|(r, _)| normalize_name(r.name.as_ref()))
                    .collect()
            });
            (d, keys)
        })
        .collect();
    let broken = deps.iter().any(|(_, k)| k.is_none());
    let mut out = Vec::new();
    for name in names {
        let Some(dist) = by_key.get(normalize_name(name).as_str()) else {
            continue;
        };
        let mut info = show_one(interpreter, dist, with_files);
        info.required_by = if broken {
            vec!["#N/A".into()]
        } else {
            let mut by: Vec<String> = deps
                .iter()
                .filter(|(_, keys)| keys.as_ref().is_some_and(|k| k.contains(&dist.key)))
                .map(|(d, _)| d.name.clone())
                .collect();
            by.sort_by_key(|n| n.to_lowercase());
            by
        };
        out.push(info);
    }
    (out, missing)
}

fn show_one(interpreter: &Interpreter, dist: &InstalledDist, with_files: bool) -> ShowInfo {
    let details = installer::details::read_details(dist, with_files);
    let h = &details.headers;
    let get = |name: &str| header(h, name).unwrap_or("").to_string();
    let project_urls: Vec<String> = header_all(h, "Project-URL")
        .into_iter()
        .map(String::from)
        .collect();
    let mut homepage = get("Home-page");
    if homepage.is_empty() {
        // PEP 753: a `Homepage`-labelled project URL stands in (labels compared without
        // punctuation or spaces, in lower case).
        homepage = project_urls
            .iter()
            .filter_map(|u| u.split_once(','))
            .find(|(label, _)| {
                label
                    .chars()
                    .filter(|c| !c.is_ascii_punctuation() && !c.is_whitespace())
                    .collect::<String>()
                    .to_lowercase()
                    == "homepage"
            })
            .map(|(_, url)| url.trim().to_string())
            .unwrap_or_default();
    }
    let metadata_version = get("Metadata-Version");
    let at_least_2_4 = {
        let parts: Vec<u32> = metadata_version
            .split('.')
            .map(|p| p.trim().parse().unwrap_or(0))
            .collect();
        parts.as_slice() >= [2, 4].as_slice()
    };
    let expression = get("License-Expression");
    let license = if at_least_2_4 && !expression.is_empty() {
        ("License-Expression", expression)
    } else {
        ("License", get("License"))
    };
    let requires = match dependencies(dist, &interpreter.markers) {
        Ok(reqs) => reqs
            .iter()
            .map(|(_, text)| written_name(text).to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        Err(_) => dist.requires_dist.clone(),
    };
    let mut requires: Vec<String> = requires;
    requires.sort_by_key(|n| n.to_lowercase());
    ShowInfo {
        name: header(h, "Name").unwrap_or(&dist.key).to_string(),
        version: header(h, "Version").unwrap_or(&dist.version).to_string(),
        summary: get("Summary"),
        homepage,
        author: get("Author"),
        author_email: get("Author-email"),
        license,
        location: location(interpreter, &dist.site_dir),
        editable_project_location: match &dist.direct_reference {
            Some(installer::direct_url::DirectReference::Editable(path)) => Some(path.clone()),
            _ => None,
        },
        requires,
        required_by: Vec::new(),
        metadata_version,
        installer: details.installer,
        classifiers: header_all(h, "Classifier")
            .into_iter()
            .map(String::from)
            .collect(),
        entry_points: details.entry_points,
        project_urls,
        files: details.files,
    }
}

/// The import path entry a site directory was found through, as the interpreter spells it
/// (pip prints that, not the resolved path).
fn location(interpreter: &Interpreter, site_dir: &Path) -> String {
    interpreter
        .sys_path
        .iter()
        .find(|entry| {
            *entry == site_dir || std::fs::canonicalize(entry).is_ok_and(|c| c == site_dir)
        })
        .unwrap_or(&site_dir.to_path_buf())
        .display()
        .to_string()
}

/// What `pip check` finds, in its order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// `(project, version, dependency)`: "project version requires dependency, which is not
    /// installed."
    pub missing: Vec<(String, String, String)>,
    /// `(project, version, requirement, dependency, its version)`.
    pub conflicting: Vec<(String, String, String, String, String)>,
    /// `(name, version)` of distributions whose WHEEL tags this interpreter does not run.
    pub unsupported: Vec<(String, String)>,
    /// Distributions whose requirements or version could not be read: `(name, why)`.
    pub unreadable: Vec<(String, String)>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.conflicting.is_empty()
            && self.unsupported.is_empty()
            && self.unreadable.is_empty()
    }
}

/// A distribution with its version and its requirements that apply here.
type Checked<'a> = (&'a InstalledDist, Version, Vec<(Requirement, String)>);

/// pip's `check` on the interpreter's import path: each requirement (markers evaluated, no
/// extras) must be installed at a version it accepts (pre-releases included), and each
/// installed wheel must have a tag this interpreter runs.
pub fn check(interpreter: &Interpreter) -> CheckReport {
    let mut report = CheckReport::default();
    let mut set: Vec<Checked<'_>> = Vec::new();
    let installed = installed_first(interpreter);
    for dist in &installed {
        let version = Version::from_str(&dist.version).map_err(|e| e.to_string());
        match version.and_then(|v| Ok((v, dependencies(dist, &interpreter.markers)?))) {
            Ok((v, deps)) => set.push((dist, v, deps)),
            Err(why) => report.unreadable.push((dist.key.clone(), why)),
        }
    }
    set.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    let versions: HashMap<&str, &Version> =
        set.iter().map(|(d, v, _)| (d.key.as_str(), v)).collect();
    for (dist, version, deps) in &set {
        let mut missing: Vec<(String, String)> = Vec::new();
        let mut conflicting: Vec<(String, String, String)> = Vec::new();
        for (req, text) in deps {
            let key = normalize_name(req.name.as_ref());
            let Some(installed) = versions.get(key.as_str()) else {
                missing.push((key, text.clone()));
                continue;
            };
            if let Some(VersionOrUrl::VersionSpecifier(spec)) = &req.version_or_url {
                if !spec.contains(installed) {
                    conflicting.push((key, installed.to_string(), requirement_text(req, text)));
                }
            }
        }
        missing.sort();
        missing.dedup();
        conflicting.sort();
        conflicting.dedup();
        for (dep, _) in missing {
            report
                .missing
                .push((dist.key.clone(), version.to_string(), dep));
        }
        for (dep, dep_version, req) in conflicting {
            report
                .conflicting
                .push((dist.key.clone(), version.to_string(), req, dep, dep_version));
        }
    }
    report.unsupported = unsupported(interpreter, &installed);
    report
}

/// A requirement as Python's `packaging` writes it back: the name as written, extras and
/// version specifiers sorted, then the marker as written.
fn requirement_text(req: &Requirement, text: &str) -> String {
    let mut out = written_name(text).to_string();
    if !req.extras.is_empty() {
        let mut extras: Vec<String> = req.extras.iter().map(|e| e.to_string()).collect();
        extras.sort();
        out.push_str(&format!("[{}]", extras.join(",")));
    }
    if let Some(VersionOrUrl::VersionSpecifier(spec)) = &req.version_or_url {
        let mut parts: Vec<String> = spec.iter().map(|s| s.to_string()).collect();
        parts.sort();
        out.push_str(&parts.join(","));
    }
    if let Some((_, marker)) = text.split_once(';') {
        out.push_str("; ");
        out.push_str(marker.trim());
    }
    out
}

/// Installed wheels none of whose `Tag` lines (in `WHEEL`) this interpreter accepts.
fn unsupported(interpreter: &Interpreter, installed: &[InstalledDist]) -> Vec<(String, String)> {
    let accepted = wheel_name::TagPriority::new(&interpreter.tag_target(), true);
    let mut out = Vec::new();
    for dist in installed.iter().filter(|d| d.is_dist_info()) {
        let Ok(text) = std::fs::read_to_string(dist.metadata_dir.join("WHEEL")) else {
            continue;
        };
        let headers = wheel_metadata::parse_headers(&text);
        let tags = header_all(&headers, "Tag");
        let runs = tags.iter().any(|tag| {
            wheel_name::WheelFilename::parse(&format!("x-0-{}.whl", tag.trim()))
                .is_ok_and(|w| accepted.rank(&w).is_some())
        });
        if !runs {
            let version = Version::from_str(&dist.version)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| dist.version.clone());
            out.push((dist.name.clone(), version));
        }
    }
    out
}
