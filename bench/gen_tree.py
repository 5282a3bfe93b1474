#!/usr/bin/env python3
"""Generates a synthetic 40,000-wheel wheelhouse laid out like the national one.

usage: gen_tree.py ROOT [COUNT]

Writes ROOT/wheelhouse/{gentoo2023/{generic,x86-64-v3,x86-64-v4},generic}/ with zero-byte
wheels (listings read names only), ROOT/pythons/<version>/ for PYTHON_DIRS, and ROOT/pip.conf
listing the x86-64-v3 search paths as the site's config does. Deterministic (seeded).
"""
import os
import pathlib
import random
import shutil
import sys

root = pathlib.Path(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 40_000
rng = random.Random(2023)
house = root / "wheelhouse"
if house.exists():
    shutil.rmtree(house)
dirs = {
    "gentoo2023/generic": 0.45,
    "gentoo2023/x86-64-v3": 0.25,
    "gentoo2023/x86-64-v4": 0.15,
    "generic": 0.15,
}
for d in dirs:
    (house / d).mkdir(parents=True)
pythons = ["cp39", "cp310", "cp311", "cp312", "cp313"]
for v in ["3.9.18", "3.10.13", "3.11.5", "3.12.1", "3.13.0"]:
    (root / "pythons" / v).mkdir(parents=True, exist_ok=True)

syllables = ["py", "net", "cdf", "lib", "sci", "tor", "ch", "mpi", "zmq", "geo", "bio", "ten", "sor", "flow",
             "ar", "row", "dask", "h5", "xr", "ray", "jax", "ml", "nu", "mba", "pan", "das", "stat", "plot", "ly"]
names = set()
while len(names) < 2500:
    n = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))
    if rng.random() < 0.05:
        n = n.capitalize()
    if rng.random() < 0.1:
        n += "_" + rng.choice(syllables)
    names.add(n)
names = sorted(names)
cdf_names = [n for n in names if "cdf" in n.lower()]
names += ["numpy", "netCDF4", "h5netcdf", "cdflib", "scipy", "pandas"]

files = []
# numpy: ~60 versions for every Python and CPU level, as on a real site.
for minor in range(18, 27):
    for patch in range(0, 7):
        for py in pythons:
            for d in ["gentoo2023/x86-64-v3", "gentoo2023/x86-64-v4", "gentoo2023/generic"]:
                files.append((d, f"numpy-1.{minor}.{patch}+computecanada-{py}-{py}-linux_x86_64.whl"))
files.append(("gentoo2023/generic", "numpy-2.0.0rc1+computecanada-cp312-cp312-linux_x86_64.whl"))
while len(files) < count:
    name = rng.choice(names)
    version = f"{rng.randint(0, 5)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
    r = rng.random()
    if r < 0.02:
        version += f"rc{rng.randint(1, 3)}"
    elif r < 0.04:
        version += f".post{rng.randint(1, 3)}"
    if rng.random() < 0.7:
        version += "+computecanada"
    d = rng.choices(list(dirs), weights=list(dirs.values()))[0]
    kind = rng.random()
    if kind < 0.35 or d == "generic":
        tags = rng.choice(["py3-none-any", "py2.py3-none-any"])
    elif kind < 0.45:
        tags = f"{rng.choice(pythons[:3])}-abi3-linux_x86_64"
    elif kind < 0.47:
        py = rng.choice(pythons)
        tags = f"{py}-{py}-manylinux_2_28_x86_64"
    else:
        py = rng.choice(pythons)
        tags = f"{py}-{py}-linux_x86_64"
    files.append((d, f"{name}-{version}-{tags}.whl"))
for d, f in files[:count]:
    (house / d / f).touch()
(root / "pip.conf").write_text(
    "[global]\ndisable-pip-version-check = true\n\n[wheel]\nfind-links = "
    + " ".join(str(house / d) for d in ["gentoo2023/x86-64-v3", "gentoo2023/generic", "generic"])
    + "\n"
)
print(f"{len(set(files[:count]))} wheels under {house}; {len(cdf_names) + 3} names contain 'cdf'")
