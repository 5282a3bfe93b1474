//! Byte code for a cold install, compiled while the wheel fills its cache entry.
//!
//! As each source is written (and linked into the entry being filled) its bytes, still in
//! memory, go to the install's compile workers ([`crate::compiler`]) with the time the
//! entry's file and the staged copy share. Once the wheel's members are all written, each
//! answer is written into the entry (one create) and hard-linked into the stage's
//! `__pycache__` (one link), where the transaction moves it with the rest, as byte code
//! placed from a warm cache is. The compiler's CPU thus overlaps the other wheels' round
//! trips instead of following the transaction, and each `.pyc` costs two round trips
//! instead of the compile step's read, `stat`, create, write and rename and a later link.
//!
//! Sources without an answer (a syntax error, a worker that stopped) are not listed as
//! placed: the compile step after the transaction compiles them, as before.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use rayon::prelude::*;
use wheel_cache::EntryWriter;

use super::members::Member;
use crate::compiler::{Compiler, Pending};

/// The modules of one wheel sent to the workers.
pub(super) struct FillCompile<'a> {
    pub compiler: &'a Compiler,
    /// The environment root: a module's display path is its final path there.
    pub root: &'a Path,
    /// The cache tag (`__pycache__` names) and the entry's byte-code directory.
    pub tag: &'a str,
    pub store: &'a str,
    pending: Mutex<Vec<(usize, usize, u32, Pending)>>,
}

impl<'a> FillCompile<'a> {
    pub fn new(compiler: &'a Compiler, root: &'a Path, tag: &'a str, store: &'a str) -> Self {
        FillCompile {
            compiler,
            root,
            tag,
            store,
            pending: Mutex::new(Vec::new()),
        }
    }

    /// Sends member `i` (the entry's file `n`, written with `mode`): `content` as written,
    /// whose modification time is now `mtime`.
    pub fn submit(
        &self,
        i: usize,
        n: usize,
        member: &Member,
        content: &[u8],
        mode: u32,
        mtime: i64,
    ) {
        let path = self.root.join(&member.target);
        let pending = self.compiler.submit(&path, content.to_vec(), mtime);
        self.pending
            .lock()
            .expect("no panics while held")
            .push((i, n, mode, pending));
    }

    /// Writes each answer into the entry and places it in the stage (by hard link when
    /// `link`, else by a copy); the member names of the sources whose byte code was placed.
    pub fn place(
        self,
        writer: &EntryWriter,
        members: &[Member],
        stage: &Path,
        link: bool,
    ) -> HashSet<String> {
        let pending = self.pending.into_inner().expect("no panics while held");
        if pending.is_empty() {
            return HashSet::new();
        }
        let umask = crate::paths::umask_cached();
        // One task per `__pycache__` (its own directory lock), as when placing from an entry.
        let mut groups: HashMap<PathBuf, Vec<_>> = HashMap::new();
        for p in pending {
            groups
                .entry(members[p.0].pycache.clone())
                .or_default()
                .push(p);
        }
        let placed = Mutex::new(HashSet::new());
        super::io::run(stage, || {
            groups.into_par_iter().for_each(|(dir, group)| {
                let mut made = false;
                let mut local = Vec::new();
                for (i, n, source_mode, pending) in group {
                    let Some(pyc) = pending.wait() else {
                        continue;
                    };
                    if !made {
                        // Made once the first answer is in: a directory without byte code
                        // is not left behind. One the wheel ships is used as it is.
                        match std::fs::create_dir(stage.join(&dir)) {
                            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return,
                            _ => made = true,
                        }
                    }
                    let member = &members[i];
                    let Some(dst) = super::cached::staged_pyc(stage, member, self.tag) else {
                        continue;
                    };
                    // The mode `py_compile` gives byte code: the source's, writable by the
                    // owner, never executable, under the umask.
                    let mode = (source_mode | 0o200) & 0o666 & !umask;
                    let added = if link {
                        writer.add_pyc(n, self.store, &pyc, mode, Some(&dst))
                    } else {
                        writer
                            .add_pyc(n, self.store, &pyc, mode, None)
                            .and_then(|()| {
                                super::write::write_new(&dst, &pyc, mode)
                                    .map_err(|e| std::io::Error::other(e.to_string()))
                            })
                    };
                    if added.is_ok() {
                        local.push(member.name.clone());
                    }
                }
                self.compiler
                    .compiled
                    .fetch_add(local.len(), Ordering::Relaxed);
                placed.lock().expect("no panics while held").extend(local);
            })
        });
        placed.into_inner().expect("no panics while held")
    }
}
