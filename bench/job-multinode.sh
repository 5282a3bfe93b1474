#!/usr/bin/env bash
# The seed's multi-node job on the test Slurm cluster (scripts/slurm-up.sh: node1 and node2,
# each with its own /localscratch), twice on the same requirements (the scipy stack):
#   1. the seed's recipe: srun ... bash << EOF  virtualenv --no-download; pip install --no-index
#      --upgrade pip; pip install --no-index -r requirements.txt  EOF
#   2. ours: srun ... wheelhouse venv $SLURM_TMPDIR/env -r requirements.txt
# then, in both, `source $SLURM_TMPDIR/env/bin/activate; srun python myscript.py` importing the
# stack on both nodes. Reports the wall time of each whole job (sbatch --wait) and of its
# environment step, measured inside the job.
#   bench/job-multinode.sh                     # wheels from scripts/fetch-wheels.sh scipy-stack
#   BENCH_WHEELS=/path/to/wheels bench/job-multinode.sh
#   RUNS=3 bench/job-multinode.sh
# Needs root (Slurm). Results: bench/work/job/job-multinode.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${RUNS:-1}
work=$here/work/job
rm -rf "$work"
mkdir -p "$work"
"$root/scripts/setup-tools.sh"
if [ -n "${BENCH_WHEELS:-}" ]; then
    wheels=$(cd "$BENCH_WHEELS" && pwd)
else
    "$root/scripts/fetch-wheels.sh" scipy-stack
    wheels="$root/.cache/wheels/scipy-stack"
fi
cargo build --quiet --release -p wheelhouse --manifest-path "$root/Cargo.toml"
export SLURM_CONF=${SLURM_CONF:-/var/tmp/wheelhouse-slurm/slurm.conf}
sinfo -h >/dev/null 2>&1 || "$root/scripts/slurm-up.sh"

# The user's session: the machine's CPython plays the loaded python/3.11 module; the site's pip
# configuration points at the wheelhouse (PyPI's compiled wheels are manylinux builds, which
# the site refuses without the opt-in; pip on this machine takes them anyway).
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
unset VIRTUAL_ENV PYTHONPATH
EBROOTPYTHON=$(python3 -c 'import sys; print(sys.base_prefix)')
EBVERSIONPYTHON=$(python3 -c 'import platform; print(platform.python_version())')
export EBROOTPYTHON EBVERSIONPYTHON
cat > "$work/pip.conf" <<EOF
[global]
disable-pip-version-check = true
[install]
find-links = $wheels
no-index = true
allow-manylinux = true
[wheel]
find-links = $wheels
EOF
export PIP_CONFIG_FILE=$work/pip.conf
mkdir -p "$work/bin"
ln -sf "$root/target/release/wheelhouse" "$work/bin/wheelhouse"
ln -sf "$root/.tools/envtools/bin/virtualenv" "$work/bin/virtualenv"
export PATH="$work/bin:$EBROOTPYTHON/bin:$PATH"

echo "numpy scipy matplotlib pandas sympy ipython pyzmq tornado python-dateutil pytz" \
    | tr ' ' '\n' > "$work/requirements.txt"
cat > "$work/myscript.py" <<'EOF'
import os, sys
import numpy, scipy, pandas, matplotlib, sympy, IPython, zmq, tornado, dateutil, pytz
print(os.environ["SLURMD_NODENAME"], sys.prefix, "numpy", numpy.__version__, flush=True)
EOF
cat > "$work/seed.sh" <<'JOB'
#!/bin/bash
#SBATCH --nodes=2
#SBATCH --ntasks=2
#SBATCH --mem-per-cpu=2000M
start=$(date +%s.%N)
# create the virtual environment on each node :
srun --ntasks $SLURM_NNODES --tasks-per-node=1 bash << EOF
virtualenv --no-download $SLURM_TMPDIR/env
source $SLURM_TMPDIR/env/bin/activate
pip install --no-index --upgrade pip
pip install --no-index -r requirements.txt
EOF
echo "env-step $(echo "$(date +%s.%N) - $start" | bc)"
# activate only on main node
source $SLURM_TMPDIR/env/bin/activate;
# srun exports the current env, which contains $VIRTUAL_ENV and $PATH variables
srun python myscript.py;
JOB
cat > "$work/ours.sh" <<'EOF'
#!/bin/bash
#SBATCH --nodes=2
#SBATCH --ntasks=2
#SBATCH --mem-per-cpu=2000M
start=$(date +%s.%N)
srun --ntasks $SLURM_NNODES --tasks-per-node=1 wheelhouse venv $SLURM_TMPDIR/env -r requirements.txt
echo "env-step $(echo "$(date +%s.%N) - $start" | bc)"
source $SLURM_TMPDIR/env/bin/activate;
srun python myscript.py;
EOF
command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }

run_job() {
    local name=$1 i=$2 start end
    start=$(date +%s.%N)
    (cd "$work" && sbatch --wait -o "$work/$name-$i.out" "$work/$name.sh" >/dev/null)
    end=$(date +%s.%N)
    grep -q '^node1 .* numpy ' "$work/$name-$i.out" && grep -q '^node2 .* numpy ' "$work/$name-$i.out" \
        || { echo "$name run $i: the job did not import the stack on both nodes:" >&2; cat "$work/$name-$i.out" >&2; exit 1; }
    printf '%s %s %.2f %s\n' "$name" "$i" "$(echo "$end - $start" | bc)" \
        "$(awk '/^env-step/ {printf "%.2f", $2}' "$work/$name-$i.out")" >> "$work/times.txt"
}
for i in $(seq "$runs"); do
    run_job seed "$i"
    run_job ours "$i"
done

{
    echo "| recipe | run | job wall time (s) | environment step, both nodes at once (s) |"
    echo "| --- | ---: | ---: | ---: |"
    while read -r name i wall step; do
        label="virtualenv + pip (the seed's heredoc)"
        [ "$name" = ours ] && label="wheelhouse venv ENV -r requirements.txt"
        echo "| $label | $i | $wall | $step |"
    done < "$work/times.txt"
    echo
    awk '{w[$1]+=$3; s[$1]+=$4; n[$1]++} END {
        printf "mean job: seed %.2f s, ours %.2f s (%.1f× faster); mean environment step: seed %.2f s, ours %.2f s (%.1f× faster)\n",
            w["seed"]/n["seed"], w["ours"]/n["ours"], w["seed"]/w["ours"],
            s["seed"]/n["seed"], s["ours"]/n["ours"], s["seed"]/s["ours"] }' "$work/times.txt"
} | tee "$work/job-multinode.md"
grep -h '^node' "$work"/ours-1.out
