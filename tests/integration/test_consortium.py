#!/usr/bin/env python3
"""Four members (three banks and a regulator) run real `peerdb node` processes on 127.0.0.1 with
mutually authenticated TLS between them (PROTOCOL.md §2-§6):
- operations submitted at any member commit at every member, and the blocks become UNANIMOUS;
- `kill -9` of one member: the rest continue at MAJORITY and raise A4 SILENT_MEMBER naming it;
- restarting it: it catches up, seals the missed heights, the blocks become UNANIMOUS, then FINAL
  once the devchain mines the anchors;
- a node holding a key that is not a member's is refused by every member's transport;
- a member running the test-only double-seal mode is caught by every honest member with E4
  evidence that `peerdb audit` verifies, and its signatures stop counting;
- once it is excluded and stops sealing, the honest members' blocks still become FINAL when
  anchored, and each honest node's FINAL height equals the one consensus::LightClient computes
  (through `peerdb audit`) over that node's chain, anchors and evidence."""
import json
import os
import subprocess
import time

import harness as h

NAMES = ["Bank A", "Bank B", "Bank C", "Regulator"]


def put(node, key, value, ns="books"):
    code, body = node.post("/v1/tx", {"ops": [{"op": "put", "ns": ns, "key": key, "value": value}]})
    h.check(code == 200, f"put {key} at {node.url}: {code} {body}")
    return body


def value_at(node, key, ns="books"):
    code, body = node.get(h.kv_path(ns, key))
    return body if code == 200 else None


def alerts(node, code):
    return [a for a in h.status(node)["alerts"] if a["code"].startswith(code)]


