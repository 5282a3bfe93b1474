//! Shared set-up of the environment tests: a site with a wheelhouse of test-built wheels and
//! real PyPI wheels, a pip configuration as the cluster writes it, and the machine's CPython
//! standing in for the loaded `python/3.11` module.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use test_support::{
    assert_snapshot, machine_python, noise, real_wheel, real_wheels, uv, Redact, WheelSpec,
};

pub mod browser;
pub mod cache;
pub mod index;
pub mod sources;
pub mod staff_cli;

/// Held by the tests that load the whole machine (dozens of processes or clients) or whose
/// checks depend on timing: all the tests share one process and run two or more at a time, so
/// these take turns with one another instead of slowing each other past their deadlines.
/// Every other test may still run beside them, as it did when each file was its own binary.
pub fn alone() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // A test that failed while holding the lock does not fail the ones after it.
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub struct Site {
    pub tmp: tempfile::TempDir,
    pub v3: PathBuf,
    pub generic: PathBuf,
    pub pip_conf: PathBuf,
    pub python_root: PathBuf,
    pub python_version: String,
}

/// The machine's CPython: its prefix (what EBROOTPYTHON would be) and full version.
pub fn base_python() -> (PathBuf, String) {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, platform; print(sys.base_prefix); print(platform.python_version())",
        ])
        .output()
        .expect("python3 on PATH");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    (
        PathBuf::from(lines.next().unwrap()),
        lines.next().unwrap().to_string(),
    )
}

/// pip 26, run from its wheel (pip runs as a zip application), from the PyPI wheels cache.
pub fn pip26_wheel() -> PathBuf {
    real_wheel("pip-26")
}

impl Default for Site {
    fn default() -> Self {
        Self::new()
    }
}

