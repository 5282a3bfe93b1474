//! The wheelhouse as data: which wheel files each search directory holds. Listing them
//! quickly and in the right order is this crate's one job; which of them a request selects
//! is `catalog-query`'s, and which one an install takes is the `resolver`'s.
//!
//! Listings must come out in the order the site's `avail_wheels` meets files (Python's
//! `os.walk`: a directory's files in directory order, then each subdirectory in turn), because
//! its stable sorts leave ties, and its `--raw` output, in that order. [`walk`] reproduces it
//! while reading directories in parallel.
//!
//! A cold network file system makes every `readdir` and `stat` cost a round trip. `wheelhouse
//! index` stores the walk in a [`Catalog`] file at the wheelhouse root; readers use it when no
//! directory changed since (one `stat` per directory instead of reading them all) and walk
//! otherwise.
//!
//! The catalog also stores, per wheel, its size, sha256, `Requires-Python` and `Requires-Dist`
//! ([`WheelMeta`]), so a resolver and the static index never open wheels:
//! [`Wheelhouse::wheel_meta`] answers from it, [`read_wheel_meta`] reads a wheel itself.
//!
//! ```
//! # let root = std::env::temp_dir().join(format!("catalog-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(root.join("gentoo2023/generic")).unwrap();
//! # std::fs::write(root.join("gentoo2023/generic/six-1.16.0-py2.py3-none-any.whl"), "").unwrap();
//! use catalog::{Catalog, Wheelhouse};
//! use site_config::SearchPaths;
//!
//! Catalog::build(&root).unwrap().write().unwrap();
//! let house = Wheelhouse::open(&root);
//! assert!(house.catalog_in_use());
//! let listing = house.list(&SearchPaths::UnderWheelhouse(root.clone()));
//! assert_eq!(listing.name(&listing.files[0]), "six-1.16.0-py2.py3-none-any.whl");
//! assert_eq!(listing.arch_of(&listing.files[0]), "generic");
//! # std::fs::remove_dir_all(&root).unwrap();
//! ```

mod meta;
mod store;
mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use meta::{
    is_link_refusal, metadata_bytes_of, open_wheel_file, read_metadata_bytes, read_wheel_meta,
    read_wheel_meta_of, MetaError, MetaMap, MetaStats, WheelMeta,
};
pub use store::{Catalog, CatalogError, CATALOG_FILE};
pub use walk::{walk, walk_names, DirNode, Tree};

use site_config::SearchPaths;

/// One file found in a search directory; its name is [`Listing::name`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundFile {
    /// Index into [`Listing::search_paths`].
    pub search_path: u32,
    /// Index into [`Listing::dirs`]: the directory holding the file.
    pub dir: u32,
    /// Byte range of the name in the listing's name buffer.
    name: (u32, u32),
}

/// A problem met while listing; the listing goes on without that directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanWarning {
    pub path: PathBuf,
    pub message: String,
    /// The error's kind, when the directory could not be read (to say "does not exist").
    pub kind: Option<std::io::ErrorKind>,
}

impl std::fmt::Display for ScanWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot read wheelhouse directory {}: {}",
            self.path.display(),
            self.message
        )
    }
}

/// Every file of every search directory, in the reference's walk order.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub search_paths: Vec<PathBuf>,
    /// The arch of each search path (its last component).
    pub archs: Vec<String>,
    pub dirs: Vec<PathBuf>,
    pub files: Vec<FoundFile>,
    pub warnings: Vec<ScanWarning>,
    /// Every file name, back to back: one allocation for 40,000 names.
    names: String,
}

impl Listing {
    /// A file's name.
    pub fn name(&self, file: &FoundFile) -> &str {
        &self.names[file.name.0 as usize..file.name.1 as usize]
    }

    /// The arch of the search path a file was found under.
    pub fn arch_of(&self, file: &FoundFile) -> &str {
        &self.archs[file.search_path as usize]
    }

