#!/usr/bin/env bash
# Stops the nodes and the devchain that scripts/demo.sh left running.
DIR=${DEMO_DIR:-$(cd "$(dirname "$0")/.." && pwd)/demo-run}
for f in "$DIR"/*/node.pid "$DIR"/devchain.pid; do
  [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null && echo "stopped $(cat "$f")"
done
exit 0
