//! Byte code kept in the unpacked-wheel cache: after a first `--compile` install the entries
//! hold the `.pyc` files, and a later `--compile` install places them (in every link mode)
//! instead of compiling; CPython then imports them without compiling again, tracebacks name
//! the new environment's files, a changed cached `.pyc` is never used, a read-only cache
//! still serves them, and uninstall removes them.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::cache::CacheRun;
use crate::common::*;

/// A wheel of modules, one of which raises (for tracebacks).
fn wheel(site: &Site) {
    // `pure` brings `pycached/__init__.py`.
    let mut spec = WheelSpec::pure("pycached", "1.0");
    spec.files.push((
        "pycached/boom.py".into(),
        b"def boom():\n    raise ValueError('boom')\n".to_vec(),
    ));
    for i in 0..30 {
        spec.files.push((
            format!("pycached/sub/mod{i}.py"),
            format!("I = {i}\n").into_bytes(),
        ));
    }
    spec.files
        .push(("pycached/data.txt".into(), b"not python\n".to_vec()));
    spec.write(&site.generic);
}

const PACKAGES: [&str; 2] = ["pycached", "six"];
/// Sources: pycached's 32 and six's one.
const SOURCES: usize = 33;
const IMPORT_ALL: &str = "import six, pycached, pycached.boom\n\
    for i in range(30): __import__(f'pycached.sub.mod{i}')";

/// `--compile` installs of PACKAGES through `cache`.
fn run(site: &Site, cache: PathBuf) -> CacheRun<'_> {
    CacheRun {
        site,
        cache,
        options: &["--compile"],
        packages: &PACKAGES,
    }
}

/// `byte-compiled N files`.
fn compiled(out: &Output) -> usize {
    number(out, "byte-compiled ", " files").expect("a byte-compiled line")
}

/// `cache byte code: N files from the cache, M added to it` (absent when both are 0).
fn from_cache_and_added(out: &Output) -> (usize, usize) {
    (
        number(out, "cache byte code: ", " files from the cache").unwrap_or(0),
        number(out, "from the cache, ", " added to it").unwrap_or(0),
    )
}

fn number(out: &Output, before: &str, after: &str) -> Option<usize> {
    let text = stderr(out);
    let line = text
        .lines()
        .find(|l| l.contains(before) && l.contains(after))?;
    let start = line.find(before)? + before.len();
    let rest = &line[start..];
    rest[..rest.find(after)?].parse().ok()
}

fn python(env: &Path) -> PathBuf {
    env.join("bin/python")
}

fn cache_tag(site: &Site, env: &Path) -> String {
    site.run_ok(
        &python(env),
        &["-c", "import sys; print(sys.implementation.cache_tag)"],
    )
    .trim()
    .to_string()
}

/// The directory of an entry's byte code for this interpreter: its cache tag and the byte-code
/// format's magic number (`cpython-311-a70d0d0a`).
fn store_tag(site: &Site, env: &Path) -> String {
    let magic = site.run_ok(
        &python(env),
        &[
            "-c",
            "import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())",
        ],
    );
    format!("{}-{}", cache_tag(site, env), magic.trim())
}

/// Every `.pyc` under site-packages: path → (inode, modification time in ns, size).
fn pycs(env: &Path) -> BTreeMap<String, (u64, i128, u64)> {
    let mut out = BTreeMap::new();
    for line in tree(&site_packages(env)) {
        let rel = line.rsplit_once(' ').map_or(line.as_str(), |(p, _)| p);
        if rel.ends_with(".pyc") {
            let m = std::fs::metadata(site_packages(env).join(rel)).unwrap();
            let ns = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
            out.insert(rel.to_string(), (m.ino(), ns, m.size()));
        }
    }
    out
}

/// The entry file holding byte code of member `name`: `pyc/<tag>-<magic>/<n>-...` of its
/// entry (added after an install), or `pyc/<tag>-<magic>/<n>` (written as it was filled).
fn entry_pyc(cache: &Path, name: &str, tag: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(cache.join("v1/entries"))
        .unwrap()
        .flatten()
    {
        let manifest = std::fs::read_to_string(entry.path().join("MANIFEST")).unwrap();
        for (n, line) in manifest.lines().skip(1).enumerate() {
            if line.ends_with(&format!("\t{name}")) {
                let dir = entry.path().join("pyc").join(tag);
                return std::fs::read_dir(dir)
                    .ok()?
                    .flatten()
                    .map(|e| e.path())
                    .find(|p| {
                        let file = p.file_name().unwrap().to_string_lossy().into_owned();
                        file == n.to_string() || file.starts_with(&format!("{n}-"))
                    });
            }
        }
    }
    None
}

/// Imports every module and checks that no `.pyc` was written again.
fn imports_without_compiling(site: &Site, env: &Path) {
    let before = pycs(env);
    assert_eq!(before.len(), SOURCES, "{before:?}");
    site.run_ok(&python(env), &["-c", IMPORT_ALL]);
    // CPython replaces a stale `.pyc` by writing a new file: inode and time would change.
    assert_eq!(
        pycs(env),
        before,
        "a module of {} was compiled again on import",
        env.display()
    );
    let verbose = site
        .command(python(env))
        .args(["-v", "-c", "import pycached.boom"])
        .output()
        .unwrap();
    let text = stderr(&verbose);
    assert!(
        text.contains("boom.cpython-") && text.contains(".pyc matches "),
        "{text}"
    );
}

