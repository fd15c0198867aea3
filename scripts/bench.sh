#!/usr/bin/env bash
# Times `credsite build` on N synthetic credentials (default 100000) and prints
# credentials per second and peak memory. Usage: scripts/bench.sh [N]
# Builds on /dev/shm by default; CREDSITE_BENCH_DIR=DIR builds elsewhere (e.g. on disk).
set -euo pipefail
cd "$(dirname "$0")/.."
CREDSITE_BENCH_N="${1:-100000}" cargo bench --bench build
