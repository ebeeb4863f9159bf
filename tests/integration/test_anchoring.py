#!/usr/bin/env python3
"""Anchored blocks with real processes: `peerdb devchain` (regtest chain, calendar, Esplora API,
mining only on request) and a one-member `peerdb node` with anchoring on.

1. Statuses: a block is UNANIMOUS when committed (N = 1: PROPOSED, MAJORITY and UNANIMOUS all
   happen inside the commit, since the one member proposes, votes and seals before the block is
   stored; the receipt and GET /v1/blocks/{h} show UNANIMOUS). Its checkpoint is submitted to the
   calendar, and it stays UNANIMOUS until Bitcoin blocks are mined; then it becomes FINAL. With one
   member every checkpoint carries every seal, so ANCHORED and FINAL arrive in the same step: the
   test asserts anchored_height >= h whenever final_height >= h (FINAL implies ANCHORED), and that
   no status it saw ever went down before the reorg.
2. kill -9 after the calendar submission but before any Bitcoin block: the restarted node finishes
   the proof from the stored pending timestamp and loses no anchor.
3. `peerdb audit --esplora <devchain>` passes and names the Bitcoin block fixing each range; the
   export carries the anchors too. `peerdb get --min-status final` reads the FINAL value.
4. A devchain reorg deeper than the confirmations un-confirms the newest anchors: statuses drop back
   to the older anchor, audit reports the record that no longer verifies (exit 1), and anchoring a
   new head restores FINAL."""
import sqlite3

import harness as h

RANK = {"PROPOSED": 1, "MAJORITY": 2, "UNANIMOUS": 3, "ANCHORED": 4, "FINAL": 5}


def anchor_config(dc):
    return ("[anchor]\nenabled = true\n"
            f'calendars = ["{dc.url}"]\nmin_calendars = 1\n'
            f'esplora = "{dc.url}"\nnetwork = "regtest"\n'
            "confirmations = 2\ninterval_ms = 100\nupgrade_interval_ms = 100\ntimeout_ms = 2000\n")


class Watch:
    """Records every status a block is seen with, and every (anchored, final) pair."""

    def __init__(self, node):
        self.node = node
        self.seen = {}

    def status(self):
        code, s = self.node.get("/v1/status")
        h.check(code == 200, f"status {code}")
        h.check(s["final_height"] <= s["anchored_height"] <= s["head_height"], f"heights out of order: {s}")
        return s

    def block(self, height):
        code, b = self.node.get(f"/v1/blocks/{height}")
        h.check(code == 200, f"block {height}: {code}")
        seen = self.seen.setdefault(height, [])
        if not seen or seen[-1] != b["status"]:
            seen.append(b["status"])
        return b["status"]

    def never_fell(self, height):
        ranks = [RANK[s] for s in self.seen[height]]
        h.check(ranks == sorted(ranks), f"block {height} statuses went down: {self.seen[height]}")


def db_rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def main():
    h.parse_args()
    with h.Workdir("anchoring") as wd:
        dc = h.Devchain(wd)
        try:
            run(wd, dc)
        finally:
            dc.stop()


