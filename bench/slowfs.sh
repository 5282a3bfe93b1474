#!/usr/bin/env bash
# The scipy stack (35 real PyPI wheels for CPython 3.11) built *onto* a network file system:
# the environment and the caches on slowfs (../shared/slowfs, or $SLOWFS: a FUSE mount adding
# a delay to every metadata request, served by many threads), the wheelhouse on local disk.
# For each delay in $LATS (microseconds; default 0 300 1000), one hyperfine run of:
#   ours with a warm cache (the default, which byte-compiles on a network file system such as
#   this mount, and --no-compile), ours filling an empty cache (cold, default),
#   uv with a warm cache, uv with an empty cache (cold), and virtualenv + pip (one run);
# then the request counts of one run of ours and uv warm (slowfs counters: each request is a
# round trip) and, at the first delay, the system calls (`strace -c -f`) of both.
# Then importing numpy, scipy, pandas and matplotlib from each tool's environment on the
# slow mount as each tool leaves it: ours (compiled by default here), pip's (compiled at
# install), uv's (no byte code; PYTHONDONTWRITEBYTECODE so that every run is a first import,
# as on a tree the user cannot write).
#   bench/slowfs.sh                            # needs root and /dev/fuse
#   LATS="1000" RUNS=2 bench/slowfs.sh
# Results in $BENCH_DIR (default bench/work/slowfs): slowfs-*.json, requests-*.txt, strace-*.txt.
# Between runs an environment or cache is renamed away through the mount (one request) and
# deleted through the backing store, so no run pays for the previous one's deletion.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-3}
lats=${LATS:-0 300 1000}
work=${BENCH_DIR:-$here/work/slowfs}
. "$here/common.sh"
slowfs=${SLOWFS:-$root/../shared/slowfs/slowfs.sh}
[ -x "$slowfs" ] || slowfs=/work/shared/slowfs/slowfs.sh
pkg-config fuse3 2>/dev/null || { apt-get update -qq && apt-get install -y -qq fuse3 libfuse3-dev pkg-config gcc; }
command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace; }
wheels=$(scipy_wheels)
packages=$scipy_packages
back=$work/back mnt=$work/mnt
mkdir -p "$work" "$mnt"
"$slowfs" tmpfs "$back" 6G
cleanup() { mountpoint -q "$mnt" && "$slowfs" down "$mnt" >/dev/null; umount "$back" 2>/dev/null || true; }
trap cleanup EXIT

env=$mnt/env cache=$mnt/cache uvcache=$mnt/uv-cache
# Moves a path on the mount aside (one rename) and deletes it through the backing store.
away() {
    local p g
    for p in "$@"; do
        g=.gone-$(date +%s%N)
        if [ -e "$p" ]; then mv "$p" "$mnt/$g" && rm -rf "${back:?}/$g"; fi
    done
}
export -f away; export mnt back
ours_install="$ours venv -q $env -f $wheels && $ours install -q -p $env -f $wheels --allow-manylinux"
uv_install="$tools/uv venv -q $env && $tools/uv pip install -q --python $env/bin/python --no-index --find-links $wheels --cache-dir $uvcache $packages"
pip_install="$tools/python -m virtualenv -q --no-download $env && $env/bin/pip install -q --no-cache-dir --no-index --find-links $wheels $packages"
imports='import numpy, scipy, pandas, matplotlib'

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
first=1
for lat in $lats; do
    "$slowfs" up "$lat" "$back" "$mnt"
    away "$env" "$cache" "$uvcache"
    eval "$uv_install"; away "$env"
    eval "$ours_install --cache-dir $cache $packages"; away "$env"
    hyperfine --shell bash --style basic --runs "$runs" --export-json "$work/slowfs-$lat.json" \
        -n "ours, warm cache" --prepare "away $env" "$ours_install --cache-dir $cache $packages" \
        -n "ours, warm cache, --no-compile" --prepare "away $env" "$ours_install --cache-dir $cache --no-compile $packages" \
        -n "ours, cold cache" --prepare "away $env $mnt/cold" "$ours_install --cache-dir $mnt/cold $packages" \
        -n "uv, warm cache" --prepare "away $env" "$uv_install" \
        -n "uv, cold cache" --prepare "away $env $mnt/uv-cold" "${uv_install//$uvcache/$mnt/uv-cold}"
    hyperfine --shell bash --style basic --runs 1 --export-json "$work/slowfs-$lat-pip.json" \
        -n "virtualenv + pip" --prepare "away $env" "$pip_install"

    # Round trips: the server's request counts for one run of each.
    : > "$work/requests-$lat.txt"
    for row in "ours, warm cache|$ours_install --cache-dir $cache $packages" \
               "uv, warm cache|$uv_install"; do
        away "$env"
        "$slowfs" reset "$mnt"
        eval "${row#*|}"
        { echo "== ${row%%|*}"; "$slowfs" stats "$mnt"; } >> "$work/requests-$lat.txt"
    done
    if [ "$first" = 1 ]; then
        for row in "ours, warm cache|$ours_install --cache-dir $cache $packages" "uv, warm cache|$uv_install"; do
            away "$env"
            strace -c -f -o "$work/strace-$lat-${row%%,*}.txt" bash -c "${row#*|}"
        done
    fi

    # Imports from the slow mount, from each tool's environment as it leaves it.
    away "$env" "$mnt/env-pip" "$mnt/env-ours" "$mnt/env-uv"
    eval "${pip_install//$env/$mnt/env-pip}"
    eval "${ours_install//$env/$mnt/env-ours} --cache-dir $cache $packages"
    eval "${uv_install//$env/$mnt/env-uv}"
    hyperfine --shell bash --style basic --runs "$runs" --warmup 1 --export-json "$work/imports-$lat.json" \
        -n "import: ours (default, compiled here)" "$mnt/env-ours/bin/python -c '$imports'" \
        -n "import: pip's env (compiled at install)" "$mnt/env-pip/bin/python -c '$imports'" \
        -n "import: uv's env (no byte code)" "PYTHONDONTWRITEBYTECODE=1 $mnt/env-uv/bin/python -c '$imports'"
    away "$mnt/env-pip" "$mnt/env-ours" "$mnt/env-uv"
    "$slowfs" down "$mnt"
    first=0
done

python3 - "$work" $lats <<'PY'
import json, sys
work, lats = sys.argv[1], sys.argv[2:]
print("| delay | command | mean (s) | ± (s) | vs uv warm | vs uv cold |")
print("| ---: | --- | ---: | ---: | ---: | ---: |")
for lat in lats:
    rows = {}
    for f in (f"{work}/slowfs-{lat}.json", f"{work}/slowfs-{lat}-pip.json", f"{work}/imports-{lat}.json"):
        for r in json.load(open(f))["results"]:
            rows[r["command"]] = r
    warm, cold = rows["uv, warm cache"]["mean"], rows["uv, cold cache"]["mean"]
    for name, r in rows.items():
        ratio = "" if name.startswith("import:") else f"{r['mean']/warm:.2f}× | {r['mean']/cold:.2f}×"
        print(f"| {int(lat)/1000:g} ms | {name} | {r['mean']:.2f} | {r['stddev'] or 0:.2f} | {ratio or ' | '} |")
PY
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(uname -r), slowfs over tmpfs, $(date -u +%Y-%m-%d)"
