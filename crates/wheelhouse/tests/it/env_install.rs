//! `wheelhouse venv` / `install` / `freeze` / `uninstall` with real interpreters, real pip and
//! virtualenv, real PyPI wheels and wheels built here.

use crate::common::{site_packages, stderr, tree, Site, WheelSpec};

#[test]
fn venv_behaves_like_a_virtualenv() {
    let site = Site::new();
    let env = site.venv("env");
    let python = env.join("bin/python");
    assert!(env.join("pyvenv.cfg").is_file());
    for script in ["activate", "activate.csh", "activate.fish"] {
        assert!(env.join("bin").join(script).is_file(), "{script}");
    }
    // The environment's own prefix, pip from the seed, pip usable offline from the wheelhouse.
    let prefix = site.run_ok(
        &python,
        &["-c", "import sys; print(sys.prefix != sys.base_prefix)"],
    );
    assert_eq!(prefix.trim(), "True");
    let list = site.run_ok(&python, &["-m", "pip", "list"]);
    assert!(list.contains("pip"), "{list}");
    site.run_ok(&python, &["-m", "pip", "install", "--no-index", "six"]);
    let freeze = site.run_ok(&python, &["-m", "pip", "freeze"]);
    assert!(freeze.contains("six=="), "{freeze}");
    assert_eq!(site.ok(&["freeze", "-p", env.to_str().unwrap()]), freeze);
    // activate / deactivate in a real shell.
    let script = format!(
        "source {0}/bin/activate && command -v python && echo \"$VIRTUAL_ENV\" && deactivate && \
         echo \"after:${{VIRTUAL_ENV:-unset}}\" && (command -v deactivate || echo gone)",
        env.display()
    );
    let out = site.run_ok(std::path::Path::new("/bin/bash"), &["-c", &script]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("{}/bin/python", env.display()));
    assert_eq!(lines[1], env.display().to_string());
    assert_eq!(lines[2], "after:unset");
    assert_eq!(lines[3], "gone");
}

