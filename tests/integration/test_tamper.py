#!/usr/bin/env python3
"""Tampering with any stored byte is caught by `peerdb audit`: one byte flipped in a stored block,
in a seal signature and in a state value (each on its own copy of a real node's database, edited
with Python's sqlite3 as an attacker with file access would). Audit exits 1 and names the block."""
import random
import shutil
import sqlite3

import harness as h


def flip(blob, rng):
    b = bytearray(blob)
    i = rng.randrange(len(b))
    b[i] ^= 1 << rng.randrange(8)
    return bytes(b), i


def audit_fails(db, wd, *needles):
    p = h.run("audit", "--db", db, "--consortium", wd / "consortium.toml", check=False)
    out = p.stdout + p.stderr
    h.check(p.returncode == 1, f"audit of tampered {db} exited {p.returncode}:\n{out}")
    for n in needles:
        h.check(n in out, f"audit output lacks {n!r}:\n{out}")
    return out


def main():
    h.parse_args()
    rng = random.Random(20261124)
    with h.Workdir("tamper") as wd:
        h.make_consortium(wd, namespaces=("books",), block_period_ms=50)
        node = h.Node(wd).start()
        for i in range(40):
            status, _ = node.post("/v1/tx", {"ops": [{"op": "put", "ns": "books", "key": f"e{i}", "value": {"amount": i}},
                                                     {"op": "put", "ns": "books", "key": "total", "value": i}]})
            h.check(status == 200, "write failed")
        node.stop()
        clean = h.run("audit", "--db", node.db)
        h.check("audit passed" in clean.stdout, clean.stdout)
        head = sqlite3.connect(node.db).execute("SELECT max(height) FROM blocks").fetchone()[0]
        h.check(head >= 10, f"only {head} blocks")

        def copy(name):
            path = wd / f"{name}.sqlite"
            shutil.copy(node.db, path)
            return path

        # 1. One byte of a stored block body, in the middle of the chain.
        for trial in range(5):
            db = copy(f"block{trial}")
            target = rng.randrange(2, head)
            con = sqlite3.connect(db)
            body, where = flip(con.execute("SELECT body FROM blocks WHERE height=?", (target,)).fetchone()[0], rng)
            con.execute("UPDATE blocks SET body=? WHERE height=?", (body, target))
            con.commit(); con.close()
            audit_fails(db, wd, f"block {target}")
            print(f"block {target}, byte {where} flipped: caught")

        # 2. One byte of a seal signature.
        db = copy("seal")
        target = rng.randrange(1, head + 1)
        con = sqlite3.connect(db)
        sig, _ = flip(con.execute("SELECT sig FROM seals WHERE height=?", (target,)).fetchone()[0], rng)
        con.execute("UPDATE seals SET sig=? WHERE height=?", (sig, target))
        con.commit(); con.close()
        out = audit_fails(db, wd, f"block {target}", "does not verify")
        print(f"seal of block {target} flipped: caught")

        # 3. One byte of a current state row's value commitment, and of a history value (the state
        # row reads its value from there).
        db = copy("state")
        con = sqlite3.connect(db)
        commit, height = con.execute("SELECT value_commit, height FROM state WHERE ns='books' AND key='e7'").fetchone()
        commit, _ = flip(commit, rng)
        con.execute("UPDATE state SET value_commit=? WHERE ns='books' AND key='e7'", (commit,))
        con.commit(); con.close()
        audit_fails(db, wd, "books/e7", f"block {height}")
        print(f"state commitment books/e7 (block {height}) flipped: caught")

        db = copy("history")
        con = sqlite3.connect(db)
        value, height = con.execute("SELECT value, height FROM history WHERE ns='books' AND key='total' AND version=3").fetchone()
        value, _ = flip(value, rng)
        con.execute("UPDATE history SET value=? WHERE ns='books' AND key='total' AND version=3", (value,))
        con.commit(); con.close()
        audit_fails(db, wd, "books/total", f"block {height}")
        print(f"history value books/total v3 (block {height}) flipped: caught")

        # 4. A status column claiming FINAL without any anchor.
        db = copy("status")
        target = rng.randrange(1, head + 1)
        con = sqlite3.connect(db)
        con.execute("UPDATE blocks SET status=5 WHERE height=?", (target,))
        con.commit(); con.close()
        audit_fails(db, wd, f"block {target}", "stored status FINAL")
        print(f"status of block {target} set to FINAL: caught")

        # 5. The export of a clean database audits; a flipped byte in the export file does not.
        h.run("export", "--db", node.db, "--out", wd / "chain.pdbx")
        ok = h.run("audit", "--chain", wd / "chain.pdbx", "--consortium", wd / "consortium.toml")
        h.check("audit passed" in ok.stdout, ok.stdout)
        data = bytearray(open(wd / "chain.pdbx", "rb").read())
        data[len(data) // 2] ^= 0x10
        open(wd / "bad.pdbx", "wb").write(bytes(data))
        p = h.run("audit", "--chain", wd / "bad.pdbx", check=False)
        h.check(p.returncode == 1 and "block" in p.stderr, f"tampered export: {p.returncode} {p.stderr}")
        print("export: clean passes, tampered fails")


if __name__ == "__main__":
    main()
