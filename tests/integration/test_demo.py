#!/usr/bin/env python3
"""`make demo`'s script runs end to end against the built binary: four member nodes and the devchain
start, exposures commit, blocks become UNANIMOUS and FINAL, the audit passes, and everything stops."""
import os
import subprocess

import harness as h


def main():
    peerdb = h.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with h.Workdir("demo") as wd:
        env = dict(os.environ, PEERDB=peerdb, DEMO_DIR=wd / "demo", DEMO_PORT="auto", DEMO_STOP="1")
        try:
            p = subprocess.run(["bash", os.path.join(root, "scripts/demo.sh")], env=env, capture_output=True,
                               text=True, timeout=300)
        finally:  # a failed demo must not leave its nodes running
            subprocess.run(["bash", os.path.join(root, "scripts/demo-stop.sh")], env=env, capture_output=True)
        h.check(p.returncode == 0, f"demo failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        for needle in ("chain id:", "committed exposures/bank-a.northwind", "FINAL", "audit passed", "demo finished"):
            h.check(needle in p.stdout, f"demo output lacks {needle!r}:\n{p.stdout}")
        print("demo ran end to end")


if __name__ == "__main__":
    main()