impl Site {
    pub fn new() -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("wheelhouse/gentoo2023");
        let v3 = root.join("x86-64-v3");
        let generic = root.join("generic");
        std::fs::create_dir_all(&v3).unwrap();
        std::fs::create_dir_all(&generic).unwrap();
        let real = real_wheels();
        let pip_conf = tmp.path().join("pip-x86-64-v3.conf");
        std::fs::write(
            &pip_conf,
            format!(
                "[global]\ndisable-pip-version-check = true\n\n[install]\nfind-links = {} {} {}\nno-index = true\nprefer-binary = true\n\n[wheel]\nfind-links = {} {} {}\n",
                v3.display(), generic.display(), real.display(),
                v3.display(), generic.display(), real.display()
            ),
        )
        .unwrap();
        let (python_root, python_version) = base_python();
        Site {
            tmp,
            v3,
            generic,
            pip_conf,
            python_root,
            python_version,
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    /// A command with the environment a cluster user has after `module load python/3.11`:
    /// nothing of this machine's own PIP_*, VIRTUAL_ENV or PYTHONPATH leaks in.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env(
                "PATH",
                format!(
                    "{}/bin:/usr/local/bin:/usr/bin:/bin",
                    self.python_root.display()
                ),
            )
            .env("HOME", self.tmp.path())
            .env("EBROOTPYTHON", &self.python_root)
            .env("EBVERSIONPYTHON", &self.python_version)
            .env("PIP_CONFIG_FILE", &self.pip_conf)
            .env("WHEELHOUSE", self.tmp.path().join("wheelhouse"))
            .env("RSNT_ARCH", "x86-64-v3")
            .env("EBVERSIONGENTOO", "2023")
            .current_dir(self.tmp.path());
        c
    }

    pub fn wheelhouse(&self, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_wheelhouse"))
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs and asserts success, returning standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.wheelhouse(args);
        assert!(
            out.status.success(),
            "wheelhouse {args:?} failed ({:?}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a program of an environment (`ENV/bin/python ...`), asserting success.
    pub fn run_ok(&self, program: &Path, args: &[&str]) -> String {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{} {args:?} failed:\n{}\n{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// What differs between machines in this site's output: its temporary directory
    /// (`$SITE`), the machine's Python (`$PYTHON` for its prefix, `$PYVER` for its micro
    /// version), the PyPI wheels' directory (`$WHEELS`), the directory of the binaries under
    /// test (`$BIN`), and the version of pip that `scripts/fetch-wheels.sh` fetched (the
    /// newest: `$PIPVER` where pip is named with it, in a file name, a pin, a `list` row).
    pub fn redact(&self) -> Redact {
        let bin = Path::new(env!("CARGO_BIN_EXE_wheelhouse"))
            .parent()
            .unwrap();
        let pip = pip26_wheel();
        let pip = pip.file_name().unwrap().to_string_lossy();
        let pip = regex_escape(pip.split('-').nth(1).unwrap());
        Redact::new()
            .path(self.tmp.path(), "$SITE")
            .path(&self.python_root, "$PYTHON")
            .path(&real_wheels(), "$WHEELS")
            .path(bin, "$BIN")
            .text(self.python_version.clone(), "$PYVER")
            .pattern(&format!(r"\bpip(-|==){pip}\b"), "pip${1}$$PIPVER")
            .pattern(&format!(r"(?m)^(pip +){pip}( |$)"), "${1}$$PIPVER${2}")
            .pattern(
                &format!(r#""name":"pip"([^}}]*)"version":"{pip}""#),
                r#""name":"pip"${1}"version":"$$PIPVER""#,
            )
    }

    /// Compares what `wheelhouse ARGS` printed (exit code, stdout, stderr) with
    /// `tests/snapshots/NAME.txt`, after [`Site::redact`].
    pub fn assert_snapshot(&self, name: &str, args: &[&str], out: &Output) {
        self.assert_snapshot_with(name, args, out, self.redact());
    }

    /// [`Site::assert_snapshot`] with more redactions (durations, sizes, other paths).
    pub fn assert_snapshot_with(&self, name: &str, args: &[&str], out: &Output, r: Redact) {
        let text = test_support::transcript(&format!("wheelhouse {}", args.join(" ")), out);
        assert_snapshot(name, &r.apply(&text));
    }

    /// Runs `wheelhouse ARGS` and compares its transcript with `tests/snapshots/NAME.txt`.
    pub fn snapshot(&self, name: &str, args: &[&str]) -> Output {
        let out = self.wheelhouse(args);
        self.assert_snapshot(name, args, &out);
        out
    }

    /// Runs a command a message suggests as a user pastes it: in bash, in the site, with
    /// `wheelhouse` and `avail_wheels` on PATH.
    pub fn run_pasted(&self, command: &str) -> Output {
        let bin = Path::new(env!("CARGO_BIN_EXE_wheelhouse"))
            .parent()
            .unwrap();
        let path = format!(
            "{}:{}/bin:/usr/local/bin:/usr/bin:/bin",
            bin.display(),
            self.python_root.display()
        );
        self.command("bash")
            .env("PATH", path)
            .args(["-c", command])
            .output()
            .unwrap()
    }

    /// A fresh environment made by `wheelhouse venv`.
    pub fn venv(&self, name: &str) -> PathBuf {
        let env = self.path(name);
        self.ok(&["venv", env.to_str().unwrap()]);
        env
    }
}

/// `text` with the characters a regular expression treats specially escaped.
fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Every file under a directory, relative, sorted, with sizes: a before/after fingerprint.
pub fn tree(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = test_support::entries_under(dir)
        .into_iter()
        .map(|(rel, meta)| match meta.is_dir() {
            true => format!("{rel}/"),
            false => format!("{rel} {}", meta.len()),
        })
        .collect();
    out.sort();
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The first command in backquotes after `marker` in a message (`avail_wheels six`).
pub fn quoted_after(text: &str, marker: &str) -> String {
    let rest = text
        .split_once(marker)
        .unwrap_or_else(|| panic!("no `{marker}` in: {text}"))
        .1;
    let start = rest
        .find('`')
        .unwrap_or_else(|| panic!("no command after {marker}: {text}"));
    let rest = &rest[start + 1..];
    rest[..rest.find('`').unwrap()].to_string()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A wheel slow to install and to kill cleanly: `modules` top-level modules (each its own
/// rename in the commit), `blobs` incompressible 64 KiB files in the package `name` (so that
/// unpacking takes a while too), and a launcher.
pub fn bulky_wheel(name: &str, version: &str, modules: usize, blobs: usize) -> WheelSpec {
    let mut spec = WheelSpec::pure(name, version);
    for i in 0..modules {
        spec.files.push((
            format!("{name}_mod{i}.py"),
            format!("V = {version:?}\nI = {i}\n").into_bytes(),
        ));
    }
    for i in 0..blobs {
        let content = noise(64 * 1024, (name.len() * 1000 + modules + i) as u64);
        spec.files.push((format!("{name}/blob{i}.bin"), content));
    }
    spec.console_scripts
        .push((format!("{name}-cli"), format!("{name}:main")));
    spec
}

/// The next command that takes an environment's lock recovers what a killed one left.
pub fn recover(site: &Site, env: &Path) -> String {
    let out = site.wheelhouse(&["install", "-p", env.to_str().unwrap(), "--dry-run", "six"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

/// `cp -a FROM TO`, after removing TO: a tree saved or put back exactly, modes and links.
pub fn copy_tree(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

/// The site-packages directory of an environment (`lib/python3.11/site-packages`,
/// `lib/pypy3.9/site-packages`).
pub fn site_packages(env: &Path) -> PathBuf {
    let lib = env.join("lib");
    let py = std::fs::read_dir(&lib)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    py.join("site-packages")
}

/// Every file under a directory with its content hash and mode: the byte-for-byte state.
/// The environment's lock file, kept empty between commands, is no part of it.
pub fn contents(dir: &Path) -> Vec<String> {
    use sha2::Digest;
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    for (rel, meta) in test_support::entries_under(dir) {
        let path = dir.join(&rel);
        if meta.is_dir() || rel == ".wheelhouse.lock" {
            continue;
        }
        if meta.file_type().is_symlink() {
            out.push(format!(
                "{rel} -> {}",
                std::fs::read_link(&path).unwrap().display()
            ));
        } else {
            let digest = sha2::Sha256::digest(std::fs::read(&path).unwrap());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            out.push(format!(
                "{rel} {:o} {hex}",
                meta.permissions().mode() & 0o7777
            ));
        }
    }
    out.sort();
    out
}

/// The cache entry's copy of the member `name` (its path in the entry, found from the entry's
/// MANIFEST: line n + 1 names file `n`).
pub fn entry_file(cache: &Path, name: &str) -> PathBuf {
    for entry in std::fs::read_dir(cache.join("v1/entries"))
        .unwrap()
        .flatten()
    {
        let manifest = std::fs::read_to_string(entry.path().join("MANIFEST")).unwrap();
        for (n, line) in manifest.lines().skip(1).enumerate() {
            if line.ends_with(&format!("\t{name}")) {
                return entry_member(&entry.path(), &manifest, n);
            }
        }
    }
    panic!("{name} is in no cache entry");
}

/// File `n` of the entry at `dir` whose MANIFEST is `manifest`: in an entry of more than 128
/// files, 128 per directory after the first (`d1/128`, ...).
pub fn entry_member(dir: &Path, manifest: &str, n: usize) -> PathBuf {
    if manifest.starts_with("wheelhouse-cache-manifest 2 ") && n >= 128 {
        dir.join(format!("d{}/{n}", n / 128))
    } else {
        dir.join(n.to_string())
    }
}

/// The `name==version` pairs (names lower-cased, sorted) a pip `--report` file says it would
/// install.
pub fn report_choices(report: &Path) -> Vec<String> {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let mut found: Vec<String> = report["install"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}=={}",
                i["metadata"]["name"].as_str().unwrap().to_lowercase(),
                i["metadata"]["version"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    found
}