def run(wd, dc):
    h.make_consortium(wd, namespaces=("books",), block_period_ms=50)
    node = h.Node(wd, log_level="info", extra=anchor_config(dc)).start()
    watch = Watch(node)

    # 1. PROPOSED/UNANIMOUS at commit, then FINAL once Bitcoin confirms the anchor.
    code, receipt = node.post("/v1/tx", {"op": "put", "ns": "books", "key": "inv-1", "value": {"amount": 100}})
    h.check(code == 200 and receipt["block_status"] == "UNANIMOUS", f"receipt {receipt}")
    b1 = receipt["height"]
    h.check(watch.block(b1) == "UNANIMOUS", "committed block is UNANIMOUS")
    h.wait_for("the calendar submission", lambda: watch.status()["anchoring"]["last_submitted_height"] >= b1)
    s = watch.status()
    h.check(s["anchoring"]["pending_jobs"] >= 1 and s["final_height"] < b1 and s["not_up_to_date"], f"pending: {s}")
    h.check(watch.block(b1) == "UNANIMOUS", "still UNANIMOUS while the proof is pending")
    code, err = node.get(h.kv_path("books", "inv-1") + "?min_status=final")
    h.check(code == 404 and "final" in err["error"]["message"], f"final read before the anchor: {code} {err}")
    dc.mine(2)
    h.wait_for("block 1 to become FINAL", lambda: watch.block(b1) == "FINAL")
    s = watch.status()
    h.check(s["anchored_height"] >= b1 and s["final_height"] >= b1, f"FINAL implies ANCHORED: {s}")
    last = s["anchoring"]["last_anchor"]
    h.check(last is not None and last["btc_height"] >= 1, f"last anchor {last}")
    watch.never_fell(b1)
    print(f"block {b1}: statuses seen {watch.seen[b1]}; fixed by Bitcoin block {last['btc_height']}")

    code, v = node.get(h.kv_path("books", "inv-1") + "?min_status=final")
    h.check(code == 200 and v["status"] == "FINAL" and v["up_to_date"], f"final read {v}")
    got = h.run("get", "books", "inv-1", "--min-status", "final", "--api", node.url)
    h.check('"status": "FINAL"' in got.stdout, got.stdout)
    shown = h.run("status", "--api", node.url).stdout
    h.check(f"final     {s['final_height']}" in shown and "fixed by Bitcoin block" in shown, shown)

    # 2. kill -9 between the calendar submission and the upgrade; the restart completes the proof.
    code, receipt = node.post("/v1/tx", {"op": "put", "ns": "books", "key": "inv-2", "value": {"amount": 200}})
    h.check(code == 200, "second write")
    b2 = receipt["height"]
    h.wait_for("the second submission", lambda: watch.status()["anchoring"]["last_submitted_height"] >= b2)
    jobs = db_rows(node.db, "SELECT height, timestamp IS NOT NULL FROM anchor_jobs")
    h.check((b2, 1) in jobs, f"the pending proof of block {b2} is on disk before the kill: {jobs}")
    anchors_before = db_rows(node.db, "SELECT digest, btc_block_hash FROM anchors")
    node.kill9()
    dc.mine(2)
    node.start()
    h.wait_for(f"block {b2} to become FINAL after the restart", lambda: watch.block(b2) == "FINAL")
    anchors_after = db_rows(node.db, "SELECT digest, btc_block_hash FROM anchors")
    h.check(set(anchors_before) <= set(anchors_after), "no anchor lost across kill -9")
    h.check(any(r[0] == b2 for r in db_rows(node.db, "SELECT block_height FROM anchors")), "block 2's anchor saved")
    h.check(not any(r[0] == b2 for r in db_rows(node.db, "SELECT height FROM anchor_jobs")), "its job is done")
    watch.never_fell(b2)
    print(f"block {b2}: pending proof survived kill -9; statuses seen {watch.seen[b2]}")

    # 3. The audit checks the anchors against the devchain's headers and names the Bitcoin blocks.
    audit = h.run("audit", "--db", node.db, "--esplora", dc.url, "--network", "regtest", "--min-confirmations", "2")
    out = audit.stdout
    h.check("audit passed" in out and "confirmed by Bitcoin headers from Esplora" in out, out)
    s = watch.status()
    fixed = f"{s['final_height']}: fixed by Bitcoin block {s['anchoring']['last_anchor']['btc_height']} ("
    h.check(fixed in out, f"the newest range is fixed by the newest anchor's Bitcoin block ({fixed}):\n{out}")
    down = h.run("audit", "--db", node.db, "--esplora", "http://127.0.0.1:1", check=False)
    h.check(down.returncode == 4 and "cannot get Bitcoin block headers" in down.stderr, down.stdout + down.stderr)
    plain = h.run("audit", "--db", node.db).stdout
    h.check("NOT checked against Bitcoin" in plain and "audit passed" in plain, plain)
    h.run("export", "--db", node.db, "--out", wd / "chain.pdbx")
    exported = h.run("audit", "--chain", wd / "chain.pdbx", "--esplora", dc.url, "--network", "regtest",
                     "--min-confirmations", "2").stdout
    h.check("audit passed" in exported and "fixed by Bitcoin block" in exported, exported)
    print("audit against the devchain:\n" + "\n".join(l for l in out.splitlines() if l.startswith(("anchors", "  "))))

    # 4. A reorg deeper than the confirmations removes the newest anchors' Bitcoin blocks.
    s = watch.status()
    tip = dc.tip()
    top_anchor_btc = s["anchoring"]["last_anchor"]["btc_height"]
    depth = tip - top_anchor_btc + 1
    print(dc.reorg(depth).strip())
    h.wait_for("statuses to drop after the reorg", lambda: watch.status()["final_height"] < b2)
    s = watch.status()
    h.check(watch.block(b2) == "UNANIMOUS", f"block {b2} back to UNANIMOUS: {watch.seen[b2]}")
    print(f"after a reorg of depth {depth}: final height {s['final_height']}, block {b2} {watch.seen[b2]}")
    bad = h.run("audit", "--db", node.db, "--esplora", dc.url, "--network", "regtest", "--min-confirmations", "2",
                check=False)
    h.check(bad.returncode == 1 and "does not verify against Bitcoin block" in bad.stderr, bad.stdout + bad.stderr)
    print("audit after the reorg: " + bad.stderr.strip())

    # Anchoring a new head restores FINAL for everything below it.
    code, receipt = node.post("/v1/tx", {"op": "put", "ns": "books", "key": "inv-3", "value": {"amount": 300}})
    b3 = receipt["height"]
    h.wait_for("the next submission", lambda: watch.status()["anchoring"]["last_submitted_height"] >= b3)
    dc.mine(2)
    h.wait_for(f"block {b3} to become FINAL", lambda: watch.status()["final_height"] >= b3)
    h.check(watch.block(b2) == "FINAL", f"block {b2} FINAL again through its descendant's anchor")
    node.stop()


if __name__ == "__main__":
    main()
