#!/usr/bin/env bash
# Load and concurrency at full size (the test suite runs them small):
#   - 32 jobs building environments through one home-directory cache, a third killed
#     (SIGKILL) at random moments; every environment before or after, `cache verify` clean,
#     the next run served from the cache; 8 processes installing into one environment;
#   - `serve` with 500 keep-alive clients, 200 slowloris clients and 8 pip processes for 20 s,
#     the tree re-indexed mid-load; every request answered, pages never mix two trees,
#     slow clients dropped, peak RSS;
#   - the journal's sync protocol on an strace of a real install.
# Results go to bench/work/load.md; `--record` also appends them to bench/README.md.
# Knobs: JOBS, CLIENTS, SLOW, PIPS, SECONDS_UNDER_LOAD, WHEELHOUSE_LOAD_SEED.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/setup-tools.sh
./scripts/fetch-wheels.sh small
./scripts/durability-test-setup.sh
export WHEELHOUSE_TOOLS_PYTHON="$root/.tools/venv/bin/python"
export WHEELHOUSE_TEST_WHEELS="$root/.cache/wheels/small"
export WHEELHOUSE_LOAD_JOBS="${JOBS:-32}" WHEELHOUSE_LOAD_CLIENTS="${CLIENTS:-500}"
export WHEELHOUSE_LOAD_SLOW="${SLOW:-200}" WHEELHOUSE_LOAD_PIP="${PIPS:-8}"
export WHEELHOUSE_LOAD_SECONDS="${SECONDS_UNDER_LOAD:-20}"
mkdir -p bench/work
log=bench/work/load.log
started=$(date +%s)
cargo test --release -p wheelhouse --test it \
    -- --nocapture --test-threads 1 env_concurrency:: serve_load:: env_durability:: >"$log" 2>&1 || { tail -60 "$log"; exit 1; }
took=$(( $(date +%s) - started ))
{
    echo "$(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD); $(nproc) cores" \
        "($(lscpu | sed -n 's/^Model name: *//p')), $(free -g | awk '/Mem:/ {print $2}') GiB," \
        "Linux $(uname -r), $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}') temporary" \
        "directory; load average before: $(cut -d' ' -f1-3 /proc/loadavg); ${took} s in all."
    echo
    grep -E "^[0-9]+ (jobs|processes|clients)|sync protocol held" "$log" | sed 's/^/- /'
} > bench/work/load.md
cat bench/work/load.md
if [ "${1:-}" = "--record" ]; then
    { echo; echo "### bench/load.sh run"; echo; cat bench/work/load.md; } >> bench/README.md
fi
