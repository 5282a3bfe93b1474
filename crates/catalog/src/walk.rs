//! Directory walks in the order of Python's `os.walk`, read in parallel.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::ScanWarning;

/// One directory of a walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirNode {
    /// Absolute or root-relative path, as given to the walk joined with entry names.
    pub path: PathBuf,
    /// Modification time, in nanoseconds since the epoch (0 when unknown).
    pub mtime_ns: i128,
    /// Non-directory entries, in directory order.
    pub files: FileNames,
    /// Subdirectories in directory order, each with the index of its node when it was walked
    /// (`None` for symbolic links to directories, which `os.walk` lists but does not enter).
    pub subdirs: Vec<(String, Option<usize>)>,
}

/// File names of one directory, stored in one buffer separated by tabs.
///
/// # Performance
/// A large wheelhouse directory holds tens of thousands of names; one buffer per directory
/// instead of one allocation per name is what makes loading a catalog a single pass. Names
/// holding a tab or a newline are dropped: no wheel can be named so.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileNames {
    joined: String,
}

impl FileNames {
    /// Adds a name (skipped when it holds a tab or a newline).
    pub fn push(&mut self, name: &str) {
        if name.contains(['\t', '\n']) {
            return;
        }
        if !self.joined.is_empty() {
            self.joined.push('\t');
        }
        self.joined.push_str(name);
    }

    /// From names already joined with tabs.
    pub fn from_joined(joined: &str) -> FileNames {
        FileNames {
            joined: joined.to_string(),
        }
    }

    /// The names joined with tabs, as stored in the catalog file.
    pub fn joined(&self) -> &str {
        &self.joined
    }

    /// The names, in directory order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (!self.joined.is_empty())
            .then(|| self.joined.split('\t'))
            .into_iter()
            .flatten()
    }

    /// Number of names (counted: only reports need it).
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.joined.is_empty()
    }
}

/// A walked directory tree; node 0 is the top.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub nodes: Vec<DirNode>,
    pub warnings: Vec<ScanWarning>,
}

/// Walks `top` like `os.walk(top)`: pre-order, files before subdirectories, directory order
/// kept, symbolic links to directories listed but not entered. Unreadable directories give a
/// warning and are skipped, as the reference skips them (silently).
///
/// # Performance
/// One `readdir` per directory plus one `stat` per directory (for its mtime); a `stat` per
/// entry only for symbolic links and file systems that do not report entry types.
/// Subdirectories are read in parallel.
pub fn walk(top: &Path) -> Tree {
    let mut tree = Tree::default();
    read_recursive(top, true).flatten_into(&mut tree);
    tree
}

/// [`walk`] without the directories' modification times (each [`DirNode::mtime_ns`] is 0):
/// what a listing needs. One round trip less per directory on a network file system, where
/// the `stat` for the time is one.
pub fn walk_names(top: &Path) -> Tree {
    let mut tree = Tree::default();
    read_recursive(top, false).flatten_into(&mut tree);
    tree
}

/// A directory read with its children, before flattening into node indices.
struct Read {
    node: Option<DirNode>,
    /// One per entry of `node.subdirs`: `None` for links that are not entered.
    children: Vec<Option<Read>>,
    warning: Option<ScanWarning>,
}

impl Read {
    fn flatten_into(self, tree: &mut Tree) -> Option<usize> {
        if let Some(w) = self.warning {
            tree.warnings.push(w);
        }
        let index = tree.nodes.len();
        tree.nodes.push(self.node?);
        for (slot, child) in self.children.into_iter().enumerate() {
            if let Some(child) = child {
                tree.nodes[index].subdirs[slot].1 = child.flatten_into(tree);
            }
        }
        Some(index)
    }
}

fn read_recursive(dir: &Path, times: bool) -> Read {
    match read_one(dir, times) {
        Ok((node, entered)) => {
            let children = node
                .subdirs
                .par_iter()
                .zip(entered.par_iter())
                .map(|((name, _), enter)| enter.then(|| read_recursive(&dir.join(name), times)))
                .collect();
            Read {
                node: Some(node),
                children,
                warning: None,
            }
        }
        Err(e) => Read {
            node: None,
            children: Vec::new(),
            warning: Some(ScanWarning {
                path: dir.to_path_buf(),
                message: e.to_string(),
                kind: Some(e.kind()),
            }),
        },
    }
}

