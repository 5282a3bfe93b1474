#!/usr/bin/env bash
# What the staff-command tests need beyond the tools virtualenv: gcc from Debian, which
# compiles the AVX2 and AVX-512 shared objects `wheelhouse inspect` is tested on, with the
# intrinsics headers (immintrin.h). Idempotent; installs only what is missing.
set -euo pipefail
if command -v gcc >/dev/null && echo '#include <immintrin.h>' | gcc -mavx512f -x c -fsyntax-only - 2>/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "scripts/setup-staff.sh: gcc with immintrin.h is missing; install it (sudo apt-get install gcc libc6-dev)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q gcc libc6-dev >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q gcc libc6-dev >/dev/null; }
