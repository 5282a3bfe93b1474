#!/usr/bin/env bash
# Kill-at-any-moment stress: the test suite's kill test (crates/wheelhouse/tests/it/env_kill.rs)
# with hundreds of kill points instead of 30. Half the points are spread over a whole install
# (an upgrade of a 400-module wheel plus a new one), half start from the moment the commit's
# journal exists, so many land inside the renames and the clean-up. After each kill the next
# command recovers and the environment's files (content and mode) must equal the before or
# the after state exactly.
# Usage: bench/kill-stress.sh [POINTS]   (default 300)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/setup-tools.sh
./scripts/fetch-wheels.sh small
export WHEELHOUSE_TOOLS_PYTHON="$root/.tools/venv/bin/python"
export WHEELHOUSE_TEST_WHEELS="$root/.cache/wheels/small"
export WHEELHOUSE_KILL_POINTS="${1:-300}"
cargo test --release -p wheelhouse --test it -- --nocapture env_kill:: 2>&1 | grep -E "kills:|test result|panicked|neither"
