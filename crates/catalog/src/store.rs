//! The catalog file: a walk of the whole wheelhouse, stored at its root.
//!
//! Plain text, one entry per line, so that reading 40,000 names is one `read` and a split:
//!
//! ```text
//! wheelhouse-catalog 4
//! D <mtime ns> <directory, relative to the root; `.` for the root>
//! d <subdirectory name> <node number, or - for a link that is not entered>
//! f <every file name of the directory>
//! …
//! M <node> <file> <size> <mtime ns> <sha256> <METADATA sha256> <Name> <Version> <Requires-Python> <Provides-Extra,…> <error> <Requires-Dist>…
//! ```
//!
//! where each separator shown as a space is a tab (names holding a tab are left out). The `M`
//! lines (formats 3 and 4) come after the whole tree, one per `.whl` file that is a regular
//! file, so a listing reads the tree and never parses them; they are parsed on the first
//! metadata request. Format 4 differs from 3 only in what the `M` lines may describe: format 3
//! also read wheels through symbolic links (which may lead anywhere, so a link could put the
//! hash and metadata of a file outside the wheelhouse into its catalog); its metadata is still
//! read but never reused by a rebuild. Format 2 (no `M` lines) is still read: listings use it,
//! metadata requests get nothing, and `wheelhouse index` rebuilds it.
//!
//! Freshness: a directory's mtime changes whenever an entry is added, removed or renamed in it,
//! so comparing every directory's mtime tells whether the stored walk still holds. The root is
//! the exception: writing the catalog itself changes the root's mtime, so the root is checked
//! by listing its entries instead.

use std::fmt;
use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use crate::meta::{self, MetaMap, MetaStats, WheelMeta};
use crate::walk::{mtime_ns, walk, DirNode, FileNames, Tree};

/// The catalog's file name, at the wheelhouse root.
pub const CATALOG_FILE: &str = ".wheelhouse-catalog";
const HEADER: &str = "wheelhouse-catalog 4";
/// The format whose metadata could describe files reached through links; still read.
const HEADER_V3: &str = "wheelhouse-catalog 3";
/// The format before per-wheel metadata; still read.
const HEADER_V2: &str = "wheelhouse-catalog 2";

/// Why a catalog could not be written or read.
#[derive(Debug)]
pub enum CatalogError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Corrupt {
        path: PathBuf,
        line: usize,
    },
    UnreadableDirectories {
        root: PathBuf,
        paths: Vec<String>,
    },
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            CatalogError::Corrupt { path, line } => write!(
                f,
                "{} is not a wheelhouse catalog (line {line} is malformed); rebuild it with `wheelhouse index`",
                path.display()
            ),
            CatalogError::UnreadableDirectories { root, paths } => write!(
                f,
                "cannot index {}: these directories could not be read: {}. Fix their permissions and run `wheelhouse index` again",
                root.display(),
                paths.join("; ")
            ),
        }
    }
}

impl std::error::Error for CatalogError {}

/// A stored walk of a wheelhouse root.
#[derive(Clone, Debug)]
pub struct Catalog {
    root: PathBuf,
    tree: Tree,
    /// 2, 3 or 4 (see the module documentation).
    format: u32,
    /// The `M` lines as loaded, parsed into `meta` on first use.
    meta_text: String,
    meta: OnceLock<Result<MetaMap, usize>>,
    stats: MetaStats,
}

impl Catalog {
    /// Walks the root. Fails when a directory cannot be read: a catalog with holes would hide
    /// wheels from every user until the next index.
    pub fn build(root: &Path) -> Result<Catalog, CatalogError> {
        Catalog::rebuild(root, None)
    }

    /// Like [`Catalog::build`], reusing the metadata of `previous` (the catalog of the same
    /// root, loaded before, in the current format) for unchanged directories and files: only
    /// new or changed wheels are opened and hashed. Only regular files are read: `.whl`
    /// entries that are symbolic links (or devices, FIFOs) get no metadata and are listed in
    /// [`MetaStats::not_files`].
    pub fn rebuild(root: &Path, previous: Option<&Catalog>) -> Result<Catalog, CatalogError> {
        let tree = walk(root);
        if !tree.warnings.is_empty() {
            return Err(CatalogError::UnreadableDirectories {
                root: root.to_path_buf(),
                paths: tree.warnings.iter().map(|w| w.to_string()).collect(),
            });
        }
        let previous = previous
            .filter(|p| p.root == root && p.format >= 4)
            .and_then(|p| p.metadata().map(|m| (&p.tree, m)));
        let (map, stats) = meta::collect(&tree, previous);
        Ok(Catalog {
            root: root.to_path_buf(),
            tree,
            format: 4,
            meta_text: String::new(),
            meta: OnceLock::from(Ok(map)),
            stats,
        })
    }

