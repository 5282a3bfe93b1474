# Sourced by the environment benches: the tools (hyperfine, the tools virtualenvs), a release
# build, and a clean shell in which the machine's CPython plays the loaded python/3.11 module
# (no PIP_* of this machine, no active environment, no cache directory but the ones given).
# Sets: root, tools (virtualenv, uv, pip), ours (the release binary) and scipy_packages;
# `scipy_wheels` prints the scipy stack's wheel directory.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
"$root/scripts/setup-tools.sh"
cargo build --quiet --release -p wheelhouse --manifest-path "$root/Cargo.toml"
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
unset VIRTUAL_ENV PYTHONPATH WHEELHOUSE_CACHE_DIR
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
tools="$root/.tools/envtools/bin"
ours="$root/target/release/wheelhouse"
EBROOTPYTHON=$(python3 -c 'import sys; print(sys.base_prefix)')
EBVERSIONPYTHON=$(python3 -c 'import platform; print(platform.python_version())')
export EBROOTPYTHON EBVERSIONPYTHON
scipy_packages="numpy scipy matplotlib pandas sympy ipython pyzmq tornado python-dateutil pytz"
# BENCH_WHEELS, else .cache/wheels/scipy-stack (fetched once).
scipy_wheels() {
    if [ -n "${BENCH_WHEELS:-}" ]; then
        echo "$BENCH_WHEELS"
    else
        "$root/scripts/fetch-wheels.sh" scipy-stack >&2
        echo "$root/.cache/wheels/scipy-stack"
    fi
}
