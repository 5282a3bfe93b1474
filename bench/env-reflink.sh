#!/usr/bin/env bash
# The warm cache on a file system with reflinks: the scipy stack built into a fresh
# environment from a warm cache on XFS (reflink=1, a loop-mounted sparse image made by
# scripts/reflink-fs.sh), ours cloning (auto's choice there) and hard-linking, uv cloning and
# hard-linking (its default on Linux). Then an in-place edit check: the cache's copy of a
# cloned file is untouched. Needs root (loop mount).
#   bench/env-reflink.sh            # RUNS=N (default 5), BENCH_WHEELS=DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-5}
. "$here/common.sh"
wheels=$(scipy_wheels)
packages=$scipy_packages
export WHEELHOUSE_REFLINK_IMAGE_DIR="$here/work/reflink" WHEELHOUSE_REFLINK_SIZE=4G
"$root/scripts/reflink-fs.sh" up
trap '"$root/scripts/reflink-fs.sh" down' EXIT
work="$WHEELHOUSE_REFLINK_IMAGE_DIR/mnt"
env="$work/env"
reset="rm -rf $env; sync"
uv_install="$tools/uv venv -q $env && $tools/uv pip install -q --python $env/bin/python --no-index --find-links $wheels --cache-dir $work/uv-cache $packages"
our_install="$ours venv -q --without-pip $env && $ours install -q -p $env -f $wheels --allow-manylinux --cache-dir $work/cache $packages"
echo "$(stat -f -c %T "$work") at $work; load average $(cut -d' ' -f1-3 /proc/loadavg)"
eval "$uv_install"; rm -rf "$env"; eval "$our_install"; rm -rf "$env"
"$ours" venv -q --without-pip "$env"
"$ours" install -v -p "$env" -f "$wheels" --allow-manylinux --cache-dir "$work/cache" $packages 2>&1 | grep '^cache'
hyperfine --style basic --runs "$runs" --export-json "$work/../reflink.json" \
    -n "ours, warm cache, auto (clone)" --prepare "$reset" "$our_install" \
    -n "ours, warm cache, hardlink" --prepare "$reset" "$our_install --link-mode hardlink" \
    -n "uv, warm cache, clone" --prepare "$reset" "$uv_install --link-mode clone" \
    -n "uv, warm cache, hardlink (default)" --prepare "$reset" "$uv_install --link-mode hardlink"
rm -rf "$env"; eval "$our_install"
"$env/bin/python" -c 'import numpy, scipy, pandas, matplotlib, sympy, IPython, zmq, tornado, dateutil, pytz' \
    && echo "ours from the warm cache (cloned): imports ok"
python3 - "$work/../reflink.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = results["uv, warm cache, hardlink (default)"]["mean"]
print("| command | mean (s) | ± (s) | vs uv default |")
print("| --- | ---: | ---: | ---: |")
for name, r in results.items():
    print(f"| {name} | {r['mean']:.3f} | {r['stddev'] or 0:.3f} | {r['mean']/base:.2f}× |")
PY
