#!/usr/bin/env python3
"""Node throughput: operations per second committed through the HTTP API on one member.

Starts a real `peerdb node` (release build) in a temp dir, drives it with CLIENTS concurrent
keep-alive connections posting requests of OPS_PER_REQUEST puts of ~200-byte values for SECONDS,
and counts operations acknowledged as committed (durable). The baseline, measured in the same run
on the same disk: Python's sqlite3 inserting the same rows into a WAL database with
synchronous=FULL, one transaction per block-sized chunk — the cost of durably storing the data
alone, without encoding, signatures, state tree or HTTP. Prints both and their ratio.
Usage: node_throughput.py PEERDB_BINARY [--seconds N] [--clients N] [--ops-per-request N]"""
import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def value(i):
    # ~200 bytes of JSON per operation value
    return {"account": f"ACC-{i:09d}", "amount": i * 7 % 100000, "currency": "EUR", "memo": "x" * 120}


def start_node(peerdb, wd, block_period_ms, log_level="warn"):
    """Starts a one-member consortium's node in `wd` and waits until its API answers: (process, API port)."""
    subprocess.run([peerdb, "keygen", "--name", "Bench", "--contact", "bench", "--out", f"{wd}/m"], check=True,
                   capture_output=True)
    subprocess.run([peerdb, "consortium", "create", "--member", f"{wd}/m/member.json", "--namespace", "bench",
                    "--block-period-ms", str(block_period_ms), "--out", f"{wd}/c.toml"], check=True, capture_output=True)
    port = free_port()
    with open(f"{wd}/node.toml", "w") as f:
        f.write(f'consortium = "c.toml"\nkey = "m/member.key"\ndata_dir = "data"\napi_listen = "127.0.0.1:{port}"\n'
                f'log_level = "{log_level}"\n')
    return restart_node(peerdb, wd, port), port


def restart_node(peerdb, wd, port):
    """Starts the node configured in `wd` and waits until its API answers."""
    log = open(f"{wd}/node.log", "a")
    proc = subprocess.Popen([peerdb, "node", "--config", f"{wd}/node.toml"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 600
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the node exited with {proc.returncode}; see {wd}/node.log")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/v1/status")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.02)
    sys.exit("the node did not answer within 600 s")


def run_node_load(peerdb, wd, seconds, clients, per_request, block_period_ms):
    proc, port = start_node(peerdb, wd, block_period_ms)
    try:
        bodies = []
        for client in range(clients):
            ops = [{"op": "put", "ns": "bench", "key": f"c{client}-k{j}", "value": value(j)} for j in range(per_request)]
            bodies.append(json.dumps({"ops": ops}).encode())
        committed = [0] * clients
        blocks = set()
        stop_at = time.time() + seconds
        errors = []

        def worker(n):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while time.time() < stop_at:
                conn.request("POST", "/v1/tx", body=bodies[n], headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                payload = json.loads(r.read())
                if r.status != 200:
                    errors.append(payload)
                    return
                committed[n] += payload["ops"]
                blocks.add(payload["height"])
            conn.close()

        start = time.time()
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - start
        if errors:
            sys.exit(f"node rejected a request: {errors[0]}")
        return sum(committed), elapsed, len(blocks)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_sqlite_baseline(wd, rows, rows_per_tx):
    con = sqlite3.connect(f"{wd}/baseline.sqlite", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE state(ns TEXT, key TEXT, value BLOB, PRIMARY KEY(ns, key))")
    payload = [("bench", f"k{i}", json.dumps(value(i)).encode()) for i in range(rows)]
    start = time.time()
    for i in range(0, rows, rows_per_tx):
        con.execute("BEGIN")
        con.executemany("INSERT OR REPLACE INTO state VALUES (?, ?, ?)", payload[i:i + rows_per_tx])
        con.execute("COMMIT")
    elapsed = time.time() - start
    con.close()
    return rows, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peerdb")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--ops-per-request", type=int, default=1000)
    ap.add_argument("--block-period-ms", type=int, default=100)
    a = ap.parse_args()
    wd = tempfile.mkdtemp(prefix="peerdb-bench-")
    try:
        ops, secs, nblocks = run_node_load(a.peerdb, wd, a.seconds, a.clients, a.ops_per_request, a.block_period_ms)
        node_rate = ops / secs
        per_block = max(1, ops // max(1, nblocks))
        rows, bsecs = run_sqlite_baseline(wd, min(ops, 200_000), per_block)
        base_rate = rows / bsecs
        print(f"node throughput (1 member, {a.clients} clients x {a.ops_per_request} ops/request, "
              f"~200 B values, block_period_ms={a.block_period_ms})")
        print(f"  committed through the API: {ops} ops in {secs:.1f} s = {node_rate:,.0f} ops/s "
              f"({nblocks} blocks, ~{per_block} ops/block)")
        print(f"  baseline, raw sqlite3 WAL+FULL inserts of the same rows, {per_block} per transaction: "
              f"{base_rate:,.0f} rows/s")
        print(f"  ratio node / raw storage: {node_rate / base_rate:.2f}")
        json.dump({"node_ops_per_s": node_rate, "sqlite_rows_per_s": base_rate, "ratio": node_rate / base_rate,
                   "ops": ops, "blocks": nblocks}, open(os.environ.get("NODE_BENCH_OUT", os.devnull), "w"))
    finally:
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    main()
