#!/usr/bin/env bash
# The local demo: one firm runs a single-member PeerDB ledger ("audited books"), writes entries,
# reads them back with their history, exports the chain and audits it offline.
# Leaves the node running and prints how to query and stop it.
# Environment: PEERDB (binary, default build/release/peerdb), DEMO_DIR (default ./demo-run),
# DEMO_PORT (default 7070), DEMO_STOP=1 to stop the node at the end (used by the smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
PEERDB=${PEERDB:-$PWD/build/release/peerdb}
DIR=${DEMO_DIR:-$PWD/demo-run}
PORT=${DEMO_PORT:-7070}
API="http://127.0.0.1:$PORT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

if [ -f "$DIR/node.pid" ] && kill -0 "$(cat "$DIR/node.pid")" 2>/dev/null; then
  echo "stopping the previous demo node (pid $(cat "$DIR/node.pid"))"
  kill "$(cat "$DIR/node.pid")"; sleep 1
fi
rm -rf "$DIR"; mkdir -p "$DIR"

step "1. The firm creates its member identity (private key + public member card)"
run "$PEERDB" keygen --name "ABC Trading Ltd" --contact "books@abc.example, +44 20 7946 0000" --out "$DIR/abc"

step "2. It defines the consortium (here: one member) with an append-only 'books' namespace"
run "$PEERDB" consortium create --member "$DIR/abc/member.json" --namespace books:append-only \
  --namespace notes --block-period-ms 200 --description "ABC Trading books, FY2026" --out "$DIR/consortium.toml"
run "$PEERDB" consortium show "$DIR/consortium.toml"

step "3. It starts its node"
cat > "$DIR/node.toml" <<TOML
consortium = "consortium.toml"
key = "abc/member.key"
data_dir = "data"
api_listen = "127.0.0.1:$PORT"
TOML
cat "$DIR/node.toml"
"$PEERDB" node --config "$DIR/node.toml" >"$DIR/node.log" 2>&1 &
echo $! > "$DIR/node.pid"
for _ in $(seq 1 100); do
  "$PEERDB" status --api "$API" >/dev/null 2>&1 && break
  kill -0 "$(cat "$DIR/node.pid")" 2>/dev/null || { cat "$DIR/node.log"; exit 1; }
  sleep 0.1
done
echo "node pid $(cat "$DIR/node.pid"), log $DIR/node.log"

step "4. It books entries (each call returns once the block holding it is committed)"
run "$PEERDB" put --api "$API" books inv-2026-0001 '{"customer":"Northwind","amount":1250.00,"currency":"EUR"}'
run "$PEERDB" put --api "$API" books inv-2026-0002 '{"customer":"Contoso","amount":310.50,"currency":"EUR"}'
run "$PEERDB" put --api "$API" notes q1-close '"open"'
run "$PEERDB" put --api "$API" notes q1-close '"closed, reviewed by CFO"'

step "5. Append-only means append-only: rewriting a booked invoice is refused"
if "$PEERDB" put --api "$API" books inv-2026-0001 '{"customer":"Northwind","amount":125.00}'; then
  echo "unexpected: the rewrite was accepted"; exit 1
fi

step "6. Reads say which block they come from and its status; history keeps every version"
run "$PEERDB" get --api "$API" books inv-2026-0001
run "$PEERDB" history --api "$API" notes q1-close
run "$PEERDB" status --api "$API"

step "7. The auditor receives an export of the chain and re-verifies it offline from genesis"
run "$PEERDB" export --db "$DIR/data/peerdb.sqlite" --out "$DIR/chain.pdbx"
run "$PEERDB" audit --chain "$DIR/chain.pdbx" --consortium "$DIR/consortium.toml"
run "$PEERDB" audit --db "$DIR/data/peerdb.sqlite"

if [ "${DEMO_STOP:-0}" = 1 ]; then
  kill "$(cat "$DIR/node.pid")"
  wait "$(cat "$DIR/node.pid")" 2>/dev/null || true
  echo; echo "demo finished; node stopped"
  exit 0
fi
cat <<EOF

== The node keeps running. Try:
  $PEERDB put --api $API books inv-2026-0003 '{"customer":"Fabrikam","amount":99}'
  $PEERDB get --api $API books inv-2026-0003
  curl -s $API/v1/status
  curl -s $API/v1/kv/books/inv-2026-0001/history
  curl -s $API/v1/blocks/1
  $PEERDB audit --db $DIR/data/peerdb.sqlite
Stop it with: kill $(cat "$DIR/node.pid")
EOF
