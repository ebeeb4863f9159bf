#!/usr/bin/env python3
"""A real 4-member consortium changes itself under continuous writes (PROTOCOL.md §5.3):
- SET_PARAMS of block_period_ms, approved by every member, takes effect at one height everywhere;
- SET_RULE creates a table whose writers leave out member 4: its writes there are refused (403);
- ADD of a fifth member: its node starts from the genesis consortium file and the address of a
  member, catches up across the epoch changes, and seals from the activation height, so blocks
  need 5 seals to be UNANIMOUS;
- ROTATE_KEY of member 2, with `kill -9` of member 2 between its approval and the activation: it
  restarts holding both keys and signs with the new one from the activation height;
- REMOVE of member 4 while it is down: it cannot block its own removal, and the others go on;
- no acknowledged write is lost, every member ends on identical blocks, `peerdb audit` passes on
  every member across all epochs, and each node's FINAL height equals the one the light client
  computes through `peerdb audit`."""
import json
import os
import random
import shutil
import threading
import time

import harness as h

NAMES = ["Bank A", "Bank B", "Bank C", "Regulator"]


def status(node):
    return h.status(node)


def changes(node):
    code, body = node.get("/v1/changes")
    h.check(code == 200, f"GET /v1/changes at {node.url}: {code} {body}")
    return body


def propose(node, ops, expect=200):
    code, body = node.post("/v1/changes", {"ops": ops})
    h.check(code == expect, f"POST /v1/changes {ops} at {node.url}: {code} {body}")
    return body


def approve(node, change_id, expect=200):
    # A member can approve once it holds the block carrying the change.
    h.wait_for(f"change {change_id[:16]} pending at {node.url}",
               lambda: (changes(node)["pending"] or {}).get("change_id") == change_id, timeout=60)
    code, body = node.post(f"/v1/changes/{change_id}/approve", {})
    h.check(code == expect, f"approve {change_id[:16]} at {node.url}: {code} {body}")
    return body


def epoch_of(node):
    try:
        return status(node)["epoch"]
    except (OSError, AssertionError):
        return -1


def wait_epoch(nodes, epoch, timeout=90):
    for n in nodes:
        h.wait_for(f"epoch {epoch} at {n.url}", lambda: epoch_of(n) >= epoch, timeout=timeout)


def card_of(member_dir):
    with open(os.path.join(member_dir, "member.json")) as f:
        return json.load(f)


class Writers:
    """Puts keys into `books` at random live members until stopped; remembers every acknowledged one."""

    def __init__(self, nodes):
        self.nodes = nodes
        self.live = set(range(len(nodes)))
        self.acked = {}
        self.errors = 0
        self.stop_flag = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        rnd = random.Random(7)
        i = 0
        while not self.stop_flag:
            with self.lock:
                live = sorted(self.live)
            n = self.nodes[rnd.choice(live)]
            key, value = f"w-{i}", {"i": i}
            i += 1
            try:
                code, _ = n.request("POST", "/v1/tx", {"ops": [{"op": "put", "ns": "books", "key": key, "value": value}]},
                                    conn=n.conn(timeout=30))
            except OSError:
                code = 0
            if code == 200:
                self.acked[key] = value
            else:
                self.errors += 1

    def set_live(self, indexes):
        with self.lock:
            self.live = set(indexes)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stop_flag = True
        self.thread.join(timeout=60)


