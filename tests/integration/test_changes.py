#!/usr/bin/env python3
"""Changing the consortium through `peerdb change` (PROTOCOL.md §5.3, docs/user-guide.md "Changing
the consortium"), against three real member nodes:
1. member 1 proposes `--set-param block_period_ms=...`; `change list` at every member shows it
   pending with every required member missing, each with its contact, and the height it lapses at;
   a second proposal is refused (409 conflict: exit 2); approving twice is a clear error; once all
   three approved (by full id and by prefix), `peerdb status --json` shows epoch 1 at every member;
2. `--set-rule restricted:append-only --writers 1,2`: after activation member 3's put there is
   refused (exit 5, one line naming the rule) and member 1's succeeds;
3. bad input commits nothing: a parameter out of range (exit 5, the node's invalid), an unknown
   parameter name (exit 2), removing a member that does not exist (exit 5), a removal that would
   leave a rule's writers empty (exit 2), an unknown change id (exit 3), a malformed id (exit 2), a
   malformed card (exit 2);
4. member 3 leaves (it proposes its own removal; the others approve, it does not): the rule naming
   it as editor is rewritten without it in the same change, and its status says it is no longer in
   the config in force;
5. every member's database passes `peerdb audit`."""
import json
import os

import harness as h

NAMES = ["Bank A", "Bank B", "Bank C"]




def changes(node):
    return json.loads(h.ok(node, "change", "list", "--json"))


def status_json(node):
    return json.loads(h.ok(node, "status", "--json"))


def wait_epoch(nodes, epoch):
    for i, n in enumerate(nodes):
        h.wait_for(f"epoch {epoch} at member {i + 1}", lambda: status_json(n)["epoch"] == epoch, timeout=90, interval=0.2)


def wait_pending(nodes, change_id):
    """Until every node holds the block carrying the change: before, it is not pending there (404)."""
    for i, n in enumerate(nodes):
        h.wait_for(f"change {change_id[:8]} pending at member {i + 1}",
                   lambda: (changes(n)["pending"] or {}).get("change_id") == change_id, timeout=60, interval=0.1)


def approve_all(nodes, change_id):
    for n in nodes:
        h.ok(n, "change", "approve", change_id)


def set_params(nodes, contacts):
    a, b, c = nodes
    out = h.ok(a, "change", "propose", "--set-param", "block_period_ms=150")
    h.check("set block_period_ms 100 -> 150" in out and "changes      epoch 0" in out, f"propose said:\n{out}")
    change_id = changes(a)["pending"]["change_id"]
    h.check(f"change {change_id}" in out, f"propose does not name the change id:\n{out}")
    wait_pending(nodes, change_id)
    for i, n in enumerate(nodes):
        text = h.ok(n, "change", "list")
        h.check(f"pending      change {change_id}" in text and "  set block_period_ms 100 -> 150" in text,
                f"member {i + 1} lists:\n{text}")
        # Nobody approved yet, the proposer included: the node never approves on its own.
        for j, contact in enumerate(contacts):
            h.check(f"{j + 1} ({NAMES[j]})  contact: {contact}" in text, f"member {i + 1} does not list {NAMES[j]} as "
                    f"missing with its contact:\n{text}")
        h.check("lapses at    height " in text, f"no lapse height at member {i + 1}:\n{text}")
        pending = changes(n)["pending"]
        h.check([m["id"] for m in pending["missing"]] == [1, 2, 3] and pending["approved"] == [] and
                pending["expires_height"] > pending["height"], f"member {i + 1}: {pending}")
    print("ok: the proposal is pending at every member, all three missing with their contacts")

    h.refused(b, ["change", "propose", "--set-param", "block_period_ms=300"], 2, "only one change may be pending")
    h.ok(a, "change", "approve", change_id)
    h.refused(a, ["change", "approve", change_id], 2, "approved this change already")
    h.ok(b, "change", "approve", change_id[:12])  # a prefix of the pending change
    # The approvals reach member 3 by gossip, or in a block.
    h.wait_for("member 3 to see 1 and 2 approving",
               lambda: [m["id"] for m in (changes(c)["pending"] or {"missing": []})["missing"]] == [3], timeout=60,
               interval=0.1)
    h.ok(c, "change", "approve", change_id.upper())
    wait_epoch(nodes, 1)
    for i, n in enumerate(nodes):
        s = status_json(n)
        h.check(s["self_member"] and s["epoch_start_height"] > 1, f"member {i + 1}'s status: epoch {s['epoch']} from "
                f"{s['epoch_start_height']}, self_member {s['self_member']}")
        text = h.ok(n, "status")
        h.check(f"epoch     1 (since block {s['epoch_start_height']})" in text, f"status at member {i + 1}:\n{text}")
        c1 = changes(n)
        h.check(c1["pending"] is None and c1["params"]["block_period_ms"] == 150, f"member {i + 1}: {c1}")
        h.check("no change pending" in h.ok(n, "change", "list"), f"member {i + 1} still lists a change")
    print("ok: approved by all three (full id, prefix, upper case); epoch 1 with block_period_ms 150 everywhere")


