#!/usr/bin/env bash
# The latency budget of one block (called by bench/run.sh / make bench): release build, then
# latency_budget.py: four members at trace log level, one client's lone writes, each consensus step's
# time lined up across the members' logs. Extra arguments go to the script (e.g. --count 200).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target peerdb >/dev/null
python3 bench/latency_budget.py build/release/peerdb "$@"
