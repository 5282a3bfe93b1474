#!/usr/bin/env bash
# What the build frontend's tests (crates/build/tests/) need: the wheels of the PEP 517 build
# backends they build with, fetched once from PyPI into .cache/backends (idempotent: a stamp
# file names the pinned set), and gcc with the headers of python3 for the C extension test.
# The tests install these wheels into their build environments with `pip install --no-index
# --find-links .cache/backends`, so nothing is fetched while they run; they fail, never skip,
# without them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.cache/backends"
# The machines export PIP_* variables (find-links, ...); the download must not depend on them.
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
# Pinned so every run builds with the same backends; the closure of setuptools, wheel,
# hatchling (with editables for its editable builds) and flit-core for Python 3.11.
pins=(
    setuptools==84.2.1 wheel==0.48.0 packaging==26.4
    hatchling==1.33.0 editables==0.6 pathspec==1.1.1 pluggy==1.7.0 tomlkit==0.15.3
    trove-classifiers==2026.9.21.13
    flit-core==4.2.0
)
stamp="$dest/.complete-$(printf '%s\n' "${pins[@]}" | sha256sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
    mkdir -p "$dest"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
        -d "$dest" "${pins[@]}"
    touch "$stamp"
fi
command -v gcc >/dev/null || { echo "build-test-setup: gcc missing; apt-get install gcc" >&2; exit 1; }
include=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$include/Python.h" ] || {
    echo "build-test-setup: $include/Python.h missing (python3's headers; apt-get install python3-dev)" >&2
    exit 1
}
