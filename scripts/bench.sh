#!/usr/bin/env bash
# Times `credsite build` on N synthetic credentials (default 100000) and prints
# credentials per second and peak memory. Usage: scripts/bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
CREDSITE_BENCH_N="${1:-100000}" cargo bench --bench build