/// Reads one directory (and its modification time when `times`); the flags say which
/// subdirectories to enter (not links).
fn read_one(dir: &Path, times: bool) -> std::io::Result<(DirNode, Vec<bool>)> {
    let mtime = if times {
        mtime_ns(std::fs::metadata(dir)?.modified().ok())
    } else {
        0
    };
    let mut node = DirNode {
        path: dir.to_path_buf(),
        mtime_ns: mtime,
        files: FileNames::default(),
        subdirs: Vec::new(),
    };
    let mut entered = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        let file_type = match entry.file_type() {
            Ok(t) => t,
            Err(_) => {
                node.files.push(&name);
                continue;
            }
        };
        if file_type.is_dir() {
            entered.push(true);
            node.subdirs.push((name, None));
        } else if file_type.is_symlink() && entry.path().is_dir() {
            entered.push(false);
            node.subdirs.push((name, None));
        } else {
            node.files.push(&name);
        }
    }
    Ok((node, entered))
}

pub(crate) fn mtime_ns(time: Option<SystemTime>) -> i128 {
    match time.map(|t| t.duration_since(SystemTime::UNIX_EPOCH)) {
        Some(Ok(d)) => d.as_nanos() as i128,
        Some(Err(e)) => -(e.duration().as_nanos() as i128),
        None => 0,
    }
}

impl Tree {
    /// Calls `f(directory, file name)` for every file in walk order.
    pub fn for_each_file<'a>(&'a self, mut f: impl FnMut(&'a Path, &'a str)) {
        if !self.nodes.is_empty() {
            self.visit(0, &mut f);
        }
    }

    /// Like [`Tree::for_each_file`], for the part of the tree under node `index`.
    pub fn for_each_file_under<'a>(&'a self, index: usize, mut f: impl FnMut(&'a Path, &'a str)) {
        self.visit(index, &mut f);
    }

    /// The node of a walked directory, by path.
    pub fn node_of(&self, path: &Path) -> Option<usize> {
        self.nodes.iter().position(|n| n.path == path)
    }

    fn visit<'a>(&'a self, index: usize, f: &mut impl FnMut(&'a Path, &'a str)) {
        let node = &self.nodes[index];
        for name in node.files.iter() {
            f(&node.path, name);
        }
        for (_, child) in &node.subdirs {
            if let Some(child) = child {
                self.visit(*child, f);
            }
        }
    }

    /// The directories exactly two levels below the top, in walk order, including symbolic
    /// links to directories: the reference's default search paths.
    pub fn dirs_at_depth_two(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let Some(top) = self.nodes.first() else {
            return out;
        };
        for (_, level_one) in &top.subdirs {
            let Some(level_one) = level_one else { continue };
            let node = &self.nodes[*level_one];
            for (name, _) in &node.subdirs {
                out.push(node.path.join(name));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("catalog-walk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn walk_order_files_then_subdirs() {
        let root = temp("order");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("top.whl"), "").unwrap();
        std::fs::write(root.join("a/one.whl"), "").unwrap();
        std::fs::write(root.join("a/b/two.whl"), "").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("link")).unwrap();
        let tree = walk(&root);
        let mut seen = Vec::new();
        tree.for_each_file(|d, n| seen.push(d.join(n).strip_prefix(&root).unwrap().to_path_buf()));
        assert_eq!(
            seen,
            [
                PathBuf::from("top.whl"),
                "a/one.whl".into(),
                "a/b/two.whl".into()
            ]
        );
        // The link is listed as a directory but not entered.
        assert!(tree.nodes[0]
            .subdirs
            .iter()
            .any(|(n, c)| n == "link" && c.is_none()));
        let depth_two: Vec<_> = tree.dirs_at_depth_two();
        assert_eq!(depth_two, [root.join("a/b")]);
        let sub = tree.node_of(&root.join("a")).unwrap();
        let mut seen = Vec::new();
        tree.for_each_file_under(sub, |_, n| seen.push(n.to_string()));
        assert_eq!(seen, ["one.whl", "two.whl"]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn missing_directory_warns() {
        let tree = walk(Path::new("/nonexistent/wheelhouse/x86-64-v3"));
        assert!(tree.nodes.is_empty());
        assert_eq!(tree.warnings.len(), 1);
        assert!(tree.warnings[0]
            .to_string()
            .contains("/nonexistent/wheelhouse/x86-64-v3"));
    }
}
