//! Installing what is not a wheel: project directories (`./proj`), editable projects
//! (`-e ./proj`), source archives, git repositories and `name @ file://` references, built by
//! real PEP 517 backends (setuptools, hatchling from `scripts/build-test-setup.sh`) in
//! isolated build environments whose requirements come from the site's wheelhouse. pip 26 is
//! the reference for what gets recorded (`direct_url.json`, `freeze`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::sources::{sdist, setuptools_project, site_with_backends, write};
use crate::common::staff_cli;
use crate::common::*;

/// A hatchling project, for an editable install.
fn hatchling_project(dir: &Path, name: &str) {
    write(
        &dir.join("pyproject.toml"),
        &format!(
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \
             \"hatchling.build\"\n\n[project]\nname = \"{name}\"\nversion = \"0.3\"\n"
        ),
    );
    write(&dir.join(format!("src/{name}/__init__.py")), "VALUE = 1\n");
}

fn python_of(env: &Path) -> PathBuf {
    env.join("bin/python")
}

fn pip_freeze(site: &Site, env: &Path) -> String {
    site.run_ok(
        &python_of(env),
        &["-m", "pip", "freeze", "--disable-pip-version-check"],
    )
}

fn direct_url(env: &Path, dist_info: &str) -> String {
    std::fs::read_to_string(site_packages(env).join(dist_info).join("direct_url.json")).unwrap()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

#[test]
fn a_project_directory_is_built_and_recorded_as_pip_records_it() {
    let site = site_with_backends();
    let proj = site.path("proj");
    setuptools_project(&proj, "hello-proj", "0.1");
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let out = site.ok(&["install", "-p", e, "./proj"]);
    assert!(out.contains("hello-proj-0.1"), "{out}");
    assert_eq!(
        direct_url(&env, "hello_proj-0.1.dist-info"),
        format!(
            "{{\"dir_info\": {{}}, \"url\": \"file://{}\"}}",
            proj.display()
        )
    );
    site.run_ok(&python_of(&env), &["-c", "import hello_proj, six"]);
    let ours = site.ok(&["freeze", "-p", e]);
    assert_eq!(ours, pip_freeze(&site, &env));
    assert!(
        ours.contains(&format!("hello-proj @ file://{}", proj.display())),
        "{ours}"
    );
    // The build environment was not the target: setuptools is not installed there.
    assert!(!site_packages(&env).join("setuptools").exists());
    // Installing it again rebuilds and reinstalls (its sources may have changed), as pip does.
    write(&proj.join("hello_proj/__init__.py"), "VALUE = 2\n");
    site.ok(&["install", "-p", e, "./proj"]);
    let value = site.run_ok(
        &python_of(&env),
        &["-c", "import hello_proj; print(hello_proj.VALUE)"],
    );
    assert_eq!(value.trim(), "2");
}

/// The same project installed by pip 26 and by us gives the same files (RECORD's content and
/// INSTALLER aside).
#[test]
fn the_installed_tree_of_a_built_project_matches_pip_26() {
    let site = site_with_backends();
    setuptools_project(&site.path("proj"), "treecheck", "1.0");
    let ours = site.venv("ours");
    site.ok(&["install", "-p", ours.to_str().unwrap(), "./proj"]);
    let theirs = site.venv("theirs");
    let generic = site.generic.to_str().unwrap().to_string();
    let real = real_wheels();
    site.run_ok(
        &python_of(&theirs),
        &[
            &pip26_wheel().join("pip").to_string_lossy(),
            "install",
            "--no-index",
            "--disable-pip-version-check",
            "-f",
            &generic,
            "-f",
            real.to_str().unwrap(),
            "./proj",
        ],
    );
    let files = |env: &Path| -> Vec<String> {
        tree(&site_packages(env))
            .into_iter()
            .filter(|l| l.contains("treecheck") && !l.contains("__pycache__"))
            .filter(|l| !l.contains("/RECORD") && !l.contains("/INSTALLER"))
            .collect()
    };
    assert_eq!(files(&ours), files(&theirs));
}

#[test]
fn an_editable_project_sees_edits_and_uninstalls_cleanly() {
    let site = site_with_backends();
    let proj = site.path("editme");
    hatchling_project(&proj, "editme");
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "-e", "./editme"]);
    assert_eq!(
        direct_url(&env, "editme-0.3.dist-info"),
        format!(
            "{{\"dir_info\": {{\"editable\": true}}, \"url\": \"file://{}\"}}",
            proj.display()
        )
    );
    let read = || {
        site.run_ok(
            &python_of(&env),
            &["-c", "import editme; print(editme.VALUE)"],
        )
    };
    assert_eq!(read().trim(), "1");
    write(&proj.join("src/editme/__init__.py"), "VALUE = 42\n");
    assert_eq!(read().trim(), "42", "the edit is seen without reinstalling");
    let ours = site.ok(&["freeze", "-p", e]);
    assert_eq!(ours, pip_freeze(&site, &env));
    assert!(ours.contains(&format!("-e {}", proj.display())), "{ours}");
    site.ok(&["uninstall", "-y", "-p", e, "editme"]);
    let left: Vec<String> = tree(&site_packages(&env))
        .into_iter()
        .filter(|l| l.contains("editme"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // From a requirements file too (`-e ./editme` resolved from the working directory).
    write(&site.path("req.txt"), "-e ./editme\n");
    site.ok(&["install", "-p", e, "-r", "req.txt"]);
    assert_eq!(read().trim(), "42");
}

#[test]
fn a_source_archive_installs_and_its_freeze_line_reinstalls_it() {
    let site = site_with_backends();
    setuptools_project(&site.path("src/arch-1.2"), "arch", "1.2");
    let archive = site.path("arch-1.2.tar.gz");
    sdist(&site.path("src/arch-1.2"), "arch-1.2", &archive);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "./arch-1.2.tar.gz"]);
    let url = direct_url(&env, "arch-1.2.dist-info");
    assert!(
        url.starts_with("{\"archive_info\": {\"hash\": \"sha256="),
        "{url}"
    );
    let frozen = site.ok(&["freeze", "-p", e]);
    assert_eq!(frozen, pip_freeze(&site, &env));
    // freeze's own output installs what it names into a fresh environment.
    write(&site.path("frozen.txt"), &frozen);
    let again = site.venv("again");
    site.ok(&["install", "-p", again.to_str().unwrap(), "-r", "frozen.txt"]);
    assert_eq!(site.ok(&["freeze", "-p", again.to_str().unwrap()]), frozen);
    // A changed archive no longer matches the hash its freeze line gives.
    sdist(&site.path("src/arch-1.2"), "arch-1.2/", &archive);
    std::fs::write(&archive, b"changed").unwrap();
    let fresh = site.venv("fresh");
    let out = site.wheelhouse(&["install", "-p", fresh.to_str().unwrap(), "-r", "frozen.txt"]);
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_wheel_named_by_freeze_is_installed_never_a_look_alike() {
    let site = Site::new();
    let files = site.path("files");
    let named = WheelSpec::pure("lookalike", "1.0").write(&files);
    // The wheelhouse has a site build of the same version, which sorts above it.
    WheelSpec::pure("lookalike", "1.0+computecanada").write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, named.to_str().unwrap()]);
    let frozen = site.ok(&["freeze", "-p", e]);
    assert!(frozen.starts_with("lookalike @ file://"), "{frozen}");
    write(&site.path("frozen.txt"), &frozen);
    let again = site.venv("again");
    let a = again.to_str().unwrap();
    site.ok(&["install", "-p", a, "-r", "frozen.txt"]);
    assert_eq!(site.ok(&["freeze", "-p", a]), frozen);
}

