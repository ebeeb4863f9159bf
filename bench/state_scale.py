#!/usr/bin/env python3
"""State at scale (issue 16 item 4): one node holding KEYS keys (default 10,000,000) against the same
node at SMALL keys (default 100,000), measured in one run.
One member (release build, block_period_ms 20; the state and its tree are per node, and four
members would only multiply the disk and the loading time by four). ~200-byte values.
1. Loads k0 .. k<KEYS-1> in requests of 2,000 puts from 4 clients; the load rate is printed per
   stage. At SMALL keys and again at KEYS keys the load pauses and the script measures:
   - the node's resident memory now (VmRSS) and its peak so far (VmHWM), from /proc;
   - write rate: SECONDS of requests of 1,000 puts to random existing keys (overwrites), 4 clients,
     in operations/s answered as committed;
   - read rate: SECONDS of wrk with 32 connections reading random existing keys (GET /v1/kv);
   - audit: while the node is stopped, `peerdb audit --db` of its store (every op of the chain so
     far): seconds, ops/s, peak RSS (wait4) and cores busy ((user + system CPU) / wall time);
   - restart: SIGTERM, exit, start again: seconds until the API answers, and until a write commits;
   - restart after a crash: 3 s of random overwrites, SIGKILL in the middle of them, start again:
     seconds until the API answers, and how many blocks the start replayed into the state tree
     (the blocks since its last generation of tree rows was written).
2. Prints the two columns and the ratios KEYS / SMALL. The aims (issue 16): RSS <= 1 GB, restart to
   serving <= 5 s, write rate within 20% of the SMALL-key rate; an audit of the 10,000,000-op chain
   with peak RSS <= 1 GB, using both cores.
Usage: state_scale.py PEERDB [--keys N] [--small N] [--seconds S]"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import node_throughput as single  # noqa: E402

WRK_GET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk_get.lua")
VALUE = '{"account":"ACC-%09d","amount":%d,"currency":"EUR","memo":"' + "x" * 120 + '"}'


def body_of(keys):
    ops = ",".join('{"op":"put","ns":"bench","key":"k%d","value":%s}' % (k, VALUE % (k, k * 7 % 100000)) for k in keys)
    return ('{"ops":[' + ops + "]}").encode()


def post(conn, body):
    conn.request("POST", "/v1/tx", body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    payload = json.loads(r.read())
    if r.status != 200:
        sys.exit(f"a request was refused: {payload}")
    return payload["ops"]


def load(port, first, last, per_request=2000, clients=4, key_of=lambda i: i):
    """Operations first .. last-1, operation i putting key k<key_of(i)>; returns seconds taken."""
    lock = threading.Lock()
    next_key = [first]

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            with lock:
                start = next_key[0]
                if start >= last:
                    return
                next_key[0] = min(last, start + per_request)
            post(conn, body_of(key_of(i) for i in range(start, next_key[0])))

    began = time.time()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.time() - began


def write_rate(port, keys, seconds, per_request=1000, clients=4):
    stop_at = time.time() + seconds
    done = [0] * clients

    def worker(n):
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while time.time() < stop_at:
            done[n] += post(conn, body_of(rng.randrange(keys) for _ in range(per_request)))

    began = time.time()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.time() - began)


def read_rate(port, keys, seconds):
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{max(1, round(seconds))}s", "-s", WRK_GET,
                          f"http://127.0.0.1:{port}/", "--", str(keys)], capture_output=True, text=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m or "Non-2xx" in out:
        sys.exit("wrk read run failed:\n" + out)
    return float(m.group(1))


def memory_mb(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            fields[key] = rest.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def dir_mb(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6


def audit(peerdb, wd):
    """`peerdb audit --db` of the stopped node's store: seconds, operations, ops/s, peak RSS (MB), cores busy."""
    began = time.time()
    p = subprocess.Popen([peerdb, "audit", "--db", f"{wd}/data/peerdb.sqlite"], stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    secs = time.time() - began
    m = re.search(r"(\d+) blocks, (\d+) operations", out)
    if os.waitstatus_to_exitcode(status) != 0 or "audit passed" not in out or not m:
        sys.exit("the audit did not pass:\n" + out)
    ops = int(m.group(2))
    return {"audit_s": secs, "audit_ops": ops, "audit_ops_per_s": ops / secs, "audit_peak_rss_mb": usage.ru_maxrss / 1024,
            "audit_cores": (usage.ru_utime + usage.ru_stime) / secs}


def describe_audit(row):
    return (f"audit of {row['audit_ops']:,} operations: {row['audit_s']:.1f} s = {row['audit_ops_per_s']:,.0f} ops/s, "
            f"peak RSS {row['audit_peak_rss_mb']:,.0f} MB, {row['audit_cores']:.2f} cores busy")


def restart(peerdb, wd, proc, port, row):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=300)
    row.update(audit(peerdb, wd))
    began = time.time()
    proc = single.restart_node(peerdb, wd, port)
    serving = time.time() - began
    post(http.client.HTTPConnection("127.0.0.1", port, timeout=300), body_of([0]))
    return proc, serving, time.time() - began


