//! Threads for file-system work whose cost is round trips, not CPU.
//!
//! On a network file system (NFS, Lustre: home directories and project spaces) every
//! `mkdir`, `open`, `create`, `link`, `stat` and `rename` waits for the server, about a
//! millisecond, while the CPU idles; the server answers many requests at once. A pool sized
//! to the cores (two in a small job) keeps two requests in flight and spends the install
//! waiting: creating the 15,000 files of a scipy stack one round trip after another. The
//! per-file steps of unpacking (decompressing and writing, placing from the cache, creating
//! the staging directories) therefore run on a pool of [`IO_THREADS`] threads, or one per
//! core where there are more cores, when the environment is on a network file system
//! ([`crate::on_network_file_system`]). On a local disk they run on the caller's threads,
//! one per core: there, threads beyond the cores only wait for each other (a warm sync of a
//! 590-wheel environment spent thousands of `sched_yield`s in a 48-thread pool).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::error::InstallError;

/// Requests kept in flight: enough to hide a millisecond's latency behind the CPU work of
/// a file (measured in `bench/README.md`, "onto a network file system").
pub const IO_THREADS: usize = 48;

/// Threads for round-trip-bound work on `place` with `cores` cores: [`IO_THREADS`] (or the
/// cores, when more) on a network file system, the cores elsewhere.
pub fn io_threads(place: &Path, cores: usize) -> usize {
    if on_network(place) {
        IO_THREADS.max(cores)
    } else {
        cores.max(1)
    }
}

/// Whether the process works on a network file system, decided once from the first place
/// asked about (a process installs into one environment; a `statfs` each time would be a
/// round trip each time there).
fn on_network(place: &Path) -> bool {
    static NETWORK: OnceLock<bool> = OnceLock::new();
    *NETWORK.get_or_init(|| crate::on_network_file_system(place))
}

/// Runs `f` on the I/O pool when `place` (the environment, or a directory in it) is on a
/// network file system (its parallel iterators then use that pool's threads); on the
/// caller's pool otherwise, and when the threads cannot be started.
pub(crate) fn run<R: Send>(place: &Path, f: impl FnOnce() -> R + Send) -> R {
    if !on_network(place) {
        return f();
    }
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(IO_THREADS.max(rayon::current_num_threads()))
            .thread_name(|i| format!("wheelhouse-io-{i}"))
            .build()
            .ok()
    });
    match pool {
        // Already on it: no hop (a wheel's files, from a wheel staged on the pool).
        Some(pool) if pool.current_thread_index().is_some() => f(),
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// Creates `dirs` (relative to `base`, which exists) and every directory between them and
/// `base`, each level's directories at once: one `mkdir` per directory, never a failed one
/// first. A directory that exists already is fine (a shared parent).
pub(crate) fn create_dirs<'a>(
    base: &Path,
    dirs: impl IntoIterator<Item = &'a Path>,
) -> Result<(), InstallError> {
    let mut levels: BTreeMap<usize, Vec<PathBuf>> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for dir in dirs {
        for ancestor in dir.ancestors() {
            if ancestor.as_os_str().is_empty() || !seen.insert(ancestor.to_path_buf()) {
                continue;
            }
            levels
                .entry(ancestor.components().count())
                .or_default()
                .push(ancestor.to_path_buf());
        }
    }
    run(base, || {
        for level in levels.values() {
            level.par_iter().try_for_each(|dir| {
                let path = base.join(dir);
                match std::fs::create_dir(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                        Err(InstallError::io(&path, "create directory")(e))
                    }
                    _ => Ok(()),
                }
            })?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_is_created_and_existing_ones_are_fine() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("a")).unwrap();
        let dirs = [Path::new("a/b/c/d"), Path::new("a/x"), Path::new("e")];
        create_dirs(tmp.path(), dirs).unwrap();
        for d in ["a/b/c/d", "a/b/c", "a/x", "e"] {
            assert!(tmp.path().join(d).is_dir(), "{d}");
        }
        // A file where a directory must go is an error, not skipped.
        std::fs::write(tmp.path().join("f"), "").unwrap();
        assert!(create_dirs(tmp.path(), [Path::new("f/g")]).is_err());
        // A local directory: the caller's threads, one per core (the test's pool).
        let cores = rayon::current_num_threads();
        assert_eq!(run(tmp.path(), rayon::current_num_threads), cores);
        assert_eq!(io_threads(tmp.path(), 2), 2);
    }
}
