#!/usr/bin/env bash
# Writes the peerdb(1) man page from the program's own help with help2man (Debian package
# help2man), so the page never drifts from the binary: the top-level help, then a COMMANDS section
# with every subcommand's --help (one level of nested subcommands too), then the hand-written
# sections of packaging/peerdb.h2m (files, signals, exit status).
# Usage: scripts/man.sh PATH_TO_PEERDB OUT.1     (CMake: `cmake --build --preset dev --target man`)
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 PATH_TO_PEERDB OUT.1" >&2
  exit 2
fi
peerdb=$(realpath "$1")
out=$2
here=$(cd "$(dirname "$0")/.." && pwd)
command -v help2man >/dev/null || { echo "man.sh: help2man is not installed (scripts/setup.sh installs it)" >&2; exit 1; }

# The date in the page is the last commit's, so the same sources give the same page.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)
  export SOURCE_DATE_EPOCH
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The names listed under "Subcommands:" in a help text.
subcommands() {
  awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'
}

# One subcommand's help as a roff subsection, preformatted; roff escapes doubled and control
# characters at line starts neutralised.
section() {
  echo ".SS \"peerdb $*\""
  echo ".nf"
  "$peerdb" "$@" --help | sed -e 's/^Usage: .*peerdb /Usage: peerdb /' -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
  echo ".fi"
}

{
  echo "[COMMANDS]"
  echo "Each subcommand's options, as \\fBpeerdb\\fR \\fISUBCOMMAND\\fR \\fB\\-\\-help\\fR prints them."
  for sub in $("$peerdb" --help | subcommands); do
    section "$sub"
    for nested in $("$peerdb" "$sub" --help | subcommands); do
      section "$sub" "$nested"
    done
  done
} > "$tmp/commands.h2m"

mkdir -p "$(dirname "$out")"
help2man --no-info --section 1 --source "PeerDB" \
  --name "a shared ledger for firms that compete, anchored in Bitcoin" \
  --include "$tmp/commands.h2m" --include "$here/packaging/peerdb.h2m" \
  --output "$out" "$peerdb"
