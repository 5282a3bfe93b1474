//! `wheelhouse install` with package indexes: a PEP 503/691 index made here and served on
//! 127.0.0.1 (`tests/it/common/index.rs`), behind the site's wheelhouse. The site's builds win
//! (`first-match`): a package the wheelhouse has never reaches the network; the index serves
//! what the wheelhouse lacks, under the site's manylinux policy (a manylinux-only package is
//! built from its sdist); `best-match` is pip's rule. Errors: an index this node cannot reach,
//! a hash mismatch, a page that is not an index page.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::index::{backtracking_index, listed, sha256, with_metadata, Index, Listed};
use crate::common::{site_packages, stderr, Site, WheelSpec};

fn install(site: &Site, env: &Path, args: &[&str]) -> Output {
    site.command(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["install", "-p", env.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// `name==version` of what the environment holds (its dist-info directories), sorted.
fn installed(env: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(site_packages(env))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let stem = name.strip_suffix(".dist-info")?;
            let (n, v) = stem.split_once('-')?;
            (n != "pip").then(|| format!("{}=={v}", n.to_lowercase()))
        })
        .collect();
    found.sort();
    found
}

/// A port nothing listens on (bound, then let go).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/simple")
}

/// The wheelhouse has `a 1.0` (needing `b`) and `c 1.0`; the index has a newer `a`, and `b`
/// (which needs `c`), with or without PEP 658 metadata, as JSON or HTML.
fn wheelhouse_and_index(site: &Site, metadata: bool, json: bool) -> Index {
    WheelSpec::pure("a", "1.0")
        .requires("b>=1")
        .write(&site.generic);
    WheelSpec::pure("c", "1.0").write(&site.generic);
    let file = |spec: WheelSpec| {
        if metadata {
            with_metadata(spec)
        } else {
            listed(spec)
        }
    };
    Index::new(
        &site.path("index"),
        &[
            (
                "a",
                vec![file(WheelSpec::pure("a", "2.0").requires("b>=1"))],
            ),
            (
                "b",
                vec![
                    file(WheelSpec::pure("b", "1.0").requires("c")),
                    file(WheelSpec::pure("b", "1.1").requires("c")),
                ],
            ),
            ("c", vec![file(WheelSpec::pure("c", "3.0"))]),
        ],
        json,
    )
}

#[test]
fn the_wheelhouse_wins_and_the_index_serves_what_it_lacks() {
    for (metadata, json, ranges) in [
        (true, true, true),
        (false, false, true),
        (false, true, false),
    ] {
        let site = Site::new();
        let index = wheelhouse_and_index(&site, metadata, json);
        if !ranges {
            index.without_ranges();
        }
        let env = site.venv("env");
        ok(&install(&site, &env, &["a", "-i", &index.url]));
        // a and c from the wheelhouse although the index has newer ones; b from the index.
        assert_eq!(installed(&env), ["a==1.0", "b==1.1", "c==1.0"]);
        let log = index.requests();
        assert!(
            !log.contains("/simple/a/") && !log.contains("/simple/c/"),
            "the index was asked about a package the wheelhouse has:\n{log}"
        );
        assert!(log.contains("GET /simple/b/"), "{log}");
        // Only the chosen version was fetched whole (b 1.0's metadata was not needed).
        assert!(!log.contains("b-1.0-py3-none-any.whl"), "{log}");
        // No PEP 610 record for an index install (pip writes none either).
        let dist = site_packages(&env).join("b-1.1.dist-info");
        assert!(dist.join("RECORD").is_file());
        assert!(!dist.join("direct_url.json").exists());
    }
}

#[test]
fn best_match_takes_the_best_version_from_any_source() {
    let site = Site::new();
    let index = wheelhouse_and_index(&site, true, true);
    let env = site.venv("env");
    ok(&install(
        &site,
        &env,
        &["a", "-i", &index.url, "--index-strategy", "best-match"],
    ));
    assert_eq!(installed(&env), ["a==2.0", "b==1.1", "c==3.0"]);
}

