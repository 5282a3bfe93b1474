#!/usr/bin/env bash
# Stops what scripts/slurm-up.sh started: both slurmd, then slurmctld (by their pid files).
# munged is left running: it is a system service other tools may use.
set -uo pipefail
dir=${WHEELHOUSE_SLURM_DIR:-/var/tmp/wheelhouse-slurm}
stop() {
    local pidfile=$1 pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}
stop "$dir/slurmd.node1.pid"
stop "$dir/slurmd.node2.pid"
stop "$dir/slurmctld.pid"
rm -f "$dir"/*.pid
