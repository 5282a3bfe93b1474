//! Installed distributions: what a site-packages directory holds.

use crate::direct_url::DirectReference;
use std::path::{Path, PathBuf};

use wheel_metadata::{normalize_name, CoreMetadata};

use crate::error::InstallError;

/// One installed distribution, found by its `.dist-info` (or legacy `.egg-info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstalledDist {
    /// The name as its metadata spells it (what `pip freeze` prints).
    pub name: String,
    /// PEP 503 normalised name.
    pub key: String,
    pub version: String,
    /// The `.dist-info` or `.egg-info` path.
    pub metadata_dir: PathBuf,
    /// The directory it was found in.
    pub site_dir: PathBuf,
    pub requires_dist: Vec<String>,
    pub requires_python: Option<String>,
    /// Whether the distribution was asked for by name (a `REQUESTED` file).
    pub requested: bool,
    /// The PEP 440 direct reference (`file:///…/x.whl#sha256=…`) its `direct_url.json` records,
    /// when it was installed from a file or URL named directly.
    pub direct_reference: Option<crate::direct_url::DirectReference>,
}

impl InstalledDist {
    /// Whether it has a RECORD we can uninstall from.
    pub fn is_dist_info(&self) -> bool {
        self.metadata_dir
            .extension()
            .is_some_and(|e| e == "dist-info")
    }
}

/// Every distribution in one directory, sorted by name; a directory that cannot be read
/// counts as empty (for directories on `sys.path`, which need not exist).
pub fn scan_site_dir(dir: &Path) -> Vec<InstalledDist> {
    read_site_dir(dir).unwrap_or_default()
}

/// Every distribution in one directory, sorted by name. A directory that does not exist holds
/// nothing; one that exists but cannot be read is an error (an environment's own
/// site-packages read as empty would be installed over).
pub fn read_site_dir(dir: &Path) -> Result<Vec<InstalledDist>, InstallError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(InstallError::io(dir, "read the installed packages in")(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(InstallError::io(dir, "read the installed packages in"))?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str() else {
            continue;
        };
        let path = entry.path();
        let text = if name.ends_with(".dist-info") {
            std::fs::read_to_string(path.join("METADATA")).ok()
        } else if name.ends_with(".egg-info") {
            if path.is_dir() {
                std::fs::read_to_string(path.join("PKG-INFO")).ok()
            } else {
                std::fs::read_to_string(&path).ok()
            }
        } else {
            None
        };
        let Some(text) = text else { continue };
        let meta = CoreMetadata::parse(&text);
        if meta.name.is_empty() || meta.version.is_empty() {
            continue;
        }
        out.push(InstalledDist {
            direct_reference: crate::direct_url::read(&path),
            requested: path.join("REQUESTED").exists(),
            key: normalize_name(&meta.name),
            name: meta.name,
            version: meta.version,
            metadata_dir: path,
            site_dir: dir.to_path_buf(),
            requires_dist: meta.requires_dist,
            requires_python: meta.requires_python,
        });
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// The lines `pip freeze` prints for these distributions: `Name==version`, sorted by name
/// case-insensitively, the first of each name on the import path winning, and pip's own
/// packaging tools left out as pip leaves them out (`setuptools`, `wheel`, `distribute` only
/// before Python 3.12, when pip itself still treats them as part of every environment).
pub fn freeze_lines(
    dists_in_path_order: &[InstalledDist],
    python: (u32, u32),
    all: bool,
) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<&InstalledDist> = Vec::new();
    for d in dists_in_path_order {
        if seen.insert(d.key.clone()) {
            kept.push(d);
        }
    }
    let mut skip = vec!["pip"];
    if python < (3, 12) {
        skip.extend(["setuptools", "wheel", "distribute"]);
    }
    kept.retain(|d| all || !skip.contains(&d.key.as_str()));
    kept.sort_by_key(|d| d.name.to_lowercase());
    kept.iter()
        .map(|d| match &d.direct_reference {
            Some(DirectReference::Url(reference)) => format!("{} @ {reference}", d.name),
            // pip's two lines for a project installed editable without version control.
            Some(DirectReference::Editable(path)) => format!(
                "# Editable install with no version control ({}=={})\n-e {path}",
                d.name, d.version
            ),
            None => format!("{}=={}", d.name, d.version),
        })
        .collect()
}