#[test]
fn venv_without_a_module_says_what_to_load() {
    let site = Site::new();
    let pythons = site.path("pythons");
    for v in ["3.10.13", "3.11.5", "3.12.1"] {
        std::fs::create_dir_all(pythons.join(v)).unwrap();
    }
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env_remove("EBROOTPYTHON")
        .env_remove("EBVERSIONPYTHON")
        .env("PYTHON_DIRS", &pythons)
        .args(["venv", "env"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("No Python module is loaded"), "{err}");
    assert!(err.contains("3.10, 3.11, 3.12"), "{err}");
    assert!(err.contains("module load python/3.12"), "{err}");
    assert!(!site.path("env").exists());
    // The operating system's Python is fine when given by path.
    let python3 = site.python_root.join("bin/python3");
    site.ok(&[
        "venv",
        "--without-pip",
        "--python",
        python3.to_str().unwrap(),
        "env",
    ]);
    assert!(site.path("env/bin/python").exists());
    assert!(!site.path("env/bin/pip").exists());
}

#[test]
fn install_real_wheels_and_agree_with_pip() {
    let site = Site::new();
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let python = env.join("bin/python");
    site.ok(&[
        "install",
        "-p",
        e,
        "python-dateutil",
        "attrs",
        "idna",
        "packaging",
    ]);
    // PyPI's compiled wheels are manylinux builds: the site refuses them unless allowed.
    site.ok(&[
        "install",
        "-p",
        e,
        "--allow-manylinux",
        "pyyaml",
        "markupsafe",
    ]);
    site.run_ok(
        &python,
        &[
            "-c",
            "import dateutil, attrs, idna, packaging, yaml, markupsafe; yaml.safe_dump({'a': 1})",
        ],
    );
    let check = site.run_ok(&python, &["-m", "pip", "check"]);
    assert!(check.contains("No broken requirements"), "{check}");
    let pip_freeze = site.run_ok(&python, &["-m", "pip", "freeze"]);
    assert_eq!(site.ok(&["freeze", "-p", e]), pip_freeze);
    // pip can remove what we installed, completely.
    site.run_ok(&python, &["-m", "pip", "uninstall", "-y", "pyyaml"]);
    let sp = site_packages(&env);
    assert!(!sp.join("yaml").exists(), "pip left the package behind");
    assert!(std::fs::read_dir(&sp).unwrap().flatten().all(|e| !e
        .file_name()
        .to_string_lossy()
        .to_lowercase()
        .starts_with("pyyaml")));
    // Our uninstall too.
    site.ok(&["uninstall", "-p", e, "idna"]);
    assert!(!sp.join("idna").exists());
    let json = site.ok(&["list", "-p", e, "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "attrs"));
}

#[test]
fn install_into_a_virtualenv_made_environment() {
    let site = Site::new();
    let env = site.path("venv-by-virtualenv");
    let tools = test_support::envtools_python();
    let out = site
        .command(&tools)
        .args(["-m", "virtualenv", "--no-download", env.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "virtualenv failed: {}", stderr(&out));
    site.ok(&["install", "-p", env.to_str().unwrap(), "six", "attrs"]);
    let python = env.join("bin/python");
    site.run_ok(&python, &["-c", "import six, attrs"]);
    let pip_freeze = site.run_ok(&python, &["-m", "pip", "freeze"]);
    assert_eq!(
        site.ok(&["freeze", "-p", env.to_str().unwrap()]),
        pip_freeze
    );
    // VIRTUAL_ENV is the default target, as for pip.
    let out = site
        .command(env!("CARGO_BIN_EXE_wheelhouse"))
        .env("VIRTUAL_ENV", &env)
        .args(["install", "idna"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    site.run_ok(&python, &["-c", "import idna"]);
}

#[test]
fn local_versions_entry_points_and_data_scripts() {
    let site = Site::new();
    WheelSpec::pure("tool", "1.0").write(&site.generic);
    let mut spec = WheelSpec::pure("tool", "1.0+computecanada")
        .file(
            "tool/cli.py",
            b"def main():\n    print('tool says hi')\n    return 0\n",
        )
        .file(
            "tool-1.0+computecanada.data/scripts/tool-sh",
            b"#!python\nimport tool\nprint('data script', tool.__version__)\n",
        );
    spec.console_scripts
        .push(("tool".into(), "tool.cli:main".into()));
    // Versions with `+` keep it in the .data directory name as wheel builders write it.
    spec.files.retain(|(p, _)| !p.contains(".data/"));
    spec.files.push((
        "tool-1.0+computecanada.data/scripts/tool-sh".into(),
        b"#!python\nimport tool\nprint('data script', tool.__version__)\n".to_vec(),
    ));
    spec.write(&site.v3);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    let out = site.ok(&["install", "-p", e, "tool==1.0"]);
    assert!(out.contains("tool-1.0+computecanada"), "{out}");
    assert_eq!(
        site.run_ok(&env.join("bin/tool"), &[]).trim(),
        "tool says hi"
    );
    assert_eq!(
        site.run_ok(&env.join("bin/tool-sh"), &[]).trim(),
        "data script 1.0+computecanada"
    );
    let freeze = site.ok(&["freeze", "-p", e]);
    assert_eq!(freeze, "tool==1.0+computecanada\n");
    // pip agrees, and removes the scripts we wrote from RECORD.
    let python = env.join("bin/python");
    assert_eq!(site.run_ok(&python, &["-m", "pip", "freeze"]), freeze);
    site.run_ok(&python, &["-m", "pip", "uninstall", "-y", "tool"]);
    assert!(!env.join("bin/tool").exists() && !env.join("bin/tool-sh").exists());
}

#[test]
fn upgrade_replaces_the_old_version_cleanly() {
    let site = Site::new();
    WheelSpec::pure("lib", "1.0")
        .file("lib/old_only.py", b"")
        .write(&site.generic);
    WheelSpec::pure("lib", "2.0").write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "lib==1.0"]);
    let out = site.ok(&["install", "-p", e, "lib"]);
    assert!(
        out.contains("Requirement already satisfied: lib 1.0"),
        "{out}"
    );
    site.ok(&["install", "-p", e, "--upgrade", "lib"]);
    let sp = site_packages(&env);
    assert!(!sp.join("lib/old_only.py").exists());
    assert!(!sp.join("lib-1.0.dist-info").exists());
    assert_eq!(site.ok(&["freeze", "-p", e]), "lib==2.0\n");
    let dry = site.ok(&["install", "-p", e, "--dry-run", "--force-reinstall", "lib"]);
    assert_eq!(dry.trim(), "Would install lib-2.0");
}

#[test]
fn pypy_environments() {
    let pypy = std::path::Path::new("/usr/bin/pypy3");
    assert!(
        pypy.exists(),
        "pypy3 is missing: scripts/test installs it (apt-get install pypy3)"
    );
    let site = Site::new();
    let env = site.path("pypy-env");
    site.ok(&["venv", "--python", "/usr/bin/pypy3", env.to_str().unwrap()]);
    let python = env.join("bin/python");
    let implementation = site.run_ok(
        &python,
        &["-c", "import sys; print(sys.implementation.name)"],
    );
    assert_eq!(implementation.trim(), "pypy");
    site.ok(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "six",
        "attrs",
        "idna",
    ]);
    site.run_ok(&python, &["-c", "import six, attrs, idna"]);
    let pip_freeze = site.run_ok(&python, &["-m", "pip", "freeze"]);
    assert_eq!(
        site.ok(&["freeze", "-p", env.to_str().unwrap()]),
        pip_freeze
    );
    // A CPython-only wheel is not for PyPy: the error names the Pythons it exists for.
    WheelSpec::pure("fastthing", "1.0")
        .tag("cp311-cp311-linux_x86_64")
        .write(&site.v3);
    let out = site.wheelhouse(&["install", "-p", env.to_str().unwrap(), "fastthing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cp311"), "{}", stderr(&out));
    let _ = tree(&env);
}

#[test]
fn no_deps_extras_and_byte_compiling() {
    let site = Site::new();
    WheelSpec::pure("app", "1.0")
        .requires("dep")
        .requires("fancy ; extra == 'fancy'")
        .write(&site.generic);
    WheelSpec::pure("dep", "1.0").write(&site.generic);
    WheelSpec::pure("fancy", "1.0").write(&site.generic);
    let env = site.venv("env");
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "--no-deps", "app"]);
    assert_eq!(site.ok(&["freeze", "-p", e]), "app==1.0\n");
    site.ok(&["install", "-p", e, "--compile", "app[fancy]"]);
    assert_eq!(
        site.ok(&["freeze", "-p", e]),
        "app==1.0\ndep==1.0\nfancy==1.0\n"
    );
    let sp = site_packages(&env);
    let cached = std::fs::read_dir(sp.join("fancy/__pycache__"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(cached > 0, "--compile wrote no byte code");
    site.ok(&["uninstall", "-p", e, "fancy"]);
    assert!(
        !sp.join("fancy").exists(),
        "uninstall left byte code behind"
    );
}

#[test]
fn activate_scripts_work_in_every_shell() {
    let site = Site::new();
    let env = site.path("env");
    site.ok(&[
        "venv",
        "--without-pip",
        "--prompt",
        "my env",
        env.to_str().unwrap(),
    ]);
    let e = env.display().to_string();
    // Each script: activate, show python and VIRTUAL_ENV, deactivate, show what is left.
    let sh = format!(
        ". {e}/bin/activate\ncommand -v python\necho \"$VIRTUAL_ENV|$VIRTUAL_ENV_PROMPT\"\n\
         deactivate\necho \"after:${{VIRTUAL_ENV:-unset}}\"\ncommand -v python || echo no-python\n"
    );
    let csh = format!(
        "source {e}/bin/activate.csh\nwhich python\necho \"$VIRTUAL_ENV|$VIRTUAL_ENV_PROMPT\"\n\
         deactivate\nif ( $?VIRTUAL_ENV ) then\n  echo after:set\nelse\n  echo after:unset\nendif\n\
         which python >& /dev/null || echo no-python\n"
    );
    let fish = format!(
        "source {e}/bin/activate.fish\ncommand -v python\necho \"$VIRTUAL_ENV|$VIRTUAL_ENV_PROMPT\"\n\
         deactivate\nif set -q VIRTUAL_ENV; echo after:set; else; echo after:unset; end\n\
         command -v python; or echo no-python\n"
    );
    for (shell, script) in [
        ("dash", &sh),
        ("bash", &sh),
        ("zsh", &sh),
        ("tcsh", &csh),
        ("fish", &fish),
    ] {
        let file = site.path(&format!("try.{shell}"));
        std::fs::write(&file, script).unwrap();
        let out = site
            .command(format!("/usr/bin/{shell}"))
            .env("PATH", "/usr/bin:/bin")
            .arg(&file)
            .output()
            .unwrap_or_else(|e| panic!("{shell} is missing ({e}): scripts/test installs it"));
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                format!("{e}/bin/python").as_str(),
                &format!("{e}|my env"),
                "after:unset",
                "no-python"
            ],
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Uninstalling the last package leaves the environment's own directories: site-packages,
/// `lib` (which `lib64` points at) and `bin` stay, and the next install works.
#[test]
fn uninstalling_the_last_package_keeps_the_environment_whole() {
    let site = Site::new();
    let env = site.path("env");
    site.ok(&["venv", "--without-pip", env.to_str().unwrap()]);
    let e = env.to_str().unwrap();
    site.ok(&["install", "-p", e, "six"]);
    site.ok(&["uninstall", "-y", "-p", e, "six"]);
    let packages = site_packages(&env);
    assert!(packages.is_dir(), "{}", packages.display());
    assert!(env
        .join("lib64")
        .join(packages.strip_prefix(env.join("lib")).unwrap())
        .is_dir());
    assert!(env.join("bin/python").exists());
    let python = env.join("bin/python");
    let path = site.run_ok(&python, &["-c", "import sys; print(sys.path[-1])"]);
    assert_eq!(std::path::Path::new(path.trim()), packages.as_path());
    site.ok(&["install", "-p", e, "six"]);
    site.run_ok(&python, &["-c", "import six"]);
}

/// What a user reads on an everyday walk, whole: the venv line, install summaries (new,
/// already satisfied, upgrade, dry run), the `list` table and its JSON, `freeze`, and the
/// uninstall summary, pinned as snapshots (`tests/snapshots/walk-*.txt`).
#[test]
fn everyday_outputs_match_the_snapshots() {
    let site = Site::new();
    WheelSpec::pure("app", "1.0")
        .requires("lib>=1")
        .write(&site.generic);
    WheelSpec::pure("lib", "1.0").write(&site.generic);
    WheelSpec::pure("lib", "2.0+computecanada").write(&site.v3);
    let env = site.path("env");
    let e = env.to_str().unwrap();
    // venv may say how long it took.
    let out = site.wheelhouse(&["venv", e]);
    site.assert_snapshot_with("walk-venv", &["venv", e], &out, site.redact().durations());
    assert!(out.status.success());
    for (name, args) in [
        (
            "walk-install",
            vec!["install", "-p", e, "app", "six", "lib==1.0"],
        ),
        ("walk-install-satisfied", vec!["install", "-p", e, "app"]),
        (
            "walk-install-json",
            vec!["install", "-p", e, "--format", "json", "app"],
        ),
        (
            "walk-install-dry-run",
            vec!["install", "-p", e, "--dry-run", "-U", "lib"],
        ),
        (
            "walk-install-upgrade",
            vec!["install", "-p", e, "-U", "lib"],
        ),
        ("walk-list", vec!["list", "-p", e]),
        ("walk-list-json", vec!["list", "-p", e, "--format", "json"]),
        ("walk-freeze", vec!["freeze", "-p", e]),
        (
            "walk-freeze-json",
            vec!["freeze", "-p", e, "--format", "json"],
        ),
        ("walk-uninstall", vec!["uninstall", "-p", e, "-y", "lib"]),
        ("walk-list-after-uninstall", vec!["list", "-p", e]),
    ] {
        let out = site.snapshot(name, &args);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        if args.contains(&"json") {
            // One JSON document on standard output, nothing else.
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&out.stdout);
            assert!(
                parsed.is_ok(),
                "{name}: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}
