#!/usr/bin/python3
"""`peerdb devchain` as a real process, checked with the reference libraries (Debian
python3-opentimestamps and python3-bitcoinlib, so run with /usr/bin/python3):
- the reference calendar client (opentimestamps.calendar.RemoteCalendar) submits and upgrades;
- every mined block parses with python-bitcoinlib: header hash, merkle root, txids, BIP34 height;
- the transaction-to-block part of each proof equals what python-opentimestamps'
  make_timestamp_from_block builds from the raw block, and the leaf is the block's merkle root;
- `peerdb devchain mine/reorg`, a reorg invalidating an old proof, kill -9 and restart losing
  nothing, bad input answered with 4xx, SIGTERM exiting cleanly, non-loopback listen refused."""
import hashlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import harness as h

import bitcoin
from bitcoin.core import CBlock, b2lx, lx
from bitcoin.core.script import CScript
from opentimestamps.bitcoin import make_timestamp_from_block
from opentimestamps.calendar import CommitmentNotFoundError, RemoteCalendar
from opentimestamps.core.notary import BitcoinBlockHeaderAttestation, PendingAttestation
from opentimestamps.core.op import OpSHA256
from opentimestamps.core.serialize import BytesSerializationContext
from opentimestamps.core.timestamp import DetachedTimestampFile

bitcoin.SelectParams("regtest")