#[test]
fn a_git_repository_is_cloned_at_its_revision_and_pinned_to_its_commit() {
    let site = site_with_backends();
    let repo = site.path("repo");
    setuptools_project(&repo.join("pkg"), "from-git", "2.0");
    git(&site.path(""), &["init", "-q", "repo"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    git(&repo, &["tag", "v2"]);
    write(&repo.join("pkg/from_git/__init__.py"), "VALUE = 'later'\n");
    git(&repo, &["commit", "-q", "-am", "later"]);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let url = format!(
        "from-git @ git+file://{}@v2#subdirectory=pkg",
        repo.display()
    );
    site.ok(&["install", "-p", e, &url]);
    let value = site.run_ok(
        &python_of(&env),
        &["-c", "import from_git; print(from_git.VALUE)"],
    );
    assert_eq!(
        value.trim(),
        "1",
        "the tagged revision, not the branch's head"
    );
    let frozen = site.ok(&["freeze", "-p", e]);
    assert_eq!(frozen, pip_freeze(&site, &env));
    assert!(
        frozen.contains(&format!("from-git @ git+file://{}@", repo.display())),
        "{frozen}"
    );
    assert!(frozen.contains("#subdirectory=pkg"), "{frozen}");

    // A revision or a repository that does not exist: clear errors, nothing changed.
    let before = contents(&env);
    for (text, want) in [
        (
            format!(
                "from-git @ git+file://{}@nope#subdirectory=pkg",
                repo.display()
            ),
            "has no revision `nope`",
        ),
        (
            format!("from-git @ git+file://{}", site.path("missing").display()),
            "could not be cloned",
        ),
        (
            format!(
                "other-name @ git+file://{}#subdirectory=pkg",
                repo.display()
            ),
            "what it builds is `from_git`",
        ),
    ] {
        let out = site.wheelhouse(&["install", "-p", e, &text]);
        assert_eq!(out.status.code(), Some(2), "{text}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{text}: {}", stderr(&out));
        assert_eq!(contents(&env), before);
    }
}

#[test]
fn failed_builds_and_non_projects_change_nothing() {
    let site = site_with_backends();
    let broken = site.path("broken");
    write(
        &broken.join("setup.py"),
        "import sys\nprint('compiling the extension')\nsys.exit('error: Python.h: No such file')\n",
    );
    std::fs::create_dir_all(site.path("empty")).unwrap();
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let before = contents(&env);
    let out = site.wheelhouse(&["install", "-p", e, "./broken"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Python.h: No such file"), "{err}");
    assert!(err.contains("module load"), "{err}");
    assert!(err.contains("environment was left as it was"), "{err}");
    assert_eq!(contents(&env), before);
    let out = site.wheelhouse(&["install", "-p", e, "./empty"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("neither pyproject.toml nor setup.py"),
        "{}",
        stderr(&out)
    );
    let out = site.wheelhouse(&["install", "-p", e, "./not-there"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert_eq!(contents(&env), before);
}

/// A setuptools project whose `setup.py` records the build environment it ran in
/// (`sys.prefix`) in the module it builds. With `poison`, it also leaves a module in that
/// environment; without, it fails if it sees such a module.
fn prefix_recording_project(dir: &Path, name: &str, poison: bool) {
    write(
        &dir.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \
         \"setuptools.build_meta\"\n",
    );
    let check = if poison {
        "import sysconfig\n\
         open(os.path.join(sysconfig.get_paths()['purelib'], 'poisoned.py'), 'w').close()\n"
    } else {
        "try:\n    import poisoned\nexcept ImportError:\n    pass\nelse:\n    \
         sys.exit('saw the module an earlier build left in its environment')\n"
    };
    write(
        &dir.join("setup.py"),
        &format!(
            "import os, sys\nfrom setuptools import setup\n{check}\
             os.makedirs('{name}', exist_ok=True)\n\
             with open('{name}/__init__.py', 'w') as f:\n    f.write('PREFIX = %r\\n' % sys.prefix)\n\
             setup(name='{name}', version='1.0', packages=['{name}'])\n"
        ),
    );
}

/// Builds that need the same build requirements take turns in one build environment (one
/// venv and install for several sdists), and an environment a backend wrote into is not
/// lent to the next build: the builds after it get a new one.
#[test]
fn builds_share_an_environment_that_no_backend_wrote_into() {
    let site = site_with_backends();
    let names = ["poisoner", "second", "third"];
    for name in names {
        prefix_recording_project(&site.path(name), name, name == "poisoner");
    }
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    // One build at a time, in the order given.
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("SLURM_CPUS_PER_TASK", "1")
        .args(["install", "-p", e, "./poisoner", "./second", "./third"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let prefix = |name: &str| {
        let code = format!("import {name}; print({name}.PREFIX)");
        site.run_ok(&python_of(&env), &["-c", &code])
            .trim()
            .to_string()
    };
    let [poisoner, second, third] = names.map(prefix);
    assert_eq!(second, third, "the same requirements, one environment");
    assert_ne!(poisoner, second, "the poisoned environment was lent again");
    for build_env in [&poisoner, &second] {
        assert_ne!(Path::new(build_env), env, "a build ran in the target");
        assert!(
            !Path::new(build_env).exists(),
            "{build_env} outlived the run"
        );
    }
    assert!(!site_packages(&env).join("poisoned.py").exists());
}

/// A build requirement the wheelhouse does not have is named, with the resolver's advice.
#[test]
fn a_build_requirement_missing_from_the_wheelhouse_is_named() {
    let site = Site::new();
    setuptools_project(&site.path("proj"), "needs-setuptools", "1.0");
    let env = site.venv("env");
    let out = site.wheelhouse(&["install", "-p", env.to_str().unwrap(), "./proj"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("setuptools"), "{}", stderr(&out));
}

/// `name @ http://…` references: a wheel and a source archive fetched from a server on
/// loopback, the wheel's `#sha256=` checked, both recorded with their URL as pip records them.
#[test]
fn wheels_and_archives_named_by_url_are_fetched_checked_and_recorded() {
    let site = site_with_backends();
    let served = site.path("served");
    std::fs::create_dir_all(&served).unwrap();
    let wheel = WheelSpec::pure("fromurl", "1.0").write(&served);
    setuptools_project(&site.path("src/urlsdist-0.5"), "urlsdist", "0.5");
    sdist(
        &site.path("src/urlsdist-0.5"),
        "urlsdist-0.5",
        &served.join("urlsdist-0.5.tar.gz"),
    );
    let server = staff_cli::StaticServer::start(&served);
    let sha = {
        use sha2::Digest;
        let bytes = std::fs::read(&wheel).unwrap();
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let wheel_url = server.url("fromurl-1.0-py3-none-any.whl");
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    // A wrong hash: refused, nothing installed.
    let before = contents(&env);
    let out = site.wheelhouse(&[
        "install",
        "-p",
        e,
        &format!("fromurl @ {wheel_url}#sha256=00"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("does not match the sha256"),
        "{}",
        stderr(&out)
    );
    assert_eq!(contents(&env), before);
    site.ok(&[
        "install",
        "-p",
        e,
        &format!("fromurl @ {wheel_url}#sha256={sha}"),
        &format!("urlsdist @ {}", server.url("urlsdist-0.5.tar.gz")),
    ]);
    let frozen = site.ok(&["freeze", "-p", e]);
    assert_eq!(frozen, pip_freeze(&site, &env));
    assert!(
        frozen.contains(&format!("fromurl @ {wheel_url}#sha256={sha}")),
        "{frozen}"
    );
    assert!(frozen.contains("urlsdist @ http://127.0.0.1:"), "{frozen}");
}
