#!/usr/bin/env python3
"""Private records throughput: the cost of encryption (PROTOCOL.md §1.4 envelopes) at the consortium
level. Four member nodes (real `peerdb node` processes, release build, mutual TLS on loopback) with
two namespaces: `plain`, and `secret` (encrypted, readable by members 1, 3 and 4, so each value is
sealed to three readers plus its writer when member 2 writes, or three when a reader writes).
The same clients write the same load into each namespace in turn, ROUNDS times alternating, in the
same consortium and the same run. Counted as in consortium_throughput.py: operations in blocks
UNANIMOUS at all four members, per second. Prints the median rates and the ratio secret / plain.
A third series writes plain values padded to about the size of an envelope (+270 bytes: nonce,
tag, ephemeral key and a wrapped key per reader), which separates what encryption costs in CPU
from what the bigger stored value costs.
Usage: private_throughput.py PEERDB [--seconds N] [--clients N] [--ops-per-request N] [--rounds N]"""
import argparse
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consortium_throughput as consortium  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peerdb")
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--ops-per-request", type=int, default=200)
    ap.add_argument("--block-period-ms", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    wd = tempfile.mkdtemp(prefix="peerdb-pbench-")
    procs = []
    try:
        apis, procs = consortium.start_consortium(a.peerdb, wd, a.block_period_ms,
                                                  namespaces=("plain", "secret:owner-edit:encrypted"),
                                                  create_flags=("--readers", "secret=1,3,4"))
        rates = {"plain": [], "secret": [], "padded": []}
        padded_value = lambda j: {"v": consortium.single.value(j), "pad": "x" * 255}  # noqa: E731
        for r in range(a.rounds):
            order = ("plain", "secret", "padded") if r % 2 == 0 else ("padded", "secret", "plain")
            for series in order:
                ns = "plain" if series == "padded" else series
                ops, secs = consortium.capacity(apis, a.seconds, a.clients, a.ops_per_request, ns=ns, prefix=f"r{r}{series}",
                                                value=padded_value if series == "padded" else None)
                rates[series].append(ops / secs)
        plain, secret = statistics.median(rates["plain"]), statistics.median(rates["secret"])
        padded = statistics.median(rates["padded"])
        print(f"private records throughput (4 members on loopback, mutual TLS, {a.clients} clients x "
              f"{a.ops_per_request} ops/request, ~200 B values, block_period_ms={a.block_period_ms}, "
              f"{a.rounds} alternating rounds of {a.seconds:g} s)")
        print(f"  encrypted namespace, 3 readers: median {secret:,.0f} ops/s UNANIMOUS at all 4 "
              f"(rounds: {', '.join(f'{x:,.0f}' for x in rates['secret'])})")
        print(f"  baseline, plain namespace, same consortium, same run: median {plain:,.0f} ops/s "
              f"(rounds: {', '.join(f'{x:,.0f}' for x in rates['plain'])})")
        print(f"  plain values padded to the envelope's size, same run: median {padded:,.0f} ops/s "
              f"(rounds: {', '.join(f'{x:,.0f}' for x in rates['padded'])})")
        print(f"  ratio encrypted / plain: {secret / plain:.2f} (aim: at least 0.8)")
        print(f"  ratio encrypted / plain of the same stored size: {secret / padded:.2f} (the cost of the cryptography alone)")
        json.dump({"encrypted_ops_per_s": secret, "plain_ops_per_s": plain, "padded_plain_ops_per_s": padded,
                   "ratio": secret / plain, "ratio_same_size": secret / padded, "rounds": rates},
                  open(os.environ.get("NODE_BENCH_OUT", os.devnull), "w"))
    finally:
        consortium.stop_consortium(procs, wd)


if __name__ == "__main__":
    main()
