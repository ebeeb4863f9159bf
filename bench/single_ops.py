#!/usr/bin/env python3
"""Single-operation requests at the consortium (issue 16's workload as a new user measures it).
Four member nodes (real `peerdb node` processes, release build, mutual TLS on loopback),
block_period_ms 20. Applications send one PUT of a ~200-byte value per request:
1. Load: wrk (a native load generator) with CONNECTIONS keep-alive connections spread evenly over
   the four members, for SECONDS; requests/s answered as committed (the node answers only once the
   batch is durably in a block) and wrk's latency percentiles (request to committed answer).
   Run at 256 and at 64 connections.
2. One client alone, sequential: per request, the time to the committed answer, and to its block
   being UNANIMOUS at all four members (each member's status polled). p50 and p99.
3. Baseline in the same run: the same consortium under the batched load of
   consortium_throughput.py (32 clients x 500 puts per request), in operations per second.
Prints each figure and the ratio single-operation requests/s to batched operations/s.
Usage: single_ops.py PEERDB [--seconds N] [--block-period-ms N] [--alone N]"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consortium_throughput as consortium  # noqa: E402

WRK_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk_put.lua")


def wrk_load(apis, connections, seconds, tag):
    """Runs one wrk per member with connections / 4 each; returns (requests/s, p50 ms, p99 ms, errors)."""
    per = max(1, connections // len(apis))
    procs = [subprocess.Popen(["wrk", "-t1", f"-c{per}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "--latency", "-s", WRK_SCRIPT,
                               f"http://127.0.0.1:{port}/v1/tx", "--", f"{tag}{i}"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i, port in enumerate(apis)]
    outs = [p.communicate()[0] for p in procs]
    rate, p50s, p99s, errors = 0.0, [], [], 0
    for out in outs:
        m = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if not m:
            sys.exit("wrk printed no rate:\n" + out)
        rate += float(m.group(1))
        p50s.append(parse_ms(re.search(r"\s50%\s+(\S+)", out).group(1)))
        p99s.append(parse_ms(re.search(r"\s99%\s+(\S+)", out).group(1)))
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        errors += int(bad.group(1)) if bad else 0
        sock = re.search(r"Socket errors: (.*)", out)
        if sock:
            errors += sum(int(x) for x in re.findall(r"\d+", sock.group(1)))
    return rate, statistics.median(p50s), max(p99s), errors


def parse_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def alone(apis, count):
    """One client, sequential PUTs at member 1: ms to the committed answer and to UNANIMOUS at all four."""
    conn = http.client.HTTPConnection("127.0.0.1", apis[0], timeout=60)
    status_conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=60) for p in apis]
    committed, unanimous = [], []
    for i in range(count):
        body = json.dumps({"op": "put", "ns": "bench", "key": f"alone-{i}", "value": consortium.single.value(i)})
        start = time.perf_counter()
        conn.request("POST", "/v1/tx", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        payload = json.loads(r.read())
        if r.status != 200:
            sys.exit(f"a request was refused: {payload}")
        committed.append((time.perf_counter() - start) * 1000)
        height = payload["height"]
        for c in status_conns:
            while consortium.status(None, c)["unanimous_height"] < height:
                pass
        unanimous.append((time.perf_counter() - start) * 1000)
    return committed, unanimous


def warm_up(apis):
    """One write through every member, UNANIMOUS at all four: every peer link is up and every member
    at the head before a load starts (a member still catching up would be measured, not the load)."""
    height = 0
    for i, port in enumerate(apis):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps({"op": "put", "ns": "bench", "key": f"warm-{i}", "value": consortium.single.value(i)})
        conn.request("POST", "/v1/tx", body=body, headers={"Content-Type": "application/json"})
        height = max(height, json.loads(conn.getresponse().read())["height"])
    consortium.unanimous_everywhere(apis, height)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peerdb")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--block-period-ms", type=int, default=20)
    ap.add_argument("--alone", type=int, default=200, help="sequential requests of the one-client run")
    a = ap.parse_args()
    wd = tempfile.mkdtemp(prefix="peerdb-single-")
    procs = []
    try:
        apis, procs = consortium.start_consortium(a.peerdb, wd, a.block_period_ms)
        warm_up(apis)
        many = wrk_load(apis, 256, a.seconds, "c256-")
        some = wrk_load(apis, 64, a.seconds, "c64-")
        committed, unanimous = alone(apis, a.alone)
        ops, secs = consortium.capacity(apis, a.seconds, 32, 500, prefix="batched")
        batched = ops / secs
        print(f"single-operation requests (4 members on loopback, mutual TLS, ~200 B values, "
              f"block_period_ms={a.block_period_ms}, wrk, {a.seconds:g} s per load)")
        for conns, (rate, p50, p99, errors) in ((256, many), (64, some)):
            print(f"  {conns} connections over 4 members: {rate:,.0f} committed requests/s, p50 {p50:.1f} ms, "
                  f"p99 {p99:.1f} ms (request to committed answer){f', {errors} errors' if errors else ''}")
        print(f"  one client alone, {a.alone} sequential requests: committed answer p50 {pct(committed, 0.5):.1f} ms, "
              f"p99 {pct(committed, 0.99):.1f} ms; UNANIMOUS at all 4 p50 {pct(unanimous, 0.5):.1f} ms, "
              f"p99 {pct(unanimous, 0.99):.1f} ms")
        print(f"  baseline, batched (32 clients x 500 puts per request), same consortium, same run: {batched:,.0f} ops/s")
        print(f"  ratio single-operation requests/s (256 connections) / batched ops/s: {many[0] / batched:.2f}")
        json.dump({"c256": many, "c64": some, "alone_committed_ms": [pct(committed, 0.5), pct(committed, 0.99)],
                   "alone_unanimous_ms": [pct(unanimous, 0.5), pct(unanimous, 0.99)], "batched_ops_per_s": batched},
                  open(os.environ.get("NODE_BENCH_OUT", os.devnull), "w"))
    finally:
        consortium.stop_consortium(procs, wd)


if __name__ == "__main__":
    main()
