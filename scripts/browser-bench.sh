#!/usr/bin/env bash
# Benchmark of the in-page verifier in headless Chromium: builds the example site (a
# copy, --as-of today), serves it on 127.0.0.1, loads a valid credential page N times
# (default 10), each in a fresh browser context, in real time (DevTools protocol, no
# virtual time), and reports min/median/max of the page's data-verdict-ms (navigation
# start to the final verdict) against 300 ms, and the page weight (HTML + style.css,
# without the QR code) against 60 KB. See tests/browser/bench.py.
# Usage: scripts/browser-bench.sh [N] [--id ID] [--cpu-throttle RATE] [--latency MS] [--strict]
# Needs chromium (apt-get install -y chromium) and python3; builds the release binary.
# A miss of a target is a result (exit 0) unless --strict is given.
set -euo pipefail
cd "$(dirname "$0")/.."
n=10
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
  n="$1"
  shift
fi
cargo build --locked --release --quiet
export CREDSITE_BIN="${CREDSITE_BIN:-target/release/credsite}"
exec python3 tests/browser/bench.py -n "$n" "$@"
