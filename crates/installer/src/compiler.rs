//! Byte code compiled from memory while a cold install fills the unpacked-wheel cache.
//!
//! # Why
//! On a network file system, compiling after the install meant, per module, the interpreter
//! reading the installed source back, a `stat`, a create, a write and a rename of the `.pyc`
//! (each a round trip a worker waits on), and then a link of it into the cache entry: about
//! five round trips, after the transaction, with the compiler's CPU in series with them. When
//! a wheel is unpacked into a new cache entry its sources' bytes are in memory and their
//! final modification time is known (the entry's, which the environment's copy shares), so
//! they are sent to long-lived interpreters over a pipe instead, while the other wheels
//! unpack; the answer is written into the entry once and linked into the stage as byte code
//! from a warm cache is (`unpack::cached`).
//!
//! # What is compiled, and why it is what `py_compile` writes
//! Each worker is the environment's interpreter, isolated and without `site` (`-I -S`: no
//! `PYTHON*` variables, so no `-O` from the environment), running [`WORKER`]: it compiles the
//! bytes with `compile(source, path, "exec", dont_inherit=True)` and builds the file with
//! `importlib`'s own `_code_to_timestamp_pyc(code, mtime, size)` — the two calls
//! `py_compile.compile` makes for timestamp-checked byte code at the interpreter's
//! optimization level. The display path is the module's final path in the environment, as
//! `py_compile` gives it; the code's file name is fixed at import anyway (CPython rewrites
//! `co_filename` to where the module was found), which is what lets one entry's byte code
//! serve every environment. A worker first says its cache tag, magic number and optimization
//! level; one that differs from what the install expects is not used, and every answer's
//! header (magic, flags, source time and size) is checked before it is written anywhere.
//!
//! # Failures
//! A module that does not compile (a syntax error in test data) and a worker that stops
//! (killed, crashed, not startable) only mean no byte code from here: the module stays in
//! the list the compile step after the transaction compiles, which reports failures as
//! before. The first worker failure is kept for the install to report
//! ([`Compiler::failure`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::AtomicUsize;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

/// Says who it is, then answers each request (`<IIqQ`: path length, source length, source
/// time in seconds, source size; the path; the source) with a status byte, a length and
/// either the `.pyc` bytes or the error's text.
pub const WORKER: &str = r#"
import os, struct, sys, importlib.util
from importlib._bootstrap_external import _code_to_timestamp_pyc
i, o = sys.stdin.buffer, sys.stdout.buffer
o.write(("%s %s %d\n" % (sys.implementation.cache_tag, importlib.util.MAGIC_NUMBER.hex(), sys.flags.optimize)).encode())
o.flush()
def read(n):
    b = i.read(n)
    if len(b) != n:
        sys.exit(2)
    return b
while True:
    head = i.read(24)
    if not head:
        break
    if len(head) != 24:
        sys.exit(2)
    nd, ns, mtime, size = struct.unpack("<IIqQ", head)
    path = os.fsdecode(read(nd))
    source = read(ns)
    try:
        code = compile(source, path, "exec", dont_inherit=True)
        out, status = bytes(_code_to_timestamp_pyc(code, mtime, size)), 0
    except Exception as e:
        out, status = repr(e).encode("utf-8", "replace"), 1
    o.write(struct.pack("<BI", status, len(out)))
    o.write(out)
    o.flush()
"#;

/// The largest answer taken (a module's byte code is rarely above a few MB).
const MAX_ANSWER: usize = 256 << 20;

type Answer = Result<Vec<u8>, String>;

struct Job {
    path: PathBuf,
    source: Vec<u8>,
    mtime: i64,
    size: u64,
    reply: mpsc::Sender<Answer>,
}

/// Long-lived compile workers of one interpreter, started at the first module sent.
pub struct Compiler {
    python: PathBuf,
    tag: String,
    magic: [u8; 4],
    magic_hex: String,
    workers: usize,
    started: OnceLock<Started>,
    failure: Arc<Mutex<Option<String>>>,
    /// Modules whose byte code this install took from here.
    pub compiled: AtomicUsize,
}

struct Started {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    pids: Arc<Mutex<Vec<u32>>>,
}

impl std::fmt::Debug for Compiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiler")
            .field("python", &self.python)
            .field("tag", &self.tag)
            .field("workers", &self.workers)
            .finish()
    }
}

/// A module sent to the workers: its byte code once [`Pending::wait`]ed for.
pub struct Pending {
    answer: Option<mpsc::Receiver<Answer>>,
    magic: [u8; 4],
    mtime: i64,
    size: u64,
}

impl Pending {
    /// The `.pyc` bytes, checked: timestamp-based byte code of this interpreter for a
    /// source of the time and size sent. `None` when it did not compile or a worker stopped.
    pub fn wait(self) -> Option<Vec<u8>> {
        let pyc = self.answer?.recv().ok()?.ok()?;
        let word = |i: usize| u32::from_le_bytes(pyc[i..i + 4].try_into().expect("4 bytes"));
        let fits = pyc.len() > 16
            && pyc[..4] == self.magic
            && word(4) == 0
            && word(8) == self.mtime as u32
            && word(12) == self.size as u32;
        fits.then_some(pyc)
    }
}

impl Compiler {
    /// Workers of `python`, whose byte code must have the cache tag `tag` and the magic
    /// number `magic_hex`; `None` when the magic number is not 4 bytes of hex.
    pub fn new(python: &Path, tag: &str, magic_hex: &str, workers: usize) -> Option<Compiler> {
        let bytes: Vec<u8> = (0..magic_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(magic_hex.get(i..i + 2)?, 16).ok())
            .collect::<Option<_>>()?;
        Some(Compiler {
            python: python.to_path_buf(),
            tag: tag.to_string(),
            magic: bytes.try_into().ok()?,
            magic_hex: magic_hex.to_ascii_lowercase(),
            workers: workers.max(1),
            started: OnceLock::new(),
            failure: Arc::new(Mutex::new(None)),
            compiled: AtomicUsize::new(0),
        })
    }

