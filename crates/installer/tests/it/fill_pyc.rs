//! Byte code compiled while a cold install fills the cache (`installer::compiler`): what lands
//! in the environment is what `py_compile` writes for the module's final path, imports use
//! it without compiling again, the entry keeps it for the next install, concurrent fills of
//! one wheel stay valid, and a compiler that stops or is not Python only leaves the modules
//! to the compile step after the transaction, never bad byte code in the cache.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use installer::compiler::Compiler;
use installer::wheel_cache::{Cache, LinkMode, Linker};
use installer::{commit, lock_environment, CacheUse, Outcome, Transaction, WheelToInstall};
use test_support::{tools_python, WheelSpec};

use crate::support::layout;

/// The tools interpreter's cache tag and magic number (hex).
fn tag_and_magic() -> (String, String) {
    let out = Command::new(tools_python())
        .args([
            "-c",
            "import sys, importlib.util; \
             print(sys.implementation.cache_tag, importlib.util.MAGIC_NUMBER.hex())",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (tag, magic) = text.trim().split_once(' ').unwrap();
    (tag.to_string(), magic.to_string())
}

/// A cache use that keeps the tools interpreter's byte code and compiles with `python`.
fn cache_use(cache: &Path, python: &Path) -> Arc<CacheUse> {
    let (tag, magic) = tag_and_magic();
    let cache = Cache::new(cache);
    assert!(cache.prepare_for_writing());
    Arc::new(
        CacheUse::new(cache, Linker::new(LinkMode::Hardlink, 0o022), true, false)
            .with_pyc_tag(Some(tag), Some(&magic))
            .with_compiler(python, 2),
    )
}

/// Four good modules (two in a subpackage, one with an encoding declaration) and one that
/// does not compile.
fn wheel(dir: &Path) -> PathBuf {
    let spec = WheelSpec::pure("fillpyc", "1.0")
        .file("fillpyc/sub/__init__.py", b"")
        .file("fillpyc/sub/deep.py", b"def f():\n    return 'deep'\n")
        .file(
            "fillpyc/latin.py",
            b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n",
        )
        .file("fillpyc/broken.py", b"def (:\n");
    std::fs::create_dir_all(dir).unwrap();
    spec.write(dir)
}

fn env(root: &Path) {
    std::fs::create_dir_all(root.join("lib/python3.11/site-packages")).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
}

fn install(root: &Path, wheel: &Path, cache: &Arc<CacheUse>) -> Outcome {
    env(root);
    let plan = Transaction {
        install: vec![WheelToInstall {
            path: wheel.to_path_buf(),
            requested: true,
            direct: false,
            direct_url: None,
            bytes: None,
        }],
        cache: Some(cache.clone()),
        ..Transaction::default()
    };
    let cancel = AtomicBool::new(false);
    let lock = lock_environment(root, &cancel, || {}).unwrap();
    commit(&lock, &plan, &layout(root), &cancel, &|_| {}).unwrap()
}

/// The sources the compile step is left with, by file name.
fn left(outcome: &Outcome) -> Vec<String> {
    let mut names: Vec<String> = outcome
        .modules
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Checks in the tools interpreter that every module of `root` but the broken one has byte
/// code identical to what `py_compile` writes for it (`exact`: byte for byte), then that
/// importing them all writes no `.pyc` (CPython would replace one it found stale) and that
/// the code's file name is the module's own.
fn byte_code_is_py_compiles(root: &Path, exact: bool) {
    let script = r#"
import importlib.util, marshal, os, py_compile, sys, tempfile
sp, exact = sys.argv[1], sys.argv[2] == "exact"
seen = {}
for dirpath, _, files in os.walk(sp):
    for f in files:
        if not f.endswith(".py") or f == "broken.py":
            continue
        src = os.path.join(dirpath, f)
        pyc = importlib.util.cache_from_source(src)
        ours = open(pyc, "rb").read()
        with tempfile.TemporaryDirectory() as t:
            ref = py_compile.compile(src, cfile=os.path.join(t, "x.pyc"), doraise=True)
            ref = open(ref, "rb").read()
        # Compiled for this path: the same bytes. Placed from the cache: compiled for the
        # first environment's path, which only the code's file name records (fixed at
        # import), so the same header and equal code.
        if exact:
            assert ours == ref, src
        else:
            assert ours[:16] == ref[:16] and marshal.loads(ours[16:]) == marshal.loads(ref[16:]), src
        st = os.stat(pyc)
        seen[pyc] = (st.st_ino, st.st_mtime_ns)
assert len(seen) == 4, seen
sys.path.insert(0, sp)
import fillpyc, fillpyc.latin, fillpyc.sub.deep
assert fillpyc.sub.deep.f() == "deep" and fillpyc.latin.name == "\xe9t\xe9"
assert fillpyc.sub.deep.__spec__.cached in seen
assert fillpyc.sub.deep.f.__code__.co_filename == os.path.join(sp, "fillpyc", "sub", "deep.py")
for pyc, was in seen.items():
    st = os.stat(pyc)
    assert (st.st_ino, st.st_mtime_ns) == was, pyc
print("ok")
"#;
    let sp = root.join("lib/python3.11/site-packages");
    let out = Command::new(tools_python())
        .args(["-c", script])
        .arg(&sp)
        .arg(if exact { "exact" } else { "equal" })
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "ok",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn byte_code_compiled_at_fill_is_py_compiles_and_kept_for_the_next_install() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = wheel(&tmp.path().join("wheels"));
    let cache_dir = tmp.path().join("cache");
    let cold = cache_use(&cache_dir, &tools_python());
    let outcome = install(&tmp.path().join("cold"), &wheel, &cold);
    // Only the module that does not compile is left to the compile step.
    assert_eq!(left(&outcome), ["broken.py"]);
    let compiler = cold.compiler.as_ref().unwrap();
    assert_eq!(compiler.failure(), None);
    assert_eq!(
        compiler.compiled.load(std::sync::atomic::Ordering::Relaxed),
        4
    );
    byte_code_is_py_compiles(&tmp.path().join("cold"), true);

    // The entry keeps it: a warm install places it and compiles nothing.
    let warm = cache_use(&cache_dir, &tools_python());
    let outcome = install(&tmp.path().join("warm"), &wheel, &warm);
    assert_eq!(left(&outcome), ["broken.py"]);
    assert_eq!(
        warm.pycs_placed.load(std::sync::atomic::Ordering::Relaxed),
        4
    );
    assert!(warm.compiler.as_ref().unwrap().worker_pids().is_empty());
    byte_code_is_py_compiles(&tmp.path().join("warm"), false);
}

#[test]
fn concurrent_fills_of_one_wheel_leave_valid_byte_code_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = wheel(&tmp.path().join("wheels"));
    let cache_dir = tmp.path().join("cache");
    std::thread::scope(|scope| {
        for i in 0..4 {
            let (wheel, cache_dir, root) = (&wheel, &cache_dir, tmp.path().join(format!("e{i}")));
            scope.spawn(move || {
                let used = cache_use(cache_dir, &tools_python());
                install(&root, wheel, &used);
            });
        }
    });
    for i in 0..4 {
        // Each compiled its own (a lost race keeps its own) or, started after an entry was
        // complete, was given its byte code, compiled for another path.
        byte_code_is_py_compiles(&tmp.path().join(format!("e{i}")), false);
    }
    // Whichever fill won, its byte code matches its own sources.
    let warm = cache_use(&cache_dir, &tools_python());
    install(&tmp.path().join("warm"), &wheel, &warm);
    assert_eq!(
        warm.pycs_placed.load(std::sync::atomic::Ordering::Relaxed),
        4
    );
    byte_code_is_py_compiles(&tmp.path().join("warm"), false);
}

/// No `.pyc` anywhere in the cache.
fn no_byte_code_in(cache: &Path) {
    let out = Command::new("find")
        .arg(cache)
        .args(["-path", "*/pyc/*", "-type", "f"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn a_compiler_that_is_not_python_leaves_the_modules_to_the_compile_step() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = wheel(&tmp.path().join("wheels"));
    let cache_dir = tmp.path().join("cache");
    // A real program that answers nothing.
    let used = cache_use(&cache_dir, Path::new("/bin/true"));
    let outcome = install(&tmp.path().join("env"), &wheel, &used);
    assert_eq!(
        left(&outcome),
        [
            "__init__.py",
            "__init__.py",
            "broken.py",
            "deep.py",
            "latin.py"
        ]
    );
    let why = used.compiler.as_ref().unwrap().failure().unwrap();
    assert!(
        why.contains("/bin/true") && why.contains("expected"),
        "{why}"
    );
    no_byte_code_in(&cache_dir);
    assert!(!tmp
        .path()
        .join("env/lib/python3.11/site-packages/fillpyc/__pycache__")
        .exists());
}

#[test]
fn a_compiler_killed_mid_stream_leaves_the_modules_to_the_compile_step() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = wheel(&tmp.path().join("wheels"));
    let cache_dir = tmp.path().join("cache");
    let used = cache_use(&cache_dir, &tools_python());
    let compiler = used.compiler.as_ref().unwrap();
    // Started and answering: one module compiles.
    let pending = compiler.submit(Path::new("/x/m.py"), b"x = 1\n".to_vec(), 7);
    assert!(pending.wait().is_some());
    // The other worker may still be starting.
    let mut pids = compiler.worker_pids();
    for _ in 0..200 {
        if pids.len() == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        pids = compiler.worker_pids();
    }
    assert_eq!(pids.len(), 2);
    for pid in pids {
        let status = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let outcome = install(&tmp.path().join("env"), &wheel, &used);
    assert_eq!(
        left(&outcome),
        [
            "__init__.py",
            "__init__.py",
            "broken.py",
            "deep.py",
            "latin.py"
        ]
    );
    let why = compiler.failure().unwrap();
    assert!(why.contains("stopped"), "{why}");
    no_byte_code_in(&cache_dir);
    // What the compile step needs is there: the entry is whole and serves the next install.
    let warm = cache_use(&cache_dir, &tools_python());
    let outcome = install(&tmp.path().join("warm"), &wheel, &warm);
    assert_eq!(warm.hits.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert_eq!(outcome.modules.len(), 5);
}

#[test]
fn answers_are_checked_against_what_was_sent() {
    let (tag, magic) = tag_and_magic();
    let compiler = Compiler::new(&tools_python(), &tag, &magic, 1).unwrap();
    let pyc = compiler
        .submit(Path::new("/env/m.py"), b"x = 1\n".to_vec(), 1_700_000_000)
        .wait()
        .unwrap();
    assert_eq!(&pyc[8..12], &1_700_000_000u32.to_le_bytes());
    assert_eq!(&pyc[12..16], &6u32.to_le_bytes());
    // A syntax error is no byte code, and the worker goes on.
    assert!(compiler
        .submit(Path::new("/env/b.py"), b"def (:\n".to_vec(), 1)
        .wait()
        .is_none());
    assert!(compiler
        .submit(Path::new("/env/c.py"), b"y = 2\n".to_vec(), 1)
        .wait()
        .is_some());
    assert_eq!(compiler.failure(), None);
    // An interpreter with another magic number is not used.
    let other = Compiler::new(&tools_python(), &tag, "00000000", 1).unwrap();
    assert!(other
        .submit(Path::new("/env/m.py"), b"x = 1\n".to_vec(), 1)
        .wait()
        .is_none());
    assert!(other.failure().unwrap().contains("expected"));
}
