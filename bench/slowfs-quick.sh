#!/usr/bin/env bash
# A quick same-run subset of bench/slowfs.sh: the scipy stack built onto slowfs at one delay
# (LAT, microseconds, default 1000), ours warm and cold with the default byte code (compiled on
# a network file system) and with --no-compile, against uv warm and cold, without and with
# --compile-bytecode. RUNS (default 2), OURS (default target/release/wheelhouse, built if
# missing), OURS_BEFORE (another build of ours, e.g. the previous commit's: its four rows are
# added to the same run), BENCH_DIR (default bench/work/slowfs-quick). Needs root, /dev/fuse
# and fuse3 (scripts/slowfs-test-setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools="$root/.tools/envtools/bin"
ours=${OURS:-$root/target/release/wheelhouse}
[ -x "$ours" ] || cargo build --quiet --release -p wheelhouse
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
unset VIRTUAL_ENV PYTHONPATH WHEELHOUSE_CACHE_DIR PYTHONDONTWRITEBYTECODE
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
EBROOTPYTHON=$(python3 -c 'import sys; print(sys.base_prefix)')
EBVERSIONPYTHON=$(python3 -c 'import platform; print(platform.python_version())')
export EBROOTPYTHON EBVERSIONPYTHON
packages="numpy scipy matplotlib pandas sympy ipython pyzmq tornado python-dateutil pytz"
wheels=$("$root/scripts/fetch-wheels.sh" scipy-stack >&2; echo "$root/.cache/wheels/scipy-stack")
slowfs=${SLOWFS:-$root/../shared/slowfs/slowfs.sh}
work=${BENCH_DIR:-$root/bench/work/slowfs-quick} back=$work/back mnt=$work/mnt
mkdir -p "$work" "$mnt"
"$slowfs" tmpfs "$back" 6G
# The backing tmpfs can still be busy for a moment after the daemon is down: left mounted,
# the next run would find this run's environment in it.
cleanup() {
    mountpoint -q "$mnt" && "$slowfs" down "$mnt" >/dev/null
    for _ in 1 2 3 4 5; do umount "$back" 2>/dev/null && break; sleep 1; done
}
trap cleanup EXIT
env=$mnt/env cache=$mnt/cache uvcache=$mnt/uv-cache
away() { local p g; for p in "$@"; do g=.gone-$(date +%s%N); if [ -e "$p" ]; then mv "$p" "$mnt/$g" && rm -rf "${back:?}/$g"; fi; done; }
export -f away; export mnt back
ours_install="$ours venv -q $env -f $wheels && $ours install -q -p $env -f $wheels --allow-manylinux"
uv_install="$tools/uv venv -q $env && $tools/uv pip install -q --python $env/bin/python --no-index --find-links $wheels --cache-dir $uvcache $packages"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$slowfs" up "${LAT:-1000}" "$back" "$mnt"
eval "$uv_install"; away "$env"
eval "$ours_install --cache-dir $cache $packages"; away "$env"
before=()
if [ -n "${OURS_BEFORE:-}" ]; then
    b_install="$OURS_BEFORE venv -q $env -f $wheels && $OURS_BEFORE install -q -p $env -f $wheels --allow-manylinux"
    # Its own warm cache, filled by itself: the two builds need not read each other's entries
    # (a build that does not know an entry's layout decompresses that wheel again).
    bcache=$mnt/cache-before
    eval "$b_install --cache-dir $bcache $packages"; away "$env"
    before=(-n "before, warm cache" --prepare "away $env" "$b_install --cache-dir $bcache $packages"
        -n "before, warm cache, --no-compile" --prepare "away $env" "$b_install --cache-dir $bcache --no-compile $packages"
        -n "before, cold cache" --prepare "away $env $mnt/cold" "$b_install --cache-dir $mnt/cold $packages"
        -n "before, cold cache, --no-compile" --prepare "away $env $mnt/cold" "$b_install --cache-dir $mnt/cold --no-compile $packages")
fi
uvc_install="${uv_install/ pip install / pip install --compile-bytecode }"
hyperfine --shell bash --style basic --runs "${RUNS:-2}" --export-json "$work/quick-${LAT:-1000}.json" \
    "${before[@]}" \
    -n "ours, warm cache" --prepare "away $env" "$ours_install --cache-dir $cache $packages" \
    -n "ours, warm cache, --no-compile" --prepare "away $env" "$ours_install --cache-dir $cache --no-compile $packages" \
    -n "ours, cold cache" --prepare "away $env $mnt/cold" "$ours_install --cache-dir $mnt/cold $packages" \
    -n "ours, cold cache, --no-compile" --prepare "away $env $mnt/cold" "$ours_install --cache-dir $mnt/cold --no-compile $packages" \
    -n "uv, warm cache" --prepare "away $env" "$uv_install" \
    -n "uv, cold cache" --prepare "away $env $mnt/uv-cold" "${uv_install//$uvcache/$mnt/uv-cold}" \
    -n "uv, warm cache, --compile-bytecode" --prepare "away $env" "$uvc_install" \
    -n "uv, cold cache, --compile-bytecode" --prepare "away $env $mnt/uv-cold" "${uvc_install//$uvcache/$mnt/uv-cold}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
