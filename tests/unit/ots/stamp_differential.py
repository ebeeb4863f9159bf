#!/usr/bin/python3
"""Differential test of StampTree against the reference library: for several file counts (odd
levels, powers of two and one past them), stamp_tree_tool writes the .ots files of one stamping
run and stamp_check.check_stamp_run compares them with the reference's make_merkle_tree.
Exit status 0 iff every run matches."""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stamp_check import check_stamp_run  # noqa: E402

COUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 33, 100, 1023, 1024, 1025]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    args = ap.parse_args()
    failures = 0
    for n in COUNTS:
        with tempfile.TemporaryDirectory(prefix="peerdb-stamp-diff-") as d:
            subprocess.run([args.tool, str(1000 + n), str(n), d], check=True)
            paths = sorted(os.path.join(d, f) for f in os.listdir(d))
            if len(paths) != n:
                print(f"n={n}: {len(paths)} files written")
                failures += 1
                continue
            problems = check_stamp_run(paths)
            for p in problems[:5]:
                print(f"n={n}: {p}")
            failures += bool(problems)
    print(f"{len(COUNTS) - failures}/{len(COUNTS)} runs match the reference")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
