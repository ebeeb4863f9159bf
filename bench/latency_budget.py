#!/usr/bin/env python3
"""The latency budget of one block (issue 16): where the time of a lone write goes, step by step.
Four member nodes (release build, mutual TLS on loopback) log every consensus step at trace level
with its wall-clock start, the time inside the consensus machine (including the durable writes it
makes: signer state, block commit) and the time executing its actions (sending, answering); each
durable write logs its own duration. One client sends COUNT sequential PUTs to member 1, one per
block (a pause between them), and this script lines the four logs up per block:

  request in node -> batch sent        member 1 checks, seals and signs the request, sends the batch
  batch hop to the proposer            until the proposer's node starts the step that receives it
  proposer: build + signer state       executing the block, signing, fsync of the signer state
  proposal hop                          until each follower starts the step that receives it
  follower: check + signer state       re-executing the block, signing the vote, fsync
  votes to a majority at member 1      from member 1's own vote until the step that decides
  member 1: commit + signer state      the block's fsync, then the seal's signer-state fsync
  committed -> UNANIMOUS at all four   the seals' hops and each member's status update

Prints the median of each over the blocks, the median fsyncs (signer state, block), and the client's
own median (request to committed answer).
Usage: latency_budget.py PEERDB [--count N] [--block-period-ms N]"""
import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["BENCH_LOG"] = "trace"
import consortium_throughput as consortium  # noqa: E402

STEP = re.compile(r"node: step (.*) \(at (\d+) us, machine (\d+) us, actions (\d+) us\)")
WRITE = re.compile(r"node: durable write (\S+) took (\d+) us")


def parse(path):
    """Steps of one member's log: dicts with what, at, machine, actions (us) and the writes inside."""
    steps, writes = [], []
    for line in open(path, errors="replace"):
        w = WRITE.search(line)
        if w:
            writes.append((w.group(1), int(w.group(2))))
            continue
        s = STEP.search(line)
        if s:
            steps.append({"what": s.group(1), "at": int(s.group(2)), "machine": int(s.group(3)),
                          "actions": int(s.group(4)), "writes": writes})
            writes = []
    return steps


def end(step, with_actions=False):
    return step["at"] + step["machine"] + (step["actions"] if with_actions else 0)


def first(steps, lo, hi, pred):
    for s in steps:
        if lo <= s["at"] < hi and pred(s):
            return s
    return None


def committed_at(steps, h):
    return first(steps, 0, 1 << 62, lambda s: re.search(rf"committed {h}\b", s["what"]))


def budget(logs, heights):
    phases = {k: [] for k in ("request in node -> batch sent", "batch hop to the proposer",
                              "proposer: build + signer state", "proposal hop", "follower: check + signer state",
                              "votes to a majority at member 1", "member 1: commit + signer state",
                              "committed -> UNANIMOUS at all four")}
    fsyncs = {"signer-state": [], "block": []}
    for h in heights:
        commits = [committed_at(s, h) for s in logs]
        before = [committed_at(s, h - 1) for s in logs]
        if None in commits or None in before:
            continue
        lo, hi = max(c["at"] for c in before), min(c["at"] for c in commits)
        local = first(logs[0], lo, hi, lambda s: s["what"].startswith("local batch"))
        props = [(m, first(s, lo, hi + 1, lambda s: "proposal to all" in s["what"])) for m, s in enumerate(logs)]
        props = [(m, p) for m, p in props if p]
        if not local or len(props) != 1:
            continue  # not a block of one lone request
        p, prop = props[0]
        followers = [first(s, end(prop), hi + 1, lambda s, p=p: s["what"].startswith(f"proposal from {p + 1}"))
                     for m, s in enumerate(logs) if m != p]
        if None in followers:
            continue
        phases["request in node -> batch sent"].append(local["machine"] + local["actions"])
        if p == 0:
            phases["batch hop to the proposer"].append(0)
        else:
            got = first(logs[p], end(local), hi + 1, lambda s: s["what"].startswith("batch from 1"))
            phases["batch hop to the proposer"].append((got or prop)["at"] - end(local))
        phases["proposer: build + signer state"].append(prop["machine"])
        phases["proposal hop"].append(statistics.median(f["at"] - end(prop) for f in followers))
        phases["follower: check + signer state"].append(statistics.median(f["machine"] for f in followers))
        mine = prop if p == 0 else followers[0]  # member 1's own vote
        phases["votes to a majority at member 1"].append(commits[0]["at"] - end(mine))
        phases["member 1: commit + signer state"].append(commits[0]["machine"])
        unanimous = [first(s, commits[0]["at"] - 50_000, 1 << 62, lambda s: re.search(rf"status {h}=3\b", s["what"]))
                     for s in logs]
        if None not in unanimous:
            phases["committed -> UNANIMOUS at all four"].append(max(end(u, True) for u in unanimous) - end(commits[0]))
        for step in [prop, commits[0], *followers]:
            for kind, us in step["writes"]:
                if kind in fsyncs:
                    fsyncs[kind].append(us)
    return phases, fsyncs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peerdb")
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--block-period-ms", type=int, default=1)
    a = ap.parse_args()
    wd = tempfile.mkdtemp(prefix="peerdb-latency-")
    procs = []
    try:
        apis, procs = consortium.start_consortium(a.peerdb, wd, a.block_period_ms)
        conn = http.client.HTTPConnection("127.0.0.1", apis[0], timeout=60)
        heights, client = [], []
        for i in range(a.count + 5):
            body = json.dumps({"op": "put", "ns": "bench", "key": f"lone-{i}", "value": consortium.single.value(i)})
            start = time.perf_counter()
            conn.request("POST", "/v1/tx", body=body, headers={"Content-Type": "application/json"})
            answer = json.loads(conn.getresponse().read())
            if i >= 5:  # the first ones meet members still connecting
                client.append((time.perf_counter() - start) * 1000)
                heights.append(answer["height"])
            consortium.unanimous_everywhere(apis, answer["height"])
            time.sleep(0.03)  # one request per block, each block alone
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    logs = [parse(f"{wd}/m{i}/node.log") for i in range(4)]
    phases, fsyncs = budget(logs, heights)
    shutil.rmtree(wd, ignore_errors=True)
    n = len(phases["proposal hop"])
    if n == 0:
        sys.exit("no block could be lined up across the four logs")
    print(f"latency budget of one block (4 members on loopback, mutual TLS, block_period_ms={a.block_period_ms}, "
          f"medians over {n} blocks of one request each)")
    total = 0.0
    for name, values in phases.items():
        if not values:
            continue
        ms = statistics.median(values) / 1000
        total += ms if name != "committed -> UNANIMOUS at all four" else 0
        print(f"  {name:38s} {ms:6.2f} ms")
    print(f"  {'sum to the commit at member 1':38s} {total:6.2f} ms")
    print(f"  client: request to committed answer   {statistics.median(client):6.2f} ms (p50 of {len(client)})")
    for kind, values in fsyncs.items():
        if values:
            print(f"  durable write '{kind}': median {statistics.median(values) / 1000:.2f} ms over {len(values)}")


if __name__ == "__main__":
    main()
