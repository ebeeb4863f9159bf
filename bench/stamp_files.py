#!/usr/bin/python3
"""Times `peerdb stamp` on many small files against the reference library doing the same work.

  bench/stamp_files.py PEERDB [--files 100000] [--dir DIR] [--rounds 2]

Creates the files in a fresh directory under DIR (default: $TMPDIR or /tmp), starts a loopback
calendar (tests/integration/ots_calendar.py), then alternates per round:
  peerdb stamp -c CAL -m 1 --no-progress f*      (all files, one submission)
  the reference, in-process: DetachedTimestampFile.from_fd(sha256) per file, a 16-byte nonce,
  make_merkle_tree, the same calendar answer merged at the tip, every FILE.ots written ('xb')
and deletes the proofs between runs. Prints wall and CPU seconds and the ratio of the medians.
Needs /usr/bin/python3 with python3-opentimestamps. The work is mostly filesystem calls (a file
read and a file created per input), so results depend on the filesystem and on machine load:
compare both sides of one run, not runs on different machines.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from ots_calendar import Calendar  # noqa: E402
from opentimestamps.calendar import RemoteCalendar  # noqa: E402
from opentimestamps.core.op import OpAppend, OpSHA256  # noqa: E402
from opentimestamps.core.serialize import StreamSerializationContext  # noqa: E402
from opentimestamps.core.timestamp import DetachedTimestampFile, make_merkle_tree  # noqa: E402


def reference_stamp(names, calendar_url):
    files, leaves = [], []
    for name in names:
        with open(name, "rb") as fd:
            dtf = DetachedTimestampFile.from_fd(OpSHA256(), fd)
        leaves.append(dtf.timestamp.ops.add(OpAppend(os.urandom(16))).ops.add(OpSHA256()))
        files.append(dtf)
    tip = make_merkle_tree(leaves)
    tip.merge(RemoteCalendar(calendar_url).submit(tip.msg, timeout=5))
    for name, dtf in zip(names, files):
        with open(name + ".ots", "xb") as out:
            dtf.serialize(StreamSerializationContext(out))


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def remove_proofs(d):
    for e in os.scandir(d):
        if e.name.endswith(".ots"):
            os.unlink(e.path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peerdb")
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="peerdb-stamp-bench-", dir=args.dir)
    cal = Calendar()
    try:
        names = [f"f{i:07d}" for i in range(args.files)]
        os.chdir(work)
        for i, n in enumerate(names):
            with open(n, "wb") as f:
                f.write(b"small file %d\n" % i)
        os.sync()
        ours, ref = [], []
        for r in range(args.rounds):
            c0, t0 = cpu_children(), time.monotonic()
            subprocess.run([args.peerdb, "stamp", "-c", cal.url, "-m", "1", "--no-progress", *names],
                           check=True, stdout=subprocess.DEVNULL)
            ours.append((time.monotonic() - t0, cpu_children() - c0))
            remove_proofs(work)
            os.sync()
            c0, t0 = cpu_self(), time.monotonic()
            reference_stamp(names, cal.url)
            ref.append((time.monotonic() - t0, cpu_self() - c0))
            remove_proofs(work)
            os.sync()
            print(f"round {r + 1}: peerdb {ours[-1][0]:.2f} s wall ({ours[-1][1]:.2f} s CPU), "
                  f"reference {ref[-1][0]:.2f} s wall ({ref[-1][1]:.2f} s CPU)", flush=True)
        ow, rw = statistics.median(w for w, _ in ours), statistics.median(w for w, _ in ref)
        oc, rc = statistics.median(c for _, c in ours), statistics.median(c for _, c in ref)
        print(f"{args.files} files in {work}: peerdb {ow:.2f} s, reference {rw:.2f} s wall -> {rw / ow:.1f}x "
              f"(CPU {oc:.2f} s vs {rc:.2f} s -> {rc / oc:.1f}x)")
    finally:
        cal.close()
        os.chdir("/")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
