//! Stack modules with real Lmod: `wheelhouse stack build` on a site in a box (CPython 3.11
//! and PyPy), then `module spider`, `module load`, imports in `python`, in a `wheelhouse venv`
//! environment and in a `virtualenv` one, the environment's own copy winning, stock pip
//! refusing a manylinux wheel through `_manylinux.py`, and a failed build leaving nothing.

use std::path::PathBuf;
use std::process::Command;

use test_support::{bash_with_lmod, WheelSpec};

use crate::common::{machine_python, real_wheel};

fn pypy_minor() -> String {
    let out = Command::new("/usr/bin/pypy3")
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .expect("pypy3 (scripts/test installs it)");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn virtualenv() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/envtools/bin/virtualenv");
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup-tools.sh",
        p.display()
    );
    p
}

struct Box {
    _tmp: tempfile::TempDir,
    site: PathBuf,
}

/// A site in a box whose wheelhouse holds test-built wheels and real PyPI ones.
fn site() -> Box {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let out = Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .args(["site", "init", site.to_str().unwrap(), "--python"])
        .arg(machine_python())
        .args(["--python", "/usr/bin/pypy3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generic = site.join("wheelhouse/generic");
    let mut tool = WheelSpec::pure("stackpkg", "1.0")
        .requires("stackdep<3")
        .file(
            "stackpkg/cli.py",
            b"import sys, stackpkg\ndef main():\n    print('TOOL', stackpkg.__version__, sys.implementation.name)\n",
        );
    tool.console_scripts
        .push(("stacktool".into(), "stackpkg.cli:main".into()));
    tool.write(&generic);
    WheelSpec::pure("stackpkg", "2.0").write(&generic);
    WheelSpec::pure("stackdep", "2.0").write(&generic);
    WheelSpec::pure("stackdep", "3.0").write(&generic);
    WheelSpec::pure("needsnew", "1.0")
        .requires("stackdep>=3")
        .write(&generic);
    for real in ["six-", "markupsafe-"] {
        let w = real_wheel(real);
        std::fs::copy(&w, generic.join(w.file_name().unwrap())).unwrap();
    }
    std::fs::write(tmp.path().join("stack.txt"), "stackpkg==1.0\nsix==1.17.0\n").unwrap();
    std::fs::write(
        tmp.path().join("broken.txt"),
        "stackpkg==1.0\nnot-in-the-wheelhouse==1.0\n",
    )
    .unwrap();
    Box { _tmp: tmp, site }
}

/// A bash session on the site: its profile sourced, `$W` the wheelhouse binary.
fn session(b: &Box, script: &str) -> test_support::ModuleRun {
    let profile = b.site.join("profile.sh");
    bash_with_lmod(
        &[],
        &[
            ("W", env!("CARGO_BIN_EXE_wheelhouse")),
            ("VIRTUALENV", virtualenv().to_str().unwrap()),
        ],
        &format!(
            "set -e\n. '{}'\ncd '{}/..'\n{script}",
            profile.display(),
            b.site.display()
        ),
    )
}

#[test]
fn a_stack_module_serves_python_venvs_and_virtualenvs() {
    let b = site();
    let pypy = pypy_minor();
    let run = session(
        &b,
        &format!(
            "$W stack build testing/2024a -r stack.txt --python 3.11 --python {pypy} \
             --prefix \"$PWD/site/software/testing/2024a\" --modulepath \"$PWD/site/modules\"\n\
             module spider stackdep\n\
             module spider testing/2024a\n\
             module load python/3.11 testing\n\
             python -c 'import stackpkg, stackdep, six; print(\"PY\", stackpkg.__version__, stackdep.__version__, stackpkg.__file__)'\n\
             stacktool\n\
             $W venv env1 -q\n\
             env1/bin/python -c 'import stackpkg; print(\"VENV\", stackpkg.__version__, stackpkg.__file__)'\n\
             $VIRTUALENV -q --no-download env2\n\
             env2/bin/python -c 'import stackpkg; print(\"VIRTUALENV\", stackpkg.__version__)'\n\
             $W install -q -p env1 stackpkg==2.0\n\
             $W list -p env1 | sed 's/^/LIST /'\n\
             env1/bin/python -c 'import stackpkg; print(\"OWN\", stackpkg.__version__, stackpkg.__file__)'\n\
             if env2/bin/python -m pip install --dry-run --no-index --find-links site/wheelhouse/generic markupsafe >pip1.out 2>&1; then echo PIP-ACCEPTED; else echo PIP-REFUSED; fi\n\
             if env -u PYTHONPATH env2/bin/python -m pip install --dry-run --no-index --find-links site/wheelhouse/generic markupsafe >pip2.out 2>&1; then echo PIP-WITHOUT-HOOK-ACCEPTED; fi\n\
             module load python/{pypy}\n\
             python -c 'import platform, stackpkg; print(\"PYPY\", platform.python_implementation(), stackpkg.__version__)'\n\
             stacktool\n\
             module unload testing\n\
             command -v stacktool || echo NO-TOOL-AFTER-UNLOAD\n\
             module purge\n\
             module load testing\n\
             stacktool\n"
        ),
    )
    .ok();
    let (out, err) = (&run.stdout, &run.stderr);
    let prefix = b.site.join("software/testing/2024a");
    let all = format!("{out}\n{err}");
    // module spider finds the stack by a package it holds, and lists every package.
    assert!(
        err.contains("stackdep: stackdep/2.0 (E)") && err.contains("testing/2024a"),
        "{all}"
    );
    assert!(
        err.contains("six/1.17.0 (E), stackdep/2.0 (E), stackpkg/1.0 (E)"),
        "{all}"
    );
    // The pin stays: 1.0, not the newest 2.0; its dependency is resolved (stackdep<3).
    assert!(
        out.contains(&format!(
            "PY 1.0 2.0 {}/lib/python3.11/site-packages/stackpkg/__init__.py",
            prefix.display()
        )),
        "{all}"
    );
    assert!(
        out.contains(&format!("VENV 1.0 {}", prefix.display())),
        "{all}"
    );
    assert!(out.contains("VIRTUALENV 1.0"), "{all}");
    assert!(
        out.contains("OWN 2.0 ") && out.contains("env1/lib/python3.11/site-packages/stackpkg"),
        "{all}"
    );
    // `list` names the stack a package comes from, not "system".
    let listed = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("LIST {name} ")))
            .unwrap_or_default()
            .to_string()
    };
    // The whole table pinned: a stack's packages beside the environment's own. pip is the
    // one the machine's Python bundles (its version differs between machines): its version
    // is replaced, in a column wide enough for any.
    let table: String = out
        .lines()
        .filter_map(|l| l.strip_prefix("LIST "))
        .map(
            |l| match l.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["pip", _] => "pip        [bundled]\n".to_string(),
                _ => format!("{l}\n"),
            },
        )
        .collect();
    test_support::assert_snapshot("list-with-stack-module", &table);
    assert!(listed("stackdep").ends_with(" testing/2024a"), "{all}");
    assert!(!listed("stackdep").contains("system"), "{all}");
    assert!(listed("stackpkg").trim_end().ends_with("2.0"), "{all}");
    assert!(out.contains("PIP-REFUSED"), "{all}");
    assert!(
        out.contains("PIP-WITHOUT-HOOK-ACCEPTED"),
        "the control: pip takes the wheel without _manylinux.py\n{all}"
    );
    assert!(out.contains("PYPY PyPy 1.0"), "{all}");
    // The stack's scripts follow the loaded Python, and leave PATH with the module; loaded
    // alone, the stack brings its newest Python and that one's scripts.
    assert!(out.contains("TOOL 1.0 cpython"), "{all}");
    assert!(out.contains("TOOL 1.0 pypy"), "{all}");
    assert!(out.contains("NO-TOOL-AFTER-UNLOAD"), "{all}");
    assert_eq!(out.matches("TOOL 1.0 ").count(), 3, "{all}");
    assert!(prefix
        .join(format!("lib/python{pypy}/site-packages/six.py"))
        .is_file());
}

