//! Unpacking through the unpacked-wheel cache ([`wheel_cache`]): a wheel whose entry is in
//! the cache is placed from it (clone, hard link or copy) instead of being decompressed; one
//! that is not is decompressed as usual and its entry written on the way.
//!
//! Only what is identical in every environment is cached: the archive's members as they are
//! in the wheel, verified against its RECORD. Scripts from `.data/scripts` (whose `#!python`
//! line names the environment's interpreter), entry-point launchers, and the installed
//! `.dist-info` files (`RECORD`, `INSTALLER`, `REQUESTED`, `direct_url.json`) are always
//! written for the environment, so what lands there is byte for byte what the uncached path
//! writes.
//!
//! Byte code: when the install is followed by `--compile` ([`CacheUse::pyc_tag`]), a source
//! placed from an entry that keeps byte code for the interpreter's cache tag gets its
//! `__pycache__/<stem>.<tag>.pyc` placed beside it the same way, and is left out of what the
//! compile step compiles ([`crate::StagedWheel::modules`]). A cold install compiles the
//! sources of the entries it fills as it fills them (`super::fill_pyc`): their byte code is
//! written into the entry and placed the same way. The sources placed from or written into
//! entries without byte code are listed ([`CacheUse::take_sources`]) so that, after
//! compiling, the new byte code can be added to the entries
//! ([`wheel_cache::Entry::add_pyc`]). Byte code is not listed in RECORD, as for
//! compiled files (uninstall removes a source's `__pycache__` files with it).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use wheel_cache::{Cache, Entry, Key, Linker, PlaceError};

use super::archive::OpenedWheel;
use super::members::Member;
use super::write::{self, CacheFill};
use crate::error::InstallError;
use crate::paths::Modes;

/// The cache as one install uses it.
#[derive(Debug)]
pub struct CacheUse {
    pub cache: Cache,
    pub linker: Linker,
    /// Entries are written: the cache is writable and on the environment's file system
    /// (an entry on another file system could only ever be copied back).
    pub write: bool,
    /// Wheels placed from the cache.
    pub hits: AtomicUsize,
    /// Of them, those placed without opening the wheel (the cache remembered the file).
    pub unopened: AtomicUsize,
    /// What the cache remembers of wheel files, as this install (its resolver) first asked.
    pub remembered: std::sync::Arc<wheel_cache::RememberedMemo>,
    /// Entries written.
    pub written: AtomicUsize,
    /// Entries found changed (an environment's hard-linked file edited in place) and dropped.
    pub stale: AtomicUsize,
    /// The cache is on another file system than the environment: reading it is a copy,
    /// which is used only while it measures faster than decompressing.
    pub across: bool,
    /// Bytes and nanoseconds placed by copying across file systems, and by decompressing.
    copied: [AtomicU64; 2],
    decompressed: [AtomicU64; 2],
    /// The interpreter's cache tag when the install is byte-compiled afterwards (and the
    /// byte code is timestamp-checked): cached byte code is then placed, and sources keep
    /// their entry's modification time.
    pub pyc_tag: Option<String>,
    /// Where entries keep that byte code: the tag and the interpreter's magic number
    /// (`cpython-311-a70d0d0a`), so interpreters sharing a tag but not a byte-code format
    /// (pre-releases of one version) never take each other's.
    pub pyc_store: Option<String>,
    /// Byte-code files placed from entries.
    pub pycs_placed: AtomicUsize,
    /// Compiles the sources of entries being filled, from memory (see `crate::compiler`).
    pub compiler: Option<crate::compiler::Compiler>,
    sources: Mutex<Vec<EntrySources>>,
}

/// The Python sources one install placed from, or wrote into, one entry.
#[derive(Debug)]
pub struct EntrySources {
    pub key: Key,
    /// `(member name, path relative to the environment root)`.
    pub files: Vec<(String, PathBuf)>,
}

pub(super) fn is_source(member: &Member) -> bool {
    !member.script && member.name.ends_with(".py")
}

