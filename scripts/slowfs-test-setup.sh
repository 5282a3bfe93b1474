#!/usr/bin/env bash
# fuse3 and its headers, for the tests that mount ../shared/slowfs (a FUSE file system that
# stands in for a cluster's network file system). Needs root; a no-op when present.
set -euo pipefail
if pkg-config fuse3 2>/dev/null && command -v fusermount3 >/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
    echo "slowfs-test-setup: install fuse3 libfuse3-dev pkg-config (sudo apt-get install ...)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q fuse3 libfuse3-dev pkg-config >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q fuse3 libfuse3-dev pkg-config >/dev/null; }
