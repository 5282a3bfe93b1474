//! The module side with real Lmod: `wheelhouse site init` and `wheelhouse module python`
//! write modulefiles that Debian's Lmod lists, loads and swaps; real CPython 3.11 and PyPy
//! are the interpreters. Lmod comes from `scripts/lmod-setup.sh`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::machine_python;
use test_support::bash_with_lmod;

fn pypy() -> PathBuf {
    let p = PathBuf::from("/usr/bin/pypy3");
    assert!(
        p.exists(),
        "pypy3 is missing: scripts/test installs it (apt-get install pypy3)"
    );
    p
}

fn version_of(python: &Path) -> String {
    let out = Command::new(python)
        .args(["-c", "import platform; print(platform.python_version())"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn wheelhouse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = wheelhouse(args);
    assert!(
        out.status.success(),
        "wheelhouse {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A site in a box with CPython 3.11 and PyPy.
fn site_in_a_box() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    ok(&[
        "site",
        "init",
        site.to_str().unwrap(),
        "--python",
        machine_python().to_str().unwrap(),
        "--python",
        pypy().to_str().unwrap(),
    ]);
    (tmp, site)
}

#[test]
fn site_in_a_box_lists_loads_and_swaps_pythons() {
    let (_tmp, site) = site_in_a_box();
    let cpython_version = version_of(&machine_python());
    let pypy_version = version_of(&pypy());
    let profile = site.join("profile.sh");
    let run = bash_with_lmod(
        &[],
        &[],
        &format!(
            ". '{}'\n\
             echo \"RSNT_ARCH=$RSNT_ARCH\"; echo \"PIP_CONFIG_FILE=$PIP_CONFIG_FILE\"\n\
             echo \"WHEELHOUSE=$WHEELHOUSE\"; echo \"PYTHON_DIRS=$PYTHON_DIRS\"\n\
             echo \"EBVERSIONGENTOO=$EBVERSIONGENTOO\"; echo \"MODULEPATH=$MODULEPATH\"\n\
             module avail python\n\
             module load python/3.11 || exit 3\n\
             echo \"EBROOTPYTHON=$EBROOTPYTHON\"; echo \"EBVERSIONPYTHON=$EBVERSIONPYTHON\"\n\
             echo \"PATH=$PATH\"; echo \"PYTHONPATH=$PYTHONPATH\"\n\
             python -c 'import platform; print(\"RUNS\", platform.python_implementation(), platform.python_version())'\n\
             module load python/{pypy_mm} || exit 4\n\
             python -c 'import platform; print(\"RUNS\", platform.python_implementation(), platform.python_version())'\n\
             module list\n",
            profile.display(),
            pypy_mm = &pypy_version[..pypy_version.rfind('.').unwrap()],
        ),
    )
    .ok();
    let out = &run.stdout;
    let root = site.join(format!("software/python/{cpython_version}"));
    let expect = [
        format!("RSNT_ARCH={}", modules::cpu::this_node_arch()),
        format!(
            "PIP_CONFIG_FILE={}/pip/pip-{}.conf",
            site.display(),
            modules::cpu::this_node_arch()
        ),
        format!("WHEELHOUSE={}/wheelhouse", site.display()),
        format!("PYTHON_DIRS={}/software/python", site.display()),
        "EBVERSIONGENTOO=2023".to_string(),
        format!("EBROOTPYTHON={}", root.display()),
        format!("EBVERSIONPYTHON={cpython_version}"),
        format!("PATH={}/bin:", root.display()),
        format!("PYTHONPATH={}/python-site", site.display()),
        format!("RUNS CPython {cpython_version}"),
        format!("RUNS PyPy {pypy_version}"),
    ];
    for line in &expect {
        assert!(
            out.contains(line.as_str()),
            "missing {line:?} in:\n{out}\n{}",
            run.stderr
        );
    }
    assert!(
        out.contains(&format!("MODULEPATH={}/modules", site.display())),
        "{out}"
    );
    // Both versions are listed, the newest is the default; the swap is Lmod's (one `python`).
    let avail = &run.stderr;
    assert!(avail.contains(&format!("python/{pypy_version}")), "{avail}");
    assert!(
        avail.contains(&format!("python/{cpython_version} (D)")),
        "{avail}"
    );
    assert!(
        avail.contains(&format!("1) python/{pypy_version}")),
        "{avail}"
    );
    assert!(Path::new(&format!("{}/pip/pip-x86-64-v3.conf", site.display())).is_file());
}

#[test]
fn profile_csh_sets_the_same_in_tcsh() {
    let (tmp, site) = site_in_a_box();
    let script = tmp.path().join("t.csh");
    std::fs::write(
        &script,
        format!(
            "source {site}/profile.csh\nsource {site}/profile.csh\n\
             echo \"RSNT_ARCH=$RSNT_ARCH MODULEPATH=$MODULEPATH\"\n\
             echo \"PIP_CONFIG_FILE=$PIP_CONFIG_FILE\"\n\
             module load python/3.11\npython -c 'import sys; print(\"IMPL\", sys.implementation.name)'\n",
            site = site.display()
        ),
    )
    .unwrap();
    let out = Command::new("tcsh")
        .arg("-f")
        .arg(&script)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", tmp.path())
        .output()
        .expect("tcsh (scripts/test installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let arch = modules::cpu::this_node_arch();
    assert!(
        stdout.contains(&format!(
            "RSNT_ARCH={arch} MODULEPATH={}/modules",
            site.display()
        )),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!("pip-{arch}.conf")), "{stdout}");
    assert!(stdout.contains("IMPL cpython"), "{stdout}");
}

#[test]
fn site_init_is_idempotent_and_keeps_files_it_did_not_write() {
    let (_tmp, site) = site_in_a_box();
    let cpython = machine_python();
    let args = [
        "site",
        "init",
        site.to_str().unwrap(),
        "--python",
        cpython.to_str().unwrap(),
        "--python",
        "/usr/bin/pypy3",
    ];
    let again = ok(&args);
    assert!(!again.contains("wrote "), "{again}");
    assert!(again.contains("already up to date"), "{again}");
    // An administrator's edit is never overwritten, and nothing else changes either.
    let conf = site.join("pip/pip-generic.conf");
    std::fs::write(&conf, "[global]\nmine = 1\n").unwrap();
    std::fs::remove_file(site.join("profile.sh")).unwrap();
    let out = wheelhouse(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to overwrite 1 file(s)") && err.contains("pip-generic.conf"),
        "{err}"
    );
    assert!(
        !site.join("profile.sh").exists(),
        "nothing is written after a refusal"
    );
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "[global]\nmine = 1\n"
    );
    // A file that was there before wheelhouse came is not overwritten either.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("profile.sh"), "# mine\n").unwrap();
    let out = wheelhouse(&[
        "site",
        "init",
        other.path().to_str().unwrap(),
        "--python",
        "/usr/bin/pypy3",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(other.path().join("profile.sh")).unwrap(),
        "# mine\n"
    );
}

#[test]
fn module_python_writes_modules_that_coexist() {
    let tmp = tempfile::tempdir().unwrap();
    let modulepath = tmp.path().join("modules");
    let mp = modulepath.to_str().unwrap();
    // PyPy's bin/ has no `python`: without --links the command says what to do.
    let out = wheelhouse(&["module", "python", "/usr/bin/pypy3", "--modulepath", mp]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Give --links DIR"), "{err}");
    assert!(
        !modulepath.join("python").exists(),
        "nothing written on error"
    );
    // The CPython prefix is used as it is; PyPy through links.
    let prefix = machine_python()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    ok(&[
        "module",
        "python",
        prefix.to_str().unwrap(),
        "--modulepath",
        mp,
    ]);
    let links = tmp.path().join("software/python");
    ok(&[
        "module",
        "python",
        "/usr/bin/pypy3",
        "--links",
        links.to_str().unwrap(),
        "--modulepath",
        mp,
    ]);
    let cv = version_of(&machine_python());
    let pv = version_of(&pypy());
    let run = bash_with_lmod(
        &[&modulepath],
        &[],
        "module avail python\nmodule load python\necho \"ROOT=$EBROOTPYTHON\"\n\
         python -c 'import sys; print(\"EXE\", sys.executable)'\nmodule spider pip\n",
    )
    .ok();
    assert!(
        run.stderr.contains(&format!("python/{pv}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("python/{cv} (D)")),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!("ROOT={}", prefix.display())),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("EXE {}/bin/python", prefix.display())),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(modulepath.join(format!("python/{pv}.lua"))).unwrap();
    assert!(
        text.contains(&format!("local root = \"{}/{pv}\"", links.display())),
        "{text}"
    );
    assert!(text.contains("conflict(\"python\")"));
    assert!(text.contains("prepend_path(\"PYTHONPATH\""));
    assert!(tmp.path().join("python-site/_manylinux.py").is_file());
}

#[test]
fn site_init_finds_the_pythons_on_path() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    // PATH=/usr/bin:/bin: Debian's python3 (CPython 3.11) and pypy3, one module per version.
    let out = ok(&["site", "init", site.to_str().unwrap()]);
    let pypy_version = version_of(&pypy());
    assert!(
        out.contains(&format!("python/{pypy_version}: PyPy")),
        "{out}"
    );
    assert!(out.contains(": CPython ("), "{out}");
    let modules: Vec<String> = std::fs::read_dir(site.join("modules/python"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lua") && !n.starts_with('.'))
        .collect();
    let versions: std::collections::HashSet<&String> = modules.iter().collect();
    assert_eq!(
        versions.len(),
        modules.len(),
        "one module per version: {modules:?}"
    );
    assert!(modules.len() >= 2, "{modules:?}");
}
