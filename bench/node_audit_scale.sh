#!/usr/bin/env bash
# Audit-at-scale benchmark (called by bench/run.sh / make bench): release build, then audit_scale.py:
# `peerdb audit --db` of a one-node chain of 10,000,000 operations against the same chain at
# 1,000,000 (time, operations/s, peak RSS, cores busy). About 20 minutes here and ~4 GB of disk in
# a temp dir; AUDIT_SCALE_OPS sets a smaller target. Extra arguments go to the script.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target peerdb >/dev/null
mkdir -p build/release/bench/results
AUDIT_BENCH_OUT=build/release/bench/results/audit-scale.json \
  python3 bench/audit_scale.py build/release/peerdb --ops "${AUDIT_SCALE_OPS:-10000000}" "$@"
