//! A C extension compiled by gcc against python3's headers, editable builds (PEP 660) that
//! see source edits, failures that explain themselves, the cache of built wheels,
//! `--no-build-isolation`, and one process for the hooks of a build.

use std::fs;
use std::path::Path;
use std::sync::atomic::Ordering;

use build_frontend::{
    BuildError, BuildOptions, ErrorKind, Frontend, Isolation, Source, WheelCache,
};

use crate::support::{
    self, make_sdist, options, pip_install_into_new_venv, run_python, write_tree, PipMaker,
};

const SETUPTOOLS: &str = "[build-system]\nrequires = [\"setuptools>=64\"]\n\
                          build-backend = \"setuptools.build_meta\"\n";

const C_SOURCE: &str = r#"
#include <Python.h>
static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "a + b"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cext_demo", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cext_demo(void) { return PyModule_Create(&module); }
"#;

fn c_project(dir: &Path, c_source: &str) {
    let pyproject = format!("{SETUPTOOLS}\n[project]\nname = \"cext-demo\"\nversion = \"1.0\"\n");
    write_tree(
        dir,
        &[
            ("pyproject.toml", &pyproject),
            (
                "setup.py",
                "from setuptools import setup, Extension\n\
                 setup(ext_modules=[Extension('cext_demo', ['cext_demo.c'])])\n",
            ),
            ("cext_demo.c", c_source),
        ],
    );
}

#[test]
fn a_c_extension_compiles_with_gcc_and_imports() {
    support::backends_dir();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    c_project(&root.join("cext-demo-1.0"), C_SOURCE);
    let sdist = root.join("cext-demo-1.0.tar.gz");
    make_sdist(&root.join("cext-demo-1.0"), "cext-demo-1.0", &sdist);
    let maker = PipMaker::default();
    let frontend = Frontend::new(options(&maker, &root.join("work")));
    let built = frontend
        .build_wheel(&Source::from_path(&sdist).unwrap(), &root.join("out"))
        .unwrap_or_else(|e| panic!("{e}"));
    let tag = frontend.options().tag.clone();
    assert!(tag.starts_with("cp311-cp311-linux_"), "{tag}");
    let name = built
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert_eq!(name, format!("cext_demo-1.0-{tag}.whl"));
    let python = pip_install_into_new_venv(&root.join("venv"), &built.path);
    assert_eq!(
        run_python(&python, "import cext_demo; print(cext_demo.add(2, 3))"),
        "5"
    );
}

#[test]
fn editable_wheels_see_source_edits() {
    support::backends_dir();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let maker = PipMaker::default();
    let frontend = Frontend::new(options(&maker, &root.join("work")));
    let projects = [
        (
            "hatch",
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n\
             [project]\nname = \"hatch-edit\"\nversion = \"1.0\"\n"
                .to_string(),
            "src/hatch_edit/__init__.py",
            "hatch_edit",
        ),
        (
            "st",
            format!("{SETUPTOOLS}\n[project]\nname = \"st-edit\"\nversion = \"1.0\"\n"),
            "st_edit/__init__.py",
            "st_edit",
        ),
    ];
    for (name, pyproject, module_file, module) in projects {
        let project = root.join(name);
        write_tree(
            &project,
            &[("pyproject.toml", &pyproject), (module_file, "VALUE = 1\n")],
        );
        let built = frontend
            .build_editable(&project, &root.join("out"))
            .unwrap_or_else(|e| panic!("{e}"));
        let python = pip_install_into_new_venv(&root.join(format!("venv-{name}")), &built.path);
        let code = format!("import {module}; print({module}.VALUE)");
        assert_eq!(run_python(&python, &code), "1");
        fs::write(project.join(module_file), "VALUE = 2\n").unwrap();
        assert_eq!(
            run_python(&python, &code),
            "2",
            "{name}: the edit is not seen"
        );
    }
    // An sdist cannot be editable.
    let sdist = root.join("st-edit-1.0.tar.gz");
    make_sdist(&root.join("st"), "st-edit-1.0", &sdist);
    let err = frontend
        .build_editable(&sdist, &root.join("out"))
        .unwrap_err();
    assert!(
        matches!(err, BuildError::EditableNeedsDirectory { .. }),
        "{err}"
    );
}

