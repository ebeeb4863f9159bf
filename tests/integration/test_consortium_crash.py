#!/usr/bin/env python3
"""Durability under kill -9 in a 4-member consortium: clients submit operations to random members
while members are killed with SIGKILL at random moments and restarted (at most one down at a time,
so a majority keeps deciding). At the end:
- every operation the API acknowledged as committed is readable at every member, with the same
  value (none lost, none diverging);
- no member holds evidence: no honest member ever signed two conflicting messages, even when killed
  between signing and sending (S5: signer state is on disk before a signature leaves);
- `peerdb audit` passes on every member's database.
The kill schedule is seeded (PEERDB_SEED replays it)."""
import os
import random
import threading
import time

import harness as h

NAMES = ["Bank A", "Bank B", "Bank C", "Regulator"]
DURATION_S = float(os.environ.get("PEERDB_CRASH_SECONDS", "25"))


def main():
    h.parse_args()
    seed = int(os.environ.get("PEERDB_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    print(f"seed {seed} (set PEERDB_SEED to replay the kill schedule)")
    with h.Workdir("consortium-crash") as wd:
        members = h.make_members(wd, NAMES, namespaces=("ledger",), block_period_ms=50, round_timeout_ms=300,
                                 log_level=os.environ.get("PEERDB_LOG", "warn"))
        nodes = [m.node for m in members]
        for n in nodes:
            n.start(wait=False)
        for n in nodes:
            n.wait_ready()
        acked = {}  # key -> value
        lock = threading.Lock()
        down = set()
        stop = threading.Event()
        counter = [0]

        def client(cid):
            crng = random.Random(seed * 31 + cid)
            while not stop.is_set():
                with lock:
                    up = [i for i in range(4) if i not in down]
                    counter[0] += 1
                    k = counter[0]
                i = crng.choice(up)
                key, value = f"k{k}", {"n": k, "by": cid}
                try:
                    code, body = nodes[i].post("/v1/tx", {"ops": [{"op": "put", "ns": "ledger", "key": key, "value": value}]})
                except OSError:
                    continue  # the member died under us: not acknowledged
                if code == 200:
                    with lock:
                        acked[key] = value

        threads = [threading.Thread(target=client, args=(c,)) for c in range(6)]
        for t in threads:
            t.start()
        kills = 0
        end = time.time() + DURATION_S
        try:
            while time.time() < end:
                time.sleep(rng.uniform(0.5, 2.5))
                victim = rng.randrange(4)
                with lock:
                    down.add(victim)
                nodes[victim].kill9()
                kills += 1
                time.sleep(rng.uniform(0.1, 1.5))
                nodes[victim].start()
                with lock:
                    down.discard(victim)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        print(f"{kills} kills, {len(acked)} operations acknowledged")
        h.check(kills >= 3 and len(acked) > 50, "the run was too short to mean anything")
        # Everything acknowledged is at every member, identical.
        for i, n in enumerate(nodes):
            def all_there():
                for key, value in acked.items():
                    code, body = n.get(h.kv_path("ledger", key))
                    if code != 200:
                        return False
                    h.check(body["value"] == value, f"member {i + 1} holds {key}={body['value']}, acknowledged {value}")
                return True
            h.wait_for(f"all acknowledged operations at member {i + 1}", all_there, timeout=90, interval=0.5)
        head = max(h.status(n)["head_height"] for n in nodes)
        for n in nodes:
            h.wait_for("UNANIMOUS at the end", lambda: h.status(n)["unanimous_height"] >= head, timeout=90, interval=0.2)
        for i, n in enumerate(nodes):
            code, body = n.get("/v1/evidence")
            h.check(code == 200 and body["evidence"] == [], f"member {i + 1} holds evidence against an honest member: {body}")
        for n in nodes:
            n.stop()
        for i, n in enumerate(nodes):
            p = h.run("audit", "--db", n.db, check=False)
            h.check(p.returncode == 0, f"audit of member {i + 1} failed:\n{p.stdout}\n{p.stderr}")
        print(f"ok: {len(acked)} acknowledged operations at all 4 members after {kills} kills; no evidence; audits pass")


if __name__ == "__main__":
    main()
