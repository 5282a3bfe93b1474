#!/usr/bin/env bash
# Creates the tools virtualenv the tests compare against: packaging 21.3, tabulate and pip 24.2,
# the exact stack the reference avail_wheels runs on. Idempotent; safe to rerun.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.tools/venv"
stamp="$venv/.complete-v1"
if [ -f "$stamp" ]; then exit 0; fi
# The machines export PIP_* variables (find-links, ...); the tools venv must not depend on them.
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    'packaging==21.3' 'tabulate==0.10.0' 'pip==24.2'
touch "$stamp"
