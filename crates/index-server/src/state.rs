//! What the server serves: one snapshot of the catalog, replaced whole when the catalog file
//! changes, so a request sees one consistent wheelhouse.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use catalog::{Catalog, CATALOG_FILE};
use simple_index::IndexFile;

/// One level: its projects and their files.
pub struct Level {
    pub names: Vec<String>,
    pub projects: HashMap<String, Vec<IndexFile>>,
}

/// A loaded catalog.
pub struct Snapshot {
    pub levels: BTreeMap<String, Level>,
    /// Every servable file by its path relative to the root: the only files the server
    /// opens (a request path is looked up here, and opened only through `house`).
    pub files: HashMap<String, IndexFile>,
    /// The root files are proven inside of when opened ([`simple_index::PublishRoot::open`]).
    pub house: simple_index::PublishRoot,
    /// The human page of every package (`/`), rendered once per catalog.
    pub wheels_page: bytes::Bytes,
    /// Every package over every level, for its page (`/wheels/<project>.html`).
    pub packages: HashMap<String, simple_index::PackageSummary>,
    pub level_names: Vec<String>,
    pub catalog_mtime: Option<SystemTime>,
    /// Set when the catalog is older than the tree (new wheels are not served until the next
    /// `wheelhouse index`).
    pub stale: Option<String>,
}

/// Why the server cannot start.
#[derive(Debug)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn catalog_mtime(root: &Path) -> Option<SystemTime> {
    std::fs::metadata(root.join(CATALOG_FILE))
        .and_then(|m| m.modified())
        .ok()
}

/// Loads the catalog of `root` into a snapshot.
pub fn load(root: &Path, views: Option<&[simple_index::View]>) -> Result<Snapshot, LoadError> {
    let mtime = catalog_mtime(root);
    let catalog = match Catalog::load(root) {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Err(LoadError(format!(
                "{} has no catalog: the server serves what the catalog lists. Run `wheelhouse \
                 index {}` first",
                root.display(),
                root.display()
            )))
        }
        Err(e) => return Err(LoadError(e.to_string())),
    };
    let Some(metas) = catalog.metadata() else {
        return Err(LoadError(format!(
            "the catalog of {} has no wheel metadata (an older format, or damaged). Run \
             `wheelhouse index {}` again",
            root.display(),
            root.display()
        )));
    };
    let stale = catalog.check_fresh().err();
    let mut levels = BTreeMap::new();
    let mut files = HashMap::new();
    let levels_of = simple_index::index_levels(catalog.tree(), root, metas, views)
        .map_err(|e| LoadError(e.to_string()))?;
    let summaries = simple_index::summarize(&levels_of);
    let level_names: Vec<String> = levels_of.iter().map(|(n, _)| n.clone()).collect();
    let wheels_page = simple_index::wheels_html(&summaries, &level_names).into();
    let packages = summaries.into_iter().map(|p| (p.name.clone(), p)).collect();
    for (name, projects) in levels_of {
        for file in projects.values().flatten() {
            files
                .entry(file.rel.clone())
                .or_insert_with(|| file.clone());
        }
        levels.insert(
            name,
            Level {
                names: projects.keys().cloned().collect(),
                projects: projects.into_iter().collect(),
            },
        );
    }
    Ok(Snapshot {
        levels,
        files,
        house: simple_index::PublishRoot::new(root),
        wheels_page,
        packages,
        level_names,
        catalog_mtime: mtime,
        stale,
    })
}

/// The current snapshot, swapped by the reloader.
pub struct Shared {
    pub root: PathBuf,
    views: Option<Vec<simple_index::View>>,
    current: RwLock<Arc<Snapshot>>,
    /// The catalog mtime last looked at, loaded or not (a broken catalog is reported once).
    seen: std::sync::Mutex<Option<SystemTime>>,
}

impl Shared {
    pub fn new(
        root: PathBuf,
        views: Option<Vec<simple_index::View>>,
        snapshot: Snapshot,
    ) -> Shared {
        Shared {
            root,
            views,
            seen: std::sync::Mutex::new(snapshot.catalog_mtime),
            current: RwLock::new(Arc::new(snapshot)),
        }
    }

    pub fn get(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reloads when the catalog file changed; returns a line for the log when it did.
    pub fn reload_if_changed(&self) -> Option<String> {
        let now = catalog_mtime(&self.root);
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if now == *seen {
                return None;
            }
            *seen = now;
        }
        match load(&self.root, self.views.as_deref()) {
            Ok(snapshot) => {
                let line = format!(
                    "catalog reloaded: {} files{}",
                    snapshot.files.len(),
                    snapshot
                        .stale
                        .as_deref()
                        .map(|s| format!(" (stale: {s})"))
                        .unwrap_or_default()
                );
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(snapshot);
                Some(line)
            }
            // Keep serving the last good snapshot; say why the new one was not taken.
            Err(e) => Some(format!("catalog not reloaded: {e}")),
        }
    }
}
