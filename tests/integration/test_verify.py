#!/usr/bin/env python3
"""`peerdb info` and `peerdb verify` on the shared OpenTimestamps vectors, offline (--headers), and
against an unreachable header source. The vectors are read in place; files that must sit side by
side or be modified are copied into the test's temp dir."""
import os
import shutil

import harness as h

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "testdata", "ots")
CLIENT = os.path.join(VECTORS, "opentimestamps-client", "examples")
JS = os.path.join(VECTORS, "javascript-opentimestamps", "examples")
HEADERS = os.path.join(VECTORS, "headers.json")


def one_line_error(p, code, needle=""):
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    h.check(p.returncode == code, f"exit {p.returncode}, wanted {code}: {p.stdout} {p.stderr}")
    h.check(len(lines) == 1 and lines[0].startswith("peerdb: "), f"want one 'peerdb: reason' line: {p.stderr!r}")
    h.check(needle in lines[0], f"{needle!r} not in {lines[0]!r}")


def main():
    h.parse_args()
    with h.Workdir("verify") as wd:
        # The real proof of "Hello World!\n" in Bitcoin block 358391, checked offline.
        p = h.run("verify", os.path.join(CLIENT, "hello-world.txt"), "--headers", HEADERS)
        # The headers file's tip is its only header, so the block has one confirmation.
        h.check(p.stdout.strip() == "Success! Bitcoin block 358391 attests existence as of 2015-05-28 15:41:18 UTC "
                "(1 confirmation; block hash 000000000000000003e892881a8cdcdc117c06d444057c98b6f04a9ee75a2319)", p.stdout)
        p = h.run("verify", os.path.join(CLIENT, "hello-world.txt"), "--headers", HEADERS, "--min-confirmations", "2",
                  check=False)
        one_line_error(p, 1, "not verified: Bitcoin block 358391 has only 1 confirmation, 2 required")
        p = h.run("verify", os.path.join(CLIENT, "hello-world.txt"), "--headers", HEADERS, "--network", "regtest")
        h.check("Success! Bitcoin block 358391" in p.stdout, p.stdout)  # mainnet work also meets the regtest limit
        p = h.run("verify", os.path.join(CLIENT, "hello-world.txt"), "--headers", HEADERS, "--network", "testnet",
                  check=False)
        h.check(p.returncode == 2, p.stderr)
        # FILE.ots given explicitly, from another directory.
        shutil.copy(os.path.join(CLIENT, "hello-world.txt"), wd / "hello.txt")
        p = h.run("verify", wd / "hello.txt", os.path.join(CLIENT, "hello-world.txt.ots"), "--headers", HEADERS)
        h.check("Bitcoin block 358391" in p.stdout, p.stdout)

        # A proof whose path does not lead to the block's merkle root.
        p = h.run("verify", os.path.join(CLIENT, "bad-stamp.txt"), "--headers", HEADERS, check=False)
        one_line_error(p, 1, "merkle root")

        # A modified file no longer matches its proof.
        shutil.copy(os.path.join(CLIENT, "hello-world.txt.ots"), wd / "hello.txt.ots")
        with open(wd / "hello.txt", "ab") as f:
            f.write(b"!")
        p = h.run("verify", wd / "hello.txt", "--headers", HEADERS, check=False)
        one_line_error(p, 1, f"{wd / 'hello.txt'} does not match the digest in {wd / 'hello.txt.ots'}")

        # Only pending attestations.
        p = h.run("verify", os.path.join(CLIENT, "incomplete.txt"), "--headers", HEADERS, check=False)
        one_line_error(p, 1, "Pending confirmation in Bitcoin; run peerdb upgrade")

        # Header source unreachable: exit 4 (unavailable) with a clear reason.
        port = h.free_port()
        for flag in ("--esplora", "--bitcoind"):
            p = h.run("verify", os.path.join(CLIENT, "hello-world.txt"), flag, f"http://127.0.0.1:{port}",
                      check=False, timeout=60)
            one_line_error(p, 4, "cannot get Bitcoin block headers")

        # info prints what the reference client's `ots info` prints.
        for name in ("incomplete.txt", "merkle2.txt"):
            expected = open(os.path.join(JS, name + ".ots.info")).read()
            p = h.run("info", os.path.join(CLIENT, name + ".ots"))
            h.check(p.stdout == expected, f"info {name}:\n{p.stdout}\n---\n{expected}")
        p = h.run("info", os.path.join(CLIENT, "hello-world.txt.ots"))
        h.check("verify BitcoinBlockHeaderAttestation(358391)" in p.stdout, p.stdout)

        # Garbage and invalid proofs are bad input with the parser's reason.
        with open(wd / "garbage.ots", "wb") as f:
            f.write(os.urandom(300))
        one_line_error(h.run("info", wd / "garbage.ots", check=False), 2, "garbage.ots")
        one_line_error(h.run("verify", wd / "hello.txt", wd / "garbage.ots", "--headers", HEADERS, check=False), 2)
        one_line_error(h.run("info", os.path.join(CLIENT, "invalid", "bad-major-version.ots"), check=False), 2)
        missing = h.run("info", wd / "missing.ots", check=False)
        one_line_error(missing, 3, "no such file")  # not found, and the file named once
        h.check(missing.stderr.count("missing.ots") == 1, missing.stderr)

        # Several files in one run: one line per file in the order given (FILE or FILE.ots), a
        # summary, and the worst exit code (2 for unreadable input beats 1 for a failed proof).
        batch = wd / "batch"
        os.makedirs(batch)
        for i in range(3):
            shutil.copy(os.path.join(CLIENT, "hello-world.txt"), os.path.join(batch, f"h{i}.txt"))
            shutil.copy(os.path.join(CLIENT, "hello-world.txt.ots"), os.path.join(batch, f"h{i}.txt.ots"))
        good = [os.path.join(batch, n) for n in ("h0.txt", "h1.txt.ots", "h2.txt")]
        p = h.run("verify", *good, "--headers", HEADERS)
        lines = p.stdout.splitlines()
        h.check(len(lines) == 4 and lines[-1] == "Verified 3 of 3 files", p.stdout)
        for line, name in zip(lines, ("h0.txt", "h1.txt", "h2.txt")):
            h.check(line.startswith(f"{os.path.join(batch, name)}: Success! Bitcoin block 358391 attests"), line)
        p = h.run("verify", *good, os.path.join(CLIENT, "bad-stamp.txt"), "--headers", HEADERS, check=False)
        h.check(p.returncode == 1 and "Verified 3 of 4 files" in p.stdout, f"{p.returncode} {p.stdout}")
        h.check("bad-stamp.txt: verification failed" in p.stderr and "merkle root" in p.stderr, p.stderr)
        p = h.run("verify", *good, os.path.join(CLIENT, "bad-stamp.txt"), os.path.join(batch, "missing.txt"), "--headers", HEADERS,
                  check=False)
        h.check(p.returncode == 3 and "Verified 3 of 5 files" in p.stdout, f"{p.returncode} {p.stdout}")
        h.check("missing.txt.ots: no such file" in p.stderr, p.stderr)
        # An unreachable source is asked once, not once per file: the run ends quickly with a reason per file.
        p = h.run("verify", *good, "--esplora", f"http://127.0.0.1:{port}", check=False, timeout=60)
        h.check(p.returncode == 4 and p.stderr.count("cannot get Bitcoin block headers") == 3, p.stderr)

        print("verify/info: success, bad stamp, modified file, pending, unreachable source, garbage all as expected")


if __name__ == "__main__":
    main()
