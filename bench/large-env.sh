#!/usr/bin/env bash
# A large environment: the 209 packages a data-science and Jupyter set resolves to (jupyterlab,
# scikit-learn, pandas, dask[complete], xarray, ...; bench/large-env/requirements.txt), as
# small wheels carrying the packages' real METADATA, with two older series of each so the
# resolver has choices (590 wheels; built once by bench/large-env/setup.py from pip's
# metadata-only dry-run report against PyPI). Timed in one run: resolution alone (--dry-run)
# and the whole install, by ours, `uv pip install --no-index --find-links` and pip, for the
# plain set and for one with pins that make the newest versions of some packages unusable
# (requirements-backtrack.txt); then each command's peak memory (GNU time, one run each).
#   bench/large-env.sh                        # on tmpfs under /dev/shm/large-env
#   BENCH_DIR=bench/work/large-run RUNS=10 bench/large-env.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-10}
work=${BENCH_DIR:-/dev/shm/large-env}
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
. "$here/common.sh"
data="$here/work/large"
[ -d "$data/wheels" ] || python3 "$here/large-env/setup.py" "$tools/python" "$data"
wheels="$data/wheels"
rm -rf "$work"; mkdir -p "$work"
ours_env="$work/ours"; uv_env="$work/uv"; pip_env="$work/pip"
echo "$(ls "$wheels" | wc -l) wheels; load average $(cut -d' ' -f1-3 /proc/loadavg)"

for set in requirements requirements-backtrack; do
    req="$here/large-env/$set.txt"
    # Empty environments: every set is resolved from scratch.
    rm -rf "$ours_env" "$uv_env" "$pip_env"
    "$ours" venv -q --without-pip "$ours_env"
    "$tools/uv" venv -q "$uv_env"
    "$tools/python" -m virtualenv -q --no-download "$pip_env"
    o_dry="$ours install -q -p $ours_env -f $wheels --dry-run -r $req"
    u_dry="$tools/uv pip install -q --python $uv_env/bin/python --no-index --find-links $wheels --dry-run --no-cache -r $req"
    u_dry_warm="$tools/uv pip install -q --python $uv_env/bin/python --no-index --find-links $wheels --dry-run --cache-dir $work/uv-cache -r $req"
    p_dry="$pip_env/bin/pip install -q --no-index --find-links $wheels --dry-run -r $req"
    # The same choice by each tool.
    a=$("$ours" install -p "$ours_env" -f "$wheels" --dry-run -r "$req" | tr ' ' '\n' | grep -c -- '-[0-9]')
    b=$("$tools/uv" pip install --python "$uv_env/bin/python" --no-index --find-links "$wheels" --dry-run --no-cache -r "$req" 2>&1 | grep -c '^ + ')
    echo "$set: ours resolves to $a packages, uv to $b"
    hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$work/$set-dry.json" \
        -n "ours --dry-run" "$o_dry" -n "uv --dry-run (no cache)" "$u_dry" \
        -n "uv --dry-run (warm cache)" "$u_dry_warm"
    hyperfine --style basic --runs 1 --export-json "$work/$set-dry-pip.json" -n "pip --dry-run" "$p_dry"
    for pair in "ours --dry-run|$o_dry" "uv --dry-run|$u_dry" "pip --dry-run|$p_dry"; do
        kb=$(/usr/bin/time -f %M sh -c "${pair#*|} >/dev/null 2>&1" 2>&1 | tail -1)
        echo "$set: peak memory ${pair%%|*}: $((kb / 1024)) MiB"
    done
    o_inst="$ours install -q -p $ours_env -f $wheels --no-cache -r $req"
    u_inst="$tools/uv pip install -q --python $uv_env/bin/python --no-index --find-links $wheels --no-cache -r $req"
    u_inst_warm="$tools/uv pip install -q --python $uv_env/bin/python --no-index --find-links $wheels --cache-dir $work/uv-cache -r $req"
    p_inst="$pip_env/bin/pip install -q --no-index --find-links $wheels -r $req"
    hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$work/$set-install.json" \
        -n "ours install (no cache)" --prepare "rm -rf $ours_env; $ours venv -q --without-pip $ours_env" "$o_inst" \
        -n "ours install (warm cache)" --prepare "rm -rf $ours_env; $ours venv -q --without-pip $ours_env" "${o_inst/--no-cache/--cache-dir $work/cache}" \
        -n "uv install (no cache)" --prepare "rm -rf $uv_env; $tools/uv venv -q $uv_env" "$u_inst" \
        -n "uv install (warm cache)" --prepare "rm -rf $uv_env; $tools/uv venv -q $uv_env" "$u_inst_warm"
    # pip's whole install once, for the plain set (it takes a minute).
    [ "$set" = requirements ] && hyperfine --style basic --runs 1 --export-json "$work/$set-install-pip.json" \
        -n "pip install" --prepare "rm -rf $pip_env; $tools/python -m virtualenv -q --no-download $pip_env" "$p_inst"
    rm -rf "$ours_env" "$uv_env"; "$ours" venv -q --without-pip "$ours_env"; "$tools/uv" venv -q "$uv_env"
    for pair in "ours install|$o_inst" "uv install|$u_inst"; do
        kb=$(/usr/bin/time -f %M sh -c "${pair#*|} >/dev/null 2>&1" 2>&1 | tail -1)
        echo "$set: peak memory ${pair%%|*}: $((kb / 1024)) MiB"
    done
done

python3 - "$work" <<'PY'
import json, sys, os, glob
work = sys.argv[1]
for s in ("requirements", "requirements-backtrack"):
    print(f"\n{s}.txt\n\n| command | mean (ms) | ± (ms) |\n| --- | ---: | ---: |")
    for kind in ("dry", "dry-pip", "install", "install-pip"):
        f = os.path.join(work, f"{s}-{kind}.json")
        if not os.path.exists(f):
            continue
        for r in json.load(open(f))["results"]:
            print(f"| {r['command']} | {r['mean']*1000:.0f} | {(r['stddev'] or 0)*1000:.0f} |")
PY
