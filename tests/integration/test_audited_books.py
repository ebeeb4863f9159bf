#!/usr/bin/env python3
"""examples/audited-books/run.sh end to end: anchored books pass the auditor's check against
(devchain) Bitcoin; a database edit and a re-signed second set of books are both caught."""
import os
import subprocess

import harness as h


def main():
    peerdb = h.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with h.Workdir("audited-books") as wd:
        env = dict(os.environ, PEERDB=peerdb, BOOKS_DIR=wd / "books")
        p = subprocess.run(["bash", os.path.join(root, "examples/audited-books/run.sh")], env=env,
                           capture_output=True, text=True, timeout=600)
        h.check(p.returncode == 0, f"example failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        for needle in ("fixed by Bitcoin block", "audit passed", "audit failed at block 2",
                       "CAUGHT: these books are fixed only by Bitcoin block",
                       "audited books example: all steps behaved as described"):
            h.check(needle in p.stdout + p.stderr, f"output lacks {needle!r}:\n{p.stdout}\n{p.stderr}")
        print("audited books: honest books fixed by Bitcoin; edited database and second set caught")


if __name__ == "__main__":
    main()