def crash_restart(peerdb, wd, proc, port, keys, clients=4, per_request=1000):
    """Random overwrites, SIGKILL after 3 s, start again: (process, seconds to serving, blocks replayed)."""
    def worker(n):
        rng = random.Random(1000 + n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            while True:
                post(conn, body_of(rng.randrange(keys) for _ in range(per_request)))
        except (OSError, http.client.HTTPException, json.JSONDecodeError):
            return  # the node was killed

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    time.sleep(3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for t in threads:
        t.join()
    log_size = os.path.getsize(f"{wd}/node.log")
    began = time.time()
    proc = single.restart_node(peerdb, wd, port)
    serving = time.time() - began
    with open(f"{wd}/node.log") as f:
        f.seek(log_size)
        m = re.search(r"replayed (\d+) blocks into the state tree", f.read())
    return proc, serving, int(m.group(1)) if m else 0


def measure(peerdb, wd, proc, port, keys, seconds):
    rss, peak = memory_mb(proc.pid)
    row = {"keys": keys, "rss_mb": rss, "peak_rss_mb": peak}
    row["write_ops_per_s"] = write_rate(port, keys, seconds)
    row["read_per_s"] = read_rate(port, keys, seconds)
    row["store_mb"] = dir_mb(f"{wd}/data")
    proc, row["restart_serving_s"], row["restart_first_write_s"] = restart(peerdb, wd, proc, port, row)
    proc, row["crash_restart_serving_s"], row["crash_replayed_blocks"] = crash_restart(peerdb, wd, proc, port, keys)
    print(f"  at {keys:,} keys: RSS {rss:,.0f} MB (peak {peak:,.0f} MB), writes {row['write_ops_per_s']:,.0f} ops/s, "
          f"reads {row['read_per_s']:,.0f}/s, store {row['store_mb']:,.0f} MB, restart to serving "
          f"{row['restart_serving_s']:.2f} s (first write committed {row['restart_first_write_s']:.2f} s); "
          f"after kill -9 during writes {row['crash_restart_serving_s']:.2f} s ({row['crash_replayed_blocks']} blocks "
          f"replayed into the state tree)", flush=True)
    print("  " + describe_audit(row), flush=True)
    return proc, row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peerdb")
    ap.add_argument("--keys", type=int, default=10_000_000)
    ap.add_argument("--small", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--block-period-ms", type=int, default=20)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (the loaded store)")
    a = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: run scripts/setup.sh")
    wd = tempfile.mkdtemp(prefix="peerdb-scale-")
    proc = None
    try:
        proc, port = single.start_node(a.peerdb, wd, a.block_period_ms, log_level="info")
        print(f"state at scale (1 member, block_period_ms={a.block_period_ms}, ~200 B values, {a.seconds:.0f} s per rate)",
              flush=True)
        rows = []
        loaded = 0
        for target in (a.small, a.keys):
            secs = load(port, loaded, target)
            print(f"  loaded k{loaded:,} .. k{target - 1:,}: {target - loaded:,} keys in {secs:.0f} s "
                  f"= {(target - loaded) / secs:,.0f} keys/s", flush=True)
            loaded = target
            proc, row = measure(a.peerdb, wd, proc, port, target, a.seconds)
            row["load_s"] = secs
            rows.append(row)
        small, big = rows
        print(f"  ratios {big['keys']:,} / {small['keys']:,} keys: writes {big['write_ops_per_s'] / small['write_ops_per_s']:.2f}, "
              f"reads {big['read_per_s'] / small['read_per_s']:.2f}, RSS {big['rss_mb'] / small['rss_mb']:.2f}, "
              f"restart {big['restart_serving_s'] / small['restart_serving_s']:.2f}, "
              f"audit ops/s {big['audit_ops_per_s'] / small['audit_ops_per_s']:.2f}")
        out = os.environ.get("SCALE_BENCH_OUT")
        if out:
            json.dump({"small": small, "big": big}, open(out, "w"), indent=1)
    finally:
        if proc and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=300)
        if a.keep:
            print(f"  kept {wd}")
        else:
            shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    main()
