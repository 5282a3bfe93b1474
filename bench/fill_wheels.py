#!/usr/bin/env python3
"""Turns the zero-byte wheels of a gen_tree.py wheelhouse into small real wheels.

usage: fill_wheels.py WHEELHOUSE

Each file becomes a zip with a module, METADATA (Name and Version from the file name,
Requires-Python, zero to three Requires-Dist on other names of the tree, some with markers or
extras), WHEEL and a RECORD with correct hashes, so `wheelhouse index` has metadata to read and
`audit` a closure to check. Deterministic (seeded). manylinux and unparseable names are kept
as they are.
"""
import base64
import hashlib
import os
import pathlib
import random
import sys
import zipfile

house = pathlib.Path(sys.argv[1])
rng = random.Random(658)
files = sorted(p for p in house.rglob("*.whl"))
names = sorted({p.name.split("-")[0] for p in files})


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


for path in files:
    parts = path.name[:-4].split("-")
    if len(parts) not in (5, 6):
        continue
    name, version = parts[0], parts[1]
    deps = []
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        dep = rng.choice(names)
        if dep == name:
            continue
        r = rng.random()
        if r < 0.6:
            deps.append(dep)
        elif r < 0.8:
            deps.append(f"{dep}>=0.1")
        elif r < 0.9:
            deps.append(f"{dep}; python_version >= '3.9'")
        else:
            deps.append(f"{dep}; extra == 'test'")
    if name != "numpy" and rng.random() < 0.3:
        deps.append("numpy<2")
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Python: >=3.8\n"
    meta += "".join(f"Requires-Dist: {d}\n" for d in deps)
    meta += "\nA generated wheel.\n"
    dist_info = f"{name}-{version}.dist-info"
    members = [
        (f"{name.lower()}/__init__.py", f"__version__ = {version!r}\n".encode()),
        (f"{dist_info}/METADATA", meta.encode()),
        (f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: fill_wheels\nRoot-Is-Purelib: true\nTag: {'-'.join(parts[-3:])}\n".encode()),
    ]
    record = "".join(f"{n},{record_hash(d)},{len(d)}\n" for n, d in members) + f"{dist_info}/RECORD,,\n"
    members.append((f"{dist_info}/RECORD", record.encode()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in members:
            z.writestr(n, d)
print(f"{len(files)} wheels filled under {house}")
