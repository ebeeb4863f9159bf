#!/usr/bin/python3
"""The baseline for the stamping and verifying benchmarks: the reference OpenTimestamps library
(Debian python3-opentimestamps) doing the same work as `peerdb stamp` and `peerdb verify`.

stamp: what the reference client's `ots stamp` does (otsclient/cmds.py stamp_command): hash each
file with SHA-256, append a 16-byte random nonce and hash again, one Merkle tree over all files
(make_merkle_tree), one submission of the tip to each calendar, merge the replies, write FILE.ots
next to each file (open mode 'xb', as the client).

verify: what `ots verify` does for a complete proof, with the Bitcoin headers given up front (as
`peerdb verify --headers` reads them from a file) instead of asking a local bitcoind: hash the
file, parse the proof, check the digest, and check every Bitcoin attestation against the header
at its height (verify_against_blockheader).

Prints one JSON line {"files": N, "seconds": S}. Runs only with /usr/bin/python3 (Debian's
library); the timing covers the work, not the interpreter start.
"""
import argparse
import json
import os
import sys
import time

from bitcoin.core import CBlockHeader
from opentimestamps.calendar import RemoteCalendar
from opentimestamps.core.notary import BitcoinBlockHeaderAttestation
from opentimestamps.core.op import OpAppend, OpSHA256
from opentimestamps.core.serialize import BytesDeserializationContext, StreamSerializationContext
from opentimestamps.core.timestamp import DetachedTimestampFile, make_merkle_tree


def stamp(paths, calendars, timeout):
    file_timestamps = []
    merkle_roots = []
    for path in paths:
        with open(path, 'rb') as fd:
            file_timestamp = DetachedTimestampFile.from_fd(OpSHA256(), fd)
        nonce_appended = file_timestamp.timestamp.ops.add(OpAppend(os.urandom(16)))
        merkle_roots.append(nonce_appended.ops.add(OpSHA256()))
        file_timestamps.append(file_timestamp)
    tip = make_merkle_tree(merkle_roots)
    for url in calendars:
        tip.merge(RemoteCalendar(url).submit(tip.msg, timeout=timeout))
    for path, file_timestamp in zip(paths, file_timestamps):
        with open(path + '.ots', 'xb') as out:
            file_timestamp.serialize(StreamSerializationContext(out))


def load_headers(path):
    with open(path) as f:
        entries = json.load(f)
    headers = {}
    for key, entry in entries.items():
        if key.startswith('_') or entry.get('header') is None:
            continue
        headers[int(key)] = CBlockHeader.deserialize(bytes.fromhex(entry['header']))
    return headers


def verify(paths, headers):
    failures = 0
    for path in paths:
        with open(path + '.ots', 'rb') as fd:
            proof = DetachedTimestampFile.deserialize(BytesDeserializationContext(fd.read()))
        with open(path, 'rb') as fd:
            digest = DetachedTimestampFile.from_fd(proof.file_hash_op, fd).file_digest
        if digest != proof.file_digest:
            failures += 1
            continue
        verified = False
        bitcoin = [(a.height, msg, a) for msg, a in proof.timestamp.all_attestations()
                   if isinstance(a, BitcoinBlockHeaderAttestation)]
        for _, msg, attestation in sorted(bitcoin, key=lambda t: t[0]):
            header = headers.get(attestation.height)
            if header is None:
                continue
            try:
                attestation.verify_against_blockheader(msg, header)
                verified = True
                break
            except Exception:
                continue
        failures += not verified
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['stamp', 'verify'])
    parser.add_argument('--list', required=True, help='file with one path per line')
    parser.add_argument('--calendar', action='append', default=[])
    parser.add_argument('--headers')
    parser.add_argument('--timeout', type=float, default=30)
    args = parser.parse_args()
    with open(args.list) as f:
        paths = [line.rstrip('\n') for line in f if line.strip()]
    start = time.perf_counter()
    failures = 0
    if args.mode == 'stamp':
        stamp(paths, args.calendar, args.timeout)
    else:
        failures = verify(paths, load_headers(args.headers))
    seconds = time.perf_counter() - start
    print(json.dumps({'files': len(paths), 'seconds': seconds, 'failures': failures}))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
