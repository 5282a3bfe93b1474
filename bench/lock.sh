#!/usr/bin/env bash
# Lock files on the large environment (bench/large-env: 209 packages, 590 wheels, one find-links
# directory, offline for every tool). Timed in one run:
# - making the lock: `wheelhouse lock` against `uv pip compile -o pylock.toml
#   --generate-hashes` (uv's cache emptied before each run, and warm) and pip 26's `pip lock`
#   (one run: it takes seconds);
# - installing a fresh environment from a lock, each tool from its own lock: `wheelhouse sync`
#   against `uv pip sync pylock.toml`, with the cache cold (emptied before each run) and warm.
#   bench/lock.sh                        # on tmpfs under /dev/shm/lock-bench
#   BENCH_DIR=bench/work/lock-run RUNS=10 bench/lock.sh
#   BENCH_WHEELS=DIR bench/lock.sh        # another directory of the same wheels
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-10}
work=${BENCH_DIR:-/dev/shm/lock-bench}
. "$here/common.sh"
data="$here/work/large"
# BENCH_WHEELS: another directory of the large environment's wheels (e.g. only the latest
# resolution's 209, when PyPI is slow to give the older series).
[ -n "${BENCH_WHEELS:-}" ] || [ -d "$data/wheels" ] || python3 "$here/large-env/setup.py" "$tools/python" "$data"
wheels=${BENCH_WHEELS:-$data/wheels}
req="$here/large-env/requirements.txt"
pip26=$(ls "$root"/.cache/wheels/small/pip-26*.whl | head -1)
[ -n "$pip26" ] || { echo "pip 26 missing: run scripts/fetch-wheels.sh small" >&2; exit 1; }
rm -rf "$work"; mkdir -p "$work"/{ours,uv,pip}
ours_env="$work/ours-env"; uv_env="$work/uv-env"
export WHEELHOUSE="$work/no-wheelhouse"   # the find-links directory is the only source
echo "$(ls "$wheels" | wc -l) wheels; load average $(cut -d' ' -f1-3 /proc/loadavg)"

o_lock="$ours lock -q -f $wheels -r $req -o $work/ours/pylock.toml"
u_lock="$tools/uv pip compile -q --offline --no-index --find-links $wheels --generate-hashes --python $tools/python $req -o $work/uv/pylock.toml"
p_lock="$tools/python $pip26/pip lock -q --no-index --find-links $wheels -r $req -o $work/pip/pylock.toml"
# The same choice by each tool.
$o_lock; $u_lock --no-cache
a=$(grep -c '^\[\[packages\]\]' "$work/ours/pylock.toml")
b=$(grep -c '^\[\[packages\]\]' "$work/uv/pylock.toml")
echo "ours locks $a packages, uv $b"
hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$work/lock.json" \
    -n "ours lock" "$o_lock" \
    -n "uv pip compile (cold cache)" --prepare "rm -rf $work/uv-cache-cold" \
    "$u_lock --cache-dir $work/uv-cache-cold" \
    -n "uv pip compile (warm cache)" "$u_lock --cache-dir $work/uv-cache"
hyperfine --style basic --runs 1 --export-json "$work/lock-pip.json" -n "pip lock" "$p_lock"

# Sync a fresh environment from each tool's own pylock.toml.
o_sync="$ours sync -q -p $ours_env $work/ours/pylock.toml"
u_sync="$tools/uv pip sync -q --offline --no-index --find-links $wheels --python $uv_env/bin/python $work/uv/pylock.toml"
o_new="rm -rf $ours_env; $ours venv -q --without-pip $ours_env"
u_new="rm -rf $uv_env; $tools/uv venv -q --python $tools/python $uv_env"
eval "$o_new"; $o_sync --cache-dir "$work/cache"   # fills the warm caches
eval "$u_new"; $u_sync --cache-dir "$work/uv-cache"
hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$work/sync.json" \
    -n "ours sync (cold cache)" --prepare "$o_new; rm -rf $work/cache-cold" "$o_sync --cache-dir $work/cache-cold" \
    -n "ours sync (warm cache)" --prepare "$o_new" "$o_sync --cache-dir $work/cache" \
    -n "uv pip sync (cold cache)" --prepare "$u_new; rm -rf $work/uv-cache-cold" "$u_sync --cache-dir $work/uv-cache-cold" \
    -n "uv pip sync (warm cache)" --prepare "$u_new" "$u_sync --cache-dir $work/uv-cache"
# Both environments hold the same distributions.
norm() { tr 'A-Z_.' 'a-z--' | sed 's/--*/-/g' | sort; }
diff <("$ours" freeze -p "$ours_env" | norm) <("$tools/uv" pip freeze --python "$uv_env/bin/python" | norm) \
    && echo "ours and uv installed the same $(grep -c . <("$ours" freeze -p "$ours_env")) distributions"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" <<'PY'
import json, sys, os
work = sys.argv[1]
for kind, ref in (("lock", "uv pip compile (warm cache)"), ("sync", "uv pip sync (warm cache)")):
    rows = []
    for f in (f"{kind}.json", f"{kind}-pip.json"):
        p = os.path.join(work, f)
        if os.path.exists(p):
            rows += json.load(open(p))["results"]
    base = next(r["mean"] for r in rows if r["command"] == ref)
    print(f"\n| command | mean (ms) | ± (ms) | vs {ref} |\n| --- | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['command']} | {r['mean']*1000:.0f} | {(r['stddev'] or 0)*1000:.0f} | {r['mean']/base:.2f}× |")
PY
