//! What a user reads from `avail_wheels` beyond the reference: errors that say what to do,
//! JSON output, the catalog, and both spellings of the command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{stderr, stdout};

struct House {
    root: PathBuf,
}

impl House {
    fn new(name: &str) -> House {
        let root = std::env::temp_dir().join(format!("avail-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (dir, files) in [
            (
                "wh/gentoo2023/x86-64-v3",
                &[
                    "numpy-2.1.0-cp311-cp311-linux_x86_64.whl",
                    "netCDF4-1.6.5-cp311-cp311-linux_x86_64.whl",
                ][..],
            ),
            (
                "wh/gentoo2023/generic",
                &[
                    "numpy-1.26.4+computecanada-cp311-cp311-linux_x86_64.whl",
                    "six-1.16.0-py2.py3-none-any.whl",
                    "bogus.whl",
                    "README.txt",
                ][..],
            ),
            ("py/3.10.13", &[][..]),
            ("py/3.11.5", &[][..]),
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
            for f in files {
                std::fs::write(root.join(dir).join(f), "").unwrap();
            }
        }
        House { root }
    }

    fn cmd(&self, bin: &str) -> Command {
        let mut cmd = Command::new(bin);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("WHEELHOUSE", self.root.join("wh"))
            .env("PYTHON_DIRS", self.root.join("py"))
            .env("EBVERSIONGENTOO", "2023")
            .current_dir(&self.root);
        cmd
    }

    fn avail(&self, args: &[&str]) -> Output {
        self.cmd(env!("CARGO_BIN_EXE_avail_wheels"))
            .args(args)
            .output()
            .unwrap()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

impl Drop for House {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[test]
fn unknown_format_lists_the_valid_ones() {
    let house = House::new("format");
    let out = house.avail(&["numpy", "--format", "fancy"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("unknown --format 'fancy'") && err.contains("simple") && err.contains("json"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn unknown_arch_and_python_list_the_valid_ones() {
    let house = House::new("choices");
    let out = house.avail(&["numpy", "--arch", "avx2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--arch avx2") && err.contains("generic, x86-64-v3, x86-64-v4"),
        "{err}"
    );

    let out = house.avail(&["numpy", "--python", "3.7"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--python 3.7") && err.contains("3.10, 3.11"),
        "{err}"
    );

    let out = house
        .cmd(env!("CARGO_BIN_EXE_avail_wheels"))
        .env("PYTHON_DIRS", "/nonexistent")
        .args(["-p", "3.11"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no Python versions were found in PYTHON_DIRS (/nonexistent)"),
        "{}",
        stderr(&out)
    );
}

/// With no Python in PYTHON_DIRS nothing can match: the table stays the reference's (empty),
/// and stderr says why and what to set.
#[test]
fn no_python_in_python_dirs_is_said_beside_the_empty_table() {
    let house = House::new("nopython");
    for (args, remedy) in [
        (
            &["six", "--all-pythons"][..],
            "none is listed. Set PYTHON_DIRS",
        ),
        (
            &["six"][..],
            "Load a Python module (module load python/3.11), or set PYTHON_DIRS",
        ),
    ] {
        let out = house
            .cmd(env!("CARGO_BIN_EXE_avail_wheels"))
            .env("PYTHON_DIRS", "/nonexistent")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("no Python versions were found in PYTHON_DIRS (/nonexistent)")
                && err.contains(remedy),
            "{args:?}: {err}"
        );
    }
    // A Python found: no such note.
    let out = house.avail(&["six", "--all-pythons"]);
    assert!(!stderr(&out).contains("PYTHON_DIRS"), "{}", stderr(&out));
    assert!(stdout(&out).contains("six"), "{}", stdout(&out));
}

#[test]
fn conflicting_flags_are_usage_errors() {
    let house = House::new("conflict");
    let out = house.avail(&["numpy", "-v", "1.0", "--all-versions"]);
    assert_eq!(out.status.code(), Some(2));
    let out = house.avail(&["--python", "3.11", "--all_pythons"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_requirements_file_names_the_path() {
    let house = House::new("missing");
    let out = house.avail(&["-r", "nowhere/requirements.txt"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("nowhere/requirements.txt"), "{err}");
}

#[test]
fn invalid_requirement_says_which_and_why() {
    let house = House::new("badreq");
    let out = house.avail(&["num py"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\"num py\"") && stderr(&out).contains("at \"py\""),
        "{}",
        stderr(&out)
    );

    std::fs::write(house.path("req.txt"), "six\nnumpy[\n").unwrap();
    let out = house.avail(&["-r", "req.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("req.txt:2"), "{}", stderr(&out));
}

#[test]
fn unreadable_search_directory_is_named_and_the_rest_listed() {
    let house = House::new("unreadable");
    let conf = house.path("pip.conf");
    std::fs::write(
        &conf,
        format!(
            "[wheel]\nfind-links = {} {}\n",
            house.path("wh/gentoo2023/nothere").display(),
            house.path("wh/gentoo2023/generic").display()
        ),
    )
    .unwrap();
    let out = house
        .cmd(env!("CARGO_BIN_EXE_avail_wheels"))
        .env("PIP_CONFIG_FILE", &conf)
        .arg("six")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("wh/gentoo2023/nothere"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("six"), "{}", stdout(&out));
}

#[test]
fn bad_wheel_names_warn_and_are_skipped() {
    let house = House::new("bogus");
    let out = house.avail(&[]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("bogus.whl"), "{err}");
    assert!(!err.contains("README.txt"), "{err}");
    assert!(!stdout(&out).contains("bogus"));
}

#[test]
fn json_has_every_column_and_the_path() {
    let house = House::new("json");
    let out = house.avail(&[
        "numpy",
        "--all-versions",
        "--format",
        "json",
        "--not-available",
        "-n",
        "scipy",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["version"], "2.1.0");
    assert_eq!(items[1]["localversion"], "computecanada");
    assert_eq!(items[1]["arch"], "generic");
    assert_eq!(
        items[1]["filename"],
        "numpy-1.26.4+computecanada-cp311-cp311-linux_x86_64.whl"
    );
    let path = items[1]["path"].as_str().unwrap();
    assert!(Path::new(path).is_file(), "{path}");
    assert_eq!(items[2]["name"], "scipy");
    assert_eq!(items[2]["available"], false);
}

#[test]
fn catalog_is_used_when_fresh_and_ignored_when_stale() {
    let house = House::new("catalog");
    let before = house.avail(&["--all", "--column", "name", "version", "arch"]);
    let index = house
        .cmd(env!("CARGO_BIN_EXE_wheelhouse"))
        .arg("index")
        .output()
        .unwrap();
    assert_eq!(index.status.code(), Some(0), "{}", stderr(&index));
    assert!(
        stdout(&index).contains("Indexed 6 files"),
        "{}",
        stdout(&index)
    );
    assert!(house.path("wh/.wheelhouse-catalog").is_file());
    let check = house
        .cmd(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["index", "--check"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));

    let after = house.avail(&["--all", "--column", "name", "version", "arch"]);
    assert_eq!(stdout(&before), stdout(&after));

    // Remove a wheel behind the catalog's back: the listing must not show it.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::remove_file(
        house.path("wh/gentoo2023/x86-64-v3/netCDF4-1.6.5-cp311-cp311-linux_x86_64.whl"),
    )
    .unwrap();
    let stale = house.avail(&["--all"]);
    assert!(!stdout(&stale).contains("netCDF4"), "{}", stdout(&stale));
    let check = house
        .cmd(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["index", "--check"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("stale"), "{}", stdout(&check));
}

#[test]
fn index_of_a_missing_root_is_a_clear_error() {
    let house = House::new("noroot");
    let out = house
        .cmd(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["index", "/nonexistent/wheelhouse"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/wheelhouse is not a directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn both_spellings_give_the_same_answer() {
    let house = House::new("spellings");
    for args in [
        &["numpy", "--all-versions"][..],
        &["*cdf*", "--format", "grid"][..],
        &["-V"][..],
    ] {
        let a = house.avail(args);
        let b = house
            .cmd(env!("CARGO_BIN_EXE_wheelhouse"))
            .arg("avail")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(stdout(&a), stdout(&b), "{args:?}");
        assert_eq!(a.status.code(), b.status.code());
    }
}

#[test]
fn virtualenv_python_is_the_current_one() {
    let house = House::new("venv");
    std::fs::create_dir_all(house.path("env")).unwrap();
    std::fs::write(
        house.path("env/pyvenv.cfg"),
        "home = /usr/bin\nversion_info = 3.10.13.final.0\n",
    )
    .unwrap();
    let out = house
        .cmd(env!("CARGO_BIN_EXE_avail_wheels"))
        .env("VIRTUAL_ENV", house.path("env"))
        .arg("numpy")
        .output()
        .unwrap();
    // numpy exists only for cp311 here: nothing for the 3.10 virtualenv.
    assert_eq!(out.status.code(), Some(0));
    assert!(!stdout(&out).contains("numpy"), "{}", stdout(&out));
    let out = house
        .cmd(env!("CARGO_BIN_EXE_avail_wheels"))
        .env("EBVERSIONPYTHON", "3.11.5")
        .arg("numpy")
        .output()
        .unwrap();
    assert!(stdout(&out).contains("numpy"), "{}", stdout(&out));
}

#[test]
fn help_teaches_with_examples() {
    let house = House::new("help");
    let out = house.avail(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for needle in [
        "--all-versions",
        "--not-available-only",
        "Examples:",
        "avail_wheels \"*cdf*\"",
        "PIP_CONFIG_FILE",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from --help:\n{text}"
        );
    }
}

#[test]
fn a_name_with_no_match_gets_the_near_misses_on_stderr() {
    let house = House::new("near-miss");
    std::fs::write(
        house
            .root
            .join("wh/gentoo2023/generic/python_dateutil-2.9.0-py2.py3-none-any.whl"),
        "",
    )
    .unwrap();
    let out = house.avail(&["python-datutil"]);
    assert_eq!(out.status.code(), Some(0));
    // Standard output stays the reference's: an empty table.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "name    version    python    arch\n------  ---------  --------  ------\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: no wheel is named python-datutil; did you mean python-dateutil?"),
        "{err}"
    );
    // The glob `install` suggests for it is one avail_wheels accepts (`*a-b*` is not, as in
    // the original).
    let out = house.avail(&["*datutil*"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(house.avail(&["*python-datutil*"]).status.code(), Some(2));
    // A name that matches, or a glob, gets no note.
    let out = house.avail(&["six", "*cdf*"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("note:"),
        "{out:?}"
    );
}

#[test]
fn index_explains_the_wheels_it_cannot_read() {
    let house = House::new("index-unreadable");
    let out = house
        .cmd(env!("CARGO_BIN_EXE_wheelhouse"))
        .arg("index")
        .arg(house.root.join("wh"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let redact = test_support::Redact::new()
        .path(&house.root, "$HOUSE")
        .durations();
    test_support::assert_snapshot(
        "index-unreadable",
        &redact.apply(&test_support::transcript(
            "wheelhouse index $HOUSE/wh",
            &out,
        )),
    );
    let text = stdout(&out);
    // The house's wheels are empty files, as the demo's fixture.
    assert!(
        text.contains("4 unreadable (files named like wheels that do not open as wheels: empty"),
        "{text}"
    );
    assert!(text.contains("`wheelhouse audit --deep "), "{text}");
    // The command it names, pasted, names each unreadable file.
    let hint = text
        .split("`wheelhouse ")
        .nth(1)
        .unwrap()
        .split('`')
        .next()
        .unwrap();
    let out = house
        .cmd(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(hint.split(' '))
        .output()
        .unwrap();
    let audit = stdout(&out);
    // Four empty wheels, and bogus.whl, which is no wheel name at all.
    assert_eq!(
        audit.matches("unreadable: ").count(),
        4,
        "{hint}: {audit}{}",
        stderr(&out)
    );
    assert!(audit.contains("invalid-name: bogus.whl"), "{audit}");
}

/// `index --check DIR` names the command that makes the catalog of that DIR, which pasted
/// from another directory makes it.
#[test]
fn index_check_names_the_root_in_its_hint() {
    let house = House::new("index-check");
    let root = house.root.join("wh");
    let check = |house: &House| {
        house
            .cmd(env!("CARGO_BIN_EXE_wheelhouse"))
            .env_remove("WHEELHOUSE")
            .args(["index", "--check"])
            .arg(&root)
            .current_dir("/")
            .output()
            .unwrap()
    };
    let out = check(&house);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let hint = text
        .split("run `")
        .nth(1)
        .expect(&text)
        .trim_end()
        .trim_end_matches('`');
    assert_eq!(hint, format!("wheelhouse index {}", root.display()));
    let made = house
        .cmd(env!("CARGO_BIN_EXE_wheelhouse"))
        .env_remove("WHEELHOUSE")
        .args(hint.split(' ').skip(1))
        .current_dir("/")
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let out = check(&house);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains(": fresh"), "{}", stdout(&out));
}
