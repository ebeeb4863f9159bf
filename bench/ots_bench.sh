#!/usr/bin/env bash
# Stamping and verifying benchmark: `peerdb stamp` / `peerdb verify` on OTS_BENCH_FILES small files
# (default 100,000) against the reference OpenTimestamps library doing the same work in the same
# run (bench/ots_reference.py under /usr/bin/python3). Both stamp against the same local devchain
# calendar; both verify offline against the same headers file. Prints the ratios.
# Usage: bench/ots_bench.sh   (env: OTS_BENCH_FILES=N, OTS_BENCH_DIR=dir for the scratch files)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 bench/ots_bench.py "$@"