/// Where the byte code of the source at `target` goes (`importlib.util.cache_from_source`).
pub fn pyc_path(target: &Path, tag: &str) -> Option<PathBuf> {
    let stem = target.file_stem()?.to_str()?;
    Some(
        target
            .parent()?
            .join("__pycache__")
            .join(format!("{stem}.{tag}.pyc")),
    )
}

impl CacheUse {
    pub fn new(cache: Cache, linker: Linker, write: bool, across: bool) -> CacheUse {
        CacheUse {
            cache,
            linker,
            write,
            hits: AtomicUsize::new(0),
            unopened: AtomicUsize::new(0),
            remembered: Default::default(),
            written: AtomicUsize::new(0),
            stale: AtomicUsize::new(0),
            across,
            copied: Default::default(),
            decompressed: Default::default(),
            pyc_tag: None,
            pyc_store: None,
            pycs_placed: AtomicUsize::new(0),
            compiler: None,
            sources: Mutex::new(Vec::new()),
        }
    }

    /// Compiles the sources of the entries this install fills while they are filled, with
    /// `workers` long-lived workers of `python` (only with a pyc tag, set first, and only
    /// where entries are written).
    pub fn with_compiler(mut self, python: &Path, workers: usize) -> CacheUse {
        let (Some(tag), Some(store)) = (&self.pyc_tag, &self.pyc_store) else {
            return self;
        };
        let magic = store
            .strip_prefix(tag.as_str())
            .and_then(|m| m.strip_prefix('-'));
        if self.write {
            self.compiler =
                magic.and_then(|m| crate::compiler::Compiler::new(python, tag, m, workers));
        }
        self
    }

    /// Shares `memo` (the install's, which its resolver filled) for what the cache remembers
    /// of wheel files.
    pub fn with_remembered(
        mut self,
        memo: std::sync::Arc<wheel_cache::RememberedMemo>,
    ) -> CacheUse {
        self.remembered = memo;
        self
    }

    /// Places and lists byte code for the cache tag `tag` of an interpreter whose byte code
    /// starts with `magic` (hex) (an install with `--compile`); nothing without both.
    pub fn with_pyc_tag(mut self, tag: Option<String>, magic: Option<&str>) -> CacheUse {
        let (Some(tag), Some(magic)) = (tag, magic) else {
            return self;
        };
        let store = format!("{tag}-{magic}");
        if wheel_cache::valid_tag(&tag) && wheel_cache::valid_tag(&store) {
            self.pyc_tag = Some(tag);
            self.pyc_store = Some(store);
        }
        self
    }

    /// The sources placed from or written into entries so far (only with a pyc tag).
    pub fn take_sources(&self) -> Vec<EntrySources> {
        std::mem::take(&mut *self.sources.lock().expect("no panics while held"))
    }

    /// Lists the sources of `members` for adding byte code after compiling, less those
    /// whose byte code the entry already has (`placed`).
    fn list_sources(&self, key: &Key, members: &[Member], placed: &HashSet<String>) {
        if self.pyc_tag.is_none() {
            return;
        }
        let files: Vec<(String, PathBuf)> = members
            .iter()
            .filter(|m| is_source(m) && !placed.contains(&m.name))
            .map(|m| (m.name.clone(), m.target.clone()))
            .collect();
        if !files.is_empty() {
            self.sources
                .lock()
                .expect("no panics while held")
                .push(EntrySources {
                    key: key.clone(),
                    files,
                });
        }
    }

    /// Whether the next wheel may be read from the cache. Across file systems, the first
    /// wheels are decompressed and the next copied, each timed; from then on the cache is
    /// read only while copying measures faster (bytes per second, over the install so far).
    pub fn read_allowed(&self) -> bool {
        if !self.across {
            return true;
        }
        let [db, dn] = self
            .decompressed
            .each_ref()
            .map(|a| a.load(Ordering::Relaxed));
        let [cb, cn] = self.copied.each_ref().map(|a| a.load(Ordering::Relaxed));
        if db == 0 {
            return false;
        }
        if cb == 0 {
            return true;
        }
        // cb/cn >= db/dn, without division.
        u128::from(cb) * u128::from(dn) >= u128::from(db) * u128::from(cn)
    }