#[test]
fn a_job_whose_packages_are_all_in_the_wheelhouse_never_touches_the_network() {
    let site = Site::new();
    let index = wheelhouse_and_index(&site, false, true);
    WheelSpec::pure("b", "1.0")
        .requires("c")
        .write(&site.generic);
    let env = site.venv("env");
    // A closed port: any connection would fail the install.
    ok(&install(&site, &env, &["a", "-i", &closed_port_url()]));
    assert_eq!(installed(&env), ["a==1.0", "b==1.0", "c==1.0"]);
    // A counting server, named by the pip configuration as a cluster's would: no request.
    let conf = site.path("pip-index.conf");
    let base = std::fs::read_to_string(&site.pip_conf).unwrap();
    std::fs::write(
        &conf,
        base.replace("no-index = true\n", &format!("index-url = {}\n", index.url)),
    )
    .unwrap();
    let env2 = site.venv("env2");
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PIP_CONFIG_FILE", &conf)
        .args(["install", "-p", env2.to_str().unwrap(), "a"])
        .output()
        .unwrap();
    ok(&out);
    assert_eq!(index.requests(), "", "no request may reach the index");
    assert_eq!(installed(&env2), ["a==1.0", "b==1.0", "c==1.0"]);
    // The configuration's index is read when a package needs it (best-match asks for all).
    let env3 = site.venv("env3");
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PIP_CONFIG_FILE", &conf)
        .args(["install", "-p", env3.to_str().unwrap(), "a"])
        .args(["--index-strategy", "best-match"])
        .output()
        .unwrap();
    ok(&out);
    assert!(index.requests().contains("GET /simple/a/"));
    assert_eq!(installed(&env3), ["a==2.0", "b==1.1", "c==3.0"]);
}

