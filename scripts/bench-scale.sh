#!/usr/bin/env bash
# The scale benchmark of the directory (README "Benchmarks"): one clean
# `credsite build` of 10,000, 100,000 and 1,000,000 synthetic credentials (SIZES to
# change), each printing its time, stage timings, peak memory (VmHWM) and the
# output's shape, with PASS/FAIL against the host-safety limits: no folder over
# 10,000 entries, no HTML page over 200 KB.
# Works on disk in target/bench-scale (1,000,000 credentials write about 20 GB);
# CREDSITE_BENCH_DIR=DIR works elsewhere.
# Usage: scripts/bench-scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CREDSITE_BENCH_DIR="${CREDSITE_BENCH_DIR:-$PWD/target/bench-scale}"
mkdir -p "$CREDSITE_BENCH_DIR"
cargo bench --bench build --no-run
for n in ${SIZES:-10000 100000 1000000}; do
  echo "== $n credentials"
  CREDSITE_BENCH_N="$n" CREDSITE_BENCH_RUNS=1 cargo bench --bench build 2>/dev/null
done
