//! What may be published from a wheelhouse: only regular files that are inside its root.
//!
//! A wheelhouse is a tree that several people write, and the server or the static index that
//! publishes it may run as an account that can read more than the wheelhouse. A symbolic link
//! planted in the tree (`generic/leak-1.0-py3-none-any.whl -> /home/staff/.ssh/id_rsa`) must
//! therefore never make that account copy or serve what it points at. The rule:
//!
//! - the path, relative to the root, is proven inside it by the installer's
//!   [`Confinement`] (no `..`, no parent directory that is a link leading out);
//! - the file itself is opened without following a link ([`catalog::open_wheel_file`]): a
//!   link is never published, even one that stays inside the root (it would publish one
//!   wheel under a second name; publish a copy or a hard link instead);
//! - the opened file's real path (`/proc/self/fd`) is proven inside the root again, so a
//!   directory swapped for a link between the check and the open is caught.
//!
//! The catalog applies the same rule when it reads wheels (links get no metadata), so the
//! pages never list what [`open_published`] would refuse; this is the check at the moment a
//! file is copied, linked or served.

use std::fs::File;
use std::path::{Path, PathBuf};

use installer::paths::Confinement;

/// Why a file of the wheelhouse is not published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A symbolic link whose target is outside the root (or cannot be resolved).
    LinkOutside { path: PathBuf, target: PathBuf },
    /// A symbolic link that stays inside the root.
    LinkInside { path: PathBuf, target: PathBuf },
    /// `..`, or a parent directory that is a link leading outside the root.
    Escapes { path: PathBuf },
    /// A FIFO, device or directory.
    NotAFile { path: PathBuf },
    /// It cannot be opened (gone, permissions).
    Unreadable { path: PathBuf, error: String },
}

impl Refusal {
    /// The kind, as `wheelhouse audit` names its findings.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::LinkOutside { .. } | Refusal::Escapes { .. } => "link-outside-root",
            Refusal::LinkInside { .. } => "link",
            Refusal::NotAFile { .. } => "not-a-file",
            Refusal::Unreadable { .. } => "unreadable",
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Refusal::LinkOutside { path, .. }
            | Refusal::LinkInside { path, .. }
            | Refusal::Escapes { path }
            | Refusal::NotAFile { path }
            | Refusal::Unreadable { path, .. } => path,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::LinkOutside { path, target } => write!(
                f,
                "{} is a symbolic link leading outside the wheelhouse (to {}): refused, it is \
                 neither catalogued nor published. Remove it, or put the wheel itself in the \
                 wheelhouse with `wheelhouse add`",
                path.display(),
                target.display()
            ),
            Refusal::LinkInside { path, target } => write!(
                f,
                "{} is a symbolic link (to {}): links are not published, only the files \
                 themselves. Replace it with a copy or a hard link of the wheel, or remove it",
                path.display(),
                target.display()
            ),
            Refusal::Escapes { path } => write!(
                f,
                "{} goes outside the wheelhouse (through `..` or a directory that is a link \
                 leading out): refused. Replace the linked directory with a real one",
                path.display()
            ),
            Refusal::NotAFile { path } => write!(
                f,
                "{} is not a regular file (a FIFO, device or directory named like a wheel): \
                 not published. Remove it",
                path.display()
            ),
            Refusal::Unreadable { path, error } => {
                write!(f, "{} cannot be opened: {error}", path.display())
            }
        }
    }
}

/// The wheelhouse root as publishers check paths against it.
pub struct PublishRoot {
    root: PathBuf,
    /// Rooted at the canonical root: real paths (from `/proc/self/fd` or `canonicalize`)
    /// are compared with it.
    canonical: Confinement,
}

impl PublishRoot {
    pub fn new(root: &Path) -> PublishRoot {
        // Absolute, as the confinement compares absolute paths.
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
        PublishRoot {
            root,
            canonical: Confinement::new(&canonical_root),
        }
    }

    /// Opens the wheel at `rel` (relative to the root, as the catalog spells it) for
    /// publishing, with the proofs of the module documentation; returns the file and its
    /// real path.
    pub fn open(&self, rel: &Path) -> Result<(File, PathBuf), Refusal> {
        let path = self.root.join(rel);
        // A fresh confinement: its verdicts on parent directories are cached, and a server
        // lives longer than the tree stays as it is.
        let proven = Confinement::new(&self.root)
            .check(&path)
            .map_err(|_| Refusal::Escapes { path: path.clone() })?;
        let file = match catalog::open_wheel_file(&proven) {
            Ok(file) => file,
            Err(e) if catalog::is_link_refusal(&e) => return Err(self.classify_link(&path)),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(Refusal::NotAFile { path })
            }
            Err(e) => {
                return Err(Refusal::Unreadable {
                    path,
                    error: e.to_string(),
                })
            }
        };
        let real = fd_path(&file).ok_or_else(|| Refusal::Unreadable {
            path: path.clone(),
            error: "its real path cannot be read from /proc/self/fd".into(),
        })?;
        if self.canonical.check(&real).is_err() {
            return Err(Refusal::Escapes { path });
        }
        Ok((file, real))
    }

    /// Why `path`, a symbolic link, is refused: whether it leads out of the root or not.
    pub fn classify_link(&self, path: &Path) -> Refusal {
        let target = std::fs::read_link(path).unwrap_or_default();
        match path.canonicalize() {
            Ok(real) if self.canonical.check(&real).is_ok() => Refusal::LinkInside {
                path: path.to_path_buf(),
                target,
            },
            _ => Refusal::LinkOutside {
                path: path.to_path_buf(),
                target,
            },
        }
    }

    /// Why each of `paths` (files the catalog did not read: [`catalog::MetaStats::not_files`])
    /// is not published.
    pub fn explain(&self, paths: &[PathBuf]) -> Vec<Refusal> {
        paths
            .iter()
            .map(|path| match std::fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_symlink() => self.classify_link(path),
                Ok(_) => Refusal::NotAFile { path: path.clone() },
                Err(e) => Refusal::Unreadable {
                    path: path.clone(),
                    error: e.to_string(),
                },
            })
            .collect()
    }
}

/// The path the kernel has for an open file.
fn fd_path(file: &File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_and_escapes_are_refused_files_are_opened() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("house");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(root.join("generic")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.txt"), "secret").unwrap();
        std::fs::write(root.join("generic/a-1.0-py3-none-any.whl"), "wheel").unwrap();
        symlink(outside.join("secret.txt"), root.join("generic/out.whl")).unwrap();
        symlink("a-1.0-py3-none-any.whl", root.join("generic/in.whl")).unwrap();
        symlink(&outside, root.join("escape")).unwrap();
        let house = PublishRoot::new(&root);
        let (_, real) = house
            .open(Path::new("generic/a-1.0-py3-none-any.whl"))
            .unwrap();
        assert_eq!(
            real,
            root.canonicalize()
                .unwrap()
                .join("generic/a-1.0-py3-none-any.whl")
        );
        let kind = |rel: &str| house.open(Path::new(rel)).unwrap_err().kind();
        assert_eq!(kind("generic/out.whl"), "link-outside-root");
        assert_eq!(kind("generic/in.whl"), "link");
        assert_eq!(kind("escape/secret.txt"), "link-outside-root");
        assert_eq!(kind("../outside/secret.txt"), "link-outside-root");
        assert_eq!(kind("generic"), "not-a-file");
        assert_eq!(kind("generic/missing.whl"), "unreadable");
    }
}