#[test]
fn a_failed_stack_build_leaves_nothing_visible() {
    let b = site();
    let run = session(
        &b,
        "set +e\n$W stack build broken/1.0 -r broken.txt --python 3.11 \
         --prefix \"$PWD/site/software/broken/1.0\" --modulepath \"$PWD/site/modules\"\n\
         echo \"EXIT=$?\"\nmodule avail broken\nls -a site/software\n",
    );
    let all = format!("{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("EXIT=1"), "{all}");
    assert!(
        run.stderr.contains("cannot be built for Python 3.11")
            && run.stderr.contains("not-in-the-wheelhouse"),
        "{all}"
    );
    assert!(!b.site.join("modules/broken").exists(), "{all}");
    assert!(!b.site.join("software/broken/1.0").exists());
    assert!(
        !b.site.join("software/broken").exists(),
        "the build directory (or the parent made for it) is left behind"
    );
    assert!(
        run.stderr.contains("No module(s) or extension(s) found!"),
        "module avail shows it:\n{all}"
    );
    // A stack version is never rebuilt in place.
    let again = session(
        &b,
        "set +e\n$W stack build testing/1 -r stack.txt --python 3.11 --prefix \"$PWD/site/software/t/1\" --modulepath \"$PWD/site/modules\" --format json\n\
         $W stack build testing/1 -r stack.txt --python 3.11 --prefix \"$PWD/site/software/t/1\" --modulepath \"$PWD/site/modules\"\necho \"EXIT=$?\"\n",
    );
    assert!(
        again.stdout.contains("EXIT=2"),
        "{}{}",
        again.stdout,
        again.stderr
    );
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    // The first build's --format json: one object for scripts.
    let json: serde_json::Value = serde_json::from_str(again.stdout.lines().next().unwrap())
        .unwrap_or_else(|e| panic!("{e}: {}", again.stdout));
    assert_eq!(json["name"], "testing");
    assert_eq!(json["pythons"], serde_json::json!(["3.11"]));
    assert!(json["packages"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!({"name": "stackpkg", "version": "1.0"})));
    assert!(json["modulefile"]
        .as_str()
        .unwrap()
        .ends_with("modules/testing/1.lua"));
}

#[test]
fn installing_what_a_loaded_stack_package_cannot_use_is_refused() {
    let b = site();
    let pypy = pypy_minor();
    let run = session(
        &b,
        &format!("$W stack build testing/2024a -r stack.txt --python 3.11 \
         --prefix \"$PWD/site/software/testing/2024a\" --modulepath \"$PWD/site/modules\" >/dev/null\n\
         module load python/{pypy}\n\
         module load testing/2024a\n\
         module list\n\
         $W venv -q env1\n\
         $W install -p env1 stackpkg==1.0 six\n\
         ls env1/lib/python3.11/site-packages > env1.ls\n\
         grep -q stackpkg env1.ls || echo \"NOT-INSTALLED-AGAIN\"\n\
         set +e\n\
         $W install -q -p env1 stackdep==3.0; echo \"DIRECT=$?\"\n\
         $W install -q -p env1 needsnew; echo \"CHAIN=$?\"\n\
         env1/bin/python -c 'import stackdep; print(\"STILL\", stackdep.__version__)'\n\
         $W install -q -p env1 stackpkg==2.0 stackdep==3.0; echo \"BOTH=$?\"\n\
         $W venv -q env2\n\
         $W install -q -p env2 --ignore-stack-requirements stackdep==3.0; echo \"FORCED=$?\"\n\
         module unload testing\n\
         module load python/3.11\n\
         $W venv -q env3\n\
         $W install -q -p env3 stackdep==3.0; echo \"UNLOADED=$?\"\n"),
    );
    let (out, err) = (&run.stdout, &run.stderr);
    let all = format!("{out}\n{err}");
    // The stack is built for 3.11 only: loading it swaps PyPy's python module for 3.11.
    assert!(
        err.contains("1) python/3.11") && err.contains("2) testing/2024a"),
        "{all}"
    );
    // What the stack provides counts as installed.
    assert!(
        out.contains("Requirement already satisfied: stackpkg 1.0")
            && out.contains("Requirement already satisfied: six 1.17.0"),
        "{all}"
    );
    assert!(out.contains("NOT-INSTALLED-AGAIN"), "{all}");
    assert!(out.contains("DIRECT=1"), "{all}");
    assert!(
        err.contains("stackdep 3.0 would be installed into")
            && err.contains("the loaded module testing/2024a")
            && err.contains("stackpkg 1.0 (from testing/2024a) requires stackdep<3")
            && err.contains("add 'stackdep<3' to what you install")
            && err.contains("module unload testing"),
        "{all}"
    );
    assert!(out.contains("CHAIN=1"), "{all}");
    assert!(
        err.contains("Why stackdep: you asked for needsnew; needsnew 1.0 requires stackdep>=3."),
        "{all}"
    );
    assert!(out.contains("STILL 2.0"), "nothing was installed:\n{all}");
    // Replacing the dependent in the environment too is fine: the stack's copy is not used.
    assert!(out.contains("BOTH=0"), "{all}");
    assert!(out.contains("FORCED=0"), "{all}");
    assert!(out.contains("UNLOADED=0"), "{all}");
}