    /// Measured rates across file systems, bytes per second: (copying, decompressing).
    pub fn rates(&self) -> (u64, u64) {
        let rate = |a: &[AtomicU64; 2]| {
            let [b, n] = a.each_ref().map(|a| a.load(Ordering::Relaxed));
            if n == 0 {
                0
            } else {
                (u128::from(b) * 1_000_000_000 / u128::from(n)) as u64
            }
        };
        (rate(&self.copied), rate(&self.decompressed))
    }

    fn measure(&self, which: &[AtomicU64; 2], bytes: u64, started: std::time::Instant) {
        if self.across {
            which[0].fetch_add(bytes, Ordering::Relaxed);
            which[1].fetch_add(
                started.elapsed().as_nanos().max(1) as u64,
                Ordering::Relaxed,
            );
        }
    }
}

type Rows = Vec<(PathBuf, String, u64)>;

/// What placing from an entry did: the rows written, and the member names of the sources
/// whose byte code was placed beside them (the compile step leaves those alone).
pub(super) struct Placed {
    pub rows: Rows,
    pub pycs: HashSet<String>,
}

/// The `__pycache__` directories byte code from `entry` goes to, staged (relative to the
/// stage) and in the environment (relative to its root), for the caller to create with the
/// members' directories: created here afterwards, each of their parents was a failed `mkdir`
/// again.
pub(super) fn pyc_dirs(entry: &Entry, members: &[Member]) -> Vec<(PathBuf, PathBuf)> {
    if entry.pyc_count() == 0 {
        return Vec::new();
    }
    members
        .iter()
        .filter(|m| is_source(m) && entry.pyc(&m.name).is_some())
        .filter_map(pycache_of)
        .collect()
}

/// A source member's `__pycache__`: staged, and in the environment.
pub(super) fn pycache_of(member: &Member) -> Option<(PathBuf, PathBuf)> {
    let target = member.target.parent()?.join("__pycache__");
    Some((member.pycache.clone(), target))
}

/// Where the byte code of the source `member` is staged, for the cache tag `tag`.
pub(super) fn staged_pyc(stage: &Path, member: &Member, tag: &str) -> Option<PathBuf> {
    let stem = member.target.file_stem()?.to_str()?;
    Some(
        stage
            .join(&member.pycache)
            .join(format!("{stem}.{tag}.pyc")),
    )
}

