//! Proving that a path stays inside the environment before anything is written, moved or
//! deleted there, and the file modes pip gives what it creates.

use std::path::{Component, Path, PathBuf};

/// The root every changed path must stay inside, with its links resolved once.
#[derive(Debug)]
pub struct Confinement {
    root: PathBuf,
    canonical_root: PathBuf,
    /// Verdicts on parent directories already resolved: a wheel's 15,000 members sit in a
    /// few hundred directories, and resolving one costs a `readlink` per component.
    /// Nothing else changes the environment while we hold its lock.
    parents: std::sync::Mutex<std::collections::HashMap<PathBuf, Result<(), Escape>>>,
    /// The directories of those found not to exist: the commit's planner needs not ask again.
    absent: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
    /// Directories read whole ([`Confinement::list`]): whether and what each entry is, so
    /// that a path's parent inside one needs no `stat` of its own.
    listed: std::sync::Mutex<std::collections::HashMap<PathBuf, Listing>>,
}

/// A directory's entries, by name: whether each is a symbolic link.
type Listing = std::collections::HashMap<std::ffi::OsString, bool>;

impl Clone for Confinement {
    fn clone(&self) -> Confinement {
        Confinement::new(&self.root)
    }
}

/// Why a path was refused.
pub type Escape = &'static str;

impl Confinement {
    pub fn new(root: &Path) -> Confinement {
        let root = normalize(root);
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
        Confinement {
            root,
            canonical_root,
            parents: Default::default(),
            absent: Default::default(),
            listed: Default::default(),
        }
    }

    /// Reads the directory `dir` (inside the root) whole: the paths of the install checked
    /// below it then need no `stat` of their top-level entry (a wheel's package and
    /// `.dist-info` directories in site-packages: two per wheel). Worth it where many wheels
    /// are staged; a directory that cannot be read is left to `stat`.
    pub fn list(&self, dir: &Path) {
        let dir = normalize(dir);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut listing = Listing::new();
        for entry in entries {
            let Ok(entry) = entry else {
                return;
            };
            let Ok(kind) = entry.file_type() else {
                return;
            };
            listing.insert(entry.file_name(), kind.is_symlink());
        }
        self.listed
            .lock()
            .expect("no panics while held")
            .insert(dir, listing);
    }

    /// What the listing of `dir`'s parent says of `dir`: `Some(None)` absent, `Some(Some(is
    /// a link))` present; `None` when the parent was not listed.
    fn listed(&self, dir: &Path) -> Option<Option<bool>> {
        let (parent, name) = (dir.parent()?, dir.file_name()?);
        let listed = self.listed.lock().expect("no panics while held");
        Some(listed.get(parent)?.get(name).copied())
    }

    /// `path` with `..` resolved, once proven inside the root: lexically below it, and the
    /// nearest existing parent, with every link resolved, still inside it. The last component
    /// itself is not followed: it is what gets created, renamed or removed, and renaming a
    /// link moves the link, not its target.
    pub fn check(&self, path: &Path) -> Result<PathBuf, Escape> {
        if path.as_os_str().as_encoded_bytes().contains(&0) {
            return Err("contains a NUL byte");
        }
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        let normal = normalize(&joined);
        if normal == self.root || !normal.starts_with(&self.root) {
            return Err("resolves to a path outside the environment");
        }
        if is_installer_file(normal.strip_prefix(&self.root).unwrap_or(&normal)) {
            return Err("names a file of the installer's own (its lock, journal or staging area)");
        }
        if let Some(parent) = normal.parent() {
            let known = self
                .parents
                .lock()
                .expect("no panics while held")
                .get(parent)
                .copied();
            let verdict = match known {
                Some(verdict) => verdict,
                None => {
                    let verdict = self.check_parent(parent);
                    self.parents
                        .lock()
                        .expect("no panics while held")
                        .insert(parent.to_path_buf(), verdict);
                    verdict
                }
            };
            verdict?;
        }
        Ok(normal)
    }

    /// The nearest existing directory at or above `dir`, with every link resolved, is inside
    /// the root.
    fn check_parent(&self, dir: &Path) -> Result<(), Escape> {
        // Resolved one level at a time, each verdict remembered: a real directory (or one not
        // created yet) is as inside as its parent, and only a link is resolved whole. The
        // root is where the walk stops (it was checked when the confinement was made).
        if dir == self.root || !dir.starts_with(&self.root) {
            return Ok(());
        }
        if let Some(&known) = self.parents.lock().expect("no panics while held").get(dir) {
            return known;
        }
        // From the parent's listing when there is one: absent, or present and no link, is
        // answered as the `stat` would be.
        let kind = match self.listed(dir) {
            Some(None) => Err(std::io::ErrorKind::NotFound.into()),
            Some(Some(false)) => Ok(false),
            _ => std::fs::symlink_metadata(dir).map(|m| m.file_type().is_symlink()),
        };
        let verdict = match kind {
            Ok(true) => match dir.canonicalize() {
                Ok(real) if real.starts_with(&self.canonical_root) => Ok(()),
                Ok(_) => Err("goes through a link that leads outside the environment"),
                Err(_) => Err("has a parent directory that cannot be resolved"),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.absent
                    .lock()
                    .expect("no panics while held")
                    .insert(dir.to_path_buf());
                match dir.parent() {
                    Some(parent) => self.check_parent(parent),
                    None => Ok(()),
                }
            }
            _ => match dir.parent() {
                Some(parent) => self.check_parent(parent),
                None => Ok(()),
            },
        };
        self.parents
            .lock()
            .expect("no panics while held")
            .insert(dir.to_path_buf(), verdict);
        verdict
    }

