#!/usr/bin/env python3
"""Audit at scale (issue 16 item 4): `peerdb audit --db` of a chain of OPS operations (default
10,000,000) against the same chain at SMALL operations (default 1,000,000), measured in one run.
One member (release build, block_period_ms 20), ~200-byte values, KEYS keys (default 100,000)
written round and round in requests of 2,000 puts from 4 clients, so the chain's history holds
every operation while loading stays quick. At SMALL and again at OPS operations the node is stopped
and the audit runs over its store: wall seconds, operations/s, peak RSS (wait4) and cores busy
((user + system CPU) / wall). The aims (issue 16): peak RSS <= 1 GB at 10,000,000 operations, using
both cores. bench/state_scale.py audits its 10,000,000-key chain the same way.
Usage: audit_scale.py PEERDB [--ops N] [--small N] [--keys N]"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import node_throughput as single  # noqa: E402
from state_scale import audit, describe_audit, load  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peerdb")
    ap.add_argument("--ops", type=int, default=10_000_000)
    ap.add_argument("--small", type=int, default=1_000_000)
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--block-period-ms", type=int, default=20)
    a = ap.parse_args()
    wd = tempfile.mkdtemp(prefix="peerdb-audit-scale-")
    proc = None
    try:
        proc, port = single.start_node(a.peerdb, wd, a.block_period_ms)
        print(f"audit at scale (1 member, {a.keys:,} keys written round and round, ~200 B values)", flush=True)
        rows = []
        loaded = 0
        for target in (a.small, a.ops):
            secs = load(port, loaded, target, key_of=lambda i: i % a.keys)
            print(f"  loaded operations {loaded:,} .. {target - 1:,} in {secs:.0f} s = {(target - loaded) / secs:,.0f} ops/s",
                  flush=True)
            loaded = target
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=300)
            row = audit(a.peerdb, wd)
            print("  " + describe_audit(row), flush=True)
            rows.append(row)
            proc = single.restart_node(a.peerdb, wd, port)
        small, big = rows
        print(f"  ratios {big['audit_ops']:,} / {small['audit_ops']:,} operations: audit ops/s "
              f"{big['audit_ops_per_s'] / small['audit_ops_per_s']:.2f}, peak RSS "
              f"{big['audit_peak_rss_mb'] / small['audit_peak_rss_mb']:.2f}")
        out = os.environ.get("AUDIT_BENCH_OUT")
        if out:
            json.dump({"small": small, "big": big}, open(out, "w"), indent=1)
    finally:
        if proc and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=300)
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    main()
