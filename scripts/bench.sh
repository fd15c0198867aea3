#!/usr/bin/env bash
# Runs both benchmarks on N synthetic credentials (default 100000):
#   - build: times `credsite build` and prints credentials per second and peak memory;
#   - load:  times loading and validating the same records as one CSV file and as one
#            TOML file (best of 3) and prints PASS or FAIL against the target of TOML
#            within 2x the time of CSV, then where the TOML time goes.
#   report: `credsite report` on the same N credentials, and `report exams` on 500,000
#            exam attempts (CREDSITE_BENCH_EXAMS), against 5 s.
# Usage: scripts/bench.sh [N]
# Runs the load bench even when the build bench fails, then exits non-zero if either
# failed (a FAIL against the 2x target is a result, not a failure).
# Works on /dev/shm by default; CREDSITE_BENCH_DIR=DIR works elsewhere (e.g. on disk).
set -euo pipefail
cd "$(dirname "$0")/.."
export CREDSITE_BENCH_N="${1:-100000}"
status=0
cargo bench --bench build || status=$?
cargo bench --bench load || status=$?
# credsite report on N credentials, and report exams on 500,000 attempts (target: 5 s).
cargo bench --bench report || status=$?
exit "$status"
