#!/usr/bin/env python3
"""Namespace rules with access lists, against two real member nodes. The consortium is made with
`--namespace books:append-only --writers books=1 --namespace notes:editors-edit --editors notes=2`:
1. `consortium show` (text and --json) states both rules with their lists;
2. member 2's `peerdb put books ...` is refused with exit 5 (docs/errors.md: forbidden) and one line
   naming the rule; the same write through the API is 403 with code "forbidden"; member 1's write
   succeeds and reaches member 2;
3. in notes, member 1 creates a key but may neither change nor delete it (editors-edit); member 2,
   the editor, changes it, and member 1 reads the change (the key still owned by member 1)."""
import json
import subprocess

import harness as h

NAMES = ["Bank A", "Bank B"]
RULES = ("--writers", "books=1", "--editors", "notes=2")


def cli(node, *args, stdin=None):
    return subprocess.run([h.PEERDB, args[0], "--api", node.url, *map(str, args[1:])], capture_output=True, text=True,
                          timeout=120, input=stdin)


def expect_refused(node, args, needle):
    """A write the rules refuse: exit 5 and one line `peerdb: ...` naming the rule."""
    p = cli(node, *args)
    h.check(p.returncode == 5, f"peerdb {' '.join(args)} exited {p.returncode}, wanted 5: {p.stdout} {p.stderr}")
    lines = p.stderr.splitlines()
    h.check(len(lines) == 1 and lines[0].startswith("peerdb: ") and needle in lines[0],
            f"peerdb {' '.join(args)} said {p.stderr!r}; wanted one line with {needle!r}")


def expect_committed(node, args):
    p = cli(node, *args)
    h.check(p.returncode == 0 and "committed" in p.stdout, f"peerdb {' '.join(args)} exited {p.returncode}: {p.stdout} {p.stderr}")


def value_at(node, ns, key):
    code, body = node.get(h.kv_path(ns, key))
    return body if code == 200 else None


def show(wd):
    text = h.run("consortium", "show", wd / "consortium.toml").stdout
    for block in ("  books  append-only\n      writers: 1 (Bank A)\n      editors: none\n      readers: all members\n",
                  "  notes  editors-edit\n      writers: all members\n      editors: 2 (Bank B)\n      readers: all members\n"):
        h.check(block in text, f"consortium show lacks\n{block}in\n{text}")
    shown = json.loads(h.run("consortium", "show", "--json", wd / "consortium.toml").stdout)
    want = [{"name": "books", "mode": "append-only", "encrypted": False, "writers": [1], "editors": [], "readers": []},
            {"name": "notes", "mode": "editors-edit", "encrypted": False, "writers": [], "editors": [2], "readers": []}]
    h.check(shown["namespaces"] == want, f"consortium show --json: {shown['namespaces']}")
    print("consortium show states writers, editors, readers, mode and encrypted (text and JSON)")


def writers(a, b):
    expect_refused(b, ["put", "books", "inv-1", '{"amount": 1}'], "member 2 may not write to 'books' (rule: writers 1)")
    code, body = b.post("/v1/tx", {"op": "put", "ns": "books", "key": "inv-1", "value": {"amount": 1}})
    h.check(code == 403 and body["error"]["code"] == "forbidden" and
            "member 2 may not write to 'books' (rule: writers 1)" in body["error"]["message"],
            f"POST /v1/tx by a non-writer answered {code} {body}")
    expect_committed(a, ["put", "books", "inv-1", '{"amount": 1250}'])
    got = h.wait_for("member 1's write at member 2", lambda: value_at(b, "books", "inv-1"), timeout=60)
    h.check(got["value"] == {"amount": 1250} and got["owner"] == 1, f"member 2 reads {got}")
    # Still refused once the key exists: the writers list comes before the mode.
    expect_refused(b, ["put", "books", "inv-1", '{"amount": 2}'], "(rule: writers 1)")
    expect_refused(a, ["put", "books", "inv-1", '{"amount": 2}'],
                   "member 1 may not change key 'inv-1' in 'books' (rule: append-only, a key is written once)")
    print("books: member 2 refused (exit 5, HTTP 403 forbidden) naming the writers; member 1 writes")


def editors(a, b):
    expect_committed(a, ["put", "notes", "n1", '{"text": "draft"}'])
    expect_refused(a, ["put", "notes", "n1", '{"text": "mine"}'],
                   "member 1 may not change key 'n1' in 'notes' (rule: editors-edit, editors 2)")
    expect_refused(a, ["delete", "notes", "n1"], "member 1 may not delete key 'n1' in 'notes' (rule: editors-edit, editors 2)")
    # Member 2 edits the key it sees: wait until its node holds it, or its write would create it.
    h.wait_for("notes/n1 at member 2", lambda: value_at(b, "notes", "n1"), timeout=60)
    expect_committed(b, ["put", "notes", "n1", '{"text": "edited"}'])
    got = h.wait_for("member 2's edit at member 1",
                     lambda: (lambda v: v if v and v["version"] == 2 else None)(value_at(a, "notes", "n1")), timeout=60)
    h.check(got["value"] == {"text": "edited"} and got["owner"] == 1, f"member 1 reads {got}")
    print("notes: member 1 creates a key but may not change or delete it; member 2, the editor, changes it")


def main():
    h.parse_args()
    with h.Workdir("rules") as wd:
        members = h.make_members(wd, NAMES, namespaces=("books:append-only", "notes:editors-edit"), rule_flags=RULES,
                                 log_level="warn")
        show(wd)
        a, b = (m.node for m in members)
        for n in (a, b):
            n.start(wait=False)
        for n in (a, b):
            n.wait_ready()
        writers(a, b)
        editors(a, b)
        for n in (a, b):
            n.stop()
        for i, n in enumerate((a, b)):
            p = h.run("audit", "--db", n.db, check=False)
            h.check(p.returncode == 0, f"audit of member {i + 1} failed:\n{p.stdout}\n{p.stderr}")
        print("ok: rules with access lists hold at both members; audits pass")


if __name__ == "__main__":
    main()
