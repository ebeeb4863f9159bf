#!/usr/bin/env python3
"""A real node receives 10,000 operations through the API while it is killed with SIGKILL at random
moments several times. Every operation the API acknowledged as committed must be present after
restart, and `peerdb audit` must pass on the resulting database, also as the last kill left it.
The node writes its state tree's rows every 7 blocks (state_tree_flush_blocks), so the kills land
between flushes and each start replays the blocks since the last one into the tree."""
import os
import random
import threading
import time

import harness as h

TOTAL_OPS = 10_000
OPS_PER_REQUEST = 20
CLIENTS = 4
KILLS = int(os.environ.get("PEERDB_CRASH_KILLS", "4"))


def main():
    h.parse_args()
    seed = int(os.environ.get("PEERDB_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    print(f"seed {seed} (set PEERDB_SEED to replay the kill schedule)")
    with h.Workdir("crash") as wd:
        h.make_consortium(wd, namespaces=("ledger",), block_period_ms=100)
        node = h.Node(wd, extra="state_tree_flush_blocks = 7\n").start()
        requests = [list(range(i, i + OPS_PER_REQUEST)) for i in range(0, TOTAL_OPS, OPS_PER_REQUEST)]
        todo = list(range(len(requests)))
        acked = {}  # request index -> receipt
        lock = threading.Lock()
        node_up = threading.Event()
        node_up.set()
        stop = threading.Event()

        def value_of(i):
            return {"i": i, "memo": f"entry {i} " + "x" * (i % 97)}

        def client():
            conn = None
            while not stop.is_set():
                with lock:
                    if not todo:
                        return
                    req = todo.pop(0)
                body = {"ops": [{"op": "put", "ns": "ledger", "key": f"k{i}", "value": value_of(i)} for i in requests[req]]}
                try:
                    node_up.wait()
                    conn = conn or node.conn(timeout=30)
                    status, resp = node.post("/v1/tx", body, conn=conn)
                    if status == 200 and resp.get("status") == "committed":
                        with lock:
                            acked[req] = resp
                        continue
                    # A 409 here would mean a request lost its seq to a batch of a block signed
                    # before a crash; the node takes such batches back into its mempool instead.
                    if status != 503:
                        raise AssertionError(f"unexpected answer {status}: {resp}")
                except (OSError, ConnectionError, TimeoutError):
                    pass
                if conn:
                    conn.close()
                    conn = None
                with lock:
                    todo.append(req)  # not acknowledged: submit again (a put of the same value is harmless)
                time.sleep(0.05)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        kills = 0
        while kills < KILLS and any(t.is_alive() for t in threads):
            time.sleep(rng.uniform(0.2, 1.2))
            with lock:
                done = len(acked)
            if done == len(requests):
                break
            node_up.clear()
            node.kill9()
            kills += 1
            print(f"kill -9 #{kills} after {done} acknowledged requests")
            node.start()
            node_up.set()
        for t in threads:
            t.join(timeout=600)
            h.check(not t.is_alive(), "client thread hung")
        h.check(len(acked) == len(requests), f"only {len(acked)} of {len(requests)} requests acknowledged")
        h.check(kills >= min(KILLS, 1), "the node was never killed")

        # One more kill right after the last acknowledgement: it must not lose anything either, and
        # the audit checks the store as the kill left it (its tree rows a few blocks behind the head).
        node.kill9()
        audit = h.run("audit", "--db", node.db, "--consortium", wd / "consortium.toml")
        h.check("audit passed" in audit.stdout, "audit after kill -9: " + audit.stdout)
        node.start()
        conn = node.conn()
        for req, receipt in acked.items():
            for i in requests[req]:
                status, got = node.get(h.kv_path("ledger", f"k{i}"), conn=conn)
                h.check(status == 200, f"acknowledged op k{i} (block {receipt['height']}) missing after restart: {status} {got}")
                h.check(got["value"] == value_of(i), f"k{i} holds {got['value']}")
                h.check(got["height"] >= 1, "value without a block")
        conn.close()
        status, st = node.get("/v1/status")
        print(f"{TOTAL_OPS} ops acknowledged and present; head height {st['head_height']}, {kills} kills")
        node.stop()
        audit = h.run("audit", "--db", node.db, "--consortium", wd / "consortium.toml")
        h.check("audit passed" in audit.stdout, audit.stdout)
        print(audit.stdout.strip())


if __name__ == "__main__":
    main()
