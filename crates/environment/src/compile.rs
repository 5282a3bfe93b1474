//! `--compile`: byte-compiling the modules an install put in place, with the environment's
//! own interpreter.
//!
//! # What is compiled
//! The Python sources of site-packages (purelib and platlib) that the transaction installed
//! and whose byte code it did not place from the unpacked-wheel cache, as pip compiles the
//! files it installed. A cold install that fills the cache compiles most of them earlier,
//! from memory, while the entries are filled (`installer::compiler`); what is left here is
//! what that did not cover: installs without a writable cache, modules that did not compile
//! there (compiled again here so that failures are reported as before), and modules of a
//! compiler that stopped. The installer knows that list, so nothing is walked or checked here:
//! on a network file system a walk of site-packages was a listing per directory and a
//! `stat` per module and per `.pyc` (about 12,000 round trips for the scipy stack, most for
//! byte code just placed from the cache), and it compiled modules no install of this run had
//! touched (the `pip` a `venv` seeds, every time). Every listed file is compiled: its source
//! was just written, so a `.pyc` beside it can only be older or stale.
//!
//! # Performance
//! Compiling is CPU work inside the interpreter; what we control is the overhead around it.
//! `python -m compileall -j N` walks the tree in Python and hands each file to a process pool
//! (a pickle round trip per file). Instead we keep one worker per core (four on a network
//! file system, where each `.pyc` written is round trips a worker waits on) — an isolated
//! interpreter without `site` — busy with batches of about 100 KB of source (largest files
//! first), each sent to whichever worker answered last, so that a worker the scheduler slows
//! down on a shared node takes less; each file goes through `py_compile.compile`, as in
//! `compileall.compile_file`. The `.pyc` files are the same (same cache tag, same timestamp
//! invalidation unless `SOURCE_DATE_EPOCH` asks otherwise).

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
import sys, py_compile
failed = 0
for line in sys.stdin:
    path = line.rstrip("\n")
    if not path:
        sys.stdout.write("\n")
        sys.stdout.flush()
        continue
    try:
        py_compile.compile(path, doraise=True)
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

/// Byte-compiles `modules` (relative to the environment root, with sizes: the installed
/// sources without byte code from the cache), those in site-packages, returning how many
/// were handed to the compiler. Failures are reported, not fatal: pip treats them the same
/// way.
pub(crate) fn compile(
    target: &Target,
    threads: usize,
    modules: &[(PathBuf, u64)],
) -> Result<usize, String> {
    let layout = &target.layout;
    // The interpreter writes each `.pyc` into the module's `__pycache__`, following links: one
    // already there (a package upgraded in place) must be proven to stay inside the
    // environment, as every path the installer writes is. A module whose byte code would
    // land outside is left to compile at import (where Python follows the same link, but
    // with the user's own rights and intent, not ours).
    let confinement = installer::paths::Confinement::new(&target.root);
    let mut files: Vec<(PathBuf, u64)> = modules
        .par_iter()
        .map(|(rel, size)| (target.root.join(rel), *size))
        .filter(|(path, _)| path.starts_with(&layout.purelib) || path.starts_with(&layout.platlib))
        .filter(|(path, _)| {
            let Some(name) = path.file_name() else {
                return false;
            };
            let pyc = path.with_file_name("__pycache__").join(name);
            confinement.check(&pyc).is_ok()
        })
        .collect();
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
