#!/usr/bin/env bash
# Builds the micro-benchmarks with the release preset and prints each PeerDB primitive as a ratio to
# its raw baseline (see bench/README.md). Results land in build/release/bench/results/.
# Usage: bench/run.sh [report.py flags], e.g. bench/run.sh --repetitions 1 --filter 'Sha256|Merkle'
# Then runs any bench/node_*.sh (node-level benchmarks) and bench/ots_bench.sh (stamping and verifying
# 100,000 files against the reference OpenTimestamps library).
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
cmake --build --preset release --target peerdb_micro_bench
python3 bench/report.py --binary build/release/bench/peerdb_micro_bench "$@"

for node_bench in bench/node_*.sh bench/ots_bench.sh; do
  if [[ -f "$node_bench" ]]; then
    bash "$node_bench"
  fi
done