    /// [`Confinement::check`] for a path relative to the root, returned relative.
    pub fn check_relative(&self, relative: &Path) -> Result<PathBuf, Escape> {
        let absolute = self.check(&self.root.join(relative))?;
        absolute
            .strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .map_err(|_| "resolves to a path outside the environment")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `path` was found not to exist when a path below it was checked. Nothing but
    /// the holder of the environment's lock changes the environment, so this holds until
    /// that holder's first change (its commit, which tracks its own steps).
    pub fn known_absent(&self, path: &Path) -> bool {
        self.absent
            .lock()
            .expect("no panics while held")
            .contains(path)
    }
}

/// The names the installer keeps at the top of an environment for itself: the lock file, the
/// staging directories (with the commit journal) and the trash. A path from a wheel or a
/// RECORD that lands there could plant a journal that the next command would act on, or
/// remove the lock; none ever may. `relative` is a path relative to the root.
pub fn is_installer_file(relative: &Path) -> bool {
    match relative.components().next() {
        Some(Component::Normal(first)) => {
            let first = first.as_encoded_bytes();
            first.starts_with(INSTALLER_PREFIX.as_bytes()) || first == INSTALLER_LOCK.as_bytes()
        }
        _ => false,
    }
}

/// The prefix of the installer's staging and trash directories (`.wheelhouse-staging-<pid>`).
pub const INSTALLER_PREFIX: &str = ".wheelhouse-";
/// The environment's lock file.
pub const INSTALLER_LOCK: &str = ".wheelhouse.lock";

/// Resolves `.` and `..` without touching the file system; `..` at the root stays there.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The process's umask, read without changing it (Linux reports it in /proc since 4.7);
/// the usual 022 when it cannot be read.
pub fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// [`umask`], read once per process (it does not change while we run).
pub fn umask_cached() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(umask)
}

/// The modes pip gives the files it installs, for one umask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modes {
    /// Plain files: `0666 & ~umask`.
    pub file: u32,
    /// Files marked executable in the archive: `0777 & ~umask | 0111`.
    pub executable: u32,
    /// Entry-point launchers: the plain mode plus `0555`.
    pub launcher: u32,
}

impl Modes {
    pub fn for_umask(umask: u32) -> Modes {
        let file = 0o666 & !umask;
        Modes {
            file,
            executable: (0o777 & !umask) | 0o111,
            launcher: file | 0o555,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("env");
        std::fs::create_dir_all(root.join("lib/site-packages")).unwrap();
        let c = Confinement::new(&root);
        assert!(c.check(&root.join("lib/site-packages/../../bin/x")).is_ok());
        assert!(c.check(&root.join("lib/site-packages/../../../x")).is_err());
        assert!(c.check(&root.join("../../../../etc/passwd")).is_err());
        assert!(c.check(Path::new("/etc/passwd")).is_err());
        assert!(c.check(&root).is_err());
    }

    /// An environment whose `lib/escape` is a link to a directory outside it.
    fn env_with_a_link_out() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("env");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("lib/escape")).unwrap();
        (tmp, root)
    }

    #[test]
    fn links_in_the_parents_are_resolved() {
        let (_tmp, root) = env_with_a_link_out();
        std::os::unix::fs::symlink(root.join("lib"), root.join("lib64")).unwrap();
        let c = Confinement::new(&root);
        assert!(c.check(&root.join("lib/escape/x")).is_err());
        assert!(c.check(&root.join("lib/escape/new/deeper")).is_err());
        // The link itself may be replaced; a link that stays inside may be gone through.
        assert!(c.check(&root.join("lib/escape")).is_ok());
        assert!(c.check(&root.join("lib64/x")).is_ok());
    }

    #[test]
    fn a_listed_directory_answers_as_the_stat_would() {
        let (_tmp, root) = env_with_a_link_out();
        std::fs::create_dir_all(root.join("lib/pkg")).unwrap();
        let c = Confinement::new(&root);
        c.list(&root.join("lib"));
        // Present and real, absent (and known so), and a link: resolved, as without a
        // listing.
        assert!(c.check(&root.join("lib/pkg/a.py")).is_ok());
        assert!(!c.known_absent(&root.join("lib/pkg")));
        assert!(c.check(&root.join("lib/new/a.py")).is_ok());
        assert!(c.known_absent(&root.join("lib/new")));
        assert!(c.check(&root.join("lib/escape/x")).is_err());
        // A directory that cannot be read is simply not listed.
        c.list(&root.join("missing"));
        assert!(c.check(&root.join("missing/x/y")).is_ok());
    }

    #[test]
    fn modes_follow_pip() {
        let m = Modes::for_umask(0o022);
        assert_eq!((m.file, m.executable, m.launcher), (0o644, 0o755, 0o755));
        let m = Modes::for_umask(0o002);
        assert_eq!((m.file, m.executable, m.launcher), (0o664, 0o775, 0o775));
        let m = Modes::for_umask(0o077);
        assert_eq!((m.file, m.executable, m.launcher), (0o600, 0o711, 0o755));
    }
}
