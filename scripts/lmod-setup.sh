#!/usr/bin/env bash
# Installs Lmod (Debian's `lmod`) for the module tests when it is missing, and checks that its
# bash initialisation script is where the tests look for it (LMOD_INIT overrides the path).
# The tests run `module ...` in a `bash` with that script sourced and a MODULEPATH of their own;
# nothing here starts a service.
set -euo pipefail
init=${LMOD_INIT:-/usr/share/lmod/lmod/init/bash}
if [ ! -f "$init" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "scripts/lmod-setup.sh: Lmod is missing ($init); install it: sudo apt-get install lmod" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q lmod >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q lmod >/dev/null; }
fi
if [ ! -f "$init" ]; then
    echo "scripts/lmod-setup.sh: lmod is installed but $init is missing; set LMOD_INIT to its bash init script" >&2
    exit 1
fi
# A module command that works proves the installation, before any test relies on it.
out=$(env -i HOME=/tmp PATH=/usr/bin:/bin MODULEPATH=/nonexistent bash -c "source '$init' && module --version" 2>&1) || {
    echo "scripts/lmod-setup.sh: Lmod does not run: $out" >&2
    exit 1
}
