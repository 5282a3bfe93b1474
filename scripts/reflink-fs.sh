#!/usr/bin/env bash
# A file system with reflinks for the cache tests' clone mode: XFS (reflink=1) in a sparse
# 1 GiB image on a loop device, mounted at .cache/reflink/mnt (WHEELHOUSE_TEST_REFLINK_DIR).
# ext4 and tmpfs, where the rest of the suite runs, have no reflinks, so without this the
# clone path (FICLONE) would never run for real. Needs root, xfsprogs and a loop device;
# the tests fail, never skip, when it is missing.
#   scripts/reflink-fs.sh up | down
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${WHEELHOUSE_REFLINK_IMAGE_DIR:-$root/.cache/reflink}
mnt="$dir/mnt"
case "${1:-up}" in
up)
    if mountpoint -q "$mnt" 2>/dev/null; then exit 0; fi
    if [ "$(id -u)" != 0 ]; then
        echo "reflink-fs: mounting the XFS image needs root (the clone-mode cache tests use it)" >&2
        exit 1
    fi
    if ! command -v mkfs.xfs >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q xfsprogs >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null && apt-get install -y -q xfsprogs >/dev/null; }
    fi
    mkdir -p "$mnt"
    rm -f "$dir/xfs.img"
    truncate -s "${WHEELHOUSE_REFLINK_SIZE:-1G}" "$dir/xfs.img"
    mkfs.xfs -q -m reflink=1 "$dir/xfs.img"
    mount -o loop "$dir/xfs.img" "$mnt"
    chmod 1777 "$mnt"
    ;;
down)
    if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" || umount -l "$mnt"; fi
    rm -f "$dir/xfs.img"
    ;;
*)
    echo "usage: scripts/reflink-fs.sh up|down" >&2
    exit 2
    ;;
esac