def set_rule(nodes):
    a, b, c = nodes
    out = h.ok(b, "change", "propose", "--set-rule", "restricted:append-only", "--writers", "1,2")
    h.check("add rule 'restricted': append-only, writers 1,2, editors none, readers all" in out, f"propose said:\n{out}")
    change_id = changes(b)["pending"]["change_id"]
    wait_pending(nodes, change_id)
    approve_all(nodes, change_id[:8])
    wait_epoch(nodes, 2)
    h.refused(c, ["put", "restricted", "r1", '{"n": 1}'], 5, "member 3 may not write to 'restricted' (rule: writers 1, 2)")
    code, body = c.post("/v1/tx", {"op": "put", "ns": "restricted", "key": "r1", "value": 1})
    h.check(code == 403 and body["error"]["code"] == "forbidden", f"member 3's write through the API: {code} {body}")
    h.check("committed restricted/r1" in h.ok(a, "put", "restricted", "r1", '{"n": 1}'), "member 1's write")
    print("ok: rule 'restricted' in force: member 3 refused (exit 5, 403 forbidden), member 1 writes")


def bad_input(nodes, wd):
    a, b, c = nodes
    before = changes(a)
    h.refused(a, ["change", "propose", "--set-param", "block_period_ms=0"], 5, "block_period_ms must be 1..3600000")
    h.refused(a, ["change", "propose", "--set-param", "block_period=5"], 2, "unknown parameter 'block_period' (names: ")
    h.refused(a, ["change", "propose", "--set-param", "block_period_ms=fast"], 2, "'fast' is not a whole number")
    h.refused(a, ["change", "propose", "--remove-member", "99"], 5, "cannot remove member 99: not a member")
    h.refused(a, ["change", "propose", "--remove-member", "1", "--remove-member", "2"], 2,
            "rule 'restricted' would have no writers left")
    h.refused(a, ["change", "approve", "00" * 32], 3, "is not pending")
    h.refused(a, ["change", "approve", "abc"], 2, "CHANGE_ID 'abc' must be the change id")
    with open(wd / "bad-card.json", "w") as f:
        f.write('{"peerdb_member_card": 1, "name": "X", "contact": "x", "pubkey": "zz", "enc_pubkey": "00"}')
    h.refused(a, ["change", "propose", "--add-member", wd / "bad-card.json"], 2, "bad-card.json: pubkey")
    after = changes(a)
    h.check(after["pending"] is None and after["epoch"] == before["epoch"], f"bad input left {after}")
    code, body = a.post("/v1/changes", {"ops": [{"remove_member": "three"}]})
    h.check(code == 400 and body["error"]["code"] == "malformed", f"a bad body: {code} {body}")
    print("ok: bad input refused with one line and the right exit code; nothing committed")


def leave(nodes):
    a, b, c = nodes
    out = h.ok(c, "change", "propose", "--remove-member", "3")
    # The rule naming member 3 is rewritten without it first, in the same change.
    h.check("  change rule 'shared': owner-edit, writers all, editors 3, readers all -> owner-edit, writers all, editors "
            "none, readers all\n  remove member 3 (Bank C)\n" in out, f"propose said:\n{out}")
    wait_pending(nodes, changes(c)["pending"]["change_id"])
    pending = changes(a)["pending"]
    h.check(pending["targets"] == [3] and [m["id"] for m in pending["missing"]] == [1, 2], f"leaving: {pending}")
    h.refused(c, ["change", "approve", pending["change_id"]], 5, "is a target of this change")
    approve_all([a, b], pending["change_id"])
    wait_epoch([a, b], 3)
    h.wait_for("member 3 follows the removal", lambda: not status_json(c)["self_member"], timeout=60, interval=0.2)
    text = h.ok(c, "status")
    h.check("NOT MEMBER this node's member 3 is not in the config in force" in text, f"member 3's status:\n{text}")
    after = changes(a)
    h.check([m["id"] for m in after["members"]] == [1, 2], f"members after the removal: {after['members']}")
    h.check([r["editors"] for r in after["rules"] if r["ns"] == "shared"] == [[]], f"rules: {after['rules']}")
    code, body = c.post("/v1/changes", {"ops": [{"set_params": {"block_period_ms": 200}}]})
    h.check(code == 403, f"a proposal by the removed member: {code} {body}")
    h.check("committed books/after" in h.ok(b, "put", "books", "after", '{"n": 2}'), "a write after the removal")
    print("ok: member 3 left (its own removal, approved by the other two); its status says it is not a member")


def main():
    h.parse_args()
    with h.Workdir("changes") as wd:
        members = h.make_members(wd, NAMES, namespaces=("books", "shared"), rule_flags=("--editors", "shared=3"),
                                 heartbeat_ms=1000, log_level="info")
        contacts = [f"ops@{n.lower().replace(' ', '-')}.example, +44 20 7946 000{i}" for i, n in enumerate(NAMES)]
        nodes = [m.node for m in members]
        for n in nodes:
            n.start(wait=False)
        for n in nodes:
            n.wait_ready()
        set_params(nodes, contacts)
        set_rule(nodes)
        bad_input(nodes, wd)
        leave(nodes)
        for n in nodes:
            n.stop()
        for i, n in enumerate(nodes):
            p = h.run("audit", "--db", n.db, check=False)
            h.check(p.returncode == 0, f"audit of member {i + 1} failed:\n{p.stdout}\n{p.stderr}")
        print("ok: config changes through the CLI at three members; audits pass")


if __name__ == "__main__":
    main()
