#!/usr/bin/env python3
"""Private records (PROTOCOL.md §1.4), against four real member nodes on loopback: Bank A (1),
Bank B (2), Bank C (3) and the Regulator (4). `exposures` is encrypted and readable by A, C and the
Regulator; `public` is a plain namespace.
1. A and the Regulator write exposures, each value carrying a unique marker string. A, C and the
   Regulator read the plaintext (`"encrypted": true`) through the API and `peerdb get`, and its history.
2. Bank B holds every record (it seals blocks like any member) but reads only the metadata: GET and
   history answer 403 `not_a_reader` with version, owner, height, status and the envelope's hash;
   `peerdb get` exits 5 with one line. No marker is in any file of Bank B (database, WAL, log,
   an export) nor in any of its API answers (blocks included).
3. Bank B writes into exposures too: its record is sealed to the readers and itself, so it reads
   its own record while the others still see it as theirs to read.
4. Bank C restarted as a byzantine writer (test-only `testing_byzantine = "omit-reader"`): its
   envelopes leave the Regulator out. Its node accepts the write and gossips it, but no block takes
   it (C5), so no member ever commits it; its client gets 409 (not committed), while the honest
   members' writes go on.
5. Readers change (SET_RULE, approved by all four): Bank B becomes a reader and Bank C stops being
   one. A record written afterwards is read by B and refused to C; an older one stays as it was
   until its owner runs `peerdb reshare`, which writes it again as the next version for the new
   readers (B reads it, C gets nothing new). A non-owner's reshare is refused.
6. Disclosure: `peerdb disclose` at a reader writes a file; `peerdb verify-disclosure` checks it
   offline against consortium.toml alone (across the epoch the SET_RULE began); a changed byte or a
   substituted plaintext fails it; a non-reader cannot disclose.
7. Bank C restarted as a writer whose envelopes do not decrypt (test-only `testing_byzantine =
   "bad-ciphertext"`): the shape passes, so the record is committed; a reader's read answers 500
   `corrupt` naming the writer, its status raises A9 UNREADABLE_RECORD naming member 3, and writes
   go on.
8. Erasure: Bank A erases every version of exposures/bank-c with `peerdb erase` and the Regulator
   erases a plain photo through the API; a non-owner's erase and one of a missing version are
   refused. Every member then answers 410 `erased`, and once the nodes stop, no file of any member
   (database, WAL, log, Bank B's export) holds those envelopes or that photo.
9. `peerdb audit` passes at every member, and on Bank B's export, listing both erasures; the export
   with one erased op's commitment changed fails the audit."""
import json
import os
import threading
import urllib.error
import urllib.request

import harness as h

NAMES = ["Bank A", "Bank B", "Bank C", "Regulator"]
RULES = ("--readers", "exposures=1,3,4")
MARKERS = [f"MARKER-{i}-7f3a9c{i * 7919:05d}" for i in range(4)]
NEW_MARKER = "MARKER-new-reader-5be1"
PHOTO_MARKER = "PHOTO-MARKER-erase-me-41c7"


def put(node, ns, key, value):
    p = h.cli(node, "put", ns, key, json.dumps(value))
    h.check(p.returncode == 0 and "committed" in p.stdout, f"put {ns}/{key} exited {p.returncode}: {p.stdout} {p.stderr}")


def seen_by(node, ns, key):
    code, body = node.get(h.kv_path(ns, key))
    return (code, body) if code in (200, 403) else None


