#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset `fuzz`: clang-14, ASan + UBSan) and fuzzes each one for
# FUZZ_SECONDS against a scratch copy of its committed corpus, so the repository stays unchanged.
# Exits non-zero if any target crashes, leaks, times out or breaks its round-trip assertion; the
# reproducer is kept under build/fuzz/artifacts/<target>/ (replay: build/fuzz/.../fuzz_<t> <file>).
#
# Environment:
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_TARGETS   space-separated names to run, e.g. "decode_block decode_vote" (default: all)
#   FUZZ_KEEP      if set, the scratch corpora (with any new inputs) are left in build/fuzz/scratch
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${FUZZ_SECONDS:-60}"
build="$root/build/fuzz"

cmake --preset fuzz
cmake --build --preset fuzz --target fuzzers

manifest="$build/fuzzers.txt"
[[ -s "$manifest" ]] || { echo "fuzz.sh: no fuzz targets listed in $manifest" >&2; exit 1; }

scratch="$build/scratch"
rm -rf "$scratch"
mkdir -p "$scratch" "$build/artifacts"
[[ -n "${FUZZ_KEEP:-}" ]] || trap 'rm -rf "$scratch"' EXIT

failed=()
ran=0
while IFS='|' read -r name binary corpus; do
  [[ -n "$name" ]] || continue
  if [[ -n "${FUZZ_TARGETS:-}" && " ${FUZZ_TARGETS} " != *" $name "* ]]; then
    continue
  fi
  work="$scratch/$name"
  artifacts="$build/artifacts/$name"
  mkdir -p "$work" "$artifacts"
  if [[ -d "$corpus" ]]; then
    cp -R "$corpus/." "$work/"
  fi
  log="$build/artifacts/$name.log"
  echo "== $name: ${seconds}s (log: ${log#"$root"/})"
  if "$binary" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done' "$log" | tail -2 | sed 's/^/   /' || true
  else
    echo "!! $name FAILED; last lines of its log:" >&2
    tail -n 30 "$log" >&2
    failed+=("$name")
  fi
  ran=$((ran + 1))
done <"$manifest"

if ((ran == 0)); then
  echo "fuzz.sh: FUZZ_TARGETS='${FUZZ_TARGETS:-}' matched no target" >&2
  exit 1
fi
if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: ${#failed[@]} of $ran targets failed: ${failed[*]}" >&2
  echo "fuzz: $((ran - ${#failed[@]})) passed, ${#failed[@]} failed"
  exit 1
fi
echo "fuzz.sh: $ran targets ran ${seconds}s each without findings"
echo "fuzz: $ran passed, 0 failed"
