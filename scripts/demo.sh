#!/usr/bin/env bash
# The local consortium demo: three banks and their regulator each run a PeerDB member node on
# loopback, with their own keys, mutually authenticated TLS between the nodes, and a local Bitcoin
# stand-in (`peerdb devchain`) for anchoring. Banks report exposures; every member co-signs every
# block; blocks become UNANIMOUS, then FINAL once their seals are anchored in (dev) Bitcoin.
# Leaves the nodes running and prints how to query each one.
# Environment: PEERDB (binary, default build/release/peerdb), DEMO_DIR (default ./demo-run),
# DEMO_PORT (first API port, default 7070; members use the next three; "auto": any free ports), DEMO_STOP=1 to stop
# everything at the end (used by the smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
PEERDB=${PEERDB:-$PWD/build/release/peerdb}
DIR=${DEMO_DIR:-$PWD/demo-run}
PORT=${DEMO_PORT:-7070}
NAMES=("Bank A" "Bank B" "Bank C" "Regulator")
SLUGS=(bank-a bank-b bank-c regulator)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# N distinct free loopback ports (all bound at once, so none repeats).
free_ports() {
  python3 -c 'import socket,sys
ss=[socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}
# Peer ports and (with DEMO_PORT=auto) the API ports, all distinct.
read -r -a PORTS <<< "$(free_ports 8)"
if [ "$PORT" = auto ]; then API_PORTS=("${PORTS[@]:4:4}"); else API_PORTS=($PORT $((PORT + 1)) $((PORT + 2)) $((PORT + 3))); fi
api() { echo "http://127.0.0.1:${API_PORTS[$1]}"; }

stop_all() {
  for f in "$DIR"/*/node.pid "$DIR"/devchain.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 1
}
[ -d "$DIR" ] && stop_all
rm -rf "$DIR"; mkdir -p "$DIR"

step "1. Each member creates its identity: signing + encryption keys, a member card with its peer address"
for i in 0 1 2 3; do
  run "$PEERDB" keygen --name "${NAMES[$i]}" --contact "risk-desk@${SLUGS[$i]}.example, +44 20 7946 010$i" \
    --address "127.0.0.1:${PORTS[$i]}" --out "$DIR/${SLUGS[$i]}/member" >/dev/null
  echo "  ${NAMES[$i]}: $DIR/${SLUGS[$i]}/member/member.json"
done

step "2. They agree on the consortium: four members, an 'exposures' table each bank owns its rows in"
run "$PEERDB" consortium create --out "$DIR/consortium.toml" \
  --member "$DIR/bank-a/member/member.json" --member "$DIR/bank-b/member/member.json" \
  --member "$DIR/bank-c/member/member.json" --member "$DIR/regulator/member/member.json" \
  --namespace exposures:owner-edit --namespace notices:append-only \
  --block-period-ms 200 --round-timeout-ms 1000 --silent-alert-ms 10000 \
  --description "Interbank exposures shared with the regulator (demo)"
run "$PEERDB" consortium show "$DIR/consortium.toml"

step "3. A local Bitcoin stand-in with an OpenTimestamps calendar (devchain), mining a block every 2 s"
"$PEERDB" devchain --data "$DIR/devchain" --listen 127.0.0.1:0 --block-interval-ms 2000 \
  >"$DIR/devchain.out" 2>"$DIR/devchain.log" &
echo $! > "$DIR/devchain.pid"
for _ in $(seq 1 100); do grep -q "API at" "$DIR/devchain.out" 2>/dev/null && break; sleep 0.1; done
CHAIN_URL=$(sed -n 's/.*API at //p' "$DIR/devchain.out" | head -1)
echo "devchain at $CHAIN_URL"

step "4. Each member starts its node (TLS 1.3 between members, certificates bound to member keys)"
for i in 0 1 2 3; do
  d="$DIR/${SLUGS[$i]}"
  cp "$DIR/consortium.toml" "$d/consortium.toml"
  cat > "$d/node.toml" <<TOML
consortium = "consortium.toml"
key = "member/member.key"
data_dir = "data"
api_listen = "127.0.0.1:${API_PORTS[$i]}"

[anchor]
enabled = true
calendars = ["$CHAIN_URL"]
min_calendars = 1
interval_ms = 1000
upgrade_interval_ms = 1000
esplora = "$CHAIN_URL"
network = "regtest"
confirmations = 1
TOML
  "$PEERDB" node --config "$d/node.toml" >"$d/node.log" 2>&1 &
  echo $! > "$d/node.pid"
done
for i in 0 1 2 3; do
  # Ready: serves reads and reaches a majority of the members (GET /v1/health).
  "$PEERDB" wait --api "$(api $i)" --timeout 60 >/dev/null || { cat "$DIR/${SLUGS[$i]}/node.log"; exit 1; }
  echo "  ${NAMES[$i]}: API $(api $i), log $DIR/${SLUGS[$i]}/node.log"
done

step "5. Banks report exposures at their own nodes (each call returns once a majority chose the block)"
run "$PEERDB" put --api "$(api 0)" exposures bank-a.northwind '{"counterparty":"Northwind","eur_m":120}'
run "$PEERDB" put --api "$(api 1)" exposures bank-b.northwind '{"counterparty":"Northwind","eur_m":85}'
run "$PEERDB" put --api "$(api 2)" exposures bank-c.contoso '{"counterparty":"Contoso","eur_m":40}'
run "$PEERDB" put --api "$(api 3)" notices 2026-q4-01 '"Northwind concentration above 200m EUR: report weekly"'

step "6. The regulator reads what the banks reported, at its own node"
sleep 1
run "$PEERDB" get --api "$(api 3)" exposures bank-a.northwind
run "$PEERDB" get --api "$(api 3)" exposures bank-b.northwind

step "7. Every member co-signed: blocks are UNANIMOUS; once the seals are anchored in Bitcoin, FINAL"
for _ in $(seq 1 120); do
  S=$(curl -s "$(api 3)/v1/status")
  F=$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print(s["final_height"] >= 4 and s["unanimous_height"] >= 4)' "$S")
  [ "$F" = True ] && break
  sleep 0.5
done
run "$PEERDB" status --api "$(api 3)"
run "$PEERDB" get --api "$(api 3)" exposures bank-a.northwind --min-status FINAL

step "8. An outside auditor re-verifies a member's chain from genesis, anchors included"
run "$PEERDB" audit --db "$DIR/regulator/data/peerdb.sqlite" --esplora "$CHAIN_URL" --network regtest --min-confirmations 1

if [ "${DEMO_STOP:-0}" = 1 ]; then
  stop_all
  echo; echo "demo finished; nodes and devchain stopped"
  exit 0
fi
cat <<EOF

== The four nodes and the devchain keep running. Try:
  $PEERDB status --api $(api 0)                 # Bank A's view: members, last sealed heights, alerts
  $PEERDB put --api $(api 1) exposures bank-b.contoso '{"counterparty":"Contoso","eur_m":12}'
  $PEERDB get --api $(api 3) exposures bank-b.contoso
  curl -s $(api 2)/v1/status
  curl -s $(api 3)/v1/blocks/1
  # Bank C goes down; blocks go on at MAJORITY without its seal, and after silent_alert_ms (10 s) A4 names it:
  kill \$(cat $DIR/bank-c/node.pid); $PEERDB put --api $(api 0) exposures bank-a.fabrikam '{"counterparty":"Fabrikam","eur_m":7}'; sleep 12; $PEERDB status --api $(api 0)
APIs: Bank A $(api 0), Bank B $(api 1), Bank C $(api 2), Regulator $(api 3)
Stop everything with: bash scripts/demo-stop.sh  (or kill the pids in $DIR/*/node.pid and $DIR/devchain.pid)
EOF
