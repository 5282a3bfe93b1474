#!/usr/bin/env bash
# What the download tests (crates/wheelhouse/tests/it/download_cli.rs, download_proxy.rs, download_resolve.rs) need:
# `openssl` to make a test certificate authority and server certificates, and `python3` for
# the index server (crates/test-support/index_server.py) and the forward proxy
# (crates/wheelhouse/tests/it/common/proxy.py). Missing pieces
# are installed here (Debian); the tests fail, never skip, without them.
set -euo pipefail
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "download-test-setup: ${missing[*]} missing; sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
