#!/usr/bin/env bash
# Staff-side benchmarks on the 40,000-wheel tree, in one run (a few minutes), results appended
# to bench/README.md:
#   - `wheelhouse index` reading every wheel's metadata, then again with nothing changed;
#   - `wheelhouse audit` (closure for 2 Pythons x every CPU level) with a fresh catalog, and
#     with --resolve (`pip install NAME` resolved for every package of every pair);
#   - `wheelhouse index --html OUT` (static index, every level), first run and rerun;
#   - `wheelhouse serve` under a bounded load test on loopback (requests/s, p99) for simple
#     pages and wheel downloads, against `python -m http.server` on the static index and
#     against pypiserver (waitress, picked by --server auto) on the same wheels.
# Usage: bench/staff.sh [SECONDS_PER_LOAD_RUN (default 8)] [CONCURRENCY (default 16)]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work="$here/work"
secs=${1:-8}
conc=${2:-16}
mkdir -p "$work"
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
unset WHEELHOUSE VIRTUAL_ENV PYTHONPATH

cargo build --quiet --release -p wheelhouse --manifest-path "$root/Cargo.toml"
wh="$root/target/release/wheelhouse"
if [ ! -f "$work/pypiserver-venv/.complete" ]; then
    python3 -m venv "$work/pypiserver-venv"
    "$work/pypiserver-venv/bin/pip" install -q pypiserver waitress
    touch "$work/pypiserver-venv/.complete"
fi

tree="$work/staff-tree"
house="$tree/wheelhouse"
# Generating and filling 40,000 wheels takes minutes: kept between runs (delete to redo).
if [ ! -f "$tree/.filled" ]; then
    python3 "$here/gen_tree.py" "$tree" >/dev/null
    python3 "$here/fill_wheels.py" "$house"
    touch "$tree/.filled"
fi
rm -f "$house/.wheelhouse-catalog"
out="$work/staff-index"
rm -rf "$out"

t() {
    local s e ms
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    ms=$(( (e - s) / 1000000 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}
sync
index_cold=$(t "$wh" index "$house")
index_warm=$(t "$wh" index "$house")
audit_fresh=$(t "$wh" audit "$house" --python 3.11 --python 3.12)
audit_resolve=$(t "$wh" audit "$house" --python 3.11 --python 3.12 --resolve)
unresolvable=$("$wh" audit "$house" --python 3.11 --python 3.12 --resolve --format json 2>/dev/null | python3 -c 'import json,sys; print(sum(f["kind"] == "unresolvable" for f in json.load(sys.stdin)["findings"]))' || true)
problems=$("$wh" audit "$house" --python 3.11 --python 3.12 --format json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))' || true)
html_first=$(t "$wh" index "$house" --html "$out")
html_again=$(t "$wh" index "$house" --html "$out")
wheels=$(find "$house" -name '*.whl' | wc -l)

# Paths: 300 project pages and 300 wheels of the x86-64-v3 level.
python3 - "$out" "$work" <<'PY'
import json, pathlib, sys
out, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
simple = out / "x86-64-v3" / "simple"
names = [p["name"] for p in json.loads((simple / "index.json").read_text())["projects"]][:300]
pages, wheels, pp_pages, pp_wheels = [], [], [], []
for n in names:
    pages.append(f"/x86-64-v3/simple/{n}/")
    pp_pages.append(f"/simple/{n}/")
    f = json.loads((simple / n / "index.json").read_text())["files"][0]
    wheels.append("/files/" + f["url"].split("../../../files/", 1)[1])
    pp_wheels.append("/packages/" + f["filename"].replace("+", "%2B"))
for name, lines in [("pages", pages), ("wheels", wheels), ("pp-pages", pp_pages), ("pp-wheels", pp_wheels)]:
    (work / f"paths-{name}.txt").write_text("\n".join(lines) + "\n")
PY

wait_port() { for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
load() { python3 "$here/loadgen.py" "http://127.0.0.1:$1" "$work/paths-$2.txt" "$secs" "$conc"; }
results="$work/staff-load.tsv"
: > "$results"

"$wh" serve --quiet --bind 127.0.0.1:18080 "$house" >/dev/null 2>&1 & pid=$!
wait_port 18080
echo -e "wheelhouse serve\tpages\t$(load 18080 pages)" >> "$results"
echo -e "wheelhouse serve\twheels\t$(load 18080 wheels)" >> "$results"
kill -TERM $pid; wait $pid || true

(cd "$out" && exec python3 -m http.server --bind 127.0.0.1 18081 >/dev/null 2>&1) & pid=$!
wait_port 18081
echo -e "python -m http.server (static index)\tpages\t$(load 18081 pages)" >> "$results"
echo -e "python -m http.server (static index)\twheels\t$(load 18081 wheels)" >> "$results"
kill $pid; wait $pid 2>/dev/null || true

"$work/pypiserver-venv/bin/pypi-server" run -i 127.0.0.1 -p 18082 --server auto --disable-fallback \
    "$house/gentoo2023/x86-64-v3" "$house/gentoo2023/generic" "$house/generic" >/dev/null 2>&1 & pid=$!
wait_port 18082
sleep 2
echo -e "pypiserver (waitress)\tpages\t$(load 18082 pp-pages)" >> "$results"
echo -e "pypiserver (waitress)\twheels\t$(load 18082 pp-wheels)" >> "$results"
kill $pid; wait $pid 2>/dev/null || true

{
    echo
    echo "## Staff side: $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), shared"
    echo
    echo "$wheels real (small) wheels made by \`fill_wheels.py\` from the \`gen_tree.py\` tree; release build; warm page cache."
    echo
    echo "| step | seconds |"
    echo "| --- | --- |"
    echo "| \`wheelhouse index\` (every wheel opened and hashed) | $index_cold |"
    echo "| \`wheelhouse index\` again (nothing changed: metadata reused) | $index_warm |"
    echo "| \`wheelhouse audit --python 3.11 --python 3.12\` (fresh catalog; $problems findings) | $audit_fresh |"
    echo "| \`wheelhouse audit --python 3.11 --python 3.12 --resolve\` ($unresolvable \`unresolvable\` findings) | $audit_resolve |"
    echo "| \`wheelhouse index --html\` (first: links, metadata files, pages) | $html_first |"
    echo "| \`wheelhouse index --html\` again | $html_again |"
    echo
    echo "Load: ${secs} s per row, $conc concurrent clients (\`loadgen.py\`, asyncio, one connection per request), x86-64-v3 level, 300 distinct paths."
    echo
    echo "| server | what | result |"
    echo "| --- | --- | --- |"
    while IFS=$'\t' read -r server what result; do echo "| $server | $what | \`$result\` |"; done < "$results"
} >> "$here/README.md"
tail -25 "$here/README.md"
