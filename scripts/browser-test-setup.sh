#!/usr/bin/env bash
# What the browser test of the wheels page (crates/wheelhouse/tests/it/wheels_page.rs) needs:
# headless Chromium and its WebDriver server, chromedriver, from Debian. Idempotent; run as
# root (scripts/test does).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "scripts/browser-test-setup.sh: chromium and chromedriver are missing; install them (sudo apt-get install chromium chromium-driver)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; }
