#!/usr/bin/python3
"""The OpenTimestamps life cycle end to end with real processes: `peerdb devchain` as calendar and
Bitcoin, `peerdb stamp` -> mine -> `peerdb upgrade` -> `peerdb verify --esplora <devchain>
--network regtest` naming the block that holds the proof; a reorg that drops that block turns the
verification into a failure with a clear reason, while a file upgraded only after the re-mining
verifies at the new height. The reference library (Debian python3-opentimestamps, so run with
/usr/bin/python3) must accept every upgraded .ots byte for byte and agree on the attested header."""
import os
import signal
import subprocess
import urllib.request

import harness as h

from bitcoin.core import CBlockHeader
from opentimestamps.core.notary import BitcoinBlockHeaderAttestation, PendingAttestation
from opentimestamps.core.serialize import BytesDeserializationContext, BytesSerializationContext
from opentimestamps.core.timestamp import DetachedTimestampFile


def start_devchain(wd):
    proc = subprocess.Popen([h.PEERDB, "devchain", "--data", wd / "devchain", "--block-interval-ms", "0"],
                            stdout=subprocess.PIPE, stderr=open(wd / "devchain.log", "w"), text=True)
    line = proc.stdout.readline().strip()
    prefix = "devchain: calendar and Esplora API at "
    h.check(line.startswith(prefix), f"devchain said {line!r}")
    return proc, line[len(prefix):]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def reference_roundtrip(path):
    """The reference parses the file and re-serializes it identically; returns the parsed file."""
    data = open(path, "rb").read()
    parsed = DetachedTimestampFile.deserialize(BytesDeserializationContext(data))
    ctx = BytesSerializationContext()
    parsed.serialize(ctx)
    h.check(ctx.getbytes() == data, f"{path}: the reference re-serializes it differently")
    return parsed


def verify(doc, url, check=True):
    return h.run("verify", doc, "--esplora", url, "--network", "regtest", check=check)


def main():
    h.parse_args()
    with h.Workdir("stamp-e2e") as wd:
        proc, url = start_devchain(wd)
        try:
            docs = []
            for name in ("contract.txt", "later.txt"):
                with open(wd / name, "w") as f:
                    f.write(f"the text of {name}\n")
                docs.append(wd / name)
            contract, later = docs

            p = h.run("stamp", contract, later, "-c", url, "-m", "1", "--no-progress")
            for doc in docs:
                pending = reference_roundtrip(doc + ".ots")
                atts = [a for _, a in pending.timestamp.all_attestations()]
                h.check(atts and all(isinstance(a, PendingAttestation) and a.uri == url for a in atts),
                        f"pending attestations naming the devchain: {atts}")
            p = verify(contract, url, check=False)
            h.check(p.returncode == 1 and "Pending confirmation" in p.stderr, p.stderr)

            height = int(get(url + "/blocks/tip/height")) + 1
            h.run("devchain", "mine", "--url", url, "--blocks", "2")
            p = h.run("upgrade", contract + ".ots", "-c", url)
            h.check("Success! Timestamp complete" in p.stdout, p.stdout)
            upgraded = reference_roundtrip(contract + ".ots")

            block_hash = get(f"{url}/block-height/{height}").decode()
            p = verify(contract, url)
            h.check(p.stdout.startswith(f"Success! Bitcoin block {height} attests existence as of ") and
                    p.stdout.strip().endswith(f"(2 confirmations; block hash {block_hash})"), p.stdout)
            # The reference agrees: the attested message is that block's merkle root.
            header = CBlockHeader.deserialize(bytes.fromhex(get(f"{url}/block/{block_hash}/header").decode()))
            leaves = [(m, a) for m, a in upgraded.timestamp.all_attestations()
                      if isinstance(a, BitcoinBlockHeaderAttestation)]
            h.check([a.height for _, a in leaves] == [height], f"attestations {leaves}")
            h.check(leaves[0][1].verify_against_blockheader(leaves[0][0], header) == header.nTime, "reference verify")

            # A reorg replacing that block: the proof no longer leads to the merkle root at its height.
            tip = int(get(url + "/blocks/tip/height"))
            h.run("devchain", "reorg", "--url", url, "--depth", str(tip - height + 1))
            p = verify(contract, url, check=False)
            lines = [l for l in p.stderr.splitlines() if l.strip()]
            h.check(p.returncode == 1 and len(lines) == 1, f"exit {p.returncode}: {p.stderr}")
            h.check(f"verification failed: Bitcoin block {height}" in lines[0] and "merkle root" in lines[0], lines[0])
            reorg_reason = lines[0]

            # The dropped commitments are mined again; a proof fetched now verifies at the new height.
            new_height = int(get(url + "/blocks/tip/height")) + 1
            h.run("devchain", "mine", "--url", url)
            p = h.run("upgrade", later + ".ots", "-c", url)
            h.check("Success! Timestamp complete" in p.stdout, p.stdout)
            reference_roundtrip(later + ".ots")
            p = verify(later, url)
            h.check(p.stdout.startswith(f"Success! Bitcoin block {new_height} attests existence as of "), p.stdout)
            print(f"stamp e2e: attested by block {height}; after the reorg: {reorg_reason!r}; "
                  f"re-mined proof in block {new_height}")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
