#!/usr/bin/env bash
# The wheelhouse *on* a network file system (CVMFS, NFS): slowfs (../shared/slowfs, or
# $SLOWFS: a FUSE mount adding a delay to every metadata request, served by many threads) holds
# the wheelhouse; environments and caches are node-local (a tmpfs standing in for
# $SLURM_TMPDIR, or $LOCAL). For each delay in $LATS (microseconds; default 300 1000):
#   (a) avail_wheels on the `gen_tree.py` tree ($COUNT wheels, default 40,000) on the mount:
#       the reference avail_wheels 2.1.3 against ours scanning and ours reading the catalog, for
#       `numpy`, `"*cdf*" --all-versions` and a full listing, with the site's PIP_CONFIG_FILE
#       (three search directories); warm (names already looked up) and cold (the mount
#       remounted before each run: every lookup is a round trip again);
#   (b) the scipy stack (35 real wheels, `scripts/fetch-wheels.sh scipy-stack`) laid out as a
#       wheelhouse on the mount (`generic/`, with empty `gentoo2023/{x86-64-v3,generic}`, all
#       three given as find-links, as the site's pip.conf does), built into a fresh node-local
#       environment by ours (venv + install, both with the row's cache options: no cache,
#       filling an empty cache, warm cache), uv (cold, warm) and
#       virtualenv + pip (`--no-index --find-links`, one run); the mount is remounted before each
#       run, as for a job's first look at the wheelhouse.
# Then the server's request counts for one run of each command (each request is a round trip).
#   bench/slowfs-wheelhouse.sh                  # needs root and /dev/fuse
#   LATS=1000 RUNS=2 COUNT=10000 bench/slowfs-wheelhouse.sh
#   PARTS=avail (or build) runs one part only; the tables list what $BENCH_DIR holds
#   AVAIL_WHEELS_REFERENCE=DIR                  # checkout of ComputeCanada/avail_wheels v2.1.3
#   BEFORE=/tmp/wheelhouse-main                 # another build of ours: its rows in (b) too
#                                               # ("before, ..."), same run, own caches
# Results in $BENCH_DIR (default bench/work/slowfs-wheelhouse): *.json, requests-*.txt, and
# the markdown tables printed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-3}
lats=${LATS:-300 1000}
count=${COUNT:-40000}
parts=${PARTS:-avail build}
work=${BENCH_DIR:-$here/work/slowfs-wheelhouse}
reference=${AVAIL_WHEELS_REFERENCE:-/work/tools/avail_wheels}
if [ ! -f "$reference/avail_wheels.py" ]; then
    echo "bench: no reference at $reference; check out the public ComputeCanada/avail_wheels repository (v2.1.3) and set AVAIL_WHEELS_REFERENCE" >&2
    exit 2
fi
. "$here/common.sh"
slowfs=${SLOWFS:-$root/../shared/slowfs/slowfs.sh}
[ -x "$slowfs" ] || slowfs=/work/shared/slowfs/slowfs.sh
pkg-config fuse3 2>/dev/null || { apt-get update -qq && apt-get install -y -qq fuse3 libfuse3-dev pkg-config gcc; }
wheels=$(scipy_wheels)
packages=$scipy_packages
back=$work/back mnt=$work/mnt local=${LOCAL:-$work/local}
mkdir -p "$work" "$mnt"
"$slowfs" tmpfs "$back" 2G
[ -n "${LOCAL:-}" ] || "$slowfs" tmpfs "$local" 4G
cleanup() {
    mountpoint -q "$mnt" && "$slowfs" down "$mnt" >/dev/null
    umount "$back" 2>/dev/null || true
    [ -n "${LOCAL:-}" ] || umount "$local" 2>/dev/null || true
}
trap cleanup EXIT

# The reference in its own virtualenv with its own pinned stack (as bench/run.sh).
refvenv=$here/work/ref-venv
if [ ! -f "$refvenv/.complete" ]; then
    python3 -m venv "$refvenv"
    "$refvenv/bin/pip" install -q 'packaging==21.3' tabulate 'pip==24.2'
    touch "$refvenv/.complete"
fi
printf '#!/bin/sh\nPYTHONPATH="%s" exec "%s/bin/python" "%s/avail_wheels.py" "$@"\n' \
    "$reference" "$refvenv" "$reference" > "$work/avail_wheels_reference"
chmod +x "$work/avail_wheels_reference"
ref=$work/avail_wheels_reference
avail="$root/target/release/avail_wheels"

# The trees, written through the backing store (the same files the mount shows).
python3 "$here/gen_tree.py" "$back/tree" "$count" >/dev/null
house=$mnt/tree/wheelhouse
printf '[global]\ndisable-pip-version-check = true\n\n[wheel]\nfind-links = %s %s %s\n' \
    "$house/gentoo2023/x86-64-v3" "$house/gentoo2023/generic" "$house/generic" > "$work/pip.conf"
