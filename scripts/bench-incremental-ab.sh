#!/usr/bin/env bash
# Two credsite binaries' incremental builds, alternated (README "Benchmark"): on a
# shared machine whose speed drifts, a run of one binary then the other compares two
# moments, not two builds. This makes one synthetic site of N credentials (as
# scripts/bench-incremental-serve.py does: default single proof), copies it for each
# binary (each keeps its own build cache), builds each in full, then renames one
# record R times, building with OLD then NEW each time, and prints every time and the
# medians.
# Usage: scripts/bench-incremental-ab.sh OLD NEW [N] [R]   (N 100000, R 8)
# Works in /dev/shm when there is one (CREDSITE_BENCH_DIR=DIR to work elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
old="$(realpath "$1")" new="$(realpath "$2")" n="${3:-100000}" rounds="${4:-8}"
base="${CREDSITE_BENCH_DIR:-$([ -d /dev/shm ] && echo /dev/shm || echo "$PWD/target")}"
work="$(mktemp -d "$base/credsite-ab-XXXXXX")"
trap 'rm -rf "$work"' EXIT
python3 - "$work/old" "$n" <<'PY'
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("bench", "scripts/bench-incremental-serve.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
os.makedirs(sys.argv[1])
bench.generate(sys.argv[1], int(sys.argv[2]))
PY
cp -a "$work/old" "$work/new"
export SOURCE_DATE_EPOCH=1795478400 # 2026-11-24
unset CREDSITE_SECRET_KEY
"$old" --root "$work/old" build >/dev/null 2>&1
cp "$work/old/credsite.state.json" "$work/new/" # one key and state for both
cp -a "$work/old/keys" "$work/new/"
"$new" --root "$work/new" build >/dev/null 2>&1
csv=content/credentials/bench.csv
times="$work/times"
for round in $(seq 1 "$rounds"); do
  for which in old new; do
    sed -i "s/^bench-0000042,[^,]*,/bench-0000042,Renamed $which $round,/" "$work/$which/$csv"
    binary=$old; [ "$which" = new ] && binary=$new
    start=$(date +%s%N)
    "$binary" --root "$work/$which" build --reissue bench-0000042 >/dev/null 2>&1
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "$which: $ms ms"
    echo "$which $ms" >> "$times"
  done
done
for which in old new; do
  awk -v w="$which" '$1 == w { print $2 }' "$times" | sort -n | awk -v w="$which" \
    '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
       print "median " w ": " m " ms (" NR " builds)" }'
done
