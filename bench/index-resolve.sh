#!/usr/bin/env bash
# Resolving ~200 packages against a loopback package index without PEP 658 metadata
# (bench/index-resolve/make_index.py: 200 projects, 3 versions each, 256 KiB incompressible
# payload per wheel, served by the tests' index server with Range support and keep-alive):
# each tool reads the pages and, for every candidate it considers, the wheel's METADATA (by
# HTTP ranges, or by fetching the wheel whole). Timed cold (no cache) with hyperfine, and the bytes the
# server sent counted from its transfer log, for:
#   ours: wheelhouse install --dry-run -i URL pkg000 (an empty wheelhouse, a fresh cache)
#   uv:   uv pip install --dry-run --index-url URL --no-cache pkg000
#   pip:  pip install --dry-run --index-url URL --no-cache-dir pkg000
# and ours once more with the cache the first run filled (pages fresh: no transfer).
#   bench/index-resolve.sh            # RUNS=5 N=200 PAYLOAD_KB=256 BENCH_DIR=/dev/shm/index-resolve
#   BYTES_ONLY=1 OURS=target/debug/wheelhouse bench/index-resolve.sh   # transfers only, no
#                                     # release build and no timing
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-5}
work=${BENCH_DIR:-/dev/shm/index-resolve}
if [ -n "${BYTES_ONLY:-}" ]; then
    root=$(cd "$here/.." && pwd)
    tools="$root/.tools/envtools/bin"
    ours=$(realpath "${OURS:-$root/target/debug/wheelhouse}")
    for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
    unset VIRTUAL_ENV PYTHONPATH WHEELHOUSE_CACHE_DIR
    export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
    EBROOTPYTHON=$(python3 -c 'import sys; print(sys.base_prefix)')
    EBVERSIONPYTHON=$(python3 -c 'import platform; print(platform.python_version())')
    export EBROOTPYTHON EBVERSIONPYTHON
else
    . "$here/common.sh"
fi
rm -rf "$work"; mkdir -p "$work/empty" "$work/wh"
python3 "$here/index-resolve/make_index.py" "$work/index" "${N:-200}" "${PAYLOAD_KB:-256}"
echo "max-age=600" > "$work/index/cache-control"
# Keep-alive, as a production index: connection set-up does not dominate any tool's time.
touch "$work/index/keep-alive"
python3 "$root/crates/test-support/index_server.py" "$work/index" > "$work/port" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")/simple"
export WHEELHOUSE="$work/wh"
"$ours" venv -q --without-pip "$work/ours-env"
"$tools/uv" venv -q "$work/uv-env"
"$tools/python" -m virtualenv -q --no-download "$work/pip-env"
o="$ours install -q -p $work/ours-env -f $work/empty --cache-dir $work/ours-cache --dry-run -i $url pkg000"
u="$tools/uv pip install -q --python $work/uv-env/bin/python --no-cache --dry-run --index-url $url pkg000"
p="$work/pip-env/bin/pip install -q --no-cache-dir --dry-run --index-url $url pkg000"
bytes() {  # the requests and bytes one run of "$1" makes
    : > "$work/index/transfers.log"
    sh -c "$1" >/dev/null 2>&1
    awk '{n++; b += $2} END {printf "%d requests, %.1f MiB\n", n, b / 1048576}' "$work/index/transfers.log"
}
echo "ours (cold): $(rm -rf "$work/ours-cache"; bytes "$o")"
echo "ours (warm cache): $(bytes "$o")"
echo "uv (no cache): $(bytes "$u")"
echo "pip (no cache): $(bytes "$p")"
[ -n "${BYTES_ONLY:-}" ] && exit 0
hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$work/resolve.json" \
    --prepare "rm -rf $work/ours-cache" -n "ours (cold)" "$o" \
    -n "uv (no cache)" "$u" -n "pip (no cache)" "$p"
hyperfine --style basic --runs "$runs" --warmup 1 -n "ours (warm cache)" "$o"