rm -rf "$back/scipy"
mkdir -p "$back/scipy/gentoo2023/x86-64-v3" "$back/scipy/gentoo2023/generic" "$back/scipy/generic"
cp "$wheels"/*.whl "$back/scipy/generic/"
sh=$mnt/scipy
links="$sh/gentoo2023/x86-64-v3 $sh/gentoo2023/generic $sh/generic"
ours_f="-f ${links// / -f }"
find_links="--find-links ${links// / --find-links }"

env=$local/env cache=$local/cache uvcache=$local/uv-cache
# The cache options (CACHE) go to both commands: `venv` seeds pip through the cache as
# `install` installs (without them, venv used the default cache in $HOME, on another file
# system, and decompressed pip each time).
ours_install="$ours venv -q $env $ours_f CACHE && $ours install -q -p $env $ours_f --allow-manylinux CACHE"
before=${BEFORE:-}
before_install=${before:+"$before venv -q $env $ours_f CACHE && $before install -q -p $env $ours_f --allow-manylinux CACHE"}
with_cache() { echo "${1//CACHE/$2} $packages"; }
uv_install="$tools/uv venv -q $env && $tools/uv pip install -q --python $env/bin/python --no-index $find_links --cache-dir $uvcache $packages"
pip_install="$tools/python -m virtualenv -q --no-download $env && $env/bin/pip install -q --no-cache-dir --no-index $find_links $packages"

queries=("numpy" "'*cdf*' --all-versions" "")
labels=("numpy" "\"*cdf*\" --all-versions" "(full listing)")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for lat in $lats; do
    remount="$slowfs down $mnt >/dev/null; $slowfs up $lat $back $mnt >/dev/null"
    "$slowfs" up "$lat" "$back" "$mnt"
    # (a) avail_wheels. The catalog (relative names, directory times) is written through the
    # backing store for the catalog rows (staff index on the server side; through the mount it
    # would open all $count wheels), and removed for the others.
    if [[ " $parts " == *" avail "* ]]; then
        local_python=$EBVERSIONPYTHON
        export WHEELHOUSE=$house PYTHON_DIRS=$mnt/tree/pythons EBVERSIONGENTOO=2023 EBVERSIONPYTHON=3.11
        export PIP_CONFIG_FILE=$work/pip.conf
        : > "$work/requests-avail-$lat.txt"
        for i in "${!queries[@]}"; do
            q=${queries[$i]}
            rm -f "$back/tree/wheelhouse/.wheelhouse-catalog"
            eval "$ref $q" > "$work/ref.out" 2>/dev/null
            eval "$avail $q" > "$work/ours.out" 2>/dev/null
            cmp -s "$work/ref.out" "$work/ours.out" || { echo "MISMATCH: avail_wheels ${labels[$i]}" >&2; diff "$work/ref.out" "$work/ours.out" | head >&2; }
            for row in "reference|$ref $q" "ours, scan|$avail $q"; do
                "$slowfs" reset "$mnt"; eval "${row#*|}" >/dev/null
                { echo "== ${row%%|*}: avail_wheels ${labels[$i]}"; "$slowfs" stats "$mnt"; } >> "$work/requests-avail-$lat.txt"
            done
            hyperfine --shell bash --style basic --warmup 1 --runs "$runs" --export-json "$work/avail-$lat-$i-warm.json" \
                -n reference "$ref $q" -n "ours, scan" "$avail $q" >/dev/null
            hyperfine --shell bash --style basic --runs "$runs" --prepare "$remount" \
                --export-json "$work/avail-$lat-$i-cold.json" \
                -n reference "$ref $q" -n "ours, scan" "$avail $q" >/dev/null
            "$ours" index "$back/tree/wheelhouse" >/dev/null
            "$slowfs" reset "$mnt"; eval "$avail $q" >/dev/null
            { echo "== ours, catalog: avail_wheels ${labels[$i]}"; "$slowfs" stats "$mnt"; } >> "$work/requests-avail-$lat.txt"
            hyperfine --shell bash --style basic --warmup 1 --runs "$runs" --export-json "$work/avail-$lat-$i-warm-cat.json" \
                -n "ours, catalog" "$avail $q" >/dev/null
            hyperfine --shell bash --style basic --runs "$runs" --prepare "$remount" \
                --export-json "$work/avail-$lat-$i-cold-cat.json" -n "ours, catalog" "$avail $q" >/dev/null
            rm -f "$back/tree/wheelhouse/.wheelhouse-catalog"
        done
        unset WHEELHOUSE PYTHON_DIRS EBVERSIONGENTOO
        export PIP_CONFIG_FILE=/dev/null EBVERSIONPYTHON=$local_python
    fi

    # (b) building from the wheelhouse on the mount into node-local environments.
    if [[ " $parts " == *" build "* ]]; then
        rm -rf "$env" "$cache" "$uvcache" "$local/before-cache"
        eval "$uv_install"; rm -rf "$env"
        # Twice: the second install is the one that finds its entries in the cache (and, since
        # it remembers what it read of each wheel, the warm state of any later run).
        for _ in 1 2; do eval "$(with_cache "$ours_install" "--cache-dir $cache")"; rm -rf "$env"; done
        before_rows=()
        if [ -n "$before" ]; then
            eval "$(with_cache "$before_install" "--cache-dir $local/before-cache")"; rm -rf "$env"
            before_rows=(-n "before, no cache" --prepare "rm -rf $env; $remount" "$(with_cache "$before_install" "--no-cache")"
                         -n "before, warm cache" --prepare "rm -rf $env; $remount" "$(with_cache "$before_install" "--cache-dir $local/before-cache")")
        fi
        hyperfine --shell bash --style basic --runs "$runs" --export-json "$work/build-$lat.json" \
            -n "ours, no cache" --prepare "rm -rf $env; $remount" "$(with_cache "$ours_install" "--no-cache")" \
            -n "ours, cold cache" --prepare "rm -rf $env $local/cold; $remount" "$(with_cache "$ours_install" "--cache-dir $local/cold")" \
            -n "ours, warm cache" --prepare "rm -rf $env; $remount" "$(with_cache "$ours_install" "--cache-dir $cache")" \
            "${before_rows[@]}" \
            -n "uv, cold cache" --prepare "rm -rf $env $local/uv-cold; $remount" "${uv_install//$uvcache/$local/uv-cold}" \
            -n "uv, warm cache" --prepare "rm -rf $env; $remount" "$uv_install"
        hyperfine --shell bash --style basic --runs 1 --export-json "$work/build-$lat-pip.json" \
            -n "virtualenv + pip" --prepare "rm -rf $env; $remount" "$pip_install"
        : > "$work/requests-build-$lat.txt"
        count_rows=("ours, no cache|$(with_cache "$ours_install" "--no-cache")"
                    "ours, warm cache|$(with_cache "$ours_install" "--cache-dir $cache")")
        if [ -n "$before" ]; then
            count_rows+=("before, no cache|$(with_cache "$before_install" "--no-cache")"
                         "before, warm cache|$(with_cache "$before_install" "--cache-dir $local/before-cache")")
        fi
        for row in "${count_rows[@]}" \
                   "uv, cold cache|rm -rf $local/uv-cold; ${uv_install//$uvcache/$local/uv-cold}" \
                   "uv, warm cache|$uv_install" "virtualenv + pip|$pip_install"; do
            rm -rf "$env"; eval "$remount"
            eval "${row#*|}"
            { echo "== ${row%%|*}"; "$slowfs" stats "$mnt"; } >> "$work/requests-build-$lat.txt"
        done
        "$env/bin/python" -c 'import numpy, scipy, pandas, matplotlib' && echo "pip's environment imports"
        rm -rf "$env"; eval "$(with_cache "$ours_install" "--cache-dir $cache")"
        "$env/bin/python" -c 'import numpy, scipy, pandas, matplotlib, sympy, IPython, zmq, tornado, dateutil, pytz' \
            && echo "ours (warm cache): imports ok"
    fi
    "$slowfs" down "$mnt"
done

python3 - "$work" <<'PY'
import glob, json, os, re, sys
work = sys.argv[1]
def load(path):
    return {r["command"]: r for r in json.load(open(path))["results"]}
def delays(pattern):
    return sorted({re.match(pattern, os.path.basename(f)).group(1) for f in glob.glob(f"{work}/*.json")
                   if re.match(pattern, os.path.basename(f))}, key=int)
labels = ["numpy", '"*cdf*" --all-versions', "(full listing)"]
print("| delay | mount | query | reference (ms) | ours, scan (ms) | ours, catalog (ms) | scan vs reference | catalog vs reference |")
print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |")
for lat in delays(r"avail-(\d+)-"):
    for state in ("warm", "cold"):
        for i, label in enumerate(labels):
            r = load(f"{work}/avail-{lat}-{i}-{state}.json")
            r.update(load(f"{work}/avail-{lat}-{i}-{state}-cat.json"))
            ref, scan, cat = (r[k]["mean"] * 1000 for k in ("reference", "ours, scan", "ours, catalog"))
            print(f"| {int(lat)/1000:g} ms | {state} | `avail_wheels {label}` | {ref:.0f} | {scan:.0f} | {cat:.0f} "
                  f"| {scan/ref:.2f}× | {cat/ref:.2f}× |")
print()
print("| delay | command | mean (s) | ± (s) | vs uv warm | vs uv cold | vs pip |")
print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
for lat in delays(r"build-(\d+)\.json"):
    r = load(f"{work}/build-{lat}.json")
    r.update(load(f"{work}/build-{lat}-pip.json"))
    warm, cold, pip = (r[k]["mean"] for k in ("uv, warm cache", "uv, cold cache", "virtualenv + pip"))
    for name, x in r.items():
        m = x["mean"]
        print(f"| {int(lat)/1000:g} ms | {name} | {m:.2f} | {x['stddev'] or 0:.2f} | {m/warm:.2f}× | {m/cold:.2f}× | {m/pip:.3f}× |")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(uname -r), slowfs over tmpfs, local: $(df -T "$local" | awk 'NR==2 {print $2}'), $(date -u +%Y-%m-%d)"
