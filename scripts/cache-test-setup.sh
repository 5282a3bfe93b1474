#!/usr/bin/env bash
# What the cache tests (crates/wheelhouse/tests/it/env_cache.rs) need: a tmpfs at /dev/shm (the
# second real file system they run on), and `unshare` + `mount` (util-linux, mount) for the
# read-only bind mount of a cache, which needs root. Missing pieces are installed or mounted
# here; the tests fail, never skip, without them.
set -euo pipefail
if ! command -v unshare >/dev/null || ! command -v mount >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "cache-test-setup: unshare and mount are missing; sudo apt-get install util-linux mount" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q util-linux mount >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q util-linux mount >/dev/null; }
fi
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" != tmpfs ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "cache-test-setup: /dev/shm is not a tmpfs; mount one (sudo mount -t tmpfs tmpfs /dev/shm)" >&2
        exit 1
    fi
    mkdir -p /dev/shm
    mount -t tmpfs -o size=1g tmpfs /dev/shm
fi
