#!/usr/bin/env bash
# Consortium throughput benchmark (called by bench/run.sh / make bench): release build, then
# consortium_throughput.py: four members on loopback vs one member, in the same run.
# Extra arguments go to the script (e.g. --seconds 30).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target peerdb >/dev/null
mkdir -p build/release/bench/results
NODE_BENCH_OUT=build/release/bench/results/consortium-throughput.json \
  python3 bench/consortium_throughput.py build/release/peerdb "$@"
