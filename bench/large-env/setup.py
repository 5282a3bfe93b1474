"""Builds the large-environment wheelhouse once: the real METADATA of every package a large
data-science and Jupyter requirements set resolves to, plus older versions of many of them (so
the resolver has choices), each in a small wheel (METADATA, WHEEL, RECORD, one module).

pip fetches only metadata (`pip install --dry-run --ignore-installed --report`, PEP 658), from
PyPI, once; the wheels are written from the report's `metadata` (the METADATA fields as JSON,
PEP 566), turned back into METADATA text.
    python bench/large-env/setup.py PIP_PYTHON OUT_DIR
"""
import base64, hashlib, io, json, os, re, subprocess, sys, zipfile

pip_python, out = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
work = os.path.join(out, "reports")
wheels = os.path.join(out, "wheels")
os.makedirs(work, exist_ok=True)
os.makedirs(wheels, exist_ok=True)
env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
env["PIP_CONFIG_FILE"] = os.devnull


def report(name, args):
    path = os.path.join(work, name + ".json")
    if not os.path.exists(path):
        cmd = [pip_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--dry-run", "--ignore-installed", "--only-binary=:all:", "--report", path] + args
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            return None, r.stderr
    return json.load(open(path))["install"], ""


latest, err = report("latest", ["-r", os.path.join(here, "requirements.txt")])
if latest is None:
    sys.exit("pip could not resolve the requirements:\n" + err)
metas = {(m["metadata"]["name"].lower(), m["metadata"]["version"]): m["metadata"] for m in latest}


def older_specs(items):
    specs = []
    for m in items:
        md = m["metadata"]
        parts = re.match(r"(\d+)\.(\d+)", md["version"])
        if parts and not (parts.group(1) == "0" and parts.group(2) == "0"):
            specs.append(f"{md['name']}<{parts.group(1)}.{parts.group(2)}")
    return specs


# Older releases of every package, two series back, --no-deps: a spec with no compatible older
# wheel is dropped (pip names it) and the rest retried.
round_items = latest
for level in (1, 2):
    specs = older_specs(round_items)
    got = None
    for _ in range(40):
        got, err = report(f"older{level}", ["--no-deps"] + specs)
        if got is not None:
            break
        bad = re.findall(r"(?:for|satisfies the requirement) ([A-Za-z0-9_.\-]+)<", err)
        if not bad:
            sys.exit(err)
        specs = [s for s in specs if s.split("<")[0].lower() not in {b.lower() for b in bad}]
    for m in got or []:
        metas[(m["metadata"]["name"].lower(), m["metadata"]["version"])] = m["metadata"]
    round_items = got or []

FIELDS = [("metadata_version", "Metadata-Version"), ("name", "Name"), ("version", "Version"),
          ("summary", "Summary"), ("requires_python", "Requires-Python"),
          ("requires_dist", "Requires-Dist"), ("provides_extra", "Provides-Extra")]


def metadata_text(md):
    lines = []
    for key, field in FIELDS:
        value = md.get(key)
        if value is None:
            continue
        for v in value if isinstance(value, list) else [value]:
            lines.append(f"{field}: {v}")
    return "\n".join(lines) + "\n\n"


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


for (_, version), md in sorted(metas.items()):
    dist = re.sub(r"[-_.]+", "_", md["name"]).lower()
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}_bench/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{info}/METADATA": metadata_text(md).encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{n},{record_hash(d)},{len(d)}\n" for n, d in files.items()) + f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    with zipfile.ZipFile(os.path.join(wheels, f"{dist}-{version}-py3-none-any.whl"), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            z.writestr(n, d)
names = {k[0] for k in metas}
print(f"{len(metas)} wheels of {len(names)} packages ({len(latest)} in the latest resolution) in {wheels}")
