#!/usr/bin/env bash
# What the staff-command tests need beyond the tools virtualenv: gcc from Debian, which
# compiles the AVX2 and AVX-512 shared objects `wheelhouse inspect` is tested on, with the
# intrinsics headers (immintrin.h); and the newest pip from PyPI in .staff-tools/pip-latest
# (the static index and `serve` are tested with pip 24.2 and with it). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! { command -v gcc >/dev/null && echo '#include <immintrin.h>' | gcc -mavx512f -x c -fsyntax-only - 2>/dev/null; }; then
    if [ "$(id -u)" != 0 ]; then
        echo "scripts/setup-staff.sh: gcc with immintrin.h is missing; install it (sudo apt-get install gcc libc6-dev)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q gcc libc6-dev >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q gcc libc6-dev >/dev/null; }
fi
venv="$root/.staff-tools/pip-latest"
if [ ! -f "$venv/.complete-v1" ]; then
    for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    touch "$venv/.complete-v1"
fi
