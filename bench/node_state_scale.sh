#!/usr/bin/env bash
# State-at-scale benchmark (called by bench/run.sh / make bench): release build, then state_scale.py:
# one node loaded to 10,000,000 keys, measured at 100,000 and at 10,000,000 (RSS, write and read
# rates, restart time). Takes about 35 minutes here and ~11 GB of disk in a temp dir; STATE_SCALE_KEYS
# sets a smaller target (e.g. 1000000). Extra arguments go to the script.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target peerdb >/dev/null
mkdir -p build/release/bench/results
SCALE_BENCH_OUT=build/release/bench/results/state-scale.json \
  python3 bench/state_scale.py build/release/peerdb --keys "${STATE_SCALE_KEYS:-10000000}" "$@"
