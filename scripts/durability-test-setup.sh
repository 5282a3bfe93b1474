#!/usr/bin/env bash
# The power-loss test (crates/wheelhouse/tests/it/env_durability.rs) records an install's
# system calls with strace; install it when missing (Debian).
set -euo pipefail
command -v strace >/dev/null && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "durability-test-setup: strace is missing; sudo apt-get install strace" >&2
    exit 1
fi
apt-get install -y -q strace >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q strace >/dev/null; }
