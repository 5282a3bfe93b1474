//! Build environments shared by the builds of one run: the builds that need the same build
//! requirements for the same Python (ten setuptools sdists) take turns in one environment
//! instead of each making its own (a venv, a resolution, an install and an interpreter query
//! each).
//!
//! Isolation is kept: an environment serves one build at a time (two builds at once get two
//! environments), and when a build is done the environment is compared with the state it
//! was handed out in (every file's path, size, modification time and inode; byte code in
//! `__pycache__` aside). A backend that wrote into it, or changed an installed file in
//! place, makes it unfit: it is removed, and the next build gets a new one. Nothing outlives
//! the run: the pool lives in the run's build directory.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What makes environments interchangeable: the interpreter and the requirement list.
type Key = (PathBuf, Vec<String>);

/// An environment of the pool and the fingerprint it was handed out with.
struct Shared {
    root: PathBuf,
    python: PathBuf,
    fingerprint: u64,
}

#[derive(Default)]
struct State {
    idle: HashMap<Key, Vec<Shared>>,
    /// Environments in use, by the build directory (`dir`) their build asked with.
    leased: HashMap<PathBuf, (Key, Shared)>,
    made: usize,
}

/// The run's pool of build environments; [`SharedEnvironments::none`] makes one per build.
#[derive(Default)]
pub struct SharedEnvironments {
    dir: Option<PathBuf>,
    state: Mutex<State>,
}

impl SharedEnvironments {
    /// A pool whose environments are made under `dir` (removed with the run's build
    /// directory).
    pub fn in_dir(dir: &Path) -> SharedEnvironments {
        SharedEnvironments {
            dir: Some(dir.to_path_buf()),
            state: Mutex::default(),
        }
    }

    /// No sharing: every build's environment is its own, in its build directory.
    pub fn none() -> SharedEnvironments {
        SharedEnvironments::default()
    }

    /// Whether environments are shared (else each build makes its own in its directory).
    pub(crate) fn pooled(&self) -> bool {
        self.dir.is_some()
    }

    /// An idle environment for `python` and `requirements`, handed to the build that asked
    /// with `dir`; `None` when there is none (or no pool).
    pub(crate) fn take(
        &self,
        dir: &Path,
        python: &Path,
        requirements: &[String],
    ) -> Option<PathBuf> {
        self.dir.as_ref()?;
        let key = key(python, requirements);
        let mut state = self.state.lock().expect("no panics while held");
        let shared = state.idle.get_mut(&key)?.pop()?;
        let python = shared.python.clone();
        state.leased.insert(dir.to_path_buf(), (key, shared));
        Some(python)
    }

    /// Where a new environment for the pool is made: a fresh directory (`None` without a
    /// pool: the build's own `dir` is used).
    pub(crate) fn new_root(&self) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut state = self.state.lock().expect("no panics while held");
        state.made += 1;
        Some(dir.join(format!("env-{}", state.made)))
    }

    /// Records the environment just made at `root` (its interpreter `env_python`) for
    /// `python` and `requirements` as in use by the build that asked with `dir`.
    pub(crate) fn lease(
        &self,
        dir: &Path,
        (python, requirements): (&Path, &[String]),
        root: &Path,
        env_python: &Path,
    ) {
        let shared = Shared {
            root: root.to_path_buf(),
            python: env_python.to_path_buf(),
            fingerprint: fingerprint(root),
        };
        let key = key(python, requirements);
        self.state
            .lock()
            .expect("no panics while held")
            .leased
            .insert(dir.to_path_buf(), (key, shared));
    }

    /// The build that asked with `dir` is done with its environment: back to the pool if
    /// unchanged, else removed.
    pub(crate) fn give_back(&self, dir: &Path) {
        let Some((key, shared)) = self
            .state
            .lock()
            .expect("no panics while held")
            .leased
            .remove(dir)
        else {
            return;
        };
        if fingerprint(&shared.root) == shared.fingerprint {
            self.state
                .lock()
                .expect("no panics while held")
                .idle
                .entry(key)
                .or_default()
                .push(shared);
        } else {
            let _ = std::fs::remove_dir_all(&shared.root);
        }
    }
}

fn key(python: &Path, requirements: &[String]) -> Key {
    let mut requirements = requirements.to_vec();
    requirements.sort();
    requirements.dedup();
    (python.to_path_buf(), requirements)
}

/// Every entry under `root` (not following links), `__pycache__` directories aside: a
/// backend that adds, removes or rewrites a file changes it.
fn fingerprint(root: &Path) -> u64 {
    let mut hasher = DefaultHasher::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            dir.hash(&mut hasher);
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            // Byte code the hooks' imports wrote is the environment's own cache.
            if entry.file_name() == "__pycache__" {
                continue;
            }
            let path = entry.path();
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            path.hash(&mut hasher);
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            (meta.len(), meta.mtime(), meta.mtime_nsec(), meta.ino()).hash(&mut hasher);
        }
    }
    hasher.finish()
}
