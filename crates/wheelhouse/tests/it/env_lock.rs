//! `wheelhouse lock`, `sync` and `install -r pylock.toml` on a site with three CPU levels
//! whose files differ for one package; pip 26 as the reference for the lock format (its lock
//! installs with ours, ours installs with it).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{pip26_wheel, site_packages, stderr, tree, Site, WheelSpec};

const LEVELS: [&str; 2] = ["x86-64-v3", "x86-64-v4"];

/// The site: the wheelhouse layout under $WHEELHOUSE (no pip configuration), `app` needing
/// `fastlib`, whose 1.0 is built three times: pure in generic, and one binary file per level
/// under the same name, each saying which level it is.
struct LockSite {
    site: Site,
    v4: PathBuf,
    cp: String,
}

impl LockSite {
    fn new() -> LockSite {
        let site = Site::new();
        let v4 = site.v3.parent().unwrap().join("x86-64-v4");
        std::fs::create_dir_all(&v4).unwrap();
        let mut parts = site.python_version.split('.');
        let cp = format!("cp{}{}", parts.next().unwrap(), parts.next().unwrap());
        WheelSpec::pure("app", "1.0")
            .requires("fastlib")
            .write(&site.generic);
        WheelSpec::pure("extra", "1.0").write(&site.generic);
        let fast = |level: &str| {
            let mut spec = WheelSpec::pure("fastlib", "1.0");
            spec.files = vec![(
                "fastlib/__init__.py".into(),
                format!("LEVEL = {level:?}\n").into_bytes(),
            )];
            spec
        };
        fast("generic").write(&site.generic);
        let tag = format!("{cp}-{cp}-linux_x86_64");
        fast("x86-64-v3").tag(&tag).write(&site.v3);
        fast("x86-64-v4").tag(&tag).write(&v4);
        std::fs::copy(
            pip26_wheel(),
            site.generic.join(pip26_wheel().file_name().unwrap()),
        )
        .unwrap();
        LockSite { site, v4, cp }
    }

