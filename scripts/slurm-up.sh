#!/usr/bin/env bash
# Starts a real two-node Slurm cluster on this one host, for the job tests:
#   munged, slurmctld, and two slurmd (node1, node2), each slurmd in its own mount namespace
#   where /localscratch is bind-mounted to that node's private directory, and a TaskProlog that
#   exports SLURM_TMPDIR=/localscratch/$SLURM_JOB_ID: the same path on every node, a different
#   disk behind it, as on a cluster.
# Needs root (as CI runs). Installs slurm-wlm and munge from Debian when missing.
# State lives in $WHEELHOUSE_SLURM_DIR (default /var/tmp/wheelhouse-slurm), wiped at each start.
# Afterwards: export SLURM_CONF=$WHEELHOUSE_SLURM_DIR/slurm.conf; sbatch --wait job.sh
# Stop with scripts/slurm-down.sh.
set -euo pipefail
dir=${WHEELHOUSE_SLURM_DIR:-/var/tmp/wheelhouse-slurm}
die() { echo "slurm-up: $*" >&2; [ -d "$dir" ] && tail -n 20 "$dir"/*.log >&2 2>/dev/null; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (munged, slurmd and mount namespaces need it)"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q -o DPkg::Lock::Timeout=600 slurm-wlm munge >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q -o DPkg::Lock::Timeout=600 slurm-wlm munge >/dev/null; } \
        || die "could not install slurm-wlm and munge with apt-get"
fi

# A previous run's daemons would hold the ports and the state: stop them first.
"$(dirname "$0")/slurm-down.sh" >/dev/null 2>&1 || true
rm -rf "$dir"
mkdir -p "$dir"/{state,spool/node1,spool/node2,scratch/node1,scratch/node2}
mkdir -p /localscratch

# munge: its key and directories belong to the munge user; munged refuses anything looser.
mkdir -p /run/munge /etc/munge /var/lib/munge /var/log/munge
if [ ! -s /etc/munge/munge.key ]; then
    if command -v mungekey >/dev/null; then mungekey --create --force >/dev/null 2>&1; fi
    [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown -R munge:munge /run/munge /etc/munge /var/lib/munge /var/log/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    runuser -u munge -- munged --force || die "munged did not start"
    for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n | unmunge >/dev/null 2>&1 || die "munged started but does not answer (munge -n | unmunge)"
fi

host=$(hostname)
# Each node advertises the host's cores; memory a bit below the real total (slurmd drains a node
# configured with more than it has).
cpus=$(nproc)
mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)
cat > "$dir/taskprolog.sh" <<'EOF'
#!/bin/sh
# Runs in the node's mount namespace for every task: the job's node-local directory.
d=/localscratch/$SLURM_JOB_ID
mkdir -p "$d"
echo "export SLURM_TMPDIR=$d"
EOF
cat > "$dir/epilog.sh" <<'EOF'
#!/bin/sh
# The node's local disk is wiped at the end of the job, as on a cluster.
[ -n "$SLURM_JOB_ID" ] && rm -rf "/localscratch/$SLURM_JOB_ID"
exit 0
EOF
chmod +x "$dir/taskprolog.sh" "$dir/epilog.sh"
cat > "$dir/slurm.conf" <<EOF
ClusterName=wheelhouse
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=6917
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.%n.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
TaskProlog=$dir/taskprolog.sh
Epilog=$dir/epilog.sh
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=node1 NodeHostname=$host NodeAddr=127.0.0.1 Port=6918 CPUs=$cpus RealMemory=$mem State=UNKNOWN
NodeName=node2 NodeHostname=$host NodeAddr=127.0.0.1 Port=6919 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=node1,node2 Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf

slurmctld -f "$SLURM_CONF" -i || die "slurmctld did not start"
for node in node1 node2; do
    # The namespace lives as long as slurmd (it daemonizes inside it), and every job step on
    # this node inherits it: /localscratch is this node's own directory there.
    unshare --mount --propagation private sh -c \
        "mount --bind '$dir/scratch/$node' /localscratch && exec slurmd -f '$SLURM_CONF' -N $node" \
        || die "slurmd -N $node did not start"
done

# Ready means both nodes idle: a job submitted earlier would wait or fail.
for _ in $(seq 300); do
    states=$(sinfo -h -N -o '%N %t' 2>/dev/null | sort -u | tr '\n' ' ')
    case "$states" in
        "node1 idle node2 idle ") break ;;
    esac
    sleep 0.2
done
case "$states" in
    "node1 idle node2 idle ") ;;
    *) die "the nodes are not idle after 60 s (sinfo: '$states')" ;;
esac
echo "slurm-up: node1 and node2 idle; export SLURM_CONF=$SLURM_CONF"