/// Places every member from `entry` (into directories already created, with
/// [`pyc_dirs`]); `Ok(None)` when the entry turned out stale (the caller drops it and
/// decompresses instead).
#[allow(clippy::too_many_arguments)]
pub(super) fn place_from_entry(
    wheel: &Path,
    opened: &OpenedWheel<'_>,
    members: &[Member],
    entry: &Entry,
    stage: &Path,
    python: &Path,
    modes: Modes,
    use_: &CacheUse,
    cancel: &AtomicBool,
) -> Result<Option<Placed>, InstallError> {
    let cached = members.iter().filter(|m| !m.script).count();
    if cached != entry.len() {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let pyc_tag = use_.pyc_tag.as_deref();
    let umask = crate::paths::umask_cached();
    let stale = AtomicBool::new(false);
    let rows: Mutex<Rows> = Mutex::new(Vec::with_capacity(members.len()));
    let placed_pycs: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    // Each file is a few round trips on a network file system: many in flight (the I/O pool),
    // one task per directory (see `write::by_directory`). A directory's byte code goes into
    // its `__pycache__`, another directory with its own lock, so it is its own task: placed
    // inline, it doubled the longest directory's chain of round trips.
    let groups = write::by_directory(members);
    let with_pycs = pyc_tag.is_some() && entry.pyc_count() > 0;
    let tasks: Vec<(&[usize], bool)> = groups
        .iter()
        .flat_map(|g| {
            let pycs = with_pycs && g.iter().any(|&i| is_source(&members[i]));
            std::iter::once((g.as_slice(), false)).chain(pycs.then_some((g.as_slice(), true)))
        })
        .collect();
    let mode_of = |m: &Member| {
        if m.executable {
            modes.executable
        } else {
            modes.file
        }
    };
    super::io::run(stage, || {
        tasks
            .par_iter()
            .try_for_each(|&(group, pycs)| -> Result<(), InstallError> {
                let members = group.iter().map(|&i| &members[i]).filter(|m| !m.script);
                if pycs {
                    let tag = pyc_tag.unwrap_or_default();
                    let mut placed = Vec::new();
                    for member in members.filter(|m| is_source(m)) {
                        if cancel.load(Ordering::Relaxed) {
                            return Err(InstallError::Interrupted);
                        }
                        let mode = mode_of(member);
                        if place_pyc(use_, entry, member, stage, mode, umask, tag) {
                            placed.push(member.name.clone());
                        }
                    }
                    placed_pycs
                        .lock()
                        .expect("no panics while held")
                        .extend(placed);
                    return Ok(());
                }
                let mut local = Vec::with_capacity(group.len());
                for member in members {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(InstallError::Interrupted);
                    }
                    if stale.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    let Some((src, meta)) = entry.file(&member.name) else {
                        stale.store(true, Ordering::Relaxed);
                        return Ok(());
                    };
                    let mode = mode_of(member);
                    let dst = stage.join(&member.staged);
                    let source = pyc_tag.is_some() && is_source(member);
                    match use_.linker.place(&src, &dst, mode, meta, source) {
                        Ok(()) => local.push((member.target.clone(), meta.hash.clone(), meta.size)),
                        Err(PlaceError::Stale) => {
                            stale.store(true, Ordering::Relaxed);
                            return Ok(());
                        }
                        Err(PlaceError::Io(e)) => return Err(InstallError::io(&dst, "create")(e)),
                    }
                }
                rows.lock().expect("no panics while held").extend(local);
                Ok(())
            })
    })?;
    if stale.load(Ordering::Relaxed) {
        use_.stale.fetch_add(1, Ordering::Relaxed);
        return Ok(None);
    }
    let mut rows = rows.into_inner().expect("no panics while held");
    let scripts: Vec<Member> = members.iter().filter(|m| m.script).cloned().collect();
    if !scripts.is_empty() {
        rows.extend(write::write_members(
            wheel,
            opened.archive(wheel)?,
            &scripts,
            stage,
            python,
            modes,
            cancel,
            None,
        )?);
    }
    use_.hits.fetch_add(1, Ordering::Relaxed);
    use_.measure(&use_.copied, members.iter().map(|m| m.size).sum(), started);
    let pycs = placed_pycs.into_inner().expect("no panics while held");
    use_.list_sources(&opened.key, members, &pycs);
    Ok(Some(Placed { rows, pycs }))
}

/// Places the entry's byte code of the source `member` (just placed in `stage`), if it keeps
/// one. Byte code is only an optimisation: one that cannot be placed is left to the compile
/// step, and one found changed is removed from the entry (the compile step's may replace it).
/// `true` when it was placed.
fn place_pyc(
    use_: &CacheUse,
    entry: &Entry,
    member: &Member,
    stage: &Path,
    source_mode: u32,
    umask: u32,
    tag: &str,
) -> bool {
    let Some((src, meta)) = entry.pyc(&member.name) else {
        return false;
    };
    let Some(pyc) = staged_pyc(stage, member, tag) else {
        return false;
    };
    // The mode `py_compile` gives byte code: the source's, writable by the owner, never
    // executable, under the umask.
    let mode = (source_mode | 0o200) & 0o666 & !umask;
    match use_.linker.place(&src, &pyc, mode, meta, false) {
        Ok(()) => {
            use_.pycs_placed.fetch_add(1, Ordering::Relaxed);
            true
        }
        Err(e) => {
            let _ = std::fs::remove_file(&pyc);
            if matches!(e, PlaceError::Stale) && use_.write {
                entry.drop_pyc(&member.name);
            }
            false
        }
    }
}