    /// `wheelhouse ARGS` on a node of `level`, the site's layout as search paths.
    fn run(&self, level: &str, args: &[&str]) -> Output {
        self.site
            .command(env!("CARGO_BIN_EXE_wheelhouse"))
            .env_remove("PIP_CONFIG_FILE")
            .env("RSNT_ARCH", level)
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, level: &str, args: &[&str]) -> String {
        let out = self.run(level, args);
        assert!(
            out.status.success(),
            "wheelhouse {args:?} on {level} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn venv(&self, name: &str) -> PathBuf {
        let env = self.site.path(name);
        self.ok("generic", &["venv", s(&env)]);
        env
    }

    fn level_of_fastlib(&self, env: &Path) -> String {
        let text = std::fs::read_to_string(site_packages(env).join("fastlib/__init__.py")).unwrap();
        text.trim()
            .trim_start_matches("LEVEL = ")
            .trim_matches('"')
            .to_string()
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn lock_then_sync_gives_the_locked_versions_and_each_levels_file() {
    let ls = LockSite::new();
    let lock_path = ls.site.path("pylock.toml");
    ls.ok("x86-64-v3", &["lock", "app", "-o", s(&lock_path)]);
    let text = std::fs::read_to_string(&lock_path).unwrap();
    let lock = lock::Lock::parse(&text).unwrap();
    assert_eq!(lock.levels, LEVELS, "{text}");
    let fast = lock.packages.iter().find(|p| p.name == "fastlib").unwrap();
    let lock::Source::Files { wheels, .. } = &fast.source else {
        panic!("{text}")
    };
    // One file per level, the lowest first (what a tool without levels takes).
    let dirs: Vec<String> = wheels.iter().map(|w| lock::level_of(w).unwrap()).collect();
    assert_eq!(dirs, LEVELS, "{text}");
    assert!(wheels
        .iter()
        .all(|w| w.sha256().is_some() && w.size.is_some()));
    for level in LEVELS {
        let env = ls.venv(&format!("env-{level}"));
        ls.ok("generic", &["install", "-p", s(&env), "extra"]);
        let out = ls.ok(level, &["sync", "-p", s(&env), s(&lock_path)]);
        assert!(out.contains("Removed extra-1.0"), "{out}");
        let freeze = ls.ok(level, &["freeze", "-p", s(&env)]);
        assert_eq!(freeze, "app==1.0\nfastlib==1.0\n", "{level}");
        assert_eq!(ls.level_of_fastlib(&env), level);
        let listed = ls.ok(level, &["list", "-p", s(&env), "--format", "freeze"]);
        assert!(listed.contains("pip=="), "the seed stays: {listed}");
        // Again: nothing to do.
        let again = ls.ok(level, &["sync", "-p", s(&env), s(&lock_path)]);
        assert!(again.contains("Nothing to do"), "{again}");
    }
    // venv -r pylock.toml: the job's one line per node.
    let job_env = ls.site.path("job-env");
    ls.ok("x86-64-v4", &["venv", s(&job_env), "-r", s(&lock_path)]);
    assert_eq!(ls.level_of_fastlib(&job_env), "x86-64-v4");
    let _ = &ls.v4;
    let _ = &ls.cp;
}

#[test]
fn a_bad_lock_changes_nothing_and_names_the_entry() {
    let ls = LockSite::new();
    let lock_path = ls.site.path("pylock.toml");
    ls.ok("x86-64-v3", &["lock", "app", "-o", s(&lock_path)]);
    let good = std::fs::read_to_string(&lock_path).unwrap();
    let env = ls.venv("env");
    ls.ok("generic", &["install", "-p", s(&env), "extra"]);
    let before = tree(&env);
    let fails = |text: &str, level: &str, code: i32, says: &[&str]| {
        std::fs::write(&lock_path, text).unwrap();
        let out = ls.run(level, &["sync", "-p", s(&env), s(&lock_path)]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{err}");
        for word in says {
            assert!(err.contains(word), "{word:?} not in {err}");
        }
        assert_eq!(tree(&env), before, "environment changed: {err}");
    };
    // A wrong hash for the v3 file.
    let lock = lock::Lock::parse(&good).unwrap();
    let fast = lock
        .packages
        .iter()
        .position(|p| p.name == "fastlib")
        .unwrap();
    let lock::Source::Files { wheels, .. } = &lock.packages[fast].source else {
        panic!()
    };
    let v3 = wheels
        .iter()
        .find(|w| lock::level_of(w).unwrap() == "x86-64-v3");
    let v3_sha = v3.unwrap().sha256().unwrap();
    let wrong = good.replace(v3_sha, &"0".repeat(64));
    fails(
        &wrong,
        "x86-64-v3",
        1,
        &[
            &format!("packages[{fast}] (fastlib)"),
            "the lock says sha256:0000",
        ],
    );
    // An unknown lock-version, malformed TOML, a lock for another Python.
    fails(
        &good.replace("lock-version = \"1.0\"", "lock-version = \"2.0\""),
        "generic",
        2,
        &["lock-version", "\"2.0\""],
    );
    fails(
        &good.replace("[[packages]]", "[[packages]"),
        "generic",
        2,
        &["not valid TOML"],
    );
    fails(
        &good.replace(
            "name = \"fastlib\"\n",
            "name = \"fastlib\"\nrequires-python = \">=3.99\"\n",
        ),
        "x86-64-v3",
        2,
        &[&format!("packages[{fast}] (fastlib)"), "another Python"],
    );
    // A missing file.
    std::fs::write(&lock_path, &good).unwrap();
    let v4_file = std::fs::read_dir(&ls.v4)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&v4_file).unwrap();
    fails(
        &good,
        "x86-64-v4",
        2,
        &[
            &format!("packages[{fast}] (fastlib)"),
            "cannot read the wheel",
        ],
    );
    // A node of a level the lock was not made for.
    fails(&good, "generic", 2, &["--arch generic"]);
}

#[test]
fn a_moved_wheelhouse_is_found_under_the_new_root() {
    let ls = LockSite::new();
    let lock_path = ls.site.path("pylock.toml");
    ls.ok("x86-64-v3", &["lock", "app", "-o", s(&lock_path)]);
    let env = ls.venv("env");
    let old = ls.site.path("wheelhouse");
    let new = ls.site.path("moved-wheelhouse");
    std::fs::rename(&old, &new).unwrap();
    let out = ls
        .site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env_remove("PIP_CONFIG_FILE")
        .env("RSNT_ARCH", "x86-64-v4")
        .env("WHEELHOUSE", &new)
        .args(["install", "-p", s(&env), "-r", s(&lock_path)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ls.level_of_fastlib(&env), "x86-64-v4");
}

#[test]
fn pip_reads_our_lock_and_we_read_pips() {
    let ls = LockSite::new();
    let python = "python3";
    let pip = pip26_wheel().join("pip");
    // pip 26 locks app from the generic directory; ours installs that lock.
    let pip_lock = ls.site.path("pip/pylock.toml");
    std::fs::create_dir_all(pip_lock.parent().unwrap()).unwrap();
    let out = ls
        .site
        .command(python)
        .env_remove("PIP_CONFIG_FILE")
        .arg(&pip)
        .args(["lock", "--quiet", "--no-index", "--find-links"])
        .arg(&ls.site.generic)
        .args(["app", "-o"])
        .arg(&pip_lock)
        .output()
        .unwrap();
    assert!(out.status.success(), "pip lock: {}", stderr(&out));
    let env = ls.venv("ours-from-pip");
    ls.ok("x86-64-v3", &["install", "-p", s(&env), "-r", s(&pip_lock)]);
    let freeze = ls.ok("generic", &["freeze", "-p", s(&env)]);
    assert_eq!(freeze, "app==1.0\nfastlib==1.0\n");
    // Ours, installed by pip 26 (experimental `-r pylock.toml`): knowing no levels, it takes
    // the wheel with the best tag, the first level's binary one.
    let lock_path = ls.site.path("pylock.toml");
    ls.ok("x86-64-v3", &["lock", "app", "-o", s(&lock_path)]);
    let env = ls.venv("pip-from-ours");
    let out = ls
        .site
        .command(env.join("bin/python"))
        .env_remove("PIP_CONFIG_FILE")
        .args(["-m", "pip", "install", "--quiet", "--no-index", "-r"])
        .arg(&lock_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pip install -r pylock.toml: {}",
        stderr(&out)
    );
    assert_eq!(
        ls.ok("generic", &["freeze", "-p", s(&env)]),
        "app==1.0\nfastlib==1.0\n"
    );
    assert_eq!(ls.level_of_fastlib(&env), "x86-64-v3");
}

#[test]
fn requirements_format_has_hash_lines() {
    let ls = LockSite::new();
    let out = ls.ok("x86-64-v3", &["lock", "app", "--format", "requirements"]);
    assert!(out.contains("app==1.0 \\\n    --hash=sha256:"), "{out}");
    assert_eq!(out.matches("--hash=sha256:").count(), 3, "{out}");
    // pip's hash-checking mode accepts it.
    let reqs = ls.site.path("requirements.txt");
    std::fs::write(&reqs, &out).unwrap();
    let env = ls.venv("env");
    ls.ok(
        "x86-64-v4",
        &["install", "-p", s(&env), "--require-hashes", "-r", s(&reqs)],
    );
    assert_eq!(ls.level_of_fastlib(&env), "x86-64-v4");
}

#[test]
fn freeze_prints_the_wheelhouse_files_hashes_and_a_lock_that_syncs() {
    let ls = LockSite::new();
    let env = ls.venv("env");
    ls.ok("x86-64-v4", &["install", "-p", s(&env), "app"]);
    let hashed = ls.ok("x86-64-v4", &["freeze", "-p", s(&env), "--hashes"]);
    let v4_file = std::fs::read_dir(&ls.v4)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let v4_sha = environment::digest_file("sha256", &v4_file).unwrap();
    assert!(
        hashed.contains(&format!("fastlib==1.0 \\\n    --hash=sha256:{v4_sha}\n")),
        "{hashed}"
    );
    // As a lock: syncing another environment from it gives the same packages.
    let lock_path = ls.site.path("pylock.toml");
    let text = ls.ok(
        "x86-64-v4",
        &["freeze", "-p", s(&env), "--format", "pylock"],
    );
    std::fs::write(&lock_path, &text).unwrap();
    let other = ls.venv("other");
    ls.ok("x86-64-v4", &["sync", "-p", s(&other), s(&lock_path)]);
    assert_eq!(ls.level_of_fastlib(&other), "x86-64-v4");
    assert_eq!(
        ls.ok("generic", &["freeze", "-p", s(&other)]),
        "app==1.0\nfastlib==1.0\n"
    );
}

#[test]
fn doctor_compares_the_environment_with_its_lock() {
    let ls = LockSite::new();
    let lock_path = ls.site.path("pylock.toml");
    ls.ok("x86-64-v3", &["lock", "app", "-o", s(&lock_path)]);
    let env = ls.venv("env");
    // Beside the environment: a hint.
    let out = ls.run("x86-64-v3", &["doctor", "-p", s(&env)]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("wheelhouse doctor --lock"), "{text}");
    // Nothing installed yet: missing; then synced: healthy; then an extra and a changed file.
    let doctor = |level: &str| {
        let out = ls.run(level, &["doctor", "-p", s(&env), "--lock", s(&lock_path)]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = doctor("x86-64-v3");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("lock-missing") && text.contains("app 1.0"),
        "{text}"
    );
    assert!(text.contains("wheelhouse sync -p"), "{text}");
    ls.ok("x86-64-v3", &["sync", "-p", s(&env), s(&lock_path)]);
    let (code, text) = doctor("x86-64-v3");
    assert!(!text.contains("lock-"), "{text}");
    let _ = code;
    ls.ok("generic", &["install", "-p", s(&env), "extra"]);
    let v3_file = std::fs::read_dir(&ls.site.v3)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // Changed contents of the same size: found by hash, not size.
    let mut bytes = std::fs::read(&v3_file).unwrap();
    let last = bytes.len() - 30;
    bytes[last] ^= 0xff;
    std::fs::write(&v3_file, &bytes).unwrap();
    let installed = site_packages(&env).join("fastlib/__init__.py");
    let edited = std::fs::read_to_string(&installed)
        .unwrap()
        .replace("x86-64-v3", "x86-64-v9");
    std::fs::write(&installed, edited).unwrap();
    let (code, text) = doctor("x86-64-v3");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("lock-extra") && text.contains("extra 1.0"),
        "{text}"
    );
    assert!(
        text.contains("lock-file-changed") && text.contains("is not the locked sha256"),
        "{text}"
    );
    assert!(
        text.contains("lock-installed-edited")
            && text.contains("fastlib 1.0: fastlib/__init__.py")
            && text.contains("--force-reinstall 'fastlib==1.0'"),
        "{text}"
    );
}

#[test]
fn sync_dry_run_says_what_it_would_do_and_changes_nothing() {
    let ls = LockSite::new();
    let lock_path = ls.site.path("pylock.toml");
    ls.ok("x86-64-v3", &["lock", "app", "-o", s(&lock_path)]);
    let env = ls.venv("env");
    ls.ok("generic", &["install", "-p", s(&env), "extra"]);
    let before = tree(&env);
    let out = ls.ok(
        "x86-64-v3",
        &["sync", "--dry-run", "-p", s(&env), s(&lock_path)],
    );
    assert_eq!(
        out, "Would install app-1.0 fastlib-1.0\nWould remove extra-1.0\n",
        "{out}"
    );
    assert_eq!(tree(&env), before);
    ls.ok("x86-64-v3", &["sync", "-p", s(&env), s(&lock_path)]);
    let out = ls.ok(
        "x86-64-v3",
        &["sync", "--dry-run", "-p", s(&env), s(&lock_path)],
    );
    assert_eq!(
        out,
        "Would change nothing: the environment matches the lock\n"
    );
}

#[test]
fn a_level_that_cannot_have_the_version_gets_its_own_entry() {
    let ls = LockSite::new();
    let tag = format!("{0}-{0}-linux_x86_64", ls.cp);
    WheelSpec::pure("tool", "1.0")
        .requires("forced")
        .write(&ls.site.generic);
    // x86-64-v4 has only the older build.
    for (dir, version) in [(&ls.site.v3, "2.0"), (&ls.v4, "1.0")] {
        WheelSpec::pure("forced", version).tag(&tag).write(dir);
    }
    let lock_path = ls.site.path("pylock.toml");
    let out = ls.run("x86-64-v3", &["lock", "tool", "-o", s(&lock_path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let note = stderr(&out);
    assert!(
        note.contains("on x86-64-v4 cannot have the same versions")
            && note.contains("forced 1.0 (elsewhere 2.0)"),
        "{note}"
    );
    let text = std::fs::read_to_string(&lock_path).unwrap();
    let lock = lock::Lock::parse(&text).unwrap();
    let forced: Vec<(String, Vec<String>)> = lock
        .packages
        .iter()
        .filter(|p| p.name == "forced")
        .map(|p| (p.version.clone().unwrap(), p.levels.clone()))
        .collect();
    assert_eq!(
        forced,
        [
            ("1.0".to_string(), vec!["x86-64-v4".to_string()]),
            ("2.0".to_string(), vec!["x86-64-v3".to_string()])
        ],
        "{text}"
    );
    for (level, version) in [("x86-64-v3", "2.0"), ("x86-64-v4", "1.0")] {
        let env = ls.venv(&format!("env-{level}"));
        ls.ok(level, &["sync", "-p", s(&env), s(&lock_path)]);
        let freeze = ls.ok(level, &["freeze", "-p", s(&env)]);
        assert_eq!(freeze, format!("forced=={version}\ntool==1.0\n"), "{level}");
    }
}

#[test]
fn a_lock_made_by_uv_installs_with_ours() {
    let ls = LockSite::new();
    let uv = crate::common::uv();
    let reqs = ls.site.path("req.in");
    std::fs::write(&reqs, "app\n").unwrap();
    let uv_lock = ls.site.path("uv/pylock.toml");
    std::fs::create_dir_all(uv_lock.parent().unwrap()).unwrap();
    let version = &ls.site.python_version;
    let major_minor: Vec<&str> = version.split('.').take(2).collect();
    let out = ls
        .site
        .command(&uv)
        .env_remove("PIP_CONFIG_FILE")
        .env("UV_CACHE_DIR", ls.site.path("uv-cache"))
        .args(["pip", "compile", "--quiet", "--no-index", "--find-links"])
        .arg(&ls.site.generic)
        .arg(&reqs)
        .arg("-o")
        .arg(&uv_lock)
        .args(["--python-version", &major_minor.join(".")])
        .output()
        .unwrap();
    assert!(out.status.success(), "uv pip compile: {}", stderr(&out));
    let env = ls.venv("env");
    ls.ok("x86-64-v3", &["sync", "-p", s(&env), s(&uv_lock)]);
    assert_eq!(
        ls.ok("generic", &["freeze", "-p", s(&env)]),
        "app==1.0\nfastlib==1.0\n"
    );
}
