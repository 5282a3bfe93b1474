//! `--compile`: byte-compiling the environment's site-packages with its own interpreter.
//!
//! # Performance
//! Compiling is CPU work inside the interpreter; what we control is the overhead around it.
//! `python -m compileall -j N` walks the tree in Python and hands each file to a process pool
//! (a pickle round trip per file). Instead we walk the tree here, skip files whose `.pyc` is
//! already newer, share the rest among one worker per core by size (largest first, each to
//! the least loaded worker, so they finish together), and each worker — an isolated
//! interpreter without `site` — reads its paths from standard input and calls
//! `py_compile.compile`, as `compileall.compile_file` does. The `.pyc` files are the same
//! (same cache tag, same timestamp invalidation unless `SOURCE_DATE_EPOCH` asks otherwise).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Target;

/// Compiles each path read from standard input; failures (syntax errors in test data, as
/// pip meets them too) are counted, not fatal.
const WORKER: &str = r#"
import sys, os, py_compile, importlib.util
failed = 0
for line in sys.stdin:
    path = line.rstrip("\n")
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

/// Byte-compiles every `.py` file of the environment's site-packages that has no up-to-date
/// `.pyc`. Failures are reported, not fatal: pip treats them the same way.
pub(crate) fn compile(target: &Target, threads: usize) -> Result<(), String> {
    let mut dirs = vec![target.layout.purelib.clone()];
    if target.layout.platlib != target.layout.purelib {
        dirs.push(target.layout.platlib.clone());
    }
    let mut files = Vec::new();
    for dir in &dirs {
        sources(dir, &mut files);
    }
    if files.is_empty() {
        return Ok(());
    }
    files.sort_by(|a, b| b.1.cmp(&a.1));
    let workers = threads.clamp(1, files.len());
    let mut shares: Vec<(u64, Vec<u8>)> = vec![(0, Vec::new()); workers];
    for (path, size) in files {
        let least = shares
            .iter_mut()
            .min_by_key(|(load, _)| *load)
            .expect("at least one worker");
        least.0 += size.max(1);
        least.1.extend_from_slice(path.as_os_str().as_encoded_bytes());
        least.1.push(b'\n');
    }
    let mut children = Vec::new();
    let mut feeders = Vec::new();
    for (_, list) in shares {
        let child = Command::new(&target.layout.python)
            .args(["-I", "-S", "-c", WORKER])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            return Err(failed());
        };
        if let Some(mut stdin) = child.stdin.take() {
            // Each list is fed by its own thread: a pipe holds 64 KiB, and a worker reads
            // its list only as fast as it compiles. A worker that dies early closes its end;
            // its exit status reports it.
            feeders.push(std::thread::spawn(move || {
                let _ = stdin.write_all(&list);
            }));
        }
        children.push(child);
    }
    let mut ok = true;
    for mut child in children {
        ok &= child.wait().is_ok_and(|s| s.success());
    }
    for feeder in feeders {
        let _ = feeder.join();
    }
    if ok {
        Ok(())
    } else {
        Err(failed())
    }
}

fn failed() -> String {
    "byte-compiling some modules failed; they will be compiled when first imported".into()
}

/// The `.py` files under `dir` (not following links), with their sizes.
fn sources(dir: &Path, out: &mut Vec<(PathBuf, u64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            if entry.file_name() != "__pycache__" {
                sources(&path, out);
            }
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            out.push((path, size));
        }
    }
}
