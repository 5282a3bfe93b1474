#!/usr/bin/env bash
# Downloads real wheels from PyPI once and keeps them in .cache/wheels (git-ignored):
#   small/        a few packages the install tests use (pure ones, two compiled cp311 ones)
#   scipy-stack/  the scipy stack for CPython 3.11 that bench/env-build.sh installs
# Usage: scripts/fetch-wheels.sh [small|scipy-stack]...   (default: small)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-tools.sh"
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
pip=("$root/.tools/venv/bin/python" -m pip download --quiet --disable-pip-version-check
     --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 --abi none
     --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64
     --platform manylinux_2_28_x86_64 --platform any)
fetch() {
    local set=$1; shift
    local dir="$root/.cache/wheels/$set"
    [ -f "$dir/.complete" ] && return 0
    mkdir -p "$dir"
    if ! "${pip[@]}" -d "$dir" "$@" >"$dir/.log" 2>&1; then
        cat "$dir/.log" >&2
        echo "fetch-wheels: could not download the '$set' wheels from PyPI (log above)." >&2
        echo "Check the network, or copy the wheels into $dir by hand." >&2
        exit 1
    fi
    (cd "$dir" && ls -1 ./*.whl | sed 's|^\./||') > "$dir/.files"
    touch "$dir/.complete"
}
sets=("$@")
[ ${#sets[@]} -eq 0 ] && sets=(small)
for s in "${sets[@]}"; do
    case "$s" in
        # Pinned: tests and their snapshots name these versions (a new release upstream must
        # not change what the suite sees).
        small) fetch small six==1.17.0 attrs==26.1.0 idna==3.20 packaging==26.4 \
            python-dateutil==4.0.0 tzdata==2026.6 pip==26.3 pyyaml==6.0.4 markupsafe==3.0.4 ;;
        scipy-stack) fetch scipy-stack numpy scipy matplotlib pandas sympy ipython pyzmq tornado \
            python-dateutil pytz pip ;;
        *) echo "fetch-wheels: unknown set '$s' (small, scipy-stack)" >&2; exit 2 ;;
    esac
done
