//! `wheelhouse download` as the site's pre-download recipe uses it: it chooses what `install`
//! accepts (a pure wheel over a refused manylinux one) and the install line it prints works;
//! an interrupted download (Ctrl-C) leaves only complete, chosen files, and nothing fetched
//! only to read metadata ever lands in the destination. Against an index on 127.0.0.1.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::index::{self, listed, sha256, wheels_in, Index};
use crate::common::{noise, stderr, stdout, Site, WheelSpec};

/// `download requests`: charset_normalizer has a manylinux wheel and a pure one; pip under
/// the site's `_manylinux.py` takes the pure one, and so must we, or the printed install line
/// fails.
#[test]
fn download_takes_what_install_accepts_and_its_install_line_works() {
    let site = Site::new();
    let index = Index::new(
        &site.path("index"),
        &[
            (
                "requests",
                vec![listed(
                    WheelSpec::pure("requests", "2.32.3")
                        .requires("charset_normalizer<4,>=2")
                        .requires("idna<4,>=2.5"),
                )],
            ),
            (
                "charset-normalizer",
                vec![
                    listed(
                        WheelSpec::pure("charset_normalizer", "3.4.0")
                            .tag("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
                    ),
                    listed(WheelSpec::pure("charset_normalizer", "3.4.0")),
                ],
            ),
            ("idna", vec![listed(WheelSpec::pure("idna", "3.10"))]),
        ],
        true,
    );
    let out = index::download(&site, &index.url, &["requests", "-d", "wheels"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(
        wheels_in(&site.path("wheels")),
        [
            "charset_normalizer-3.4.0-py3-none-any.whl",
            "idna-3.10-py3-none-any.whl",
            "requests-2.32.3-py3-none-any.whl",
        ]
    );
    // The manylinux wheel was not even fetched.
    assert!(
        !index
            .requests()
            .contains("manylinux_2_17_x86_64.manylinux2014"),
        "{}",
        index.requests()
    );
    // The printed line, run as printed, installs.
    let text = stdout(&out);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Install them in the job with: wheelhouse "))
        .unwrap_or_else(|| panic!("no install line in {text}"));
    let env = site.venv("env");
    let mut args: Vec<&str> = line.split_whitespace().collect();
    args.splice(1..1, ["-p", env.to_str().unwrap()]);
    let installed = site.ok(&args);
    assert!(installed.contains("Successfully installed"), "{installed}");
}

/// `app` needs `lib`; lib 2.0 to 7.0 need a project the index lacks, so the resolver reads
/// their METADATA and backtracks to lib 1.0. No PEP 658 metadata anywhere.
fn backtracking_index(site: &Site, slow: &[&str]) -> Index {
    let mut libs = vec![listed(
        WheelSpec::pure("lib", "1.0").file("lib/blob.bin", &noise(1 << 20, 1)),
    )];
    for v in 2..=7 {
        libs.push(listed(
            WheelSpec::pure("lib", &format!("{v}.0"))
                .requires("absent>=1")
                .file("lib/blob.bin", &noise(300_000, 2)),
        ));
    }
    let index = Index::new(
        &site.path("index"),
        &[
            (
                "app",
                vec![listed(WheelSpec::pure("app", "1.0").requires("lib"))],
            ),
            ("lib", libs),
        ],
        true,
    );
    for name in slow {
        std::fs::write(index.root.join(format!("files/{name}.slow")), "").unwrap();
    }
    index
}

/// Starts `download app`, waits until `ready` holds (or 60 s), sends SIGINT, and returns
/// the exit code.
fn interrupt(site: &Site, index: &Index, dest: &Path, ready: impl Fn() -> bool) -> Option<i32> {
    let mut child = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["download", "--index-url", &index.url, "app", "-d"])
        .arg(dest)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !ready() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(ready(), "the download never reached the point to interrupt");
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap().code()
}

/// Every file in `dest` is a whole, chosen wheel (`app` or lib 1.0), byte for byte the index's.
fn only_complete_chosen_files(index: &Index, dest: &Path) {
    for name in wheels_in(dest) {
        assert!(
            name == "app-1.0-py3-none-any.whl" || name == "lib-1.0-py3-none-any.whl",
            "{name} left in {}: {:?}",
            dest.display(),
            wheels_in(dest)
        );
        assert_eq!(
            sha256(&dest.join(&name)),
            sha256(&index.root.join("files").join(&name))
        );
    }
}

#[test]
fn ctrl_c_during_the_transfer_leaves_only_complete_chosen_files() {
    let site = Site::new();
    let index = backtracking_index(&site, &["lib-1.0-py3-none-any.whl"]);
    let dest = site.path("out");
    let part = dest.join(".lib-1.0-py3-none-any.whl.part");
    let code = interrupt(&site, &index, &dest, || part.exists());
    assert_eq!(code, Some(130));
    only_complete_chosen_files(&index, &dest);
    assert!(!part.exists(), "{:?}", wheels_in(&dest));
    // Only METADATA was read of the versions not chosen: ranges, never a whole file.
    let log = index.requests();
    for line in log
        .lines()
        .filter(|l| l.contains("/files/lib-") && !l.contains("lib-1.0"))
    {
        assert!(line.contains(" range=bytes="), "{log}");
    }
}

/// The case: a server without range support, Ctrl-C while candidates are fetched
/// whole for their METADATA. None of them lands in the destination, and their temporary
/// copies are removed.
#[test]
fn ctrl_c_while_reading_metadata_leaves_nothing() {
    let site = Site::new();
    let slow: Vec<String> = (2..=7)
        .map(|v| format!("lib-{v}.0-py3-none-any.whl"))
        .collect();
    let slow: Vec<&str> = slow.iter().map(String::as_str).collect();
    let index = backtracking_index(&site, &slow);
    index.without_ranges();
    let dest = site.path("out");
    let transfers = index.root.join("transfers.log");
    // Interrupted once the first candidate's whole fetch has started.
    let code = interrupt(&site, &index, &dest, || {
        std::fs::read_to_string(&transfers).is_ok_and(|l| l.contains("/simple/lib/"))
            && std::fs::read_to_string(index.root.join("requests.log"))
                .is_ok_and(|l| l.contains("/files/lib-7.0"))
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(code, Some(130));
    assert_eq!(wheels_in(&dest), Vec::<String>::new());
    let scratch = site.path(".cache/wheelhouse/index-v1/tmp");
    let left: Vec<_> = std::fs::read_dir(&scratch)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

/// Without range support every candidate is fetched whole to read its METADATA, once; the
/// ones not chosen never reach the destination, and the chosen one is moved there, not
/// fetched again.
#[test]
fn without_ranges_candidates_wait_outside_the_destination() {
    let site = Site::new();
    let index = backtracking_index(&site, &[]);
    index.without_ranges();
    let dest = site.path("out");
    let out = index::download(&site, &index.url, &["app", "-d", dest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        wheels_in(&dest),
        ["app-1.0-py3-none-any.whl", "lib-1.0-py3-none-any.whl"]
    );
    only_complete_chosen_files(&index, &dest);
    let log = index.requests();
    for v in 1..=7 {
        let asked = log
            .lines()
            .filter(|l| l.starts_with(&format!("GET /files/lib-{v}.0-py3-none-any.whl")))
            .count();
        assert_eq!(asked, 1, "lib {v}.0: {log}");
    }
    let scratch = site.path(".cache/wheelhouse/index-v1/tmp");
    let left: Vec<_> = std::fs::read_dir(&scratch)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}