    /// Sends a module: `source` as it is in the environment at `path`, whose modification
    /// time is `mtime` (seconds) and size `source.len()`.
    pub fn submit(&self, path: &Path, source: Vec<u8>, mtime: i64) -> Pending {
        let size = source.len() as u64;
        let (reply, answer) = mpsc::channel();
        let job = Job {
            path: path.to_path_buf(),
            source,
            mtime,
            size,
            reply,
        };
        let started = self.started.get_or_init(|| self.start());
        let sent = started
            .jobs
            .lock()
            .expect("no panics while held")
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
        Pending {
            answer: sent.then_some(answer),
            magic: self.magic,
            mtime,
            size,
        }
    }

    /// The first reason a worker stopped or was not used, if one did.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().expect("no panics while held").clone()
    }

    /// The process ids of the running workers (tests stop one mid-stream with them).
    #[doc(hidden)]
    pub fn worker_pids(&self) -> Vec<u32> {
        self.started
            .get()
            .map(|s| s.pids.lock().expect("no panics while held").clone())
            .unwrap_or_default()
    }

    fn start(&self) -> Started {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let pids = Arc::new(Mutex::new(Vec::new()));
        let expected = format!("{} {} 0", self.tag, self.magic_hex);
        let threads = (0..self.workers)
            .filter_map(|i| {
                let (queue, pids, failure) = (queue.clone(), pids.clone(), self.failure.clone());
                let (python, expected) = (self.python.clone(), expected.clone());
                std::thread::Builder::new()
                    .name(format!("wheelhouse-pyc-{i}"))
                    .spawn(move || serve(&python, &expected, &queue, &pids, &failure))
                    .ok()
            })
            .collect();
        Started {
            jobs: Mutex::new(Some(jobs)),
            threads: Mutex::new(threads),
            pids,
        }
    }
}

impl Drop for Compiler {
    fn drop(&mut self) {
        if let Some(started) = self.started.get() {
            // No more jobs: each worker sees the end of its input and exits.
            started.jobs.lock().expect("no panics while held").take();
            for t in std::mem::take(&mut *started.threads.lock().expect("no panics while held")) {
                let _ = t.join();
            }
        }
    }
}

fn note(failure: &Mutex<Option<String>>, why: String) {
    failure
        .lock()
        .expect("no panics while held")
        .get_or_insert(why);
}

/// One worker's thread: starts the interpreter, checks who it is, then serves jobs until
/// there are none or the interpreter stops.
fn serve(
    python: &Path,
    expected: &str,
    queue: &Mutex<mpsc::Receiver<Job>>,
    pids: &Mutex<Vec<u32>>,
    failure: &Mutex<Option<String>>,
) {
    let spawned = Command::new(python)
        .args(["-I", "-S", "-c", WORKER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return note(
                failure,
                format!(
                    "the byte-code compiler {} did not start ({e})",
                    python.display()
                ),
            )
        }
    };
    let (Some(mut input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
        return stop(child);
    };
    let mut output = BufReader::new(output);
    let mut hello = String::new();
    let _ = output.read_line(&mut hello);
    if hello.trim_end() != expected {
        note(
            failure,
            format!(
                "the byte-code compiler {} answered `{}` where `{expected}` was expected",
                python.display(),
                hello.trim_end().escape_debug()
            ),
        );
        return stop(child);
    }
    pids.lock().expect("no panics while held").push(child.id());
    loop {
        let job = queue.lock().expect("no panics while held").recv();
        let Ok(job) = job else {
            break;
        };
        match exchange(&mut input, &mut output, &job) {
            Ok(answer) => {
                let _ = job.reply.send(answer);
            }
            Err(e) => {
                note(
                    failure,
                    format!(
                        "a byte-code compiler ({}) stopped while compiling {} ({e}); the \
                         modules it had are compiled after the install instead",
                        python.display(),
                        job.path.display()
                    ),
                );
                return stop(child);
            }
        }
    }
    drop(input);
    let _ = child.wait();
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends one job and reads its answer; `Err` when the worker is gone or talks nonsense.
fn exchange(
    input: &mut ChildStdin,
    output: &mut BufReader<ChildStdout>,
    job: &Job,
) -> std::io::Result<Answer> {
    let path = job.path.as_os_str().as_encoded_bytes();
    let mut head = Vec::with_capacity(24 + path.len());
    head.extend_from_slice(&(path.len() as u32).to_le_bytes());
    head.extend_from_slice(&(job.source.len() as u32).to_le_bytes());
    head.extend_from_slice(&job.mtime.to_le_bytes());
    head.extend_from_slice(&job.size.to_le_bytes());
    head.extend_from_slice(path);
    input.write_all(&head)?;
    input.write_all(&job.source)?;
    input.flush()?;
    let mut status = [0u8; 5];
    output.read_exact(&mut status)?;
    let len = u32::from_le_bytes(status[1..5].try_into().expect("4 bytes")) as usize;
    if len > MAX_ANSWER || status[0] > 1 {
        return Err(std::io::Error::other("an answer that is not byte code"));
    }
    let mut body = vec![0; len];
    output.read_exact(&mut body)?;
    Ok(if status[0] == 0 {
        Ok(body)
    } else {
        Err(String::from_utf8_lossy(&body).into_owned())
    })
}
