#!/usr/bin/env bash
# Node throughput benchmark (called by bench/run.sh / make bench): release build, then
# node_throughput.py against it. Extra arguments go to the script (e.g. --seconds 30).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target peerdb >/dev/null
mkdir -p build/release/bench/results
NODE_BENCH_OUT=build/release/bench/results/node-throughput.json \
  python3 bench/node_throughput.py build/release/peerdb "$@"