/// Decompresses and writes every member, filling a new cache entry on the way when the
/// cache is written to. The entry is moved into place only once every member was verified
/// and written. With the rows: whether the entry is now in the cache (ours, or another
/// process's that won the race).
#[allow(clippy::too_many_arguments)]
pub(super) fn write_and_fill(
    wheel: &Path,
    opened: &OpenedWheel<'_>,
    members: &[Member],
    stage: &Path,
    layout: &crate::Layout,
    modes: Modes,
    cancel: &AtomicBool,
    use_: Option<&CacheUse>,
) -> Result<(Rows, HashSet<String>, bool), InstallError> {
    let mut next = 0;
    let slots: Vec<Option<usize>> = members
        .iter()
        .map(|m| {
            (!m.script).then(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    let writer = use_
        .filter(|u| u.write)
        .and_then(|u| u.cache.writer(&opened.key, next));
    // Only where files would be hard-linked anyway: never when clone is to be had.
    let link = use_.is_some_and(|u| {
        u.linker.asked() == wheel_cache::LinkMode::Hardlink
            || (u.linker.asked() == wheel_cache::LinkMode::Auto
                && u.linker.current() == wheel_cache::LinkMode::Hardlink)
    });
    let fill = writer.as_ref().map(|writer| CacheFill {
        writer,
        slots: &slots,
        failed: AtomicBool::new(false),
        link: AtomicBool::new(link),
        keep_time: use_.is_some_and(|u| u.pyc_tag.is_some()),
        compile: use_.and_then(|u| {
            let (tag, store) = (u.pyc_tag.as_deref()?, u.pyc_store.as_deref()?);
            let compiler = u.compiler.as_ref()?;
            Some(super::fill_pyc::FillCompile::new(
                compiler,
                &layout.root,
                tag,
                store,
            ))
        }),
    });
    let started = std::time::Instant::now();
    let rows = write::write_members(
        wheel,
        opened.archive(wheel)?,
        members,
        stage,
        &layout.python,
        modes,
        cancel,
        fill.as_ref(),
    )?;
    if let Some(use_) = use_ {
        use_.measure(
            &use_.decompressed,
            members.iter().map(|m| m.size).sum(),
            started,
        );
    }
    let mut placed = HashSet::new();
    let mut in_place = false;
    if let (Some(mut fill), Some(use_)) = (fill, use_) {
        if let (false, Some(writer)) = (fill.failed.load(Ordering::Relaxed), &writer) {
            if let Some(compile) = fill.compile.take() {
                let link = fill.link.load(Ordering::Relaxed);
                placed = compile.place(writer, members, stage, link);
            }
        }
        if !fill.failed.load(Ordering::Relaxed) {
            if let Some(writer) = writer {
                if let Ok(won) = writer.commit() {
                    in_place = true;
                    if won {
                        use_.written.fetch_add(1, Ordering::Relaxed);
                    }
                    // Another install's entry has its own times: byte code compiled here is
                    // added to it only where its header matches (see `Entry::add_pyc`).
                    use_.list_sources(&opened.key, members, &placed);
                }
            }
        }
    }
    Ok((rows, placed, in_place))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wheel_cache::LinkMode;

    fn across() -> CacheUse {
        CacheUse::new(
            Cache::new("/nonexistent"),
            Linker::new(LinkMode::Copy, 0o022),
            false,
            true,
        )
    }

    fn set(a: &[AtomicU64; 2], bytes: u64, nanos: u64) {
        a[0].store(bytes, Ordering::Relaxed);
        a[1].store(nanos, Ordering::Relaxed);
    }

    #[test]
    fn across_file_systems_the_cache_is_read_only_while_copying_measures_faster() {
        let used = across();
        // Nothing measured: decompress first.
        assert!(!used.read_allowed());
        set(&used.decompressed, 100 << 20, 1_000_000_000);
        // Decompressing measured, copying not yet: try a copy.
        assert!(used.read_allowed());
        set(&used.copied, 400 << 20, 1_000_000_000);
        assert!(used.read_allowed());
        assert_eq!(used.rates(), (400 << 20, 100 << 20));
        // A slow network cache: decompress the rest.
        set(&used.copied, 50 << 20, 1_000_000_000);
        assert!(!used.read_allowed());
        // On the same file system the cache is always read.
        let same = CacheUse::new(
            Cache::new("/x"),
            Linker::new(LinkMode::Auto, 0o022),
            true,
            false,
        );
        assert!(same.read_allowed());
    }
}
