#!/usr/bin/env python3
"""Regenerates tests/golden/* by running the reference avail_wheels on tests/fixtures.

Usage: AVAIL_WHEELS_REFERENCE=/path/to/avail_wheels-checkout tests/regen-golden.py
The reference runs on the tools virtualenv (scripts/setup-tools.sh): packaging 21.3,
tabulate, pip 24.2. See tests/README.md.
"""
import json
import os
import pathlib
import shlex
import subprocess
import sys

here = pathlib.Path(__file__).resolve().parent
root = here.parent
reference = pathlib.Path(os.environ.get("AVAIL_WHEELS_REFERENCE", "/work/tools/avail_wheels"))
python = os.environ.get("WHEELHOUSE_TOOLS_PYTHON", str(root / ".tools/venv/bin/python"))
script = reference / "avail_wheels.py"
if not script.is_file():
    sys.exit(f"{script} not found: set AVAIL_WHEELS_REFERENCE to a checkout of ComputeCanada/avail_wheels (v2.1.3)")

BASE_ENV = {"WHEELHOUSE": "wheelhouse", "PYTHON_DIRS": "pythons", "EBVERSIONGENTOO": "2023"}


def cases():
    for line in (here / "golden/cases.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, flags, env, args = (part.strip() for part in line.split("|", 3))
        yield name, flags, dict(kv.split("=", 1) for kv in env.split()), shlex.split(args)


for name, flags, env, args in cases():
    full_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "PYTHONPATH": str(reference)}
    full_env.update(BASE_ENV)
    full_env.update(env)
    proc = subprocess.run([python, str(script), *args], cwd=here / "fixtures", env=full_env, capture_output=True)
    if b"Traceback" in proc.stderr:
        sys.exit(f"case {name}: the reference crashed:\n{proc.stderr.decode()}")
    (here / "golden" / f"{name}.stdout").write_bytes(proc.stdout)
    (here / "golden" / f"{name}.code").write_text(f"{proc.returncode}\n")
    (here / "golden" / f"{name}.stderr").write_bytes(proc.stderr)
    print(f"{name}: exit {proc.returncode}, {len(proc.stdout.splitlines())} lines")

# The reference's requirement grammar, recorded for crates/requirements/tests/against_packaging.rs.
REQUIREMENTS = [
    "numpy",
    "NumPy",
    "*cdf*",
    "*CDF*",
    "netCDF*",
    "a*b*c",
    "a*b*",
    "a-",
    "Foo.Bar-baz",
    "scikit-learn>=1.0",
    "numpy>>1",
    "numpy>=",
    "numpy >= 1.0 , <2",
    "numpy (>=1.0)",
    "numpy(>=1.0,<2)",
    "num py",
    "numpy[",
    "numpy[]",
    "numpy[x, y]>=1",
    "?x",
    "numpy===foo",
    "numpy==1.0.*",
    "numpy~=1",
    "numpy<=1.0+local",
    "numpy>=1.21.*",
    "pkg @ https://x/y.whl",
    "pkg@https://x/y.whl ; os_name == 'posix'",
    "numpy;",
    "numpy; bogus",
    "numpy; python_version < \"3.8\"",
    "numpy ; python_version < '3.8' and os_name=='posix'",
    "numpy==1.0 extra",
    "-numpy",
    "numpy-*",
    "*",
    "**",
    "numpy==",
    "numpy ==1.0",
    "numpy,",
    "numpy>1,",
    "numpy!=1.0,!=1.1",
    "a_b.c-d",
    "1numpy",
    "numpy (==1.0",
    "numpy; (os_name == 'posix'",
]
GRAMMAR = """
import json, sys
import wild_requirements as w
out = {}
for r in json.load(sys.stdin):
    try:
        q = w.Requirement(r)
        out[r] = [q.name, str(q.specifier), q.url]
    except Exception:
        out[r] = None
print(json.dumps(out, indent=1, ensure_ascii=False))
"""
proc = subprocess.run(
    [python, "-W", "ignore", "-c", GRAMMAR],
    input=json.dumps(REQUIREMENTS).encode(),
    env={"PATH": os.environ["PATH"], "PYTHONPATH": str(reference)},
    capture_output=True,
    check=True,
)
(here / "golden" / "requirement-grammar.json").write_bytes(proc.stdout)
print(f"requirement grammar: {len(REQUIREMENTS)} strings")
