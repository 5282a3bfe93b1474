#!/usr/bin/env bash
# The "Available Python wheels" page on the 40,000-wheel tree of bench/staff.sh (generated here
# when missing): its size as `index --html` writes it (and gzip -6, as a web server would send
# it), then its load and search times in headless Chromium over `wheelhouse serve` on loopback
# (the ignored test bench_page_load_and_search of crates/wheelhouse/tests/it/wheels_page.rs; needs
# scripts/browser-test-setup.sh). Prints the figures; bench/README.md records a run.
# DEBUG=1 uses the debug build (no release compile; the browser's figures do not change).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work="$here/work"
tree="$work/staff-tree"
house="$tree/wheelhouse"
mkdir -p "$work"
for v in $(env | grep -o '^PIP_[A-Z_]*'); do unset "$v"; done
unset WHEELHOUSE VIRTUAL_ENV PYTHONPATH
if [ ! -f "$tree/.filled" ]; then
    python3 "$here/gen_tree.py" "$tree" >/dev/null
    python3 "$here/fill_wheels.py" "$house"
    touch "$tree/.filled"
fi
release=--release
[ -n "${DEBUG:-}" ] && release=
cargo build --quiet $release -p wheelhouse --manifest-path "$root/Cargo.toml"
wh="$root/target/$([ -n "$release" ] && echo release || echo debug)/wheelhouse"
out="$work/wheels-page-index"
rm -rf "$out"
"$wh" index "$house" >/dev/null
s=$(date +%s%N)
"$wh" index "$house" --html "$out" >/dev/null
e=$(date +%s%N)
echo "index --html (whole static index, pages included): $(( (e - s) / 1000000 )) ms"
echo "wheels: $(find "$house" -name '*.whl' | wc -l)"
echo "OUT/index.html: $(stat -c %s "$out/index.html") bytes, gzip -6: $(gzip -6 -c "$out/index.html" | wc -c) bytes"
echo "OUT/wheels: $(ls "$out/wheels" | wc -l) pages, $(du -sb "$out/wheels" | cut -f1) bytes; numpy.html $(stat -c %s "$out/wheels/numpy.html") bytes"
WHEELS_PAGE_BENCH="$house" cargo test --quiet $release --manifest-path "$root/Cargo.toml" -p wheelhouse \
    --test it -- --ignored --nocapture wheels_page::bench_page_load_and_search 2>&1 | grep '^{'
