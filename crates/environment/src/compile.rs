//! `--compile`: byte-compiling the environment's site-packages with its own interpreter.
//!
//! # Performance
//! Compiling is CPU work inside the interpreter; what we control is the overhead around it.
//! `python -m compileall -j N` walks the tree in Python and hands each file to a process pool
//! (a pickle round trip per file). Instead we walk the tree here and keep one worker per core
//! — an isolated interpreter without `site` — busy with batches of about 100 KB of source
//! (largest files first), each sent to whichever worker answered last, so that a worker the
//! scheduler slows down on a shared node takes less; each file goes through
//! `py_compile.compile`, as in `compileall.compile_file`, and one whose `.pyc` is already
//! newer is skipped. The `.pyc` files are the same
//! (same cache tag, same timestamp invalidation unless `SOURCE_DATE_EPOCH` asks otherwise).
//! That check is made here first, from one listing of each `__pycache__`, so that byte code
//! placed from the unpacked-wheel cache costs no worker at all: a warm install whose
//! entries keep byte code starts no interpreter.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::Target;

/// Reads batches of paths (one per line, a batch ended by an empty line), compiles them and
/// answers each batch with a line, so that the next batch goes to whichever worker is free;
/// failures (syntax errors in test data, as pip meets them too) are counted, not fatal.
const WORKER: &str = r#"
import sys, os, py_compile, importlib.util
failed = 0
for line in sys.stdin:
    path = line.rstrip("\n")
    if not path:
        sys.stdout.write("\n")
        sys.stdout.flush()
        continue
    try:
        cached = importlib.util.cache_from_source(path)
        try:
            if os.stat(cached).st_mtime >= os.stat(path).st_mtime:
                continue
        except OSError:
            pass
        py_compile.compile(path, cfile=cached, doraise=True)
    except Exception:
        failed += 1
sys.exit(1 if failed else 0)
"#;

/// A batch is at least this many bytes of source (or the rest): a round trip per batch
/// instead of per file.
const BATCH_BYTES: u64 = 96 * 1024;

/// Compile workers per core on a network file system, and at most in all (each is an
/// interpreter of about 10 MB).
const NETWORK_WORKERS_PER_CORE: usize = 4;
const MAX_WORKERS: usize = 64;

/// Byte-compiles every `.py` file of the environment's site-packages that has no up-to-date
/// `.pyc`, returning how many were handed to the compiler. Failures are reported, not fatal:
/// pip treats them the same way.
pub(crate) fn compile(target: &Target, threads: usize) -> Result<usize, String> {
    let mut dirs = vec![target.layout.purelib.clone()];
    if target.layout.platlib != target.layout.purelib {
        dirs.push(target.layout.platlib.clone());
    }
    let tag = target.interpreter.cache_tag.as_deref();
    let mut files = walk(&dirs, tag, threads);
    let count = files.len();
    if files.is_empty() {
        return Ok(0);
    }
    // Smallest first, popped from the end: the largest files go out first.
    files.sort_by_key(|f| f.1);
    // On a network file system each `.pyc` written is several round trips (create, write,
    // rename), during which a worker waits rather than computes: more workers than cores
    // keep the cores busy.
    let per_core = if crate::on_network_file_system(&target.root) {
        NETWORK_WORKERS_PER_CORE
    } else {
        1
    };
    let workers = (threads * per_core).clamp(1, files.len().min(MAX_WORKERS));
    let queue = Mutex::new(files);
    let ok = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| run_worker(&target.layout.python, &queue)))
            .collect();
        handles.into_iter().all(|h| h.join().unwrap_or(false))
    });
    if ok {
        Ok(count)
    } else {
        Err(failed())
    }
}

