#!/usr/bin/env bash
# Times the reference avail_wheels against ours on a generated 40,000-wheel wheelhouse, in one
# run, and writes the results into bench/README.md. Rerunnable by anyone:
#   AVAIL_WHEELS_REFERENCE=/path/to/avail_wheels-checkout bench/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work="$here/work"
mkdir -p "$work"
reference=${AVAIL_WHEELS_REFERENCE:-/work/tools/avail_wheels}
if [ ! -f "$reference/avail_wheels.py" ]; then
    echo "bench: no reference at $reference; clone the public ComputeCanada/avail_wheels repository (v2.1.3) and set AVAIL_WHEELS_REFERENCE" >&2
    exit 2
fi
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done

# The reference, in its own virtualenv, with its own pinned stack.
if [ ! -f "$work/ref-venv/.complete" ]; then
    python3 -m venv "$work/ref-venv"
    "$work/ref-venv/bin/pip" install -q 'packaging==21.3' tabulate 'pip==24.2'
    touch "$work/ref-venv/.complete"
fi
cat > "$work/avail_wheels_reference" <<SH
#!/bin/sh
PYTHONPATH="$reference" exec "$work/ref-venv/bin/python" "$reference/avail_wheels.py" "\$@"
SH
chmod +x "$work/avail_wheels_reference"

cargo build --quiet --release -p wheelhouse --manifest-path "$root/Cargo.toml"
ours="$root/target/release/avail_wheels"
index="$root/target/release/wheelhouse"

python3 "$here/gen_tree.py" "$work/tree"
export WHEELHOUSE="$work/tree/wheelhouse" PYTHON_DIRS="$work/tree/pythons" EBVERSIONGENTOO=2023 EBVERSIONPYTHON=3.11
unset VIRTUAL_ENV

queries=("numpy" "'*cdf*' --all-versions" "")
labels=("numpy" "\"*cdf*\" --all-versions" "(full listing)")
results="$work/results.tsv"
: > "$results"
mismatches=0
for config in "pip.conf" "none"; do
    if [ "$config" = "pip.conf" ]; then export PIP_CONFIG_FILE="$work/tree/pip.conf"; else unset PIP_CONFIG_FILE; fi
    for i in "${!queries[@]}"; do
        q=${queries[$i]}
        rm -f "$WHEELHOUSE/.wheelhouse-catalog"
        eval "$work/avail_wheels_reference $q" > "$work/ref.out" 2>/dev/null
        eval "$ours $q" > "$work/ours.out" 2>/dev/null
        if ! cmp -s "$work/ref.out" "$work/ours.out"; then
            echo "MISMATCH for avail_wheels ${labels[$i]} (config: $config):" >&2
            diff "$work/ref.out" "$work/ours.out" | head -20 >&2
            mismatches=$((mismatches + 1))
        fi
        hyperfine --style basic --warmup 2 --min-runs 10 --export-json "$work/h.json" \
            -n reference "$work/avail_wheels_reference $q" \
            -n scan "$ours $q" \
            -n catalog --setup "$index index $WHEELHOUSE" "$ours $q" > "$work/hyperfine-$config-$i.txt" 2>&1
        python3 - "$work/h.json" "$config" "${labels[$i]}" >> "$results" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
print("\t".join([sys.argv[2], sys.argv[3], f"{r['reference']*1000:.1f}", f"{r['scan']*1000:.1f}", f"{r['catalog']*1000:.1f}",
                 f"{r['reference']/r['scan']:.0f}", f"{r['reference']/r['catalog']:.0f}"]))
PY
        rm -f "$WHEELHOUSE/.wheelhouse-catalog"
    done
done

# Cold page cache (root only): every directory read and every file of the interpreter comes
# from disk again, as on a cold network mount.
cold="$work/cold.tsv"
: > "$cold"
export PIP_CONFIG_FILE="$work/tree/pip.conf"
if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then
    drop='sync; echo 3 > /proc/sys/vm/drop_caches'
    rm -f "$WHEELHOUSE/.wheelhouse-catalog"
    hyperfine --style basic --runs 5 --prepare "$drop" --export-json "$work/cold1.json" \
        -n reference "$work/avail_wheels_reference numpy" -n scan "$ours numpy" > /dev/null 2>&1
    "$index" index "$WHEELHOUSE" > /dev/null
    hyperfine --style basic --runs 5 --prepare "$drop" --export-json "$work/cold2.json" \
        -n catalog "$ours numpy" > /dev/null 2>&1
    rm -f "$WHEELHOUSE/.wheelhouse-catalog"
    python3 - "$work/cold1.json" "$work/cold2.json" >> "$cold" <<'PY'
import json, sys
r = {}
for f in sys.argv[1:]:
    r.update({x["command"]: x["mean"] for x in json.load(open(f))["results"]})
print("\t".join(f"{r[k]*1000:.1f}" for k in ("reference", "scan", "catalog")))
PY
fi

# Write the results into bench/README.md, replacing the previous ones.
python3 - "$results" "$here/README.md" "$work/tree/wheelhouse" "$mismatches" "$cold" <<'PY'
import datetime, os, platform, subprocess, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
fs = subprocess.run(["df", "-T", sys.argv[3]], capture_output=True, text=True).stdout.splitlines()[-1].split()[1]
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
out = [
    "## Results",
    "",
    f"{datetime.date.today().isoformat()}, commit {commit}; {os.cpu_count()} cores ({cpu}), "
    f"{int(mem) // 1024 // 1024} GiB, Linux {platform.release()}, {fs} file system, page cache warm. "
    "Mean of at least 10 runs after 2 warm-ups (hyperfine), milliseconds.",
    "",
    "| search paths | query | reference | ours, scan | ours, catalog | speed-up, scan | speed-up, catalog |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
]
for config, label, ref, scan, cat, r1, r2 in rows:
    where = "PIP_CONFIG_FILE (3 dirs)" if config == "pip.conf" else "walk of $WHEELHOUSE"
    out.append(f"| {where} | `avail_wheels {label}` | {ref} | {scan} | {cat} | {r1}× | {r2}× |")
bad = int(sys.argv[4])
out += ["", "Standard output of ours and of the reference: " + ("identical for every query." if bad == 0 else f"DIFFERENT for {bad} queries (see the run's log).")]
cold = open(sys.argv[5]).read().split()
if cold:
    ref, scan, cat = (float(x) for x in cold)
    out += ["", "Cold page cache (`echo 3 > /proc/sys/vm/drop_caches` before each of 5 runs), "
            "`avail_wheels numpy` with `PIP_CONFIG_FILE`: "
            f"reference {ref:.0f} ms, ours scanning {scan:.0f} ms ({ref/scan:.0f}×), "
            f"ours with the catalog {cat:.0f} ms ({ref/cat:.0f}×)."]
text = open(sys.argv[2]).read()
head = text.split("## Results")[0].rstrip() + "\n\n"
open(sys.argv[2], "w").write(head + "\n".join(out) + "\n")
print("\n".join(out))
PY