/// Site-packages as the uncached install makes it: every file the same but byte code (whose
/// headers hold each environment's source times), and byte code for the same files.
fn same_as_uncached(env: &Path, reference: &Path) {
    let strip = |env: &Path| -> Vec<String> {
        contents(&site_packages(env))
            .into_iter()
            .map(|l| {
                if l.contains(".pyc ") {
                    l.split(' ').next().unwrap().to_string()
                } else {
                    l
                }
            })
            .collect()
    };
    assert_eq!(strip(env), strip(reference));
}

fn warm_compile_in_each_link_mode(base: &Path) {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, base.join("cache"));
    let reference = base.join("reference");
    let out = run.install(&reference, &["--no-cache"]);
    assert_eq!(compiled(&out), SOURCES);
    let tag = cache_tag(&site, &reference);
    let store = store_tag(&site, &reference);

    // Cold: everything is compiled, and the byte code added to the new entries.
    let out = run.install(&base.join("cold"), &[]);
    // Byte code records its source's time in whole seconds: the warm installs below must
    // not happen within the second the entries were written, or a source given the time of
    // placing would still match.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(compiled(&out), SOURCES);
    assert_eq!(from_cache_and_added(&out), (0, SOURCES), "{}", stderr(&out));
    let info: serde_json::Value = serde_json::from_str(&site.ok(&[
        "cache",
        "info",
        "--format",
        "json",
        "--cache-dir",
        run.cache.to_str().unwrap(),
    ]))
    .unwrap();
    // Both entries' files and MANIFESTs, and the byte code.
    assert!(
        info["files"].as_u64().unwrap() >= (SOURCES + 2 + 2) as u64,
        "{info}"
    );

    for mode in ["auto", "clone", "hardlink", "copy"] {
        let env = base.join(format!("env-{mode}"));
        let out = run.install(&env, &["--link-mode", mode]);
        assert_eq!(compiled(&out), 0, "{mode}: {}", stderr(&out));
        assert_eq!(from_cache_and_added(&out), (SOURCES, 0), "{mode}");
        same_as_uncached(&env, &reference);
        imports_without_compiling(&site, &env);
        // Every source has its entry file's time, which the cached byte code records.
        let mtime = |p: &Path| {
            let m = std::fs::metadata(p).unwrap();
            (m.mtime(), m.mtime_nsec())
        };
        assert_eq!(
            mtime(&site_packages(&env).join("pycached/boom.py")),
            mtime(&entry_file(&run.cache, "pycached/boom.py")),
            "{mode}"
        );
        let cached = entry_pyc(&run.cache, "pycached/boom.py", &store).unwrap();
        let placed = site_packages(&env).join(format!("pycached/__pycache__/boom.{tag}.pyc"));
        let shared =
            std::fs::metadata(&cached).unwrap().ino() == std::fs::metadata(&placed).unwrap().ino();
        // ext4 and tmpfs have no reflinks: auto hard-links, clone copies.
        assert_eq!(shared, matches!(mode, "auto" | "hardlink"), "{mode}");
        // The cached byte code was compiled in another environment; the traceback names
        // this one's source.
        let out = site
            .command(python(&env))
            .args(["-c", "import pycached.boom as b; b.boom()"])
            .output()
            .unwrap();
        let text = stderr(&out);
        let expected = format!(
            "File \"{}\"",
            site_packages(&env).join("pycached/boom.py").display()
        );
        assert!(
            text.contains(&expected) && text.contains("ValueError: boom"),
            "{text}"
        );
    }

    // Uninstall removes the byte code with the sources.
    let env = base.join("env-hardlink");
    site.ok(&[
        "uninstall",
        "-y",
        "-p",
        env.to_str().unwrap(),
        "pycached",
        "six",
    ]);
    let left: Vec<String> = tree(&env)
        .into_iter()
        .filter(|l| l.contains(".pyc") || l.contains("pycached") || l.contains("six"))
        .collect();
    assert_eq!(left, Vec::<String>::new());
}

#[test]
fn a_warm_compile_links_byte_code_in_each_link_mode_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    warm_compile_in_each_link_mode(tmp.path());
}

#[test]
fn a_warm_compile_links_byte_code_in_each_link_mode_on_tmpfs() {
    let tmp = tempfile::tempdir_in("/dev/shm").expect("tmpfs at /dev/shm");
    warm_compile_in_each_link_mode(tmp.path());
}