/// One worker: takes batches from the queue until it is empty; `false` when it could not
/// start or some file failed to compile.
fn run_worker(python: &Path, queue: &Mutex<Vec<(PathBuf, u64)>>) -> bool {
    let child = Command::new(python)
        .args(["-I", "-S", "-c", WORKER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return false;
    };
    let mut answers = BufReader::new(stdout);
    let mut batch = Vec::new();
    loop {
        batch.clear();
        let mut bytes = 0;
        {
            let mut queue = queue.lock().expect("no panics while held");
            while bytes < BATCH_BYTES {
                let Some((path, size)) = queue.pop() else {
                    break;
                };
                bytes += size.max(1);
                batch.extend_from_slice(path.as_os_str().as_encoded_bytes());
                batch.push(b'\n');
            }
        }
        if batch.is_empty() {
            break;
        }
        batch.push(b'\n');
        let mut answer = String::new();
        if stdin
            .write_all(&batch)
            .and_then(|()| stdin.flush())
            .is_err()
            || answers.read_line(&mut answer).unwrap_or(0) == 0
        {
            break;
        }
    }
    drop(stdin);
    child.wait().is_ok_and(|s| s.success())
}

fn failed() -> String {
    "byte-compiling some modules failed; they will be compiled when first imported".into()
}

/// The `.py` files under `dirs` whose byte code is missing or older than they are, with
/// their sizes. The tree is walked on many threads (each directory a task, the files of one
/// directory side by side): on a network file system each listing and `stat` is a round trip,
/// and the scipy stack has 2,000 directories and 7,000 modules.
fn walk(dirs: &[PathBuf], tag: Option<&str>, threads: usize) -> Vec<(PathBuf, u64)> {
    let place = dirs.first().map(PathBuf::as_path).unwrap_or(Path::new("."));
    let out = Mutex::new(Vec::new());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(installer::io_threads(place, threads))
        .build();
    match pool {
        Ok(pool) => pool.scope(|s| spawn_all(s, dirs, tag, &out)),
        Err(_) => rayon::scope(|s| spawn_all(s, dirs, tag, &out)),
    }
    out.into_inner().expect("no panics while held")
}

fn spawn_all<'s>(
    scope: &rayon::Scope<'s>,
    dirs: &'s [PathBuf],
    tag: Option<&'s str>,
    out: &'s Mutex<Vec<(PathBuf, u64)>>,
) {
    for dir in dirs {
        scope.spawn(move |s| sources(s, dir.clone(), tag, out));
    }
}

/// The `.py` files under `dir` (not following links) whose byte code for `tag` is missing
/// or older than they are, with their sizes; subdirectories are spawned on `scope`.
fn sources<'s>(
    scope: &rayon::Scope<'s>,
    dir: PathBuf,
    tag: Option<&'s str>,
    out: &'s Mutex<Vec<(PathBuf, u64)>>,
) {
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut modules = Vec::new();
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            if entry.file_name() != "__pycache__" {
                scope.spawn(move |s| sources(s, path, tag, out));
            }
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
            modules.push(path);
        }
    }
    if modules.is_empty() {
        return;
    }
    // One listing of `__pycache__` per directory; most files have no byte code (a first
    // compile) or all of it (byte code from the cache).
    let names = tag.map(|_| pycache_names(&dir));
    let found: Vec<(PathBuf, u64)> = modules
        .into_par_iter()
        .filter_map(|path| {
            let meta = std::fs::symlink_metadata(&path).ok();
            if let (Some(tag), Some(meta), Some(names)) = (tag, &meta, &names) {
                if up_to_date(&dir, &path, tag, meta, names) {
                    return None;
                }
            }
            let size = meta.map(|m| m.len()).unwrap_or(0);
            Some((path, size))
        })
        .collect();
    out.lock().expect("no panics while held").extend(found);
}

fn pycache_names(dir: &Path) -> HashSet<OsString> {
    std::fs::read_dir(dir.join("__pycache__"))
        .map(|read| read.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default()
}

/// The worker's rule (`compileall`'s before it reads the header): byte code at least as new
/// as its source is kept.
fn up_to_date(
    dir: &Path,
    source: &Path,
    tag: &str,
    meta: &std::fs::Metadata,
    names: &HashSet<OsString>,
) -> bool {
    let Some(stem) = source.file_stem() else {
        return false;
    };
    let mut name = stem.to_os_string();
    name.push(format!(".{tag}.pyc"));
    if !names.contains(&name) {
        return false;
    }
    let pyc = dir.join("__pycache__").join(&name);
    match (std::fs::metadata(pyc), meta.modified()) {
        (Ok(p), Ok(s)) => p.is_file() && p.modified().is_ok_and(|p| p >= s),
        _ => false,
    }
}
