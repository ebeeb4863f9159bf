"""Checks one stamping run against the reference library (Debian python3-opentimestamps):
given the .ots files of the run in stamp order, the reference must parse each and re-serialize it
byte-identically, and stamping the same digests with the same nonces through its own
make_merkle_tree (as `ots stamp` does), then merging the calendar answer found at its root in the
first file, must give exactly the same bytes for every file. Used by stamp_differential.py and by
the integration test of `peerdb stamp`."""
from opentimestamps.core.op import OpAppend, OpSHA256
from opentimestamps.core.serialize import BytesDeserializationContext, BytesSerializationContext
from opentimestamps.core.timestamp import DetachedTimestampFile, Timestamp, make_merkle_tree


def serialize(dtf):
    ctx = BytesSerializationContext()
    dtf.serialize(ctx)
    return ctx.getbytes()


def find(stamp, msg):
    """The node of stamp's tree whose message is msg (depth first), or None."""
    stack = [stamp]
    while stack:
        node = stack.pop()
        if node.msg == msg:
            return node
        stack.extend(node.ops.values())
    return None


def check_stamp_run(paths):
    """Returns a list of problems (empty when the run matches the reference)."""
    problems = []
    ours = []
    for p in paths:
        data = open(p, "rb").read()
        try:
            dtf = DetachedTimestampFile.deserialize(BytesDeserializationContext(data))
        except Exception as e:  # noqa: BLE001 - any rejection is a finding
            problems.append(f"{p}: reference rejects it: {e!r}")
            continue
        if serialize(dtf) != data:
            problems.append(f"{p}: reference re-serializes it differently")
        ours.append((p, data, dtf))
    if problems:
        return problems

    ref_files, leaves, nonces = [], [], set()
    for p, _, dtf in ours:
        ops = list(dtf.timestamp.ops.items())
        if len(ops) != 1 or not isinstance(ops[0][0], OpAppend) or len(ops[0][0][0]) != 16:
            return [f"{p}: the digest is not followed by exactly one 16-byte nonce"]
        nonce = bytes(ops[0][0][0])
        nonces.add(nonce)
        ref = DetachedTimestampFile(OpSHA256(), Timestamp(dtf.file_digest))
        leaves.append(ref.timestamp.ops.add(OpAppend(nonce)).ops.add(OpSHA256()))
        ref_files.append(ref)
    if len(nonces) != len(ours):
        problems.append("two files share a nonce")
    tip = make_merkle_tree(leaves)
    answer = find(ours[0][2].timestamp, tip.msg)
    if answer is None:
        return problems + [f"{ours[0][0]}: the reference's merkle root {tip.msg.hex()} is not in the proof"]
    tip.merge(answer)
    for (p, data, _), ref in zip(ours, ref_files):
        if serialize(ref) != data:
            problems.append(f"{p}: differs from the reference's stamp of the same digests and nonces")
    return problems