def main():
    h.parse_args()
    with h.Workdir("consortium") as wd:
        chain = h.Devchain(wd)
        anchor = h.anchor_settings(chain)
        members = h.make_members(wd, NAMES, extra=anchor)
        nodes = [m.node for m in members]
        try:
            for n in nodes:
                n.start(wait=False)
            for n in nodes:
                n.wait_ready()

            # 1. Operations submitted at any member commit at every member.
            for i, n in enumerate(nodes):
                put(n, f"entry-{i}", {"from": NAMES[i], "amount": 100 + i})
            for i in range(len(nodes)):
                for n in nodes:
                    h.wait_for(f"entry-{i} at {n.url}", lambda: value_at(n, f"entry-{i}"), timeout=30)
            head = h.status(nodes[0])["head_height"]
            for n in nodes:
                h.wait_for("UNANIMOUS blocks", lambda: h.status(n)["unanimous_height"] >= head, timeout=30)
            print(f"ok: 4 ops submitted at 4 members committed at all; UNANIMOUS up to {head}")

            # 2. kill -9 the regulator: the rest continue at MAJORITY and raise A4 naming it.
            nodes[3].kill9()
            receipt = put(nodes[0], "after-kill", {"note": "regulator down"})
            h.check(receipt["block_status"] in ("MAJORITY", "UNANIMOUS"), f"receipt {receipt}")
            for n in nodes[:3]:
                h.wait_for("after-kill committed", lambda: value_at(n, "after-kill"), timeout=30)
            for n in nodes[:3]:
                a4 = h.wait_for("A4 naming the regulator", lambda: alerts(n, "A4"), timeout=30)
                h.check(4 in a4[0]["members"], f"A4 names {a4[0]['members']}")
                s = h.status(n)
                h.check(s["unanimous_height"] < s["head_height"], f"UNANIMOUS must stall: {s['unanimous_height']}")
            out = h.run("status", "--api", nodes[0].url).stdout
            h.check("A4" in out and "Regulator" in out and "ops@regulator.example" in out, f"status table:\n{out}")
            print("ok: MAJORITY continues without the regulator; A4 names it with its contact")

            # 3. Restart it: catch-up, late seals, UNANIMOUS, then FINAL after mining.
            nodes[3].start()
            h.wait_for("regulator caught up", lambda: value_at(nodes[3], "after-kill"), timeout=60)
            target = h.status(nodes[0])["head_height"]
            for n in nodes:
                h.wait_for("UNANIMOUS after catch-up", lambda: h.status(n)["unanimous_height"] >= target, timeout=60)
            for n in nodes[:3]:
                h.wait_for("A4 cleared", lambda: not alerts(n, "A4"), timeout=30)

            def final_everywhere():
                chain.mine(1)
                return all(h.status(n)["final_height"] >= target for n in nodes)
            h.wait_for("FINAL after anchoring", final_everywhere, timeout=90, interval=0.5)
            print(f"ok: the restarted member caught up and sealed; blocks up to {target} are UNANIMOUS and FINAL")

            # 4. A key that is not a member's is refused by every member's transport.
            impostor_dir = wd / "impostor"
            h.run("keygen", "--name", "Impostor", "--contact", "x@evil.example", "--out", impostor_dir + "/member",
                  "--address", f"127.0.0.1:{h.free_port()}")
            cards = [os.path.join(m.dir, "member/member.json") for m in members[:3]] + [impostor_dir + "/member/member.json"]
            args = ["consortium", "create", "--out", impostor_dir + "/consortium.toml", "--namespace", "books"]
            for c in cards:
                args += ["--member", c]
            h.run(*args)
            # The impostor claims Bank A..C's addresses and keys in its own consortium file, so it dials them.
            impostor = h.Node(h._Dir(impostor_dir), log_level="info")
            impostor.start()
            time.sleep(3)
            s = h.status(impostor)
            h.check(not any(m["connected"] for m in s["members"] if not m["self"]), f"impostor connected: {s['members']}")
            for m in members[:3]:
                log = open(os.path.join(m.dir, "node.log")).read()
                h.check("refused" in log, f"{m.name} did not log a refusal")
            impostor.stop()
            print("ok: a non-member key is refused by every member")

            # 5. Double-seal: restart Bank C in the test-only byzantine mode.
            nodes[2].stop()
            toml = os.path.join(members[2].dir, "node.toml")
            text = open(toml).read()
            with open(toml, "w") as f:  # a top-level key: before the [anchor] table
                f.write('testing_byzantine = "double-seal"\n' + text)
            nodes[2].start()
            put(nodes[0], "during-byzantine", {"note": "Bank C double-seals"})
            for n in (nodes[0], nodes[1], nodes[3]):
                ev = h.wait_for("E4 evidence", lambda: [e for e in n.get("/v1/evidence")[1]["evidence"]
                                                        if e["kind"].startswith("E4") and e["offender"] == 3], timeout=60)
                h.wait_for("Bank C excluded", lambda: [m for m in h.status(n)["members"] if m["id"] == 3 and m["excluded"]],
                           timeout=30)
                h.check(alerts(n, "A3"), "A3 EQUIVOCATION raised")
            out = h.run("evidence", "--api", nodes[0].url, "--out", wd / "evidence.json").stdout
            h.check("E4 DOUBLE_SEAL" in out and "member 3" in out, out)
            # Evidence is recorded in a block; the audit verifies it standalone.
            h.wait_for("evidence recorded", lambda: audit_mentions_evidence(nodes[0]), timeout=60, interval=0.5)
            print("ok: the double-sealer is caught with E4 evidence, excluded, and the audit verifies the evidence")

            # 6. The excluded member stops sealing: blocks still become FINAL at every honest member
            # (Req no longer includes it), and each node's FINAL equals the light client's.
            nodes[2].kill9()
            honest = (nodes[0], nodes[1], nodes[3])
            for i in range(3):
                put(honest[i], f"after-exclusion-{i}", {"note": "Bank C excluded and silent"})
            target = max(h.status(n)["head_height"] for n in honest)
            for n in honest:
                h.wait_for("UNANIMOUS without the excluded member",
                           lambda: h.status(n)["unanimous_height"] >= target, timeout=60)

            def final_at_honest():
                chain.mine(1)
                return all(h.status(n)["final_height"] >= target for n in honest)
            h.wait_for("FINAL after the exclusion", final_at_honest, timeout=90, interval=0.5)
            for n in honest:
                h.wait_for(f"{n.url}: FINAL equals the light client's",
                           lambda: h.final_matches_light_client(n, chain), timeout=60, interval=0.5)
            print(f"ok: with the excluded member silent, blocks up to {target} are FINAL at every honest member, "
                  "as the light client computes")
        finally:
            for n in nodes:
                n.stop() if n.proc and n.proc.poll() is None else None
            chain.stop()


def audit_mentions_evidence(node):
    p = h.run("audit", "--db", node.db, check=False)
    return p.returncode == 0 and "evidence" in p.stdout and "E4" in p.stdout


if __name__ == "__main__":
    main()
