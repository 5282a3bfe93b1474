#!/usr/bin/env bash
# Fresh environment + install of a scipy stack (35 real PyPI wheels for CPython 3.11), timed in
# one hyperfine run on one disk for: virtualenv + pip, uv with a cold cache, uv with a warm
# cache, ours, and the floor (decompressing and writing the same files, nothing else).
#   bench/env-build.sh               # on the disk under bench/work (node-local disk stand-in)
#   BENCH_DIR=/dev/shm/b bench/env-build.sh   # on tmpfs: no disk, the CPU side only
#   RUNS=10 bench/env-build.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-5}
work=${BENCH_DIR:-$here/work/env}
command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip; }
. "$here/common.sh"
cargo build --quiet --release -p installer --example unpack_floor --manifest-path "$root/Cargo.toml"
floor_bin="$root/target/release/examples/unpack_floor"
wheels=$(scipy_wheels)
packages=$scipy_packages
mkdir -p "$work"
env="$work/env"
uvcache="$work/uv-cache"
floor="$work/floor"
# Deleting 400 MB of files leaves discards and journal work behind; `sync` keeps that out of
# the next timed run.
reset="rm -rf $env $floor; sync"

# Warm uv's cache once for the warm-cache variant.
rm -rf "$uvcache" "$env"
"$tools/uv" venv -q "$env" && "$tools/uv" pip install -q --python "$env/bin/python" --no-index \
    --find-links "$wheels" --cache-dir "$uvcache" $packages

hyperfine --style basic --runs "$runs" --export-json "$work/env-build.json" \
    --export-markdown "$work/env-build.md" \
    -n "virtualenv + pip" --prepare "$reset" \
    "$tools/python -m virtualenv -q --no-download $env && $env/bin/pip install -q --no-index --find-links $wheels $packages" \
    -n "uv, cold cache" --prepare "$reset; rm -rf $uvcache" \
    "$tools/uv venv -q $env && $tools/uv pip install -q --python $env/bin/python --no-index --find-links $wheels --cache-dir $uvcache $packages" \
    -n "uv, warm cache" --prepare "$reset" \
    "$tools/uv venv -q $env && $tools/uv pip install -q --python $env/bin/python --no-index --find-links $wheels --cache-dir $uvcache $packages" \
    -n "wheelhouse" --prepare "$reset" \
    "$ours venv -q --no-cache $env -f $wheels && $ours install -q --no-cache -p $env -f $wheels --allow-manylinux $packages" \
    -n "unzip all wheels, $(nproc) at a time" --prepare "$reset" \
    "mkdir -p $floor && ls $wheels/*.whl | xargs -P $(nproc) -n 1 unzip -qo -d $floor" \
    -n "floor: decompress + write, all cores" --prepare "$reset" \
    "$floor_bin $floor $wheels/*.whl" \
    -n "floor + stdlib venv" --prepare "$reset" \
    "python3 -m venv --without-pip $env && $floor_bin $floor $wheels/*.whl"

# The environment each tool made works (checked on a fresh one each).
check='import numpy, scipy, pandas, matplotlib, sympy, IPython, zmq, tornado, dateutil, pytz'
rm -rf "$env"; "$ours" venv -q "$env" -f "$wheels" && "$ours" install -q -p "$env" -f "$wheels" --allow-manylinux $packages
"$env/bin/python" -c "$check" && echo "wheelhouse env: imports ok, $("$ours" freeze -p "$env" | wc -l) packages"
"$env/bin/python" -m pip check

python3 - "$work/env-build.json" > "$work/env-build-ratios.txt" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
pip = results["virtualenv + pip"]["mean"]
uv = results["uv, cold cache"]["mean"]
ours = results["wheelhouse"]["mean"]
print("| command | mean (s) | ± (s) | vs virtualenv + pip | vs uv cold |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, r in results.items():
    print(f"| {name} | {r['mean']:.2f} | {r['stddev']:.2f} | {r['mean']/pip:.3f}× | {r['mean']/uv:.2f}× |")
floor = results["floor + stdlib venv"]["mean"]
print()
print(f"wheelhouse / (virtualenv + pip) = {ours/pip:.3f} (target <= 0.1); "
      f"wheelhouse / uv cold = {ours/uv:.2f} (target < 1); wheelhouse / floor = {ours/floor:.2f}")
PY
cat "$work/env-build-ratios.txt"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(uname -r), $(df -T "$work" | awk 'NR==2 {print $2}') at $work, $(date -u +%Y-%m-%d)"
