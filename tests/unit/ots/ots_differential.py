#!/usr/bin/python3
"""Differential test of PeerDB's .ots code against the reference library (Debian
python3-opentimestamps), run by CTest with /usr/bin/python3.

1. Random proofs written by the reference (seeded: forks, every op, every attestation kind, long
   chains) are parsed and re-serialized by PeerDB (ots_roundtrip_tool): bytes, the multiset of
   (leaf message, attestation) and the info text must equal the reference's.
2. Random proofs written by PeerDB are parsed by the reference: it must accept them and its
   re-serialization must be byte-identical; attestations must agree again.
3. The shared real vectors that the reference accepts get the same comparison.
Exit status 0 iff everything agrees.
"""
import argparse
import glob
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings

from opentimestamps.core.notary import (BitcoinBlockHeaderAttestation, LitecoinBlockHeaderAttestation,
                                        PendingAttestation, UnknownAttestation)
from opentimestamps.core.dubious.notary import EthereumBlockHeaderAttestation
from opentimestamps.core.op import (OpAppend, OpHexlify, OpKECCAK256, OpPrepend, OpReverse, OpRIPEMD160,
                                    OpSHA1, OpSHA256)
from opentimestamps.core.serialize import BytesDeserializationContext, BytesSerializationContext
from opentimestamps.core.timestamp import DetachedTimestampFile, Timestamp

warnings.filterwarnings("ignore")  # OpReverse's PendingDeprecationWarning

URI_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._/:"


def random_attestation(rng):
    height = rng.randrange(1 << 62) if rng.random() < 0.25 else rng.randrange(1000000)
    kind = rng.randrange(5)
    if kind == 0:
        return BitcoinBlockHeaderAttestation(height)
    if kind == 1:
        return LitecoinBlockHeaderAttestation(height)
    if kind == 2:
        return EthereumBlockHeaderAttestation(height)
    if kind == 3:
        return PendingAttestation("".join(rng.choice(URI_CHARS) for _ in range(rng.randrange(60))))
    return UnknownAttestation(bytes(rng.randrange(256) for _ in range(8)),
                              bytes(rng.randrange(256) for _ in range(rng.randrange(40))))


def random_op(rng, msg):
    while True:
        kind = rng.randrange(8)
        if kind in (4, 5):
            n = 1 + rng.randrange(300 if rng.random() < 0.125 else 40)
            arg = bytes(rng.randrange(256) for _ in range(n))
            if len(msg) + n > 4096:
                continue
            return OpAppend(arg) if kind == 4 else OpPrepend(arg)
        if kind == 7 and (not msg or len(msg) > 300):
            continue
        if kind == 6 and not msg:
            continue
        return [OpSHA1, OpRIPEMD160, OpSHA256, OpKECCAK256, None, None, OpReverse, OpHexlify][kind]()


def fill(rng, stamp, depth):
    children = 1 if depth >= 7 else 1 + rng.randrange(3 if depth < 2 else 2)
    for _ in range(children):
        if depth >= 7 or rng.randrange(3) == 0:
            stamp.attestations.add(random_attestation(rng))
        else:
            fill(rng, stamp.ops.add(random_op(rng, stamp.msg)), depth + 1)


def make_reference_file(rng, index):
    op = rng.choice([OpSHA256, OpSHA256, OpSHA1, OpRIPEMD160, OpKECCAK256])()
    root = Timestamp(bytes(rng.randrange(256) for _ in range(op.DIGEST_LENGTH)))
    start = root
    if index % 17 == 0:  # long chains near the 255 nesting limit
        for _ in range(200 + rng.randrange(49)):
            start = start.ops.add(OpSHA256())
    fill(rng, start, 0)
    ctx = BytesSerializationContext()
    DetachedTimestampFile(op, root).serialize(ctx)
    return ctx.getbytes()


def reference_view(data):
    """(canonical bytes, sorted attestations, info text) as the reference sees data."""
    detached = DetachedTimestampFile.deserialize(BytesDeserializationContext(data))
    ctx = BytesSerializationContext()
    detached.serialize(ctx)
    atts = sorted([msg.hex(), repr(att)] for msg, att in detached.timestamp.all_attestations())
    name = getattr(detached.file_hash_op, "HASHLIB_NAME", None) or detached.file_hash_op.TAG_NAME
    info = "File %s hash: %s\nTimestamp:\n%s" % (name, detached.file_digest.hex(), detached.timestamp.str_tree())
    return ctx.getbytes(), atts, info


def run_tool(tool, paths):
    results = {}
    for start in range(0, len(paths), 200):
        out = subprocess.run([tool] + paths[start:start + 200], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            r = json.loads(line)
            results[r["path"]] = r
    return results


def compare(path, data, mine, failures):
    try:
        ref_bytes, ref_atts, ref_info = reference_view(data)
    except Exception as exc:  # noqa: BLE001 - any reference rejection is a finding here
        failures.append("%s: reference rejects: %r" % (path, exc))
        return
    if not mine["ok"]:
        failures.append("%s: PeerDB rejects: %s %s" % (path, mine["code"], mine["error"]))
        return
    if mine["hex"] != ref_bytes.hex():
        failures.append("%s: re-serialization differs" % path)
    if sorted(mine["attestations"]) != ref_atts:
        failures.append("%s: attestations differ" % path)
    if mine["info"] != ref_info:
        failures.append("%s: info text differs:\n--- reference\n%s--- peerdb\n%s" % (path, ref_info, mine["info"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="ots-diff-") as tmp:
        # 1. reference -> PeerDB
        rng = random.Random(args.seed)
        ref_paths = []
        for i in range(args.count):
            path = os.path.join(tmp, "reference-%d.ots" % i)
            with open(path, "wb") as f:
                f.write(make_reference_file(rng, i))
            ref_paths.append(path)
        # 2. PeerDB -> reference
        subprocess.run([args.tool, "--generate", str(args.seed), str(args.count), tmp], check=True)
        peer_paths = sorted(glob.glob(os.path.join(tmp, "peerdb-*.ots")))
        if len(peer_paths) != args.count:
            failures.append("generator wrote %d files, expected %d" % (len(peer_paths), args.count))
        for path in peer_paths:
            with open(path, "rb") as f:
                data = f.read()
            try:
                if reference_view(data)[0] != data:
                    failures.append("%s: reference re-serializes PeerDB's bytes differently" % path)
            except Exception as exc:  # noqa: BLE001
                failures.append("%s: reference rejects PeerDB's file: %r" % (path, exc))
        # 3. the shared real vectors the reference accepts
        vector_paths = []
        for path in sorted(glob.glob(os.path.join(args.vectors, "**", "*.ots"), recursive=True)):
            with open(path, "rb") as f:
                data = f.read()
            try:
                reference_view(data)
            except Exception:  # noqa: BLE001 - rejections are covered by the unit tests
                continue
            if path.endswith("dupops.ots"):  # PeerDB merges duplicate ops by design
                continue
            vector_paths.append(path)
        all_paths = ref_paths + peer_paths + vector_paths
        results = run_tool(args.tool, all_paths)
        for path in all_paths:
            with open(path, "rb") as f:
                data = f.read()
            compare(path, data, results[path], failures)
    for failure in failures[:20]:
        print("FAIL", failure)
    print("compared %d reference-written, %d PeerDB-written, %d real files; %d failures"
          % (len(ref_paths), len(peer_paths), len(vector_paths), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
