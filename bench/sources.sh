#!/usr/bin/env bash
# Building and installing ten source distributions (seven pure setuptools projects, three with a
# C extension compiled by gcc) into a fresh environment, in one hyperfine run: ours with an
# empty cache (cold: every sdist built in an isolated build environment whose setuptools comes
# from the wheel directory) and with the built wheels kept in the cache (warm), against
# `uv pip install` cold and warm and `pip install` (pip keeps no wheels built from local
# archives, so it has one row). Build requirements come from the PEP 517 backend wheels of
# scripts/build-test-setup.sh, offline for all three tools.
#   bench/sources.sh                          # on the disk under bench/work
#   BENCH_DIR=/dev/shm/b RUNS=5 bench/sources.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-3}
work=${BENCH_DIR:-$here/work/sources}
. "$here/common.sh"
"$root/scripts/build-test-setup.sh"
backends="$root/.cache/backends"
rm -rf "$work" && mkdir -p "$work/sdists"

# The ten sdists, made with Python's tarfile (name-version/ at the top, as sdists are).
python3 - "$work" <<'PY'
import os, sys, tarfile, io
work = sys.argv[1]
def sdist(name, version, files):
    top = f"{name}-{version}"
    path = os.path.join(work, "sdists", f"{top}.tar.gz")
    with tarfile.open(path, "w:gz") as t:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
for i in range(7):
    name = f"benchpure{i}"
    body = "\n".join(f"def f{j}(x):\n    return x + {j}\n" for j in range(200))
    sdist(name, "1.0", {
        "pyproject.toml": f'[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "{name}"\nversion = "1.0"\n',
        f"{name}/__init__.py": body,
        f"{name}/more.py": body,
        f"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
    })
for i in range(3):
    name = f"benchc{i}"
    c = f"""#include <Python.h>
static PyObject *add(PyObject *self, PyObject *args) {{ long a, b;
  if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL; return PyLong_FromLong(a + b + {i}); }}
static PyMethodDef methods[] = {{{{"add", add, METH_VARARGS, ""}}, {{NULL, NULL, 0, NULL}}}};
static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "{name}", NULL, -1, methods}};
PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModule_Create(&module); }}
"""
    sdist(name, "1.0", {
        "pyproject.toml": f'[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "{name}"\nversion = "1.0"\n',
        "setup.py": f'from setuptools import setup, Extension\nsetup(ext_modules=[Extension("{name}", ["{name}.c"])])\n',
        f"{name}.c": c,
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
    })
PY
sdists=$(ls "$work"/sdists/*.tar.gz | tr '\n' ' ')
env="$work/env"
cache="$work/cache"
uvcache="$work/uv-cache"
reset="rm -rf $env; sync"
ours_install="$ours venv -q --without-pip $env && $ours install -q -p $env -f $backends --cache-dir $cache $sdists"
uv_install="$tools/uv venv -q $env && $tools/uv pip install -q --python $env/bin/python --no-index --find-links $backends --cache-dir $uvcache $sdists"
pip_install="python3 -m venv $env && $env/bin/pip install -q --no-index --find-links $backends --no-cache-dir $sdists"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm both caches once, and check that what was built imports.
rm -rf "$cache" "$uvcache" "$env"; eval "$uv_install"
rm -rf "$env"; eval "$ours_install"
"$env/bin/python" -c 'import benchc0, benchc2, benchpure6; assert benchc2.add(1, 1) == 4' \
    && echo "ours: the built extensions import"

hyperfine --style basic --runs "$runs" --export-json "$work/sources.json" \
    -n "ours, cold (empty cache)" --prepare "$reset; rm -rf $cache" "$ours_install" \
    -n "ours, built wheels cached" --prepare "$reset" "$ours_install" \
    -n "uv, cold (empty cache)" --prepare "$reset; rm -rf $uvcache" "$uv_install" \
    -n "uv, warm cache" --prepare "$reset" "$uv_install" \
    -n "pip (no wheel cache for local archives)" --prepare "$reset" "$pip_install"

python3 - "$work" <<'PY'
import json, os, sys
results = {r["command"]: r for r in json.load(open(os.path.join(sys.argv[1], "sources.json")))["results"]}
uc = results["uv, cold (empty cache)"]["mean"]
uw = results["uv, warm cache"]["mean"]
print("| command | mean (s) | ± (s) | vs uv cold | vs uv warm |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, r in results.items():
    print(f"| {name} | {r['mean']:.2f} | {r['stddev'] or 0:.2f} | {r['mean']/uc:.2f}× | {r['mean']/uw:.2f}× |")
PY
