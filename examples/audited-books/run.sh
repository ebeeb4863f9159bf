#!/usr/bin/env bash
# Audited books: a firm keeps its books in a one-member PeerDB ledger whose blocks are anchored in
# Bitcoin, and its auditor verifies them independently, from genesis, against Bitcoin headers.
# "Firm ABC cannot be accused of keeping two sets of books": once a block is anchored, neither an
# edit of the database nor a second, re-signed set of books can pass for the original.
#
# Bitcoin cannot run here, so `peerdb devchain` stands in for it and for a calendar: it speaks the
# real OpenTimestamps calendar protocol and the Esplora header API and mines regtest blocks on
# request. In production the node's [anchor] section names the public calendars and an Esplora or
# bitcoind header source, the auditor passes --esplora/--bitcoind (mainnet), and nothing else changes.
#
# Usage: examples/audited-books/run.sh   (env: PEERDB=binary, BOOKS_DIR=scratch dir)
# Exits 0 when every step behaved as described, non-zero otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEERDB=${PEERDB:-$ROOT/build/release/peerdb}
DIR=${BOOKS_DIR:-$ROOT/books-run}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
die() { echo "UNEXPECTED: $*" >&2; exit 1; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

rm -rf "$DIR"; mkdir -p "$DIR"
cd "$DIR"

step "0. A local stand-in for Bitcoin and an OpenTimestamps calendar"
"$PEERDB" devchain --data devchain --listen 127.0.0.1:0 --block-interval-ms 0 >devchain.out 2>devchain.log &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q "http://" devchain.out 2>/dev/null && break; sleep 0.1; done
BTC=$(sed -n 's/^devchain: calendar and Esplora API at //p' devchain.out)
[ -n "$BTC" ] || die "devchain did not start: $(cat devchain.log)"
echo "calendar + Esplora API: $BTC"
mine() { "$PEERDB" devchain mine --url "$BTC" --blocks "$1" >/dev/null; }

step "1. ABC creates its identity and a ledger whose 'books' namespace is append-only"
run "$PEERDB" keygen --name "ABC Trading Ltd" --contact "books@abc.example" --out abc
run "$PEERDB" consortium create --member abc/member.json --namespace books:append-only \
  --block-period-ms 100 --description "ABC Trading books, FY2026" --out consortium.toml

start_node() {  # $1 = data dir, $2 = port
  cat > "node-$1.toml" <<TOML
consortium = "consortium.toml"
key = "abc/member.key"
data_dir = "$1"
api_listen = "127.0.0.1:$2"

[anchor]
enabled = true
calendars = ["$BTC"]
min_calendars = 1
esplora = "$BTC"
network = "regtest"
confirmations = 2
interval_ms = 200
upgrade_interval_ms = 200
TOML
  "$PEERDB" node --config "node-$1.toml" >"$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do "$PEERDB" status --api "http://127.0.0.1:$2" >/dev/null 2>&1 && return; sleep 0.1; done
  die "node $1 did not start: $(cat "$1.log")"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_final() {  # $1 = api, $2 = key: waits until the entry reads at FINAL, mining as Bitcoin would
  for _ in $(seq 1 150); do
    "$PEERDB" get --api "$1" books "$2" --min-status final >/dev/null 2>&1 && return
    mine 1; sleep 0.2
  done
  die "$2 never became FINAL"
}

step "2. ABC starts its node with anchoring on and books its entries"
PORT=$(free_port); API="http://127.0.0.1:$PORT"
start_node data "$PORT"
run "$PEERDB" put --api "$API" books inv-2026-0001 '{"customer":"Northwind","amount":1250.00,"currency":"EUR"}'
run "$PEERDB" put --api "$API" books inv-2026-0002 '{"customer":"Contoso","amount":310.50,"currency":"EUR"}'
run "$PEERDB" put --api "$API" books inv-2026-0003 '{"customer":"Fabrikam","amount":99.00,"currency":"EUR"}'

step "3. Year-end close: the blocks holding the books become FINAL (anchored in Bitcoin)"
wait_final "$API" inv-2026-0003
run "$PEERDB" get --api "$API" books inv-2026-0002 --min-status final
run "$PEERDB" status --api "$API"

step "4. ABC hands its auditor an export of the chain"
run "$PEERDB" export --db data/peerdb.sqlite --out books-fy2026.pdbx

step "5. The auditor verifies it from genesis, and against Bitcoin: which Bitcoin block fixes which blocks"
run "$PEERDB" audit --chain books-fy2026.pdbx --consortium consortium.toml --esplora "$BTC" --network regtest --min-confirmations 2 \
  | tee audit-fy2026.txt
grep -q "audit passed" audit-fy2026.txt || die "the honest books did not pass"
grep -q "fixed by Bitcoin block" audit-fy2026.txt || die "the audit names no Bitcoin block"
# The auditor files the result: the Bitcoin block that fixed the books at the close.
CLOSE_BTC=$(sed -n 's/.*fixed by Bitcoin block \([0-9]*\).*/\1/p' audit-fy2026.txt | sort -n | tail -1)
echo "auditor's file: FY2026 books fixed by Bitcoin block $CLOSE_BTC"

step "6. Months later ABC would like invoice 0002 to read 3,100.50. Through the ledger: refused"
if "$PEERDB" put --api "$API" books inv-2026-0002 '{"customer":"Contoso","amount":3100.50,"currency":"EUR"}'; then
  die "an append-only entry was rewritten"
fi

step "7. ABC edits its database directly: the auditor's re-verification names the block"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
python3 - <<'PY'
import sqlite3
con = sqlite3.connect("data/peerdb.sqlite")
with con:
    con.execute("UPDATE history SET value = CAST(? AS BLOB) WHERE ns = 'books' AND key = 'inv-2026-0002'",
                ('{"amount":3100.5,"currency":"EUR","customer":"Contoso"}',))
con.close()
PY
if "$PEERDB" audit --db data/peerdb.sqlite --esplora "$BTC" --network regtest --min-confirmations 2 >audit-edited.txt 2>&1; then
  die "the edited database passed the audit"
fi
cat audit-edited.txt

step "8. ABC builds a second set of books from scratch, same key, re-signed, with the new amount"
PORT2=$(free_port); API2="http://127.0.0.1:$PORT2"
start_node data2 "$PORT2"
run "$PEERDB" put --api "$API2" books inv-2026-0001 '{"customer":"Northwind","amount":1250.00,"currency":"EUR"}'
run "$PEERDB" put --api "$API2" books inv-2026-0002 '{"customer":"Contoso","amount":3100.50,"currency":"EUR"}'
run "$PEERDB" put --api "$API2" books inv-2026-0003 '{"customer":"Fabrikam","amount":99.00,"currency":"EUR"}'
wait_final "$API2" inv-2026-0003
run "$PEERDB" export --db data2/peerdb.sqlite --out books-fy2026-v2.pdbx
echo "Every signature in it is valid, so the audit passes ... but look at which Bitcoin block fixes it:"
run "$PEERDB" audit --chain books-fy2026-v2.pdbx --consortium consortium.toml --esplora "$BTC" --network regtest --min-confirmations 2 \
  | tee audit-v2.txt
# The auditor's rule: every block of FY2026 must be fixed by Bitcoin no later than the close.
LAST_V2=$(sed -n 's/.*fixed by Bitcoin block \([0-9]*\).*/\1/p' audit-v2.txt | sort -n | tail -1)
[ -n "$LAST_V2" ] || die "the second set is not anchored"
if [ "$LAST_V2" -le "$CLOSE_BTC" ]; then
  die "the second set is fixed by Bitcoin block $LAST_V2, not later than the close ($CLOSE_BTC)"
fi
echo
echo "CAUGHT: these books are fixed only by Bitcoin block $LAST_V2, after the close (block $CLOSE_BTC):"
echo "they did not exist at year end. The auditor's filed export still verifies, and differs:"
run "$PEERDB" audit --chain books-fy2026.pdbx --consortium consortium.toml --esplora "$BTC" --network regtest --min-confirmations 2 \
  | grep "fixed by"
echo
echo "audited books example: all steps behaved as described"