def write_and_read(a, b, c, reg):
    records = {"bank-c": (a, MARKERS[0]), "bank-b": (a, MARKERS[1]), "sovereign": (reg, MARKERS[2])}
    for key, (writer, marker) in records.items():
        put(writer, "exposures", key, {"counterparty": key, "amount": 120_000_000, "note": marker})
    put(a, "public", "notice", {"text": "quarterly filing done"})
    for key, (writer, marker) in records.items():
        for reader in (a, c, reg):
            code, body = h.wait_for(f"exposures/{key} at a reader", lambda r=reader, k=key: seen_by(r, "exposures", k))
            h.check(code == 200 and body["encrypted"] is True and body["value"]["note"] == marker,
                    f"a reader read exposures/{key}: {code} {body}")
        code, body = h.wait_for(f"exposures/{key} at Bank B", lambda k=key: seen_by(b, "exposures", k))
        rec = body.get("record", {})
        h.check(code == 403 and body["error"]["code"] == "not_a_reader" and "value" not in rec and
                rec.get("encrypted") is True and len(rec.get("envelope_hash", "")) == 64 and rec.get("version") == 1 and
                rec.get("owner") in (1, 4) and rec.get("height", 0) > 0 and "status" in rec,
                f"Bank B's read of exposures/{key}: {code} {body}")
        code, hist = b.get(h.kv_path("exposures", key) + "/history")
        h.check(code == 403 and hist["error"]["code"] == "not_a_reader" and len(hist["entries"]) == 1 and
                "value" not in hist["entries"][0], f"Bank B's history of exposures/{key}: {code} {hist}")
        code, hist = c.get(h.kv_path("exposures", key) + "/history")
        h.check(code == 200 and hist["entries"][0]["value"]["note"] == marker and hist["entries"][0]["encrypted"] is True,
                f"Bank C's history of exposures/{key}: {code} {hist}")
    p = h.cli(c, "get", "exposures", "sovereign")
    h.check(p.returncode == 0 and MARKERS[2] in p.stdout, f"peerdb get at Bank C: {p.returncode} {p.stdout} {p.stderr}")
    p = h.cli(b, "get", "exposures", "sovereign")
    h.check(p.returncode == 5 and len(p.stderr.splitlines()) == 1 and "not a reader" in p.stderr and MARKERS[2] not in p.stdout + p.stderr,
            f"peerdb get at Bank B: {p.returncode} {p.stdout} {p.stderr}")
    code, body = b.get(h.kv_path("public", "notice"))
    h.check(code == 200 and body["encrypted"] is False, f"Bank B reads the plain namespace: {code} {body}")
    print("readers A, C and the Regulator read the plaintext; Bank B gets 403 not_a_reader with the metadata only")


def own_record(a, b):
    put(b, "exposures", "bank-b-own", {"note": MARKERS[3]})
    code, body = b.get(h.kv_path("exposures", "bank-b-own"))
    h.check(code == 200 and body["value"]["note"] == MARKERS[3], f"Bank B reads its own record: {code} {body}")
    code, body = h.wait_for("Bank B's record at Bank A", lambda: seen_by(a, "exposures", "bank-b-own"))
    h.check(code == 200 and body["value"]["note"] == MARKERS[3], f"Bank A reads Bank B's record: {code} {body}")
    print("Bank B's own record is sealed to the readers and itself")


def readers_change(nodes):
    """SET_RULE: readers 1,3,4 -> 1,2,4. New records follow the new readers; an old one only once
    its owner reshares it."""
    a, b, c, reg = nodes
    h.ok(a, "change", "propose", "--set-rule", "exposures:owner-edit", "--readers", "1,2,4", "--encrypted")
    code, body = a.get("/v1/changes")
    change_id = body["pending"]["change_id"]
    for n in nodes:
        h.wait_for("the change pending", lambda n=n: (n.get("/v1/changes")[1].get("pending") or {}).get("change_id") == change_id)
        h.ok(n, "change", "approve", change_id)
    for n in nodes:
        h.wait_for("epoch 1", lambda n=n: h.status(n)["epoch"] == 1, timeout=90)
    put(a, "exposures", "after-change", {"note": NEW_MARKER})
    for reader in (a, b, reg):
        code, body = h.wait_for("after-change at a reader", lambda r=reader: seen_by(r, "exposures", "after-change"))
        h.check(code == 200 and body["value"]["note"] == NEW_MARKER, f"a new reader reads the new record: {code} {body}")
    code, body = h.wait_for("after-change at Bank C", lambda: seen_by(c, "exposures", "after-change"))
    h.check(code == 403, f"Bank C, no longer a reader, reads a new record: {code} {body}")
    code, body = b.get(h.kv_path("exposures", "bank-c"))
    h.check(code == 403, f"Bank B reads an old record before its reshare: {code} {body}")
    h.refused(b, ["reshare", "exposures", "bank-c"], 5, "only a reader can reshare it")
    h.refused(c, ["reshare", "exposures", "bank-c"], 5, "may not")
    h.refused(a, ["reshare", "public", "notice"], 5, "is not an encrypted namespace")
    out = h.ok(a, "reshare", "exposures", "bank-c")
    h.check("as version 2" in out and "readable by members 1, 2, 4" in out, f"reshare said: {out}")
    code, body = h.wait_for("the reshared record at Bank B", lambda: seen_by(b, "exposures", "bank-c"))
    h.check(code == 200 and body["value"]["note"] == MARKERS[0] and body["version"] == 2,
            f"Bank B reads the reshared record: {code} {body}")
    code, body = h.wait_for("the reshared record at Bank C", lambda: seen_by(c, "exposures", "bank-c"))
    h.check(code == 403 and body["record"]["version"] == 2, f"Bank C gets nothing new: {code} {body}")
    print("readers changed: new records and reshared ones are read by B, refused to C")


