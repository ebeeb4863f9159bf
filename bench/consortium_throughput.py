#!/usr/bin/env python3
"""Consortium throughput: four member nodes (real `peerdb node` processes, release build, mutual TLS
on loopback, each with its own SQLite file) on this machine.

1. Capacity: CLIENTS keep-alive connections spread over the four members post requests of
   OPS_PER_REQUEST puts of ~200-byte values for SECONDS. Counted: operations in blocks that every
   member sealed (UNANIMOUS at all four), per second of wall time from the first request until the
   last acknowledged block is UNANIMOUS everywhere.
2. Latency at half that load: requests are paced to half the measured rate; for each one, the time
   from submission until its block is UNANIMOUS (status polled every few ms at the member it went to).
   p50 and p99.
3. Baseline in the same run: the single-member node of bench/node_throughput.py under the same load
   (its figure is committed = UNANIMOUS, since its one member seals every block).
Prints the figures and the ratio consortium / single member.
Usage: consortium_throughput.py PEERDB [--seconds N] [--clients N] [--ops-per-request N]"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import node_throughput as single  # noqa: E402

NAMES = ["Bank A", "Bank B", "Bank C", "Regulator"]
LOG_LEVEL = os.environ.get("BENCH_LOG", "warn")  # "trace" logs every consensus step


def start_consortium(peerdb, wd, block_period_ms, namespaces=("bench",), create_flags=()):
    apis, procs = [], []
    for i, name in enumerate(NAMES):
        peer = single.free_port()
        subprocess.run([peerdb, "keygen", "--name", name, "--contact", "bench", "--out", f"{wd}/m{i}",
                        "--address", f"127.0.0.1:{peer}"], check=True, capture_output=True)
    args = [peerdb, "consortium", "create", "--block-period-ms", str(block_period_ms),
            "--round-timeout-ms", "2000", "--out", f"{wd}/c.toml", *create_flags]
    for ns in namespaces:
        args += ["--namespace", ns]
    for i in range(len(NAMES)):
        args += ["--member", f"{wd}/m{i}/member.json"]
    subprocess.run(args, check=True, capture_output=True)
    for i in range(len(NAMES)):
        port = single.free_port()
        shutil.copy(f"{wd}/c.toml", f"{wd}/m{i}/c.toml")
        with open(f"{wd}/m{i}/node.toml", "w") as f:
            f.write(f'consortium = "c.toml"\nkey = "member.key"\ndata_dir = "data"\n'
                    f'api_listen = "127.0.0.1:{port}"\nlog_level = "{LOG_LEVEL}"\n')
        log = open(f"{wd}/m{i}/node.log", "w")
        procs.append(subprocess.Popen([peerdb, "node", "--config", f"{wd}/m{i}/node.toml"], stdout=log,
                                      stderr=subprocess.STDOUT))
        apis.append(port)
    for port in apis:
        wait_ready(port)
    return apis, procs


def stop_consortium(procs, wd):
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(wd, ignore_errors=True)


def wait_ready(port):
    for _ in range(400):
        try:
            status(port)
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"node on port {port} did not start")


def status(port, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/v1/status")
    return json.loads(c.getresponse().read())


def unanimous_everywhere(apis, height, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(status(p)["unanimous_height"] >= height for p in apis):
            return time.time()
        time.sleep(0.01)
    sys.exit(f"blocks up to {height} did not become UNANIMOUS at every member")


def capacity(apis, seconds, clients, per_request, ns="bench", prefix="c", value=None):
    value = value or single.value
    bodies = []
    for n in range(clients):
        ops = [{"op": "put", "ns": ns, "key": f"{prefix}{n}-k{j}", "value": value(j)} for j in range(per_request)]
        bodies.append(json.dumps({"ops": ops}).encode())
    acked = [0] * clients
    top = [0] * clients
    errors = []
    stop_at = time.time() + seconds

    def worker(n):
        conn = http.client.HTTPConnection("127.0.0.1", apis[n % len(apis)], timeout=120)
        while time.time() < stop_at:
            conn.request("POST", "/v1/tx", body=bodies[n], headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            payload = json.loads(r.read())
            if r.status != 200:
                errors.append(payload)
                return
            acked[n] += payload["ops"]
            top[n] = max(top[n], payload["height"])

    start = time.time()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit(f"a member rejected a request: {errors[0]}")
    done = unanimous_everywhere(apis, max(top))
    return sum(acked), done - start


def latency(apis, rate_ops, seconds, per_request):
    """Paced requests at rate_ops; returns sorted submission-to-UNANIMOUS latencies (s)."""
    interval = per_request / rate_ops
    samples = []
    lock = threading.Lock()
    pending = []  # (member index, height, submitted_at)
    stop = threading.Event()

    def poller():
        conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=10) for p in apis]
        while not stop.is_set() or pending:
            for i, c in enumerate(conns):
                u = status(apis[i], c)["unanimous_height"]
                now = time.time()
                with lock:
                    keep = []
                    for (m, hgt, t0) in pending:
                        if m == i and hgt <= u:
                            samples.append(now - t0)
                        else:
                            keep.append((m, hgt, t0))
                    pending[:] = keep
            time.sleep(0.002)

    def submitter(n, count):
        conn = http.client.HTTPConnection("127.0.0.1", apis[n % len(apis)], timeout=120)
        next_at = time.time()
        for k in range(count):
            ops = [{"op": "put", "ns": "bench", "key": f"lat{n}-{k}-{j}", "value": single.value(j)} for j in range(per_request)]
            body = json.dumps({"ops": ops}).encode()
            time.sleep(max(0.0, next_at - time.time()))
            t0 = time.time()
            conn.request("POST", "/v1/tx", body=body, headers={"Content-Type": "application/json"})
            payload = json.loads(conn.getresponse().read())
            with lock:
                pending.append((n % len(apis), payload["height"], t0))
            next_at += interval * len(apis)

    p = threading.Thread(target=poller)
    p.start()
    per_member = max(1, int(seconds / (interval * len(apis))))
    ts = [threading.Thread(target=submitter, args=(n, per_member)) for n in range(len(apis))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    stop.set()
    p.join(timeout=120)
    return sorted(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peerdb")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--ops-per-request", type=int, default=500)
    ap.add_argument("--block-period-ms", type=int, default=100)
    a = ap.parse_args()
    wd = tempfile.mkdtemp(prefix="peerdb-cbench-")
    procs = []
    try:
        os.makedirs(f"{wd}/single")
        s_ops, s_secs, _ = single.run_node_load(a.peerdb, f"{wd}/single", a.seconds, a.clients, a.ops_per_request,
                                                a.block_period_ms)
        single_rate = s_ops / s_secs
        apis, procs = start_consortium(a.peerdb, wd, a.block_period_ms)
        ops, secs = capacity(apis, a.seconds, a.clients, a.ops_per_request)
        rate = ops / secs
        lat = latency(apis, rate / 2, a.seconds, max(1, a.ops_per_request // 10))
        p50 = lat[len(lat) // 2] if lat else float("nan")
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")
        print(f"consortium throughput (4 members on loopback, mutual TLS, {a.clients} clients x {a.ops_per_request} "
              f"ops/request, ~200 B values, block_period_ms={a.block_period_ms})")
        print(f"  committed to UNANIMOUS at all 4 members: {ops} ops in {secs:.1f} s = {rate:,.0f} ops/s")
        print(f"  latency submission -> UNANIMOUS at half that load ({rate / 2:,.0f} ops/s, {len(lat)} requests): "
              f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
        print(f"  baseline, single-member node, same load, same run: {single_rate:,.0f} ops/s")
        print(f"  ratio 4 members / 1 member: {rate / single_rate:.2f}")
        json.dump({"consortium_ops_per_s": rate, "single_ops_per_s": single_rate, "p50_ms": p50 * 1000,
                   "p99_ms": p99 * 1000}, open(os.environ.get("NODE_BENCH_OUT", os.devnull), "w"))
    finally:
        stop_consortium(procs, wd)


if __name__ == "__main__":
    main()
