#!/usr/bin/python3
"""`peerdb stamp` and `peerdb upgrade` (the real binary) against two loopback calendars built with
the reference library, and their output checked by the reference library: each run's proofs must
be byte-identical to what the reference's own stamping computes from the same digests and nonces,
the submitted digest must be the reference's merkle root, and an upgraded proof must re-serialize
identically and be complete. Needs /usr/bin/python3 with python3-opentimestamps."""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "unit", "ots"))

import harness as h  # noqa: E402
from ots_calendar import Calendar  # noqa: E402
from stamp_check import check_stamp_run, find  # noqa: E402
from opentimestamps.core.notary import BitcoinBlockHeaderAttestation, PendingAttestation  # noqa: E402
from opentimestamps.core.serialize import BytesDeserializationContext, BytesSerializationContext  # noqa: E402
from opentimestamps.core.timestamp import DetachedTimestampFile  # noqa: E402


def load(path):
    data = open(path, "rb").read()
    dtf = DetachedTimestampFile.deserialize(BytesDeserializationContext(data))
    ctx = BytesSerializationContext()
    dtf.serialize(ctx)
    h.check(ctx.getbytes() == data, f"{path}: the reference re-serializes it differently")
    return dtf


def kinds(dtf):
    return [type(a) for _, a in dtf.timestamp.all_attestations()]


def main():
    h.parse_args()
    a, b = Calendar(), Calendar()
    try:
        with h.Workdir("stamp") as wd:
            os.makedirs(wd / "sub")
            names = [wd / f"f{i}.txt" for i in range(6)] + [wd / "sub/g.bin", wd / "empty"]
            for i, n in enumerate(names):
                with open(n, "wb") as f:
                    f.write(os.urandom(i * 37) if n.endswith(".bin") else f"file {i}\n".encode())

            # One run over several files in two directories: one POST per calendar.
            p = h.run("stamp", "-c", a.url, "-c", b.url, "--no-progress", *names)
            h.check("Submitted to 2 of 2 calendars; wrote 8 proofs" in p.stdout, p.stdout)
            h.check(len(a.posts) == 1 and len(b.posts) == 1, f"posts: {len(a.posts)}, {len(b.posts)}")
            headers, root = a.posts[0]
            h.check(headers.get("Accept") == "application/vnd.opentimestamps.v1", headers)
            h.check(headers.get("Content-Type") == "application/x-www-form-urlencoded", headers)
            h.check(b.posts[0][1] == root, "both calendars got the same digest")
            proofs = [n + ".ots" for n in names]
            problems = check_stamp_run(proofs)
            h.check(not problems, "\n".join(problems))
            h.check(find(load(proofs[0]).timestamp, root) is not None, "the submitted digest is the proofs' root")

            # A single file is its own merkle root, as with the reference.
            one = wd / "single.txt"
            with open(one, "w") as f:
                f.write("alone\n")
            h.run("stamp", "-c", a.url, "-m", "1", one)
            h.check(not check_stamp_run([one + ".ots"]), "single-file stamp differs from the reference")

            # Refused before anything is sent: an existing proof.
            posts = len(a.posts)
            p = h.run("stamp", "-c", a.url, names[0], check=False)
            h.check(p.returncode == 2 and f"{proofs[0]} already exists" in p.stderr, p.stderr)
            h.check(len(a.posts) == posts, "nothing may be submitted when a proof exists")

            # Upgrade while pending: exit 1, file untouched.
            before = open(proofs[0], "rb").read()
            p = h.run("upgrade", "-c", a.url, "-c", b.url, proofs[0], check=False)
            h.check(p.returncode == 1, f"exit {p.returncode}: {p.stdout} {p.stderr}")
            h.check("Pending confirmation in Bitcoin blockchain" in p.stdout, p.stdout)
            h.check(open(proofs[0], "rb").read() == before and not os.path.exists(proofs[0] + ".bak"), "unchanged")

            # Not whitelisted (no -c): the calendars are never asked.
            gets = len(a.gets) + len(b.gets)
            p = h.run("upgrade", proofs[1], check=False)
            h.check(p.returncode == 1 and "calendar not in whitelist" in p.stdout, p.stdout)
            h.check(len(a.gets) + len(b.gets) == gets, "a calendar off the whitelist was contacted")

            # Confirmed by one calendar: complete, old proof kept as .bak, pending kept.
            a.confirm(840000)
            p = h.run("upgrade", "-c", a.url, "-c", b.url, *proofs[:3])
            for proof in proofs[:3]:
                h.check(f"{proof}: Success! Timestamp complete" in p.stdout, p.stdout)
            h.check(open(proofs[0] + ".bak", "rb").read() == before, ".bak must hold the old proof")
            up = load(proofs[0])
            got = kinds(up)
            h.check(got.count(BitcoinBlockHeaderAttestation) == 1 and got.count(PendingAttestation) == 2, got)
            h.check(up.file_digest == load(proofs[0] + ".bak").file_digest, "same file digest")

            # Complete proofs are not sent anywhere again.
            gets = len(a.gets) + len(b.gets)
            h.run("upgrade", "-c", a.url, proofs[0])
            h.check(len(a.gets) + len(b.gets) == gets, "a complete proof was upgraded again")

            # A calendar that is down: the proofs are still written when -m is met, with a warning.
            b.close()
            extra = wd / "late.txt"
            with open(extra, "w") as f:
                f.write("late\n")
            p = h.run("stamp", "-c", a.url, "-c", b.url, "--timeout", "1", extra, check=False)
            h.check(p.returncode == 1 and "timestamp not created" in p.stderr, p.stderr)
            h.check(not os.path.exists(extra + ".ots"), "no proof below -m")
            p = h.run("stamp", "-c", a.url, "-c", b.url, "-m", "1", "--timeout", "1", extra)
            h.check("warning" in p.stderr and os.path.exists(extra + ".ots"), p.stderr)
    finally:
        a.close()
    print("stamp: ok")


if __name__ == "__main__":
    main()
