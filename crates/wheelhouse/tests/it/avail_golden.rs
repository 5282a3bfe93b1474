//! `avail_wheels` output must be byte-identical to the reference's on the synthetic
//! wheelhouse: every case of tests/golden/cases.txt, whose expected output was produced by
//! running the reference (tests/regen-golden.py).

use std::path::{Path, PathBuf};
use std::process::Command;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

struct Case {
    name: String,
    flags: String,
    env: Vec<(String, String)>,
    args: Vec<String>,
}

/// Splits on spaces, with '...' quoting a word (the only quoting cases.txt uses).
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for ch in text.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' if !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(tests_dir().join("golden/cases.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let parts: Vec<&str> = line.splitn(4, '|').map(str::trim).collect();
            assert_eq!(parts.len(), 4, "malformed case line: {line}");
            Case {
                name: parts[0].to_string(),
                flags: parts[1].to_string(),
                env: parts[2]
                    .split_whitespace()
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').unwrap();
                        (k.to_string(), v.to_string())
                    })
                    .collect(),
                args: split_words(parts[3]),
            }
        })
        .collect()
}

fn run(binary: &str, prefix: &[&str], case: &Case) -> (Vec<u8>, Option<i32>) {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "HOME",
            std::env::var_os("HOME").unwrap_or_else(|| "/".into()),
        )
        .env("WHEELHOUSE", "wheelhouse")
        .env("PYTHON_DIRS", "pythons")
        .env("EBVERSIONGENTOO", "2023")
        .current_dir(tests_dir().join("fixtures"))
        .args(prefix)
        .args(&case.args);
    for (k, v) in &case.env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.stdout, out.status.code())
}

fn sorted_lines(bytes: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(bytes)
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

fn diff(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => out.push_str(&format!("  {x}\n")),
            (x, y) => {
                if let Some(x) = x {
                    out.push_str(&format!("- {x}\n"));
                }
                if let Some(y) = y {
                    out.push_str(&format!("+ {y}\n"));
                }
            }
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(final newline differs)\n");
    }
    out
}

fn check(binary: &str, prefix: &[&str], only: Option<&[&str]>) {
    let golden = tests_dir().join("golden");
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases() {
        if only.is_some_and(|names| !names.contains(&case.name.as_str())) {
            continue;
        }
        checked += 1;
        let expected =
            std::fs::read(golden.join(format!("{}.stdout", case.name))).unwrap_or_else(|_| {
                panic!(
                    "no golden output for case {}: run tests/regen-golden.py",
                    case.name
                )
            });
        let expected_code: i32 =
            std::fs::read_to_string(golden.join(format!("{}.code", case.name)))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
        let (actual, code) = run(binary, prefix, &case);
        let command = format!("{} {}", prefix.join(" "), case.args.join(" "));
        if code != Some(expected_code) {
            failures.push(format!(
                "{}: `{command}` exited {code:?}, the reference {expected_code}",
                case.name
            ));
            continue;
        }
        let same = match case.flags.as_str() {
            "code" => true,
            "unordered" => sorted_lines(&expected) == sorted_lines(&actual),
            _ => expected == actual,
        };
        if !same {
            failures.push(format!(
                "{}: `{command}` output differs (- reference, + ours):\n{}",
                case.name,
                diff(
                    &String::from_utf8_lossy(&expected),
                    &String::from_utf8_lossy(&actual)
                )
            ));
        }
    }
    assert!(checked > 0, "no case ran");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn avail_wheels_matches_the_reference() {
    check(env!("CARGO_BIN_EXE_avail_wheels"), &[], None);
}

#[test]
fn wheelhouse_avail_matches_too() {
    let some = [
        "bare",
        "cdf_all_versions",
        "format_grid",
        "requirements_file",
        "not_available",
        "version",
        "usage_unknown_arch",
    ];
    check(env!("CARGO_BIN_EXE_wheelhouse"), &["avail"], Some(&some));
}

#[test]
fn the_catalog_gives_the_same_answers() {
    // A copy of the fixture with a catalog written: every case must still match.
    let copy = std::env::temp_dir().join(format!("avail-golden-catalog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    let status = Command::new("cp")
        .arg("-r")
        .arg(tests_dir().join("fixtures"))
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .arg("index")
        .arg(copy.join("wheelhouse"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let golden = tests_dir().join("golden");
    let mut failures = Vec::new();
    for case in cases().into_iter().filter(|c| c.flags.is_empty()) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_avail_wheels"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("WHEELHOUSE", "wheelhouse")
            .env("PYTHON_DIRS", "pythons")
            .env("EBVERSIONGENTOO", "2023")
            .current_dir(&copy)
            .args(&case.args);
        for (k, v) in &case.env {
            cmd.env(k, v);
        }
        let actual = cmd.output().unwrap().stdout;
        let expected = std::fs::read(golden.join(format!("{}.stdout", case.name))).unwrap();
        if actual != expected {
            failures.push(case.name.clone());
        }
    }
    let _ = std::fs::remove_dir_all(&copy);
    assert!(
        failures.is_empty(),
        "with a catalog, these cases differ: {failures:?}"
    );
}