class Devchain:
    def __init__(self, wd, listen="127.0.0.1:0", extra=()):
        self.wd = wd
        self.log = open(wd / "devchain.log", "a")
        self.proc = subprocess.Popen([h.PEERDB, "devchain", "--data", wd / "dc", "--listen", listen,
                                      "--block-interval-ms", "0", "--port-file", wd / "port", *extra],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline().strip()
        prefix = "devchain: calendar and Esplora API at "
        h.check(line.startswith(prefix), f"first line {line!r}")
        self.url = line[len(prefix):]
        self.port = int(self.url.rsplit(":", 1)[1])
        h.check(open(wd / "port").read().strip() == str(self.port), "port file")

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return r.read()

    def status_of(self, path, data=None):
        try:
            with urllib.request.urlopen(urllib.request.Request(self.url + path, data=data), timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def block(self, height):
        block_hash = self.get(f"/block-height/{height}").decode()
        raw = self.get(f"/block/{block_hash}/raw")
        return block_hash, CBlock.deserialize(raw)

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=30)
        self.proc.stdout.close()
        return code


def node_with_msg(ts, msg):
    if ts.msg == msg:
        return ts
    for child in ts.ops.values():
        found = node_with_msg(child, msg)
        if found is not None:
            return found
    return None


def bitcoin_leaf(ts):
    leaves = [(msg, a) for msg, a in ts.all_attestations() if isinstance(a, BitcoinBlockHeaderAttestation)]
    h.check(len(leaves) == 1, f"one Bitcoin attestation expected, got {leaves}")
    return leaves[0]


def check_block(dc, height):
    """The block parses with python-bitcoinlib and agrees with every Esplora route."""
    block_hash, block = dc.block(height)
    h.check(b2lx(block.GetHash()) == block_hash, f"block {height} hash")
    h.check(block.get_header().serialize().hex() == dc.get(f"/block/{block_hash}/header").decode(), "header route")
    h.check(block.calc_merkle_root() == block.hashMerkleRoot, f"block {height} merkle root")
    txids = [b2lx(tx.GetTxid()) for tx in block.vtx]
    h.check(txids == __import__("json").loads(dc.get(f"/block/{block_hash}/txids")), "txids route")
    for tx in block.vtx:
        h.check(tx.serialize() == tx.serialize(params={"include_witness": False}), "legacy serialization")
    if height > 0:
        h.check(block.nBits == 0x207fffff and block.nVersion == 0x20000000, "regtest bits/version")
        script = bytes(block.vtx[0].vin[0].scriptSig)
        bip34 = bytes(CScript([height]))
        h.check(script.startswith(bip34), f"BIP34 height {height}: {script.hex()} vs {bip34.hex()}")
        h.check(block.vtx[0].is_coinbase(), "coinbase first")
    return block_hash, block


def check_proof(dc, commitment, proof):
    """The tx-to-block part is exactly the reference's make_timestamp_from_block output."""
    leaf_msg, att = bitcoin_leaf(proof)
    block_hash, block = check_block(dc, att.height)
    h.check(att.verify_against_blockheader(leaf_msg, block.get_header()) == block.nTime, "leaf is the merkle root")
    # The calendar root: the 32-byte OP_RETURN payload of the block's commitment transaction.
    roots = [bytes(out.scriptPubKey)[2:] for tx in block.vtx for out in tx.vout
             if bytes(out.scriptPubKey)[:2] == b"\x6a\x20"]
    h.check(len(roots) == 1, f"one OP_RETURN root per block, got {len(roots)}")
    ours = node_with_msg(proof, roots[0])
    h.check(ours is not None, "proof passes through the OP_RETURN root")
    reference = make_timestamp_from_block(roots[0], block, att.height)
    a, b = BytesSerializationContext(), BytesSerializationContext()
    ours.serialize(a)
    reference.serialize(b)
    h.check(a.getbytes() == b.getbytes(), "tx-to-block path differs from make_timestamp_from_block")
    return att.height, block_hash


def main():
    h.parse_args()
    with h.Workdir("devchain") as wd:
        dc = Devchain(wd, extra=("--filler-txs", "3"))
        cal = RemoteCalendar(dc.url)
        check_block(dc, 0)
        h.check(dc.get("/block-height/0").decode() == "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
                "regtest genesis")

        # Submit with the reference client: prepend time, append MAC, pending attestation.
        digests = [hashlib.sha256(f"document {i}".encode()).digest() for i in range(5)]
        stamps = [cal.submit(d, timeout=10) for d in digests]
        commitments = []
        for ts in stamps:
            msg, att = [(m, a) for m, a in ts.all_attestations()][0]
            h.check(isinstance(att, PendingAttestation) and att.uri == dc.url, f"pending {att}")
            h.check(len(msg) == 44, "44-byte commitment")
            commitments.append(msg)
        try:
            cal.get_timestamp(commitments[0], timeout=10)
            raise AssertionError("pending commitment answered 200")
        except CommitmentNotFoundError as e:
            h.check(e.reason == "Pending confirmation in Bitcoin blockchain", e.reason)

        p = h.run("devchain", "mine", "--url", dc.url, "--blocks", "2")
        h.check(p.stdout.startswith("mined 2 block(s); tip height 2, hash "), p.stdout)
        proofs = []
        for commitment, ts in zip(commitments, stamps):
            upgraded = cal.get_timestamp(commitment, timeout=10)
            height, block_hash = check_proof(dc, commitment, upgraded)
            h.check(height == 1, f"mined at {height}")
            node_with_msg(ts, commitment).merge(upgraded)
            proofs.append(upgraded)
        for height in range(1, 3):
            check_block(dc, height)

        # `peerdb verify` checks the merged proof through the devchain's Esplora API.
        with open(wd / "doc0.txt", "w") as f:
            f.write("document 0")
        ctx = BytesSerializationContext()
        DetachedTimestampFile(OpSHA256(), stamps[0]).serialize(ctx)
        with open(wd / "doc0.txt.ots", "wb") as f:
            f.write(ctx.getbytes())
        block1 = dc.get("/block-height/1").decode()
        p = h.run("verify", wd / "doc0.txt", "--esplora", dc.url, "--network", "regtest")
        h.check(p.stdout.startswith("Success! Bitcoin block 1 attests existence as of ") and
                p.stdout.strip().endswith(f"(2 confirmations; block hash {block1})"), p.stdout)
        p = h.run("verify", wd / "doc0.txt", "--esplora", dc.url, check=False)  # mainnet work required
        h.check(p.returncode == 1 and "proof-of-work limit" in p.stderr and "looks like a regtest header" in p.stderr
                and "--network regtest" in p.stderr, p.stderr)
        p = h.run("verify", wd / "doc0.txt", "--esplora", dc.url, "--network", "regtest", "--min-confirmations", "3",
                  check=False)
        h.check(p.returncode == 1 and "only 2 confirmations, 3 required" in p.stderr, p.stderr)

        # Reorg through the CLI: the block holding the proofs is replaced.
        p = h.run("devchain", "reorg", "--url", dc.url, "--depth", "2")
        h.check("replaced 2 block(s) with 3; 5 commitment(s) back to pending; tip height 3" in p.stdout, p.stdout)
        _, new_block = check_block(dc, 1)
        leaf_msg, att = bitcoin_leaf(proofs[0])
        try:
            att.verify_against_blockheader(leaf_msg, new_block.get_header())
            raise AssertionError("old proof still verifies after the reorg")
        except Exception as e:  # VerificationError
            h.check("merkleroot" in str(e).lower() or "digest" in str(e).lower(), str(e))
        p = h.run("verify", wd / "doc0.txt", "--esplora", dc.url, "--network", "regtest", check=False)
        h.check(p.returncode == 1 and "merkle root" in p.stderr, p.stderr)
        status, body = dc.status_of("/timestamp/" + commitments[0].hex())
        h.check(status == 404 and body == b"Pending confirmation in Bitcoin blockchain", f"{status} {body}")
        h.run("devchain", "mine", "--url", dc.url)
        for commitment in commitments:
            height, _ = check_proof(dc, commitment, cal.get_timestamp(commitment, timeout=10))
            h.check(height == 4, f"re-mined at {height}")

        # Bad input: 4xx with the reference server's wording, and the server keeps serving.
        h.check(dc.status_of("/digest", b"x" * 65) == (400, b"digest too long"), "long digest")
        h.check(dc.status_of("/digest", b"x" * 1_000_000) == (400, b"digest too long"), "huge digest")
        h.check(dc.status_of("/timestamp/xyz") == (400, b"commitment must be hex-encoded bytes"), "non-hex")
        h.check(dc.status_of("/no/such/route")[0] == 404, "unknown route")
        h.check(dc.status_of("/admin/mine", b"{")[0] == 400, "bad admin JSON")
        p = h.run("devchain", "reorg", "--url", dc.url, "--depth", "999", check=False)
        h.check(p.returncode == 5 and p.stderr.startswith("peerdb: reorg depth must be"), p.stderr)
        p = h.run("devchain", "mine", "--url", f"http://127.0.0.1:{h.free_port()}", check=False)
        h.check(p.returncode == 4 and "cannot reach" in p.stderr, p.stderr)

        # kill -9, then restart on the same port: chain, proofs and pending commitments survive.
        pending = cal.submit(hashlib.sha256(b"pending at the crash").digest(), timeout=10)
        pending_commitment = [m for m, a in pending.all_attestations()][0]
        tip = dc.get("/blocks/tip/hash")
        hashes = [dc.get(f"/block-height/{i}") for i in range(5)]
        old_proof = dc.get("/timestamp/" + commitments[1].hex())
        dc.stop(signal.SIGKILL)
        dc = Devchain(wd, listen=f"127.0.0.1:{dc.port}")
        h.check(dc.get("/blocks/tip/hash") == tip, "tip after restart")
        h.check([dc.get(f"/block-height/{i}") for i in range(5)] == hashes, "chain after restart")
        h.check(dc.get("/timestamp/" + commitments[1].hex()) == old_proof, "proof after restart")
        h.check(dc.status_of("/timestamp/" + pending_commitment.hex())[0] == 404, "still pending")
        h.run("devchain", "mine", "--url", dc.url)
        check_proof(dc, pending_commitment, cal.get_timestamp(pending_commitment, timeout=10))

        h.check(dc.stop() == 0, "SIGTERM exits 0")

        # A non-loopback listen address is refused unless --allow-remote.
        p = h.run("devchain", "--data", wd / "dc2", "--listen", "0.0.0.0:0", check=False, timeout=30)
        h.check(p.returncode == 2 and "loopback" in p.stderr, p.stderr)
        p = h.run("devchain", "--listen", "127.0.0.1:0", check=False)
        h.check(p.returncode == 2 and "--data" in p.stderr, p.stderr)
        print("devchain: reference calendar client, bitcoinlib blocks, reorg, crash restart, bad input all as expected")


if __name__ == "__main__":
    main()