#[test]
fn failures_show_the_backends_last_lines_and_what_fixes_them() {
    support::backends_dir();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let maker = PipMaker::default();
    let frontend = Frontend::new(options(&maker, &root.join("work")));

    let failing = root.join("failing");
    write_tree(
        &failing,
        &[(
            "setup.py",
            "import sys\nfor i in range(30):\n    print('progress line %d' % i)\n\
             sys.exit('error: the build broke on purpose')\n",
        )],
    );
    let err = frontend
        .build_wheel(&Source::from_path(&failing).unwrap(), &root.join("out"))
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::Build);
    // setuptools runs setup.py first in get_requires_for_build_wheel, where it fails.
    assert!(text.contains("get_requires_for_build_wheel"), "{text}");
    assert!(text.contains("the build broke on purpose"), "{text}");
    assert!(
        text.contains("progress line 29") && !text.contains("progress line 5\n"),
        "{text}"
    );
    // setup.py's own exit message, not a traceback through setuptools.
    assert!(!text.contains("Traceback"), "{text}");
    assert!(text.contains("module load gcc"), "{text}");
    let BuildError::Backend(failure) = &err else {
        panic!("{err:?}")
    };
    assert!(failure.tail.len() <= 20);

    // A library header the compiler cannot find: the advice names it and `module spider`.
    let c = root.join("needs-lib");
    c_project(&c, &format!("#include <nosuchlib.h>\n{C_SOURCE}"));
    let err = frontend
        .build_wheel(&Source::from_path(&c).unwrap(), &root.join("out"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("build_wheel") && err.contains("nosuchlib.h"),
        "{err}"
    );
    // The compiler's own line is among those shown.
    assert!(err.contains("fatal error: nosuchlib.h"), "{err}");
    assert!(
        err.contains("no nosuchlib.h") && err.contains("module spider"),
        "{err}"
    );
    assert!(
        !root.join("out").exists(),
        "a failed build wrote to the output directory"
    );

    let empty = root.join("empty");
    fs::create_dir(&empty).unwrap();
    let err = frontend
        .build_wheel(&Source::from_path(&empty).unwrap(), &root.join("out"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Input);
    assert!(
        err.to_string()
            .contains("neither pyproject.toml nor setup.py"),
        "{err}"
    );
}

#[test]
fn the_cache_serves_a_second_build_without_running_the_backend() {
    support::backends_dir();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let runs = root.join("backend-runs.log");
    let setup_py = format!(
        "from setuptools import setup\n\
         open({:?}, 'a').write('ran\\n')\n\
         setup(name='cached-demo', version='1.0', py_modules=['cached_demo'])\n",
        runs.to_str().unwrap()
    );
    let project = root.join("cached-demo-1.0");
    write_tree(
        &project,
        &[("setup.py", &setup_py), ("cached_demo.py", "VALUE = 1\n")],
    );
    let sdist = root.join("cached-demo-1.0.tar.gz");
    make_sdist(&project, "cached-demo-1.0", &sdist);
    let source = Source::from_path(&sdist).unwrap();

    let maker = PipMaker::default();
    let mut opts = options(&maker, &root.join("work"));
    opts.cache = Some(WheelCache::new(&root.join("cache")));
    let first = Frontend::new(opts.clone())
        .build_wheel(&source, &root.join("out1"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!first.from_cache);
    let backend_runs = fs::read_to_string(&runs).unwrap().lines().count();
    let environments = maker.calls.load(Ordering::SeqCst);
    assert!(backend_runs >= 1 && environments == 1);

    // Another job (another frontend, another output directory) finds it.
    let second = Frontend::new(opts.clone())
        .build_wheel(&source, &root.join("out2"))
        .unwrap();
    assert!(second.from_cache);
    assert_eq!(
        fs::read(&second.path).unwrap(),
        fs::read(&first.path).unwrap()
    );
    assert_eq!(
        fs::read_to_string(&runs).unwrap().lines().count(),
        backend_runs
    );
    assert_eq!(maker.calls.load(Ordering::SeqCst), environments);
    // Its metadata comes from the cached wheel too (no PKG-INFO in this sdist), nothing run.
    let meta = Frontend::new(opts.clone()).metadata(&source).unwrap();
    assert_eq!(meta.origin, build_frontend::MetadataOrigin::BuiltWheel);
    assert_eq!(meta.metadata.name, "cached-demo");
    assert_eq!(maker.calls.load(Ordering::SeqCst), environments);

    // Other config settings are another build.
    opts.config_settings = vec![("--build-option".into(), "--quiet".into())];
    let third = Frontend::new(opts)
        .build_wheel(&source, &root.join("out3"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!third.from_cache);
    assert!(fs::read_to_string(&runs).unwrap().lines().count() > backend_runs);
}

#[test]
fn without_isolation_the_target_environment_builds_as_it_is() {
    support::backends_dir();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The user's environment already holds the backend.
    let env_python = support::make_venv(
        &root.join("env"),
        Path::new("python3"),
        &["setuptools".into()],
    )
    .unwrap();
    let interpreter = interpreter::Interpreter::query(&env_python).unwrap();
    let project = root.join("proj");
    write_tree(
        &project,
        &[
            (
                "pyproject.toml",
                &format!("{SETUPTOOLS}\n[project]\nname = \"plain\"\nversion = \"3.0\"\n"),
            ),
            ("plain.py", ""),
        ],
    );
    let frontend = Frontend::new(BuildOptions::new(
        &interpreter,
        Isolation::None,
        &root.join("work"),
    ));
    let built = frontend
        .build_wheel(&Source::from_path(&project).unwrap(), &root.join("out"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(built.path.ends_with("plain-3.0-py3-none-any.whl"));

    // Python without the backend: the import error says what is missing.
    let bare = support::make_venv(&root.join("bare"), Path::new("python3"), &[]).unwrap();
    let interpreter = interpreter::Interpreter::query(&bare).unwrap();
    let frontend = Frontend::new(BuildOptions::new(
        &interpreter,
        Isolation::None,
        &root.join("work"),
    ));
    let err = frontend
        .build_wheel(&Source::from_path(&project).unwrap(), &root.join("out"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("No module named 'setuptools'"), "{err}");
    assert!(
        err.contains("must be installed first (install `setuptools`)"),
        "{err}"
    );
}

/// The hooks of one build run in one process (the backend imported once), and what a hook
/// changes of the process's state (working directory, environment variables) is put back
/// before the next, as a fresh process would have it.
#[test]
fn the_hooks_of_a_build_share_one_process_that_starts_each_hook_clean() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let maker = PipMaker::default();
    let frontend = Frontend::new(options(&maker, &root.join("work")));
    let project = root.join("inproc");
    write_tree(
        &project,
        &[
            (
                "pyproject.toml",
                "[build-system]\nrequires = []\nbuild-backend = \"backend\"\n\
                 backend-path = [\".\"]\n",
            ),
            (
                "backend.py",
                "import os, zipfile\n\
                 ROOT = os.path.dirname(os.path.abspath(__file__))\n\
                 def pid():\n    \
                     with open(os.path.join(ROOT, 'pids'), 'a') as f:\n        \
                         f.write('%d\\n' % os.getpid())\n\
                 def get_requires_for_build_wheel(config_settings=None):\n    \
                     pid()\n    os.chdir('/')\n    os.environ['LEAKED'] = '1'\n    return []\n\
                 def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n    \
                     assert os.getcwd() == ROOT, os.getcwd()\n    \
                     assert 'LEAKED' not in os.environ\n    pid()\n    \
                     name = 'inproc-1.0-py3-none-any.whl'\n    \
                     with zipfile.ZipFile(os.path.join(wheel_directory, name), 'w') as z:\n        \
                         z.writestr('inproc.py', 'X = 1\\n')\n        \
                         z.writestr('inproc-1.0.dist-info/METADATA', \
                         'Metadata-Version: 2.1\\nName: inproc\\nVersion: 1.0\\n')\n        \
                         z.writestr('inproc-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\n\
                         Generator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')\n        \
                         z.writestr('inproc-1.0.dist-info/RECORD', '')\n    \
                     return name\n",
            ),
        ],
    );
    let built = frontend
        .build_wheel(&Source::from_path(&project).unwrap(), &root.join("out"))
        .unwrap();
    assert!(built.path.is_file());
    let pids = fs::read_to_string(project.join("pids")).unwrap();
    let pids: Vec<&str> = pids.lines().collect();
    assert_eq!(pids.len(), 2, "{pids:?}");
    assert_eq!(
        pids[0], pids[1],
        "get_requires and build_wheel in two processes"
    );
}