def disclosure(members, wd):
    a, b, c, reg = (m.node for m in members)
    consortium = wd / "consortium.toml"
    # Outside the members' directories: Bank B's own files are searched for plaintext later.
    path = wd / "bank-c.disclosure"
    out = h.ok(b, "disclose", "exposures", "bank-c", "--out", path)
    h.check("wrote the disclosure" in out, out)
    p = h.run("verify-disclosure", path, "--consortium", consortium, check=False)
    h.check(p.returncode == 0 and MARKERS[0] in p.stdout and "disclosure verified" in p.stdout and "version 2" in p.stdout and
            "epoch     1" in p.stdout, f"verify-disclosure: {p.returncode} {p.stdout} {p.stderr}")
    old = wd / "bank-c-v1.disclosure"
    h.ok(c, "disclose", "exposures", "bank-c", "--version", 1, "--out", old)
    p = h.run("verify-disclosure", old, "--consortium", consortium, check=False)
    h.check(p.returncode == 0 and MARKERS[0] in p.stdout and "epoch     0" in p.stdout, f"version 1: {p.returncode} {p.stdout} {p.stderr}")
    h.refused(c, ["disclose", "exposures", "bank-c", "--out", old + ".2"], 5, "only a reader can disclose it")
    h.refused(b, ["disclose", "exposures", "bank-c", "--out", path], 2, "refusing to overwrite")
    data = open(path, "rb").read()
    forged = data.replace(MARKERS[0].encode(), MARKERS[0].upper().encode())
    h.check(forged != data, "the plaintext is in the disclosure file")
    for i, changed in enumerate([forged] + [data[:k] + bytes([data[k] ^ 1]) + data[k + 1:] for k in (0, len(data) // 2, len(data) - 1)]):
        bad = wd / f"bad-{i}.disclosure"
        open(bad, "wb").write(changed)
        p = h.run("verify-disclosure", bad, "--consortium", consortium, check=False)
        h.check(p.returncode in (1, 2) and "verified" not in p.stdout, f"a changed disclosure ({i}) passed: {p.returncode} {p.stdout}")
    print("a disclosure verifies offline against consortium.toml; a changed byte or plaintext fails")


def api_answers_of(b):
    """Every API answer Bank B gives about the chain: status, blocks, reads."""
    answers = []
    status = h.status(b)
    answers.append(json.dumps(status))
    for height in range(1, status["head_height"] + 1):
        code, blk = b.get(f"/v1/blocks/{height}")
        h.check(code == 200, f"block {height} at Bank B: {code}")
        answers.append(json.dumps(blk))
    for key in ("bank-c", "bank-b", "sovereign"):
        answers.append(json.dumps(b.get(h.kv_path("exposures", key))))
    return answers


def no_plaintext_at(member, wd, extra_texts):
    export = os.path.join(member.dir, "chain.export")
    h.run("export", "--db", member.node.db, "--out", export)
    found = []
    for root, _, files in os.walk(member.dir):
        for f in files:
            data = open(os.path.join(root, f), "rb").read()
            found += [f"{m} in {os.path.join(root, f)}" for m in MARKERS[:3] if m.encode() in data]
    for text in extra_texts:
        found += [f"{m} in an API answer" for m in MARKERS[:3] if m in text]
    h.check(not found, "Bank B holds plaintext of records it may not read: " + "; ".join(found))
    print(f"no plaintext marker in Bank B's {sum(len(f) for _, _, f in os.walk(member.dir))} files "
          f"(database, WAL, log, export) nor in {len(extra_texts)} API answers")
    return export


def byzantine_writer(members):
    """Bank C's node, in the test-only omit-reader mode, accepts a write whose envelope leaves the
    Regulator out and gossips it. Every proposer's block building (C5, the executor every member
    runs) refuses it, Bank C's own included: the write is never committed anywhere, its client gets
    409 `conflict` (not committed), and the honest members' writes go on.
    (A byzantine proposer that also votes for its own invalid block can stall a height: see
    docs/protocol.md §11, found with this test.)"""
    a, b, c, reg = (m.node for m in members)
    c.stop()
    with open(os.path.join(members[2].dir, "node.toml"), "a") as f:
        f.write('testing_byzantine = "omit-reader"\n')
    c.start()
    answer = {}

    def send():
        req = urllib.request.Request(c.url + "/v1/tx", data=json.dumps(
            {"op": "put", "ns": "exposures", "key": "forged", "value": {"note": "left the regulator out"}}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                answer["code"], answer["body"] = r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            answer["code"], answer["body"] = e.code, json.loads(e.read())
    t = threading.Thread(target=send, daemon=True)
    t.start()
    for i in range(6):
        put(a if i % 2 else reg, "public", f"after-{i}", {"i": i})
    t.join(timeout=90)
    msg = json.dumps(answer.get("body", {}))
    h.check(answer.get("code") == 409 and "no longer executes" in msg, f"the byzantine writer's request answered {answer}")
    for n in (a, b, reg):
        h.wait_for("public/after-5", lambda n=n: seen_by(n, "public", "after-5"))
        code, _ = n.get(h.kv_path("exposures", "forged"))
        h.check(code == 404, f"a member holds the byzantine writer's record: {code}")
    print("the byzantine writer's envelope without the Regulator is never committed (409 to its client)")


def unreadable_writer(members):
    a, b, c, reg = (m.node for m in members)
    c.stop()
    path = os.path.join(members[2].dir, "node.toml")
    text = open(path).read().replace('testing_byzantine = "omit-reader"', 'testing_byzantine = "bad-ciphertext"')
    open(path, "w").write(text)
    c.start()
    put(c, "exposures", "garbled", {"note": "does not decrypt"})
    for reader in (a, b, reg):
        code, body = h.wait_for("garbled at a reader", lambda r=reader: (lambda x: x if x[0] != 404 else None)(
            r.get(h.kv_path("exposures", "garbled"))))
        h.check(code == 500 and body["error"]["code"] == "corrupt" and "sealed by member 3" in body["error"]["message"],
                f"a reader's read of an envelope that does not open: {code} {body}")
        alerts = [al for al in h.status(reader)["alerts"] if al["code"] == "A9 UNREADABLE_RECORD"]
        h.check(len(alerts) == 1 and alerts[0]["members"] == [3], f"A9 at a reader: {h.status(reader)['alerts']}")
    put(a, "public", "still-going", {"ok": True})
    print("an envelope that does not decrypt: readers answer 500 corrupt and raise A9 naming member 3; writes go on")


def stored_values(node, ns, key):
    """The values (as bytes) and erased commitments that the blocks at `node` hold for ns/key."""
    values, commitments = [], []
    for height in range(1, h.status(node)["head_height"] + 1):
        code, blk = node.get(f"/v1/blocks/{height}")
        h.check(code == 200, f"block {height}: {code}")
        for batch in blk["batches"]:
            for op in batch["ops"]:
                if op["ns"] != ns or op["key"] != key or op["kind"] != "put":
                    continue
                if op["erased"]:
                    commitments.append(bytes.fromhex(op["commitment"]))
                elif "value_hex" in op:
                    values.append(bytes.fromhex(op["value_hex"]))
                else:
                    values.append(json.dumps(op["value"], separators=(",", ":"), sort_keys=True).encode())
    return values, commitments


def erasure(members):
    """Erase an encrypted record (every version, by its owner) and a plain photo (through the API);
    every member drops the values. Returns what must be gone from every file, and a commitment."""
    a, b, c, reg = (m.node for m in members)
    put(reg, "public", "photo", {"img": PHOTO_MARKER})
    h.wait_for("the photo at Bank A", lambda: seen_by(a, "public", "photo"))
    envelopes, _ = stored_values(a, "exposures", "bank-c")
    h.check(len(envelopes) == 2, f"exposures/bank-c has two envelopes in the blocks: {len(envelopes)}")
    h.refused(b, ["erase", "exposures", "bank-c"], 5, "may not erase key 'bank-c'")
    h.refused(a, ["erase", "exposures", "bank-c", "--version", 9], 3, "has no version 9")
    out = h.ok(a, "erase", "exposures", "bank-c")
    h.check("erased every version of exposures/bank-c" in out, f"erase said: {out}")
    code, body = reg.post(h.kv_path("public", "photo") + "/erase", {"versions": [1]})
    h.check(code == 200 and body["status"] == "committed", f"erase through the API: {code} {body}")
    for n in (a, b, c, reg):
        for ns, key in (("exposures", "bank-c"), ("public", "photo")):
            code, body = h.wait_for(f"{ns}/{key} erased", lambda n=n, ns=ns, key=key: (lambda x: x if x[0] == 410 else None)(
                n.get(h.kv_path(ns, key))))
            h.check(body["error"]["code"] == "erased", f"read of an erased value: {code} {body}")
    code, hist = a.get(h.kv_path("exposures", "bank-c") + "/history")
    h.check(code == 200 and [e["erased"] for e in hist["entries"]] == [True, True] and
            all(e["value"] is None for e in hist["entries"]), f"history after the erasure: {code} {hist}")
    h.refused(b, ["disclose", "exposures", "bank-c", "--out", os.path.join(members[1].dir, "x.disclosure")], 3, "was erased")
    values, commitments = stored_values(a, "exposures", "bank-c")
    h.check(not values and len(commitments) == 2, f"blocks after the erasure: {len(values)} values, {len(commitments)} commitments")
    print("erased exposures/bank-c (every version) and public/photo: every member answers 410 erased")
    return envelopes + [PHOTO_MARKER.encode()], commitments[0]


def nothing_erased_in(members, needles):
    found = []
    for m in members:
        for root, _, files in os.walk(m.dir):
            for f in files:
                data = open(os.path.join(root, f), "rb").read()
                found += [f"erased value {i} in {os.path.join(root, f)}" for i, n in enumerate(needles) if n in data]
    h.check(not found, "a member still holds an erased value: " + "; ".join(found))
    print(f"no erased value in any file of the {len(members)} members (databases, WALs, logs, an export)")


def main():
    h.parse_args()
    with h.Workdir("private") as wd:
        members = h.make_members(wd, NAMES, namespaces=("exposures:owner-edit:encrypted", "public"), rule_flags=RULES,
                                 log_level="info")
        nodes = [m.node for m in members]
        for n in nodes:
            n.start(wait=False)
        for n in nodes:
            n.wait_ready()
        a, b, c, reg = nodes
        write_and_read(a, b, c, reg)
        own_record(a, b)
        answers = api_answers_of(b)
        readers_change(nodes)
        disclosure(members, wd)
        byzantine_writer(members)
        unreadable_writer(members)
        erased, commitment = erasure(members)
        for n in nodes:
            n.stop()
        export = no_plaintext_at(members[1], wd, answers)
        nothing_erased_in(members, erased)
        listed = ["erased the values of exposures/bank-c versions 1, 2", "erased the values of public/photo version 1"]
        for m in members:
            p = h.run("audit", "--db", m.node.db, check=False)
            h.check(p.returncode == 0 and all(x in p.stdout for x in listed), f"audit of {m.name}:\n{p.stdout}\n{p.stderr}")
        p = h.run("audit", "--chain", export, check=False)
        h.check(p.returncode == 0 and all(x in p.stdout for x in listed), f"audit of Bank B's export:\n{p.stdout}\n{p.stderr}")
        data = open(export, "rb").read()
        h.check(data.count(commitment) == 1, "the erased op's commitment is in the export once")
        tampered = wd / "tampered.export"
        at = data.index(commitment) + 5
        open(tampered, "wb").write(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
        p = h.run("audit", "--chain", tampered, check=False)
        h.check(p.returncode != 0 and "FAILED at block" in p.stdout + p.stderr, f"a changed commitment passed the audit: {p.stdout}{p.stderr}")
        print("ok: private records readable by their readers only; erasures carried out everywhere; audits pass at "
              "every member and on an export, and list the erasures; a changed commitment fails")


if __name__ == "__main__":
    main()