    /// The format the catalog was loaded in (2: no metadata; 3: with metadata, possibly of
    /// files reached through links; 4: with metadata of regular files only).
    pub fn format(&self) -> u32 {
        self.format
    }

    /// How many wheels the last build read, reused or could not parse.
    pub fn meta_stats(&self) -> &MetaStats {
        &self.stats
    }

    /// Every wheel's metadata, keyed by (directory, file name); `None` for a format-2 catalog
    /// or a malformed metadata section.
    pub fn metadata(&self) -> Option<&MetaMap> {
        if self.format < 3 {
            return None;
        }
        self.meta
            .get_or_init(|| meta::parse_section(&self.meta_text, &self.tree))
            .as_ref()
            .ok()
    }

    /// The metadata of one wheel, by its path (a directory of the catalog joined with the
    /// file name), as stored. See [`crate::Wheelhouse::wheel_meta`] for a checked lookup.
    pub fn wheel_meta(&self, path: &Path) -> Option<&WheelMeta> {
        let dir = path.parent()?.to_path_buf();
        let name = path.file_name()?.to_str()?.to_string();
        self.metadata()?.get(&(dir, name))
    }

    /// Whether the metadata section is malformed (a reader then opens wheels itself).
    pub fn metadata_error(&self) -> Option<String> {
        if self.format < 3 {
            return None;
        }
        self.metadata();
        match self.meta.get() {
            Some(Err(line)) => Some(format!(
                "{}: metadata line {line} is malformed; rebuild it with `wheelhouse index`",
                self.path().display()
            )),
            _ => None,
        }
    }

    /// The stored walk.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Number of files and directories stored.
    pub fn counts(&self) -> (usize, usize) {
        (
            // The catalog file itself, once written, is not one of the files it indexes.
            self.tree
                .nodes
                .iter()
                .map(|n| n.files.iter().filter(|f| *f != CATALOG_FILE).count())
                .sum(),
            self.tree.nodes.len(),
        )
    }

    /// Where the catalog of this root lives.
    pub fn path(&self) -> PathBuf {
        self.root.join(CATALOG_FILE)
    }

