"""A synthetic package index for bench/index-resolve.sh: N projects (pkg000 ... ), each with
three versions, the newest of pkgI needing pkg(2I+1) and pkg(2I+2) (so `pkg000` pulls in
all of them) and the older ones needing older ranges; every wheel carries an incompressible
payload (so fetching a wheel whole to read its METADATA costs what it would). PEP 503 HTML
pages with sha256 fragments and no PEP 658 metadata.

Usage: python3 make_index.py ROOT [N] [PAYLOAD_KB]"""
import base64
import hashlib
import io
import os
import random
import sys
import zipfile

root = os.path.abspath(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
payload_kb = int(sys.argv[3]) if len(sys.argv) > 3 else 256
files = os.path.join(root, "files")
os.makedirs(files, exist_ok=True)
rng = random.Random(42)


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def wheel(name, version, requires):
    filename = "%s-%s-py3-none-any.whl" % (name, version)
    dist = "%s-%s.dist-info" % (name, version)
    members = [
        ("%s/__init__.py" % name, ("__version__ = %r\n" % version).encode()),
        ("%s/payload.bin" % name, rng.randbytes(payload_kb * 1024)),
        ("%s/METADATA" % dist, ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
                                + "".join("Requires-Dist: %s\n" % r for r in requires)).encode()),
        ("%s/WHEEL" % dist, b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    record = "\n".join(record_line(n, d) for n, d in members) + "\n%s/RECORD,,\n" % dist
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in members:
            z.writestr(n, d)
        z.writestr("%s/RECORD" % dist, record)
    data = buf.getvalue()
    with open(os.path.join(files, filename), "wb") as f:
        f.write(data)
    return filename, hashlib.sha256(data).hexdigest()


for i in range(count):
    name = "pkg%03d" % i
    children = [c for c in (2 * i + 1, 2 * i + 2) if c < count]
    links = []
    for major in (1, 2, 3):
        version = "%d.0" % major
        # The newest needs the children's newest series; older ones accept any.
        if major == 3:
            requires = ["pkg%03d>=3" % c for c in children]
        else:
            requires = ["pkg%03d" % c for c in children]
        filename, digest = wheel(name, version, requires)
        links.append('<a href="../../files/%s#sha256=%s">%s</a><br/>' % (filename, digest, filename))
    page = os.path.join(root, "simple", name)
    os.makedirs(page, exist_ok=True)
    with open(os.path.join(page, "index.html"), "w") as f:
        f.write("<!DOCTYPE html>\n<html><body>\n%s\n</body></html>\n" % "\n".join(links))
print("%d projects, %d wheels in %s" % (count, 3 * count, root))