#[test]
fn an_unreachable_index_is_one_error_naming_the_package_and_the_url() {
    let site = Site::new();
    WheelSpec::pure("a", "1.0")
        .requires("b>=1")
        .write(&site.generic);
    let env = site.venv("env");
    let before = installed(&env);
    let url = closed_port_url();
    let out = install(&site, &env, &["a", "-i", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("b is not in the wheelhouse") && err.contains(&url),
        "{err}"
    );
    assert!(
        err.contains("cannot reach") && err.contains("login node"),
        "{err}"
    );
    assert_eq!(err.matches("is not in the wheelhouse").count(), 1, "{err}");
    assert_eq!(installed(&env), before);
    // PIP_INDEX_URL is honoured (and fails the same way); the site's configuration says
    // no-index, which PIP_NO_INDEX=0 overrides, as for pip.
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PIP_INDEX_URL", &url)
        .env("PIP_NO_INDEX", "0")
        .args(["install", "-p", env.to_str().unwrap(), "a"])
        .output()
        .unwrap();
    assert!(stderr(&out).contains(&url), "{}", stderr(&out));
    // --no-index: the wheelhouse's own answer, no network.
    let out = install(&site, &env, &["a", "-i", &url, "--no-index"]);
    assert!(
        !stderr(&out).contains(&url) && stderr(&out).contains("b"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn requirement_files_name_indexes_as_pip_reads_them() {
    let site = Site::new();
    let index = wheelhouse_and_index(&site, true, false);
    let env = site.venv("env");
    let reqs = site.path("reqs.txt");
    std::fs::write(
        &reqs,
        format!("--index-url {}\n--trusted-host 127.0.0.1\na\n", index.url),
    )
    .unwrap();
    let out = install(&site, &env, &["-r", reqs.to_str().unwrap()]);
    ok(&out);
    assert_eq!(installed(&env), ["a==1.0", "b==1.1", "c==1.0"]);
    assert!(stderr(&out).contains("--trusted-host"), "{}", stderr(&out));
    // A --no-index line turns the index off again.
    let env2 = site.venv("env2");
    std::fs::write(&reqs, format!("--index-url {}\n--no-index\na\n", index.url)).unwrap();
    let out = install(&site, &env2, &["-r", reqs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn a_second_resolve_costs_no_transfers() {
    let site = Site::new();
    let index = wheelhouse_and_index(&site, false, true);
    index.cache_control("max-age=600");
    let env = site.venv("env");
    ok(&install(&site, &env, &["a", "-i", &index.url, "--dry-run"]));
    let first = index.requests();
    assert!(first.contains("/simple/b/"), "{first}");
    ok(&install(&site, &env, &["a", "-i", &index.url, "--dry-run"]));
    assert_eq!(index.requests(), first, "the second resolve made requests");
}

#[test]
fn a_file_that_does_not_match_its_hash_is_refused() {
    let site = Site::new();
    WheelSpec::pure("a", "1.0")
        .requires("b")
        .write(&site.generic);
    let index = Index::new(
        &site.path("index"),
        &[(
            "b",
            vec![Listed {
                wrong_hash: true,
                ..with_metadata(WheelSpec::pure("b", "1.0"))
            }],
        )],
        true,
    );
    let env = site.venv("env");
    let out = install(&site, &env, &["a", "-i", &index.url]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("b") && err.contains("sha256"), "{err}");
    assert_eq!(installed(&env), Vec::<String>::new());
}

#[test]
fn pages_that_are_not_index_pages_and_missing_projects_get_clear_errors() {
    let site = Site::new();
    WheelSpec::pure("a", "1.0")
        .requires("b")
        .write(&site.generic);
    let index = Index::new(&site.path("index"), &[("b", vec![])], false);
    let env = site.venv("env");
    // A project the index does not have: the resolver's answer, with the page asked.
    let out = install(&site, &env, &["a", "-i", &index.url]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("/simple/b/"), "{err}");
    // Garbage where a page should be.
    let page = index.root.join("simple/b");
    std::fs::write(page.join("index.html"), b"\x00\x01binary").unwrap();
    std::fs::write(page.join("content-type"), "application/octet-stream").unwrap();
    let out = install(&site, &env, &["a", "-i", &index.url]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("b") && err.contains("not usable"), "{err}");
    // A 404 for the whole index (a wrong URL): b is not found there.
    let wrong = index.url.replace("/simple", "/nothing");
    let out = install(&site, &env, &["a", "-i", &wrong]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nothing/b/"), "{}", stderr(&out));
}

/// An index that fails while a package needs it (a 500, a page that does not come within
/// pip's `timeout`): one clear error naming the package and the index, exit code 1, and the
/// environment as it was.
#[test]
fn an_index_that_fails_or_stalls_is_named_and_changes_nothing() {
    let site = Site::new();
    let index = wheelhouse_and_index(&site, true, true);
    let env = site.venv("env");
    let before = installed(&env);
    let page = index.root.join("simple/b");
    std::fs::write(page.join("status"), "500").unwrap();
    let out = install(&site, &env, &["a", "-i", &index.url]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("b") && err.contains("/simple/b/") && err.contains("500"),
        "{err}"
    );
    assert_eq!(installed(&env), before);
    // A page that takes longer than the timeout (PIP_TIMEOUT, pip's `timeout`).
    std::fs::remove_file(page.join("status")).unwrap();
    std::fs::write(page.join("delay"), "8").unwrap();
    let started = std::time::Instant::now();
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("PIP_TIMEOUT", "1")
        .args([
            "install",
            "-p",
            env.to_str().unwrap(),
            "a",
            "-i",
            &index.url,
        ])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(7),
        "waited {:?} for a page, beyond the 1 s timeout",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("b") && err.contains("/simple/b/"), "{err}");
    assert_eq!(installed(&env), before);
}

/// `--dry-run` with packages from an index names them and changes nothing, downloading no
/// wheel; `--require-hashes` checks the index's files against the requirement file's hashes
/// (the page's own are not enough), as pip does, and a mismatch installs nothing.
#[test]
fn dry_run_and_require_hashes_with_packages_from_an_index() {
    let site = Site::new();
    let index = wheelhouse_and_index(&site, false, true);
    let env = site.venv("env");
    let before = installed(&env);
    let out = install(&site, &env, &["a", "-i", &index.url, "--dry-run"]);
    let text = ok(&out);
    assert!(
        text.contains("Would install") && text.contains("b-1.1"),
        "{text}"
    );
    assert_eq!(installed(&env), before);
    let log = index.requests();
    let whole: Vec<&str> = log.lines().filter(|l| l.ends_with(".whl")).collect();
    assert!(
        whole.is_empty(),
        "whole wheels fetched for a dry run: {whole:?}"
    );
    // b from the index, c from the wheelhouse, both pinned by hash.
    let b = sha256(&index.root.join("files/b-1.1-py3-none-any.whl"));
    let c = sha256(&site.generic.join("c-1.0-py3-none-any.whl"));
    let reqs = site.path("hashed.txt");
    let write = |b_hash: &str| {
        std::fs::write(
            &reqs,
            format!("b==1.1 --hash=sha256:{b_hash}\nc==1.0 --hash=sha256:{c}\n"),
        )
        .unwrap()
    };
    write(&"0".repeat(64));
    let args = [
        "--require-hashes",
        "-r",
        reqs.to_str().unwrap(),
        "-i",
        &index.url,
    ];
    let out = install(&site, &env, &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("DO NOT MATCH THE HASHES"),
        "{}",
        stderr(&out)
    );
    assert_eq!(installed(&env), before);
    write(&b);
    ok(&install(&site, &env, &args));
    assert_eq!(installed(&env), ["b==1.1", "c==1.0"]);
}

/// The setuptools backend, from the test setup's backend wheels, into the wheelhouse.
fn backends_into(dir: &Path) {
    let backends = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/backends");
    let setuptools = backends.join("setuptools-84.2.1-py3-none-any.whl");
    assert!(
        setuptools.is_file(),
        "{} lacks the backends: run scripts/build-test-setup.sh",
        backends.display()
    );
    std::fs::copy(&setuptools, dir.join(setuptools.file_name().unwrap())).unwrap();
}

/// `m-1.0.tar.gz`: a setuptools project with one module.
fn sdist(dir: &Path) -> PathBuf {
    let src = dir.join("m-src/m-1.0");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools>=64\"]\nbuild-backend = \
         \"setuptools.build_meta\"\n\n[project]\nname = \"m\"\nversion = \"1.0\"\n",
    )
    .unwrap();
    std::fs::write(src.join("m.py"), "BUILT_HERE = True\n").unwrap();
    let archive = dir.join("m-1.0.tar.gz");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, tarfile\n\
             with tarfile.open(sys.argv[2], 'w:gz') as t: t.add(sys.argv[1], arcname='m-1.0')",
        ])
        .arg(&src)
        .arg(&archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    archive
}

#[test]
fn a_manylinux_only_package_is_built_from_its_sdist() {
    let site = Site::new();
    backends_into(&site.generic);
    let (major, minor) = {
        let mut parts = site.python_version.split('.');
        (
            parts.next().unwrap().to_string(),
            parts.next().unwrap().to_string(),
        )
    };
    let cp = format!("cp{major}{minor}");
    let index = Index::new(
        &site.path("index"),
        &[(
            "m",
            vec![with_metadata(
                WheelSpec::pure("m", "1.0")
                    .tag(&format!("{cp}-{cp}-manylinux_2_17_x86_64"))
                    .file("m.py", b"FROM_MANYLINUX = True\n"),
            )],
        )],
        false,
    );
    // The page lists the sdist beside the manylinux wheel.
    let archive = sdist(&site.path("src"));
    std::fs::copy(&archive, index.root.join("files/m-1.0.tar.gz")).unwrap();
    let page = index.root.join("simple/m/index.html");
    let html = std::fs::read_to_string(&page).unwrap().replace(
        "</body>",
        &format!(
            "<a href=\"../../files/m-1.0.tar.gz#sha256={}\">m-1.0.tar.gz</a>\n</body>",
            sha256(&archive)
        ),
    );
    std::fs::write(&page, html).unwrap();
    let env = site.venv("env");
    let out = install(&site, &env, &["m", "-i", &index.url]);
    ok(&out);
    assert_eq!(installed(&env), ["m==1.0"]);
    let module = std::fs::read_to_string(site_packages(&env).join("m.py")).unwrap();
    assert_eq!(module, "BUILT_HERE = True\n");
    let log = index.requests();
    assert!(!log.contains("manylinux_2_17_x86_64.whl "), "{log}");
    // With --allow-manylinux the wheel is taken as it is.
    let env2 = site.venv("env2");
    ok(&install(
        &site,
        &env2,
        &["m", "-i", &index.url, "--allow-manylinux"],
    ));
    let module = std::fs::read_to_string(site_packages(&env2).join("m.py")).unwrap();
    assert_eq!(module, "FROM_MANYLINUX = True\n");
}

/// `name==version` of what pip 26 would install (`--dry-run --report`) from `index` and the
/// find-links directory `dir`.
fn pip_versions(site: &Site, index: &str, dir: &Path, reqs: &[&str]) -> Vec<String> {
    let report = site.path("report.json");
    let _ = std::fs::remove_file(&report);
    let out = site
        .command(site.python_root.join("bin/python3"))
        .arg(crate::common::pip26_wheel().join("pip"))
        .args(["install", "--dry-run", "--ignore-installed", "--quiet"])
        .args(["--disable-pip-version-check", "--report"])
        .arg(&report)
        .args(["--index-url", index, "--find-links"])
        .arg(dir)
        .args(reqs)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(out.status.success(), "pip: {}", stderr(&out));
    crate::common::report_choices(&report)
}

/// pip 26 against the same index and wheelhouse directory chooses what `best-match` chooses
/// (its rule), and what `first-match` chooses when the wheelhouse has none of the packages
/// (here with backtracking: the newest `x` needs a `z` that clashes with `y`'s).
#[test]
fn choices_match_pip_26() {
    let site = Site::new();
    let index = wheelhouse_and_index(&site, false, true);
    let env = site.venv("env");
    ok(&install(
        &site,
        &env,
        &["a", "-i", &index.url, "--index-strategy", "best-match"],
    ));
    assert_eq!(
        installed(&env),
        pip_versions(&site, &index.url, &site.generic, &["a"])
    );

    let site = Site::new();
    let index = backtracking_index(&site.path("index"), ["x", "y", "z", "w"]);
    let env = site.venv("env");
    ok(&install(&site, &env, &["y", "x", "-i", &index.url]));
    let ours = installed(&env);
    assert_eq!(ours, ["w==2.1", "x==1.0", "y==1.0", "z==1.9"]);
    assert_eq!(
        ours,
        pip_versions(&site, &index.url, &site.generic, &["y", "x"])
    );
}
