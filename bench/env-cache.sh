#!/usr/bin/env bash
# The scipy stack (35 real PyPI wheels for CPython 3.11) built into a fresh environment, timed in
# one hyperfine run on one file system: ours without the cache (cold, as on a fresh node), ours
# filling an empty cache, ours with a warm cache on the same file system, uv cold and warm, and
# virtualenv + pip (one run: it takes 20-30 s). Then byte-compiling: ours `--compile` against
# `uv pip install --compile-bytecode`, both with warm caches (ours holding the byte code a first
# `--compile` added) and the same files (our venv without its seeded pip, as uv venv has none),
# and ours `--no-cache --compile`.
#   bench/env-cache.sh                         # on the disk under bench/work
#   BENCH_DIR=/dev/shm/b bench/env-cache.sh    # on tmpfs
#   RUNS=10 BENCH_WHEELS=DIR bench/env-cache.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-5}
work=${BENCH_DIR:-$here/work/env-cache}
. "$here/common.sh"
wheels=$(scipy_wheels)
packages=$scipy_packages
mkdir -p "$work"
env="$work/env"
uvcache="$work/uv-cache"
cache="$work/cache"
reset="rm -rf $env; sync"
uv_install="$tools/uv venv -q $env && $tools/uv pip install -q --python $env/bin/python --no-index --find-links $wheels --cache-dir $uvcache $packages"
our_install="$ours venv -q $env -f $wheels && $ours install -q -p $env -f $wheels --allow-manylinux"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm both caches once.
rm -rf "$uvcache" "$cache" "$env"; eval "$uv_install"
rm -rf "$env"; eval "$our_install --cache-dir $cache $packages"
"$ours" install -v -p "$env" -f "$wheels" --allow-manylinux --cache-dir "$cache" --force-reinstall \
    --no-deps pytz 2>&1 | grep '^cache' || true

hyperfine --style basic --runs "$runs" --export-json "$work/env-cache.json" \
    -n "ours, no cache (cold)" --prepare "$reset" "$our_install --no-cache $packages" \
    -n "ours, filling an empty cache" --prepare "$reset; rm -rf $cache" "$our_install --cache-dir $cache $packages" \
    -n "ours, warm cache" --prepare "$reset" "$our_install --cache-dir $cache $packages" \
    -n "uv, cold cache" --prepare "$reset; rm -rf $uvcache" "$uv_install" \
    -n "uv, warm cache" --prepare "$reset" "$uv_install"
hyperfine --style basic --runs 1 --export-json "$work/env-cache-pip.json" \
    -n "virtualenv + pip" --prepare "$reset" \
    "$tools/python -m virtualenv -q --no-download $env && $env/bin/pip install -q --no-index --find-links $wheels $packages"
# Byte code: one `--compile` install adds the byte code it compiles to the cache entries, so the
# warm `--compile` row below places it instead of compiling (uv's cache keeps none: it compiles
# every time). The cold row (`--no-cache --compile`) is the path a job on a fresh node takes.
our_compile="$ours venv -q --without-pip $env && $ours install -q -p $env -f $wheels --allow-manylinux --compile"
rm -rf "$env"; eval "$our_compile --cache-dir $cache $packages"
hyperfine --style basic --runs "${COMPILE_RUNS:-3}" --export-json "$work/env-cache-compile.json" \
    -n "ours, warm cache, --compile" --prepare "$reset" "$our_compile --cache-dir $cache $packages" \
    -n "uv, warm cache, --compile-bytecode" --prepare "$reset" "$uv_install --compile-bytecode" \
    -n "ours, no cache, --compile" --prepare "$reset" "$our_compile --no-cache $packages"

# The environments work: ours from the warm cache imports everything, pip check is clean; with
# byte code from the cache, importing compiles nothing (no `.pyc` is rewritten).
rm -rf "$env"; eval "$our_compile --cache-dir $cache $packages"
before=$(find "$env" -name '*.pyc' -printf '%i %T@ %p\n' | sort | sha256sum)
"$env/bin/python" -c 'import numpy, scipy, pandas, matplotlib, sympy, IPython, zmq, tornado, dateutil, pytz' \
    && echo "ours from the warm cache: imports ok"
after=$(find "$env" -name '*.pyc' -printf '%i %T@ %p\n' | sort | sha256sum)
[ "$before" = "$after" ] && echo "byte code from the cache: nothing compiled again on import"
rm -rf "$env"; eval "$our_install --cache-dir $cache $packages"
"$env/bin/python" -m pip check
"$ours" cache info --cache-dir "$cache"

python3 - "$work" <<'PY'
import json, sys, os
work = sys.argv[1]
results = {}
for f in ("env-cache.json", "env-cache-pip.json", "env-cache-compile.json"):
    for r in json.load(open(os.path.join(work, f)))["results"]:
        results[r["command"]] = r
uvw = results["uv, warm cache"]["mean"]
uvc = results["uv, cold cache"]["mean"]
print("| command | mean (s) | ± (s) | vs uv warm | vs uv cold |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, r in results.items():
    print(f"| {name} | {r['mean']:.3f} | {r['stddev'] or 0:.3f} | {r['mean']/uvw:.2f}× | {r['mean']/uvc:.2f}× |")
ow = results["ours, warm cache"]["mean"]
oc = results["ours, warm cache, --compile"]["mean"]
uc = results["uv, warm cache, --compile-bytecode"]["mean"]
nc = results["ours, no cache, --compile"]["mean"]
print()
print(f"ours warm / uv warm = {ow/uvw:.2f} (target <= 1); "
      f"ours --compile / uv --compile-bytecode = {oc/uc:.2f} (target <= 1); "
      f"ours --no-cache --compile / uv warm --compile-bytecode = {nc/uc:.2f}")
PY
