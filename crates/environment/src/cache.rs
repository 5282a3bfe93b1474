//! The unpacked-wheel cache as an install uses it: where it is, whether entries are written,
//! how files are placed, and the bounds enforced after an install that added entries.
//!
//! Entries are written only when the cache is on the environment's file system: only then can
//! they be linked (or cloned) back, and a job building its environment on a node's local disk
//! must not pay for writing thousands of files to a network home directory. A cache on
//! another file system (or a read-only one) is still read from, by copying.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use installer::wheel_cache::{Cache, Limits, LinkMode, Linker, Pruned};
use installer::CacheUse;

/// How an install uses the cache (`--cache-dir`, `--link-mode`).
#[derive(Clone, Debug)]
pub struct CacheOptions {
    pub dir: PathBuf,
    pub link_mode: LinkMode,
    pub limits: Limits,
    /// What the cache remembers of wheel files, as first asked: shared by the steps of one
    /// install (resolving, unpacking) or one `venv` (finding pip, seeding it); `install`
    /// starts a fresh one each time.
    pub remembered: Arc<installer::wheel_cache::RememberedMemo>,
}

/// What the cache did during one install.
#[derive(Clone, Debug, Default)]
pub struct CacheReport {
    pub dir: PathBuf,
    /// Entries were written (the cache is writable and on the environment's file system).
    pub writable: bool,
    /// Wheels placed from the cache.
    pub hits: usize,
    /// Of them, those placed without opening the wheel file (unchanged since the cache
    /// remembered what an install read of it).
    pub unopened: usize,
    /// Entries written.
    pub written: usize,
    /// Entries found changed since they were written, dropped and rebuilt.
    pub stale: usize,
    pub cloned: usize,
    pub linked: usize,
    pub copied: usize,
    /// What keeping within the bounds removed.
    pub pruned: Pruned,
    /// Across file systems: the measured rates of copying from the cache and of
    /// decompressing, bytes per second (0 when not measured).
    pub across: Option<(u64, u64)>,
    /// With `--compile`: byte-code files placed from entries, and added to entries after
    /// compiling.
    pub pycs_placed: usize,
    pub pycs_kept: usize,
}

/// The cache for an install into `env_root` (also for callers that build their own plan);
/// `pyc` is the interpreter's cache tag and byte-code magic number (hex) when the install is
/// byte-compiled with timestamp-checked byte code (which entries then keep); with
/// `compiler` (the environment's interpreter and a number of workers), the sources of the
/// entries the install fills are compiled as they are filled.
pub fn open(
    options: &CacheOptions,
    env_root: &Path,
    pyc: Option<(String, String)>,
    compiler: Option<(&Path, usize)>,
) -> Arc<CacheUse> {
    let cache = Cache::new(&options.dir);
    let same = cache.same_file_system(env_root);
    let write = same && cache.prepare_for_writing();
    // Across file systems neither clone nor hard link can work: copy straight away.
    let mode = if same {
        options.link_mode
    } else {
        LinkMode::Copy
    };
    let linker = Linker::new(mode, installer::paths::umask_cached());
    if write {
        linker.probe(&options.dir.join("v1/tmp"));
    }
    let used = CacheUse::new(cache, linker, write, !same)
        .with_remembered(options.remembered.clone())
        .with_pyc_tag(
            pyc.as_ref().map(|(tag, _)| tag.clone()),
            pyc.as_ref().map(|(_, magic)| magic.as_str()),
        );
    Arc::new(match compiler {
        Some((python, workers)) => used.with_compiler(python, workers),
        None => used,
    })
}

/// After compiling: adds the byte code of the sources the install placed from, or wrote
/// into, entries to those entries (hard links, so only where the cache is written, which is
/// only on the environment's file system). Returns the number of files added.
pub(crate) fn keep_pycs(used: &CacheUse, env_root: &Path, threads: usize) -> usize {
    let (Some(tag), Some(store)) = (used.pyc_tag.as_deref(), used.pyc_store.as_deref()) else {
        return 0;
    };
    let sources = used.take_sources();
    if !used.write || sources.is_empty() {
        return 0;
    }
    // Each byte-code file is a link and a few `stat`s: round trips on a network file system,
    // so many at once (as the installer's I/O pool).
    let Ok(pool) = rayon::ThreadPoolBuilder::new()
        .num_threads(installer::io_threads(env_root, threads))
        .build()
    else {
        return 0;
    };
    let added = AtomicUsize::new(0);
    pool.install(|| {
        sources.par_iter().for_each(|s| {
            let Some(entry) = used.cache.lookup_with_pyc(&s.key, Some(store)) else {
                return;
            };
            s.files.par_iter().for_each(|(name, target)| {
                if entry.pyc(name).is_some() {
                    return;
                }
                let Some(pyc) = installer::pyc_path(&env_root.join(target), tag) else {
                    return;
                };
                if let Ok(true) = entry.add_pyc(name, store, &pyc) {
                    added.fetch_add(1, Ordering::Relaxed);
                }
            });
        })
    });
    added.into_inner()
}

/// After the install: what the cache did, and pruning to the bounds when entries (or byte
/// code) were added.
pub fn finish(used: &CacheUse, options: &CacheOptions, pycs_kept: usize) -> CacheReport {
    let written = used.written.load(Ordering::Relaxed);
    let pruned = if written > 0 || pycs_kept > 0 {
        used.cache.prune(options.limits)
    } else {
        Pruned::default()
    };
    CacheReport {
        dir: options.dir.clone(),
        writable: used.write,
        hits: used.hits.load(Ordering::Relaxed),
        unopened: used.unopened.load(Ordering::Relaxed),
        written,
        stale: used.stale.load(Ordering::Relaxed),
        cloned: used.linker.cloned.load(Ordering::Relaxed),
        linked: used.linker.linked.load(Ordering::Relaxed),
        copied: used.linker.copied.load(Ordering::Relaxed),
        pruned,
        across: used.across.then(|| used.rates()),
        pycs_placed: used.pycs_placed.load(Ordering::Relaxed),
        pycs_kept,
    }
}
