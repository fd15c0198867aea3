#!/usr/bin/env bash
# Benchmark of the directory's name search in headless Chromium (issue 11): builds a
# site of N holders (default 1,000,000) with the release binary in target/search-bench
# (about 21 GB while building at a million; the credential folders are deleted once it
# is built, and the rest at the end unless --keep), serves it on 127.0.0.1 and types
# eight names into the home page's search, a key at a time, twice (empty cache, then
# HTTP cache). Prints per keystroke: shard downloads, keystroke -> results and shard
# arrival -> results (min/median/max), with PASS/FAIL against 100 ms once the shard
# is cached and one shard per keystroke, and checks the results against the roster.
# See tests/browser/bench_search.py.
# Usage: scripts/search-bench.sh [N] [--keep] [--dir DIR] [--cpu-throttle RATE] [--latency MS] [--strict] [-v]
# Needs chromium (apt-get install -y chromium) and python3; builds the release binary.
# A missed target is a result (exit 0) unless --strict; a wrong result exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${CREDSITE_SEARCH_N:-1000000}"
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
  n="$1"
  shift
fi
cargo build --locked --release --quiet
export CREDSITE_BIN="${CREDSITE_BIN:-target/release/credsite}"
exec python3 tests/browser/bench_search.py -n "$n" "$@"
