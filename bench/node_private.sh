#!/usr/bin/env bash
# Private records throughput benchmark (called by bench/run.sh / make bench): release build, then
# private_throughput.py: an encrypted namespace with 3 readers vs a plain one, same consortium, same run.
# Extra arguments go to the script (e.g. --seconds 20).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target peerdb >/dev/null
mkdir -p build/release/bench/results
NODE_BENCH_OUT=build/release/bench/results/private-throughput.json \
  python3 bench/private_throughput.py build/release/peerdb "$@"
