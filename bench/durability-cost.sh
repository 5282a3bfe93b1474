#!/usr/bin/env bash
# What the journal's sync protocol costs: the install step alone of the scipy stack (35
# wheels, about 15,000 files) into a fresh `python -m venv --without-pip`, no cache, two
# binaries in one hyperfine run, on tmpfs and on the disk.
#   bench/durability-cost.sh OLD_BINARY NEW_BINARY
# RUNS (default 5), BENCH_WHEELS (default .cache/wheels/scipy-stack), DISK_DIR (default
# bench/work/durability).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
old=$1 new=$2
. "$here/common.sh"
wheels=$(scipy_wheels)
runs=${RUNS:-5}
for dir in /dev/shm/wheelhouse-durability "${DISK_DIR:-$here/work/durability}"; do
    mkdir -p "$dir"
    env="$dir/env"
    echo "== $(df -T "$dir" | awk 'NR==2 {print $2}') at $dir"
    hyperfine --style basic --runs "$runs" --export-markdown "$dir/cost.md" \
        --prepare "rm -rf $env; sync; python3 -m venv --without-pip $env" \
        -n before "$old install -q --no-cache -p $env -f $wheels --allow-manylinux $scipy_packages" \
        -n after "$new install -q --no-cache -p $env -f $wheels --allow-manylinux $scipy_packages"
    cat "$dir/cost.md"
    rm -rf "$env"
done
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(uname -r), $(date -u +%Y-%m-%d)"