#[test]
fn changed_cached_byte_code_is_compiled_again_and_replaced() {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, site.path("cache"));
    run.install(&site.path("first"), &[]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let tag = store_tag(&site, &site.path("first"));
    let cached = entry_pyc(&run.cache, "pycached/boom.py", &tag).unwrap();
    // Written through a hard link in place, as a program opening the file `r+` would.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&cached)
            .unwrap();
        f.write_all(b"garbage").unwrap();
    }
    for mode in ["hardlink", "copy"] {
        let env = site.path(&format!("env-{mode}"));
        let out = run.install(&env, &["--link-mode", mode]);
        // The changed file is dropped and compiled; the new one replaces it in the entry.
        assert_eq!(
            compiled(&out),
            usize::from(mode == "hardlink"),
            "{mode}: {}",
            stderr(&out)
        );
        let expected = if mode == "hardlink" {
            (SOURCES - 1, 1)
        } else {
            (SOURCES, 0)
        };
        assert_eq!(from_cache_and_added(&out), expected, "{mode}");
        imports_without_compiling(&site, &env);
    }
    assert!(!cached.exists());
    let replaced = entry_pyc(&run.cache, "pycached/boom.py", &tag).unwrap();
    assert!(!std::fs::read(replaced).unwrap().ends_with(b"garbage"));
}

#[test]
fn hash_checked_byte_code_is_neither_kept_nor_replaced_by_cached_byte_code() {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, site.path("cache"));
    let env = site.path("env");
    let epoch = |env: &Path| {
        run.fresh(env);
        let out = run
            .install_cmd(env, &[])
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    // A cold install with hash-checked byte code keeps none.
    let out = epoch(&env);
    assert_eq!(compiled(&out), SOURCES);
    assert_eq!(from_cache_and_added(&out), (0, 0));
    // Timestamp byte code is kept, but not handed to an install that wants hash-checked.
    run.install(&env, &[]);
    let out = epoch(&env);
    assert_eq!(compiled(&out), SOURCES);
    assert_eq!(from_cache_and_added(&out), (0, 0));
    let tag = cache_tag(&site, &env);
    let boom = site_packages(&env).join(format!("pycached/__pycache__/boom.{tag}.pyc"));
    let header = std::fs::read(boom).unwrap();
    // Flags 0b11: checked hash.
    assert_eq!(header[4..8], [3, 0, 0, 0]);
}

#[test]
fn a_read_only_cache_still_gives_its_byte_code() {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, site.path("cache"));
    run.install(&site.path("first"), &[]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let env = site.path("env");
    run.fresh(&env);
    let c = run.install_cmd(&env, &[]);
    let mut args = vec![c.get_program().to_string_lossy().into_owned()];
    args.extend(c.get_args().map(|a| a.to_string_lossy().into_owned()));
    let out = site
        .command("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount --bind -o ro \"$0\" \"$0\" || exit 97; exec \"$@\"",
        ])
        .arg(&run.cache)
        .args(&args)
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(97),
        "a read-only bind mount needs root"
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("not written"), "{}", stderr(&out));
    assert_eq!(compiled(&out), 0, "{}", stderr(&out));
    assert_eq!(from_cache_and_added(&out), (SOURCES, 0));
    imports_without_compiling(&site, &env);
}

/// Byte code is kept per cache tag and magic number: what an interpreter with the same tag
/// but another byte-code format (a pre-release of the same version) left is never placed.
#[test]
fn byte_code_of_another_format_under_the_same_tag_is_not_used() {
    let site = Site::new();
    wheel(&site);
    let run = run(&site, site.path("cache"));
    run.install(&site.path("first"), &[]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let ours = store_tag(&site, &site.path("first"));
    let other = format!("{}-00000000", cache_tag(&site, &site.path("first")));
    let mut moved = 0;
    for entry in std::fs::read_dir(run.cache.join("v1/entries"))
        .unwrap()
        .flatten()
    {
        let dir = entry.path().join("pyc");
        if dir.join(&ours).is_dir() {
            std::fs::rename(dir.join(&ours), dir.join(&other)).unwrap();
            moved += 1;
        }
    }
    assert!(moved > 0, "the first install kept byte code under {ours}");
    let out = run.install(&site.path("second"), &[]);
    assert_eq!(compiled(&out), SOURCES, "nothing taken from {other}");
    assert_eq!(from_cache_and_added(&out).0, 0);
    site.run_ok(&python(&site.path("second")), &["-c", IMPORT_ALL]);
}

#[test]
fn only_the_modules_an_install_puts_in_place_are_compiled() {
    // As pip: the install compiles what it installed, not what was there before (walking
    // site-packages was a round trip per directory and per file on a network file system).
    let site = Site::new();
    wheel(&site);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "--no-compile", "six"]);
    let out = site.wheelhouse(&["install", "-v", "-p", e, "--compile", "pycached"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(compiled(&out), SOURCES - 1, "{}", stderr(&out));
    let pycs: Vec<String> = pycs(&env).into_keys().collect();
    assert!(
        pycs.iter()
            .any(|p| p.starts_with("pycached/sub/__pycache__/mod29.")),
        "{pycs:?}"
    );
    assert_eq!(pycs.len(), SOURCES - 1, "nothing else compiled: {pycs:?}");
    let verbose = site
        .command(python(&env))
        .args(["-v", "-c", "import pycached.boom"])
        .output()
        .unwrap();
    assert!(
        stderr(&verbose).contains(".pyc matches "),
        "{}",
        stderr(&verbose)
    );
}