def main():
    h.parse_args()
    with h.Workdir("governance") as wd:
        chain = h.Devchain(wd)
        anchor = h.anchor_settings(chain)
        members = h.make_members(wd, NAMES, extra=anchor)
        nodes = [m.node for m in members]
        for n in nodes:
            n.start(wait=False)
        for n in nodes:
            n.wait_ready()
        writers = Writers(nodes)
        writers.start()

        # 1. SET_PARAMS: block_period_ms 100 -> 50, approved by all four.
        res = propose(nodes[0], [{"set_params": {"block_period_ms": 50}}])
        cid = res["change_id"]
        h.check(any("block_period_ms 100 -> 50" in line for line in res["diff"]), f"diff: {res['diff']}")
        # The answer comes once member 1 committed the block; member 2 commits it on its own time.
        h.wait_for("member 2 to see the change pending",
                   lambda: (changes(nodes[1])["pending"] or {}).get("change_id") == cid, timeout=30)
        propose(nodes[1], [{"set_params": {"block_period_ms": 70}}], expect=409)  # one change at a time
        for n in nodes:
            approve(n, cid)
        wait_epoch(nodes, 1)
        for n in nodes:
            h.check(changes(n)["pending"] is None, f"change still pending at {n.url}")
        print("ok: SET_PARAMS activated at every member")

        # 2. SET_RULE: a table member 4 may not write.
        res = propose(nodes[1], [{"set_rule": {"ns": "restricted", "mode": "owner-edit", "writers": [1, 2, 3],
                                               "editors": [], "readers": [], "encrypted": False}}])
        for n in nodes:
            approve(n, res["change_id"])
        wait_epoch(nodes, 2)
        code, body = nodes[3].post("/v1/tx", {"ops": [{"op": "put", "ns": "restricted", "key": "r", "value": 1}]})
        h.check(code == 403 and body["error"]["code"] == "forbidden", f"member 4's write to restricted: {code} {body}")
        code, body = nodes[0].post("/v1/tx", {"ops": [{"op": "put", "ns": "restricted", "key": "r", "value": 1}]})
        h.check(code == 200, f"member 1's write to restricted: {code} {body}")
        print("ok: SET_RULE activated; member 4 is refused in 'restricted'")

        # 3. ADD a fifth member; its node joins from the genesis file and one member's address.
        m5_dir = wd / "m5"
        os.makedirs(m5_dir, exist_ok=True)
        m5_port = h.free_port()
        h.run("keygen", "--name", "Auditor", "--contact", "audit@auditor.example", "--out",
              os.path.join(m5_dir, "member"), "--address", f"127.0.0.1:{m5_port}")
        res = propose(nodes[2], [{"add_member": {"card": card_of(os.path.join(m5_dir, "member"))}}])
        new_id = changes(nodes[0])["next_member_id"]
        h.check(new_id == 5, f"the newcomer would get id {new_id}")
        for n in nodes:
            approve(n, res["change_id"])
        wait_epoch(nodes, 3)
        activation = status(nodes[0])["epoch_start_height"]
        n5 = h.Node(h._Dir(m5_dir), log_level="info",
                    extra=f'member_id = 5\npeer_listen = "127.0.0.1:{m5_port}"\n{anchor}')
        shutil.copy(wd / "consortium.toml", os.path.join(m5_dir, "consortium.toml"))
        n5.start()
        h.wait_for("member 5 catches up past the activation", lambda: status(n5)["head_height"] > activation + 2,
                   timeout=120)
        h.check(status(n5)["self_member"], "member 5 does not see itself as a member")
        h.wait_for("member 5 seals", lambda: any(m["id"] == 5 and m["last_sealed_height"] > activation
                                                 for m in status(nodes[0])["members"]), timeout=60)
        nodes.append(n5)
        writers.nodes = nodes
        writers.set_live(range(5))
        # Blocks of epoch 3 need 5 seals to be UNANIMOUS.
        unanimous = h.wait_for("a unanimous block in epoch 3",
                               lambda: (lambda u: u if u >= activation else None)(status(nodes[0])["unanimous_height"]))
        code, block = nodes[0].get(f"/v1/blocks/{unanimous}")
        h.check(code == 200 and len(block["seals"]) >= 5, f"block {unanimous} has {len(block.get('seals', []))} seals")
        print(f"ok: member 5 joined at height {activation}, caught up and seals")

        # 4. ROTATE_KEY of member 2, with kill -9 of member 2 between its approval and the activation.
        m2 = members[1]
        h.run("keygen", "--name", NAMES[1], "--contact", "ops@bank-b.example", "--out", os.path.join(m2.dir, "next"),
              "--address", f"127.0.0.1:{m2.peer_port}")
        toml = os.path.join(m2.dir, "node.toml")
        with open(toml) as f:
            text = f.read()
        with open(toml, "w") as f:  # top-level settings go before the [anchor] table
            f.write('next_key = "next/member.key"\n' + text)
        nodes[1].stop()
        nodes[1].start()
        res = propose(nodes[0], [{"rotate_key": {"id": 2, "card": card_of(os.path.join(m2.dir, "next"))}}])
        approve(nodes[1], res["change_id"])
        nodes[1].kill9()
        writers.set_live([0, 2, 3, 4])
        for i in (0, 2, 3, 4):
            approve(nodes[i], res["change_id"])
        wait_epoch([nodes[i] for i in (0, 2, 3, 4)], 4)
        rotated_at = status(nodes[0])["epoch_start_height"]
        nodes[1].start()
        writers.set_live(range(5))
        h.wait_for("member 2 seals with its new key", lambda: any(
            m["id"] == 2 and m["last_sealed_height"] > rotated_at for m in status(nodes[0])["members"]),
            timeout=90)
        print(f"ok: member 2 rotated its key at height {rotated_at} across a kill -9")

        # 5. REMOVE member 4 while it is down.
        writers.set_live([0, 1, 2, 4])
        nodes[3].kill9()
        res = propose(nodes[4], [{"remove_member": 4}])
        for i in (0, 1, 2, 4):
            approve(nodes[i], res["change_id"])
        live = [nodes[i] for i in (0, 1, 2, 4)]
        wait_epoch(live, 5)
        removed_at = status(nodes[0])["epoch_start_height"]
        h.wait_for("unanimity without member 4", lambda: status(nodes[0])["unanimous_height"] > removed_at, timeout=60)
        print(f"ok: member 4 removed at height {removed_at} while down; blocks stay UNANIMOUS")

        # 6. Nothing acknowledged is lost; identical blocks; audits pass; FINAL agrees with the light client.
        writers.stop()
        h.check(len(writers.acked) >= 20, f"only {len(writers.acked)} writes were acknowledged ({writers.errors} refused)")
        top = min(status(n)["head_height"] for n in live)
        ids = {n.url: nodes[0].get(f"/v1/blocks/{top}")[1]["id"] for n in live}
        for n in live:
            code, block = n.get(f"/v1/blocks/{top}")
            h.check(code == 200 and block["id"] == ids[nodes[0].url], f"{n.url} holds another block at {top}")
        for key, value in writers.acked.items():
            for n in live:
                code, body = n.get(h.kv_path("books", key) + "?min_status=majority")
                h.check(code == 200 and body["value"] == value, f"acknowledged {key} missing at {n.url}: {code} {body}")
        target = max(status(n)["head_height"] for n in live)

        def final_everywhere():
            chain.mine(1)
            return all(status(n)["final_height"] >= target for n in live)
        h.wait_for("FINAL across every epoch at every live member", final_everywhere, timeout=120, interval=0.5)
        for n in live:
            h.wait_for(f"{n.url}: FINAL equals the light client's",
                       lambda: h.final_matches_light_client(n, chain), timeout=60, interval=0.5)
        for n in live:
            n.stop()
        for n in live:
            p = h.run("audit", "--db", n.db, "--json", check=False)
            h.check(p.returncode == 0, f"audit of {n.db} failed:\n{p.stdout}\n{p.stderr}")
            report = json.loads(p.stdout)
            h.check(len(report.get("activations", [])) == 5,
                    f"audit of {n.db} lists {len(report.get('activations', []))} activations, not 5")
        print(f"ok: {len(writers.acked)} acknowledged writes at every member; identical blocks; audits pass")
        chain.stop()


if __name__ == "__main__":
    main()