    /// Writes the catalog atomically (a temporary file renamed over the old one), so a reader
    /// never sees half a catalog. File names holding a tab or a newline are left out: they
    /// cannot be wheel names the tools would list.
    pub fn write(&self) -> Result<PathBuf, CatalogError> {
        let mut text = String::with_capacity(64 * self.counts().0 + 64);
        text.push_str(HEADER);
        text.push('\n');
        let clean = |s: &str| !s.contains(['\t', '\n', '\r']);
        for node in &self.tree.nodes {
            let rel = node.path.strip_prefix(&self.root).unwrap_or(&node.path);
            let rel = if rel.as_os_str().is_empty() {
                ".".into()
            } else {
                rel.to_string_lossy()
            };
            text.push_str(&format!("D\t{}\t{}\n", node.mtime_ns, rel));
            for (name, child) in node.subdirs.iter().filter(|(n, _)| clean(n)) {
                match child {
                    Some(c) => text.push_str(&format!("d\t{name}\t{c}\n")),
                    None => text.push_str(&format!("d\t{name}\t-\n")),
                }
            }
            if !node.files.is_empty() {
                text.push_str("f\t");
                text.push_str(node.files.joined());
                text.push('\n');
            }
        }
        if let Some(map) = self.metadata() {
            for (index, node) in self.tree.nodes.iter().enumerate() {
                for name in node.files.iter() {
                    if let Some(m) = map.get(&(node.path.clone(), name.to_string())) {
                        meta::write_line(&mut text, index, name, m);
                    }
                }
            }
        }
        let path = self.path();
        let tmp = self
            .root
            .join(format!("{CATALOG_FILE}.tmp{}", std::process::id()));
        let io = |source| CatalogError::Io {
            path: tmp.clone(),
            source,
        };
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            CatalogError::Io {
                path: path.clone(),
                source,
            }
        })?;
        Ok(path)
    }

    /// Loads the catalog of a root; `Ok(None)` when there is none.
    pub fn load(root: &Path) -> Result<Option<Catalog>, CatalogError> {
        let path = root.join(CATALOG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CatalogError::Io { path, source }),
        };
        let corrupt = |line: usize| CatalogError::Corrupt {
            path: path.clone(),
            line,
        };
        let format = match text.lines().next() {
            Some(HEADER) => 4,
            Some(HEADER_V3) => 3,
            Some(HEADER_V2) => 2,
            _ => return Err(corrupt(1)),
        };
        // The tree ends where the metadata section begins.
        let (tree_text, meta_text) = match text.find("\nM\t") {
            Some(at) if format >= 3 => (&text[..at + 1], &text[at + 1..]),
            _ => (text.as_str(), ""),
        };
        let mut lines = tree_text.lines().enumerate();
        lines.next();
        let mut tree = Tree::default();
        for (index, line) in lines {
            let mut fields = line.splitn(3, '\t');
            let kind = fields.next().unwrap_or("");
            let (a, b) = (fields.next(), fields.next());
            match (kind, a, b) {
                ("f", Some(_), _) => {
                    tree.nodes
                        .last_mut()
                        .ok_or_else(|| corrupt(index + 1))?
                        .files = FileNames::from_joined(&line[2..])
                }
                ("d", Some(name), Some(child)) => {
                    let child = match child {
                        "-" => None,
                        n => Some(n.parse().map_err(|_| corrupt(index + 1))?),
                    };
                    tree.nodes
                        .last_mut()
                        .ok_or_else(|| corrupt(index + 1))?
                        .subdirs
                        .push((name.to_string(), child));
                }
                ("D", Some(mtime), Some(rel)) => tree.nodes.push(DirNode {
                    path: if rel == "." {
                        root.to_path_buf()
                    } else {
                        root.join(rel)
                    },
                    mtime_ns: mtime.parse().map_err(|_| corrupt(index + 1))?,
                    files: FileNames::default(),
                    subdirs: Vec::new(),
                }),
                _ => return Err(corrupt(index + 1)),
            }
        }
        let count = tree.nodes.len();
        let bad_child = tree
            .nodes
            .iter()
            .flat_map(|n| &n.subdirs)
            .any(|(_, c)| c.is_some_and(|c| c >= count));
        if count == 0 || bad_child {
            return Err(corrupt(1));
        }
        Ok(Some(Catalog {
            root: root.to_path_buf(),
            tree,
            format,
            meta_text: meta_text.to_string(),
            meta: OnceLock::new(),
            stats: MetaStats::default(),
        }))
    }

    /// Checks that no directory changed since the catalog was written; the error says which
    /// one did.
    pub fn check_fresh(&self) -> Result<(), String> {
        let top = &self.tree.nodes[0];
        let mut expected: Vec<&str> = top
            .files
            .iter()
            .chain(top.subdirs.iter().map(|(n, _)| n.as_str()))
            .collect();
        let mut found: Vec<String> = std::fs::read_dir(&self.root)
            .map_err(|e| format!("{}: {e}", self.root.display()))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with(CATALOG_FILE) && !n.contains(['\t', '\n', '\r']))
            .collect();
        expected.retain(|n| !n.starts_with(CATALOG_FILE));
        expected.sort_unstable();
        found.sort_unstable();
        if expected != found {
            return Err(format!("entries of {} changed", self.root.display()));
        }
        // Sequential: a wheelhouse has a handful of directories, and a thread pool costs more
        // than their `stat`s.
        self.tree.nodes[1..].iter().try_for_each(|node| {
            let now = std::fs::metadata(&node.path)
                .ok()
                .and_then(|m| m.modified().ok());
            if mtime_ns(now) == node.mtime_ns {
                Ok(())
            } else {
                Err(format!("{} changed", node.path.display()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Wheelhouse;
    use site_config::SearchPaths;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("catalog-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("gentoo2023/x86-64-v3/sub")).unwrap();
        std::fs::create_dir_all(dir.join("gentoo2023/generic")).unwrap();
        for f in [
            "gentoo2023/x86-64-v3/a-1-py3-none-any.whl",
            "gentoo2023/x86-64-v3/sub/b-1-py3-none-any.whl",
            "gentoo2023/generic/c-1-py3-none-any.whl",
        ] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        dir
    }

    fn names(house: &Wheelhouse, paths: &SearchPaths) -> Vec<String> {
        let listing = house.list(paths);
        listing
            .files
            .iter()
            .map(|f| format!("{}:{}", listing.arch_of(f), listing.name(f)))
            .collect()
    }

    #[test]
    fn catalog_gives_the_same_listing_as_a_walk() {
        let root = temp("same");
        let default = SearchPaths::UnderWheelhouse(root.clone());
        let listed = SearchPaths::Listed {
            config: "pip.conf".into(),
            paths: vec![
                root.join("gentoo2023/generic"),
                root.join("gentoo2023/x86-64-v3"),
                "/nonexistent/x".into(),
            ],
        };
        let walked = (
            names(&Wheelhouse::open(&root), &default),
            names(&Wheelhouse::open(&root), &listed),
        );
        Catalog::build(&root).unwrap().write().unwrap();
        let house = Wheelhouse::open(&root);
        assert!(house.catalog_in_use(), "{:?}", house.stale_reason());
        assert_eq!(walked, (names(&house, &default), names(&house, &listed)));
        assert_eq!(house.list(&listed).warnings.len(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_new_file_makes_the_catalog_stale() {
        let root = temp("stale");
        Catalog::build(&root).unwrap().write().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(root.join("gentoo2023/generic/d-1-py3-none-any.whl"), "").unwrap();
        let house = Wheelhouse::open(&root);
        assert!(!house.catalog_in_use());
        assert!(house.stale_reason().unwrap().contains("generic"));
        let listing = house.list(&SearchPaths::UnderWheelhouse(root.clone()));
        assert!(listing
            .files
            .iter()
            .any(|f| listing.name(f).starts_with("d-1")));
        // A new top-level directory is seen through the root's entries.
        Catalog::build(&root).unwrap().write().unwrap();
        assert!(Wheelhouse::open(&root).catalog_in_use());
        std::fs::create_dir(root.join("generic")).unwrap();
        assert!(!Wheelhouse::open(&root).catalog_in_use());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_shared_walk_reads_each_directory_once() {
        let root = temp("shared");
        let walks = crate::Walks::default();
        let house = Wheelhouse::open(&root);
        let paths = [
            root.join("gentoo2023/x86-64-v3"),
            root.join("gentoo2023/generic"),
        ];
        let first = walks.get(&paths[0]);
        // Read once: the same walk is handed out again, and a file added since is not seen
        // by a later listing made with the same memo (nothing was read again)...
        std::fs::write(root.join("gentoo2023/x86-64-v3/e-1-py3-none-any.whl"), "").unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &walks.get(&paths[0])));
        let shared = house.list_paths_shared(&paths, &walks);
        let names: Vec<&str> = shared.files.iter().map(|f| shared.name(f)).collect();
        assert_eq!(
            names,
            [
                "a-1-py3-none-any.whl",
                "b-1-py3-none-any.whl",
                "c-1-py3-none-any.whl"
            ]
        );
        // ...while a listing without it reads the directories.
        let fresh = house.list_paths(&paths);
        assert_eq!(fresh.files.len(), 4);
        // A directory that cannot be read is remembered with its error's kind.
        let missing = walks.get(&root.join("nonexistent"));
        assert!(missing.nodes.is_empty());
        assert_eq!(missing.warnings[0].kind, Some(std::io::ErrorKind::NotFound));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn corrupt_catalog_is_reported_not_used() {
        let root = temp("corrupt");
        std::fs::write(root.join(CATALOG_FILE), "something else\n").unwrap();
        let house = Wheelhouse::open(&root);
        assert!(!house.catalog_in_use());
        assert!(house.stale_reason().unwrap().contains("wheelhouse index"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
