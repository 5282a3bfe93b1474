#!/usr/bin/env bash
# Creates the tools virtualenvs the tests and benchmarks compare against (idempotent):
#   .tools/venv      packaging 21.3, tabulate, pip 24.2: the reference avail_wheels' stack
#   .tools/envtools  virtualenv and uv: what cluster users build environments with today
#                    (separate, because virtualenv needs a newer packaging than 21.3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The machines export PIP_* variables (find-links, ...); the tools must not depend on them.
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
make_venv() {
    local venv=$1 stamp=$2; shift 2
    [ -f "$venv/$stamp" ] && return 0
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
    touch "$venv/$stamp"
}
make_venv "$root/.tools/venv" .complete-v1 'packaging==21.3' 'tabulate==0.10.0' 'pip==24.2'
make_venv "$root/.tools/envtools" .complete-v1 'pip==24.2' 'virtualenv==21.15.8' 'uv==0.13.9'