    /// The full path of a file.
    pub fn path_of(&self, file: &FoundFile) -> PathBuf {
        self.dirs[file.dir as usize].join(self.name(file))
    }
}

/// Walks of search directories, each read once and then shared by every listing made with
/// this memo: a command that lists the same directories for several purposes (checking that
/// they exist, finding pip to seed, resolving) reads each once. It keeps what it read when it
/// read it: made for one command, not for a long-running process that must see the
/// wheelhouse change.
#[derive(Debug, Default)]
pub struct Walks(Mutex<HashMap<PathBuf, Arc<Tree>>>);

impl Walks {
    /// The walk of `path` (without directory times, see [`walk_names`]), read on first use.
    /// Two threads asking at once for a path not read yet may both read it; one result is
    /// kept.
    pub fn get(&self, path: &Path) -> Arc<Tree> {
        if let Some(tree) = self.0.lock().expect("no panics while held").get(path) {
            return tree.clone();
        }
        let tree = Arc::new(walk_names(path));
        self.0
            .lock()
            .expect("no panics while held")
            .entry(path.to_path_buf())
            .or_insert(tree)
            .clone()
    }
}

/// A wheelhouse root, with its catalog when one is present and fresh.
pub struct Wheelhouse {
    root: PathBuf,
    catalog: Option<Catalog>,
    stale_reason: Option<String>,
}

impl Wheelhouse {
    /// Opens a wheelhouse root; loads its catalog if there is one and no directory changed
    /// since it was written.
    pub fn open(root: &Path) -> Wheelhouse {
        match Catalog::load(root) {
            Ok(Some(catalog)) => match catalog.check_fresh() {
                Ok(()) => Wheelhouse {
                    root: root.to_path_buf(),
                    catalog: Some(catalog),
                    stale_reason: None,
                },
                Err(reason) => Wheelhouse {
                    root: root.to_path_buf(),
                    catalog: None,
                    stale_reason: Some(reason),
                },
            },
            Ok(None) => Wheelhouse {
                root: root.to_path_buf(),
                catalog: None,
                stale_reason: None,
            },
            Err(e) => Wheelhouse {
                root: root.to_path_buf(),
                catalog: None,
                stale_reason: Some(e.to_string()),
            },
        }
    }

    /// The catalog, when present and fresh.
    pub fn catalog(&self) -> Option<&Catalog> {
        self.catalog.as_ref()
    }

    /// A wheel's size, sha256, `Requires-Python` and `Requires-Dist` from the catalog, without
    /// opening the wheel: `None` when the catalog is not in use, has no metadata (format 2),
    /// does not know the file, or the file's size or mtime changed since it was indexed (one
    /// `stat`). Callers then read the wheel itself ([`read_wheel_meta`]).
    pub fn wheel_meta(&self, path: &Path) -> Option<&WheelMeta> {
        let meta = self.catalog.as_ref()?.wheel_meta(path)?;
        let stat = std::fs::metadata(path).ok()?;
        let mtime = walk::mtime_ns(stat.modified().ok());
        (stat.len() == meta.size && mtime == meta.mtime_ns).then_some(meta)
    }

    /// Whether listings come from the catalog.
    pub fn catalog_in_use(&self) -> bool {
        self.catalog.is_some()
    }

    /// Why a catalog that exists was not used (it is stale or unreadable).
    pub fn stale_reason(&self) -> Option<&str> {
        self.stale_reason.as_deref()
    }

    /// The search directories, in order: the listed ones as they are, or the directories two
    /// levels below the wheelhouse root found by walking it (or from the catalog).
    pub fn resolve(&self, search_paths: &SearchPaths) -> (Vec<PathBuf>, Vec<ScanWarning>) {
        match search_paths {
            SearchPaths::Listed { paths, .. } => (paths.clone(), Vec::new()),
            SearchPaths::UnderWheelhouse(root) => match self.tree_for(root) {
                Some(tree) => (tree.dirs_at_depth_two(), Vec::new()),
                None => {
                    let tree = walk_names(root);
                    (tree.dirs_at_depth_two(), tree.warnings)
                }
            },
        }
    }

