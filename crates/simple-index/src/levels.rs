//! Every level of a wheelhouse with its projects and their files, from the catalog: what the
//! static index writes and `serve` answers, built without opening a wheel.

use std::collections::BTreeMap;
use std::path::Path;

use catalog::{MetaMap, Tree};
use wheel_name::WheelFilename;

use crate::error::IndexError;
use crate::views::View;

/// One file of a project page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexFile {
    /// Path relative to the wheelhouse root (`gentoo2023/generic/x-1.0-py3-none-any.whl`).
    pub rel: String,
    pub filename: String,
    pub version: String,
    pub size: u64,
    pub sha256: String,
    pub requires_python: Option<String>,
    /// sha256 of METADATA, when the wheel has a readable one (PEP 658).
    pub metadata_sha256: Option<String>,
}

/// A level's projects (PEP 503 normalised names) and their files.
pub type LevelProjects = BTreeMap<String, Vec<IndexFile>>;

/// Every level of a wheelhouse with its projects (PEP 503 normalised names, sorted) and their
/// files, the first search directory winning for a file name; built from the catalog
/// without opening wheels. The levels are the layout's ([`site_views`]), or `configured`
/// (from the site's pip configuration files) when given: then a directory outside the
/// wheelhouse is an error, as only the wheelhouse is published.
pub fn index_levels(
    tree: &Tree,
    root: &Path,
    metas: &MetaMap,
    configured: Option<&[View]>,
) -> Result<Vec<(String, LevelProjects)>, IndexError> {
    let (views, outside) = crate::views::chosen_views(tree, configured);
    if let Some((level, dir)) = outside.first() {
        return Err(IndexError::ConfigOutside {
            level: level.clone(),
            dir: dir.clone(),
            root: root.to_path_buf(),
        });
    }
    let mut out = Vec::new();
    for view in views {
        let mut projects: BTreeMap<String, Vec<IndexFile>> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for dir in &view.dirs {
            let Some(node) = tree.node_of(dir) else {
                continue;
            };
            for name in tree.nodes[node].files.iter() {
                if !name.ends_with(".whl") || !seen.insert(name.to_string()) {
                    continue;
                }
                let Ok(parsed) = WheelFilename::parse(name) else {
                    continue;
                };
                // Only real wheels are published: a file the catalog could not read as one
                // (not a zip, no METADATA) or did not read at all (a link) is left out.
                let Some(meta) = metas
                    .get(&(dir.clone(), name.to_string()))
                    .filter(|m| m.is_readable())
                else {
                    continue;
                };
                let rel_dir = dir.strip_prefix(root).unwrap_or(dir);
                projects
                    .entry(wheel_metadata::normalize_name(parsed.name()))
                    .or_default()
                    .push(IndexFile {
                        rel: format!("{}/{name}", rel_dir.to_string_lossy()),
                        filename: name.to_string(),
                        version: parsed.version_text().to_string(),
                        size: meta.size,
                        sha256: meta.sha256.clone(),
                        requires_python: meta.requires_python.clone(),
                        metadata_sha256: (!meta.metadata_sha256.is_empty())
                            .then(|| meta.metadata_sha256.clone()),
                    });
            }
        }
        out.push((view.name, projects));
    }
    Ok(out)
}
