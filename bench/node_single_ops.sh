#!/usr/bin/env bash
# Single-operation requests benchmark (called by bench/run.sh / make bench): release build, then
# single_ops.py: wrk at 256 and 64 connections over four members, one client alone, and the batched
# load of the same consortium as the baseline. Extra arguments go to the script (e.g. --seconds 20).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target peerdb >/dev/null
mkdir -p build/release/bench/results
NODE_BENCH_OUT=build/release/bench/results/single-ops.json \
  python3 bench/single_ops.py build/release/peerdb "$@"