    /// Lists every file of the given search directories, in walk order; directories are read
    /// in parallel, or taken from the catalog without touching them.
    pub fn list_paths(&self, paths: &[PathBuf]) -> Listing {
        self.list_paths_matching(paths, &|_| true)
    }

    /// [`Wheelhouse::list_paths`], with the directories the catalog does not hold taken from
    /// `walks` (read there once, then shared with every other listing made with it).
    pub fn list_paths_shared(&self, paths: &[PathBuf], walks: &Walks) -> Listing {
        self.list_from(paths, &|_| true, Some(walks))
    }

    /// [`Wheelhouse::list_paths`], keeping only the file names `keep` accepts (the others
    /// are not even copied: a query for one package over 40,000 files keeps a few hundred).
    pub fn list_paths_matching(
        &self,
        paths: &[PathBuf],
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Listing {
        self.list_from(paths, keep, None)
    }

    /// Whether the catalog holds the walk of `path` (a search directory it can list without
    /// reading it).
    pub fn catalog_holds(&self, path: &Path) -> bool {
        self.catalog
            .as_ref()
            .is_some_and(|c| c.tree().node_of(path).is_some())
    }

    fn list_from(
        &self,
        paths: &[PathBuf],
        keep: &(dyn Fn(&str) -> bool + Sync),
        walks: Option<&Walks>,
    ) -> Listing {
        use rayon::prelude::*;
        let catalog = self.catalog.as_ref().map(Catalog::tree);
        let sources: Vec<(Option<usize>, Option<Arc<Tree>>)> = paths
            .par_iter()
            .map(|path| match catalog.and_then(|tree| tree.node_of(path)) {
                Some(node) => (Some(node), None),
                None => (
                    None,
                    Some(match walks {
                        Some(walks) => walks.get(path),
                        None => Arc::new(walk_names(path)),
                    }),
                ),
            })
            .collect();
        let mut listing = Listing::default();
        for (index, (path, source)) in paths.iter().zip(sources).enumerate() {
            listing.archs.push(site_config::arch_of_search_path(path));
            listing.search_paths.push(path.clone());
            // Files arrive directory by directory: compare the directory by address, not by
            // path components, on this 40,000-times path.
            let mut last_dir: Option<*const Path> = None;
            let mut add = |dir: &Path, name: &str| {
                if !keep(name) {
                    return;
                }
                if last_dir != Some(dir as *const Path) {
                    last_dir = Some(dir as *const Path);
                    listing.dirs.push(dir.to_path_buf());
                }
                let start = listing.names.len() as u32;
                listing.names.push_str(name);
                listing.files.push(FoundFile {
                    search_path: index as u32,
                    dir: (listing.dirs.len() - 1) as u32,
                    name: (start, listing.names.len() as u32),
                });
            };
            match source {
                (Some(node), _) => catalog
                    .expect("node from the catalog")
                    .for_each_file_under(node, &mut add),
                (None, Some(tree)) => {
                    listing.warnings.extend(tree.warnings.iter().cloned());
                    tree.for_each_file(&mut add);
                }
                (None, None) => {}
            }
        }
        listing
    }

    /// [`Wheelhouse::resolve`] then [`Wheelhouse::list_paths`].
    pub fn list(&self, search_paths: &SearchPaths) -> Listing {
        let (paths, warnings) = self.resolve(search_paths);
        let mut listing = self.list_paths(&paths);
        listing.warnings.splice(0..0, warnings);
        listing
    }

    fn tree_for(&self, root: &Path) -> Option<&Tree> {
        let catalog = self.catalog.as_ref()?;
        (root == self.root.as_path()).then(|| catalog.tree())
    }
}
