#include "peerdb/ots/timestamp_codec.h"

#include <string>

#include "peerdb/ots/internal/timestamp_reader.h"

namespace peerdb::ots {

namespace internal {

namespace {

class TreeReader {
 public:
  TreeReader(WireReader& r, const DecodeLimits& limits) : m_r(r), m_limits(limits) {}

  // A node whose message is node.msg(); `limit` is the reference's _recursion_limit.
  Status ReadNode(Timestamp& node, std::size_t limit) {
    if (limit == 0) return m_r.Fail(Errc::kTooLarge, "timestamp nesting exceeds 255 ops");
    for (;;) {
      PEERDB_TRY_ASSIGN(std::uint8_t tag, m_r.U8());
      if (tag != 0xff) return ReadChild(node, tag, limit);
      PEERDB_TRY_ASSIGN(tag, m_r.U8());
      PEERDB_TRY(ReadChild(node, tag, limit));
    }
  }

 private:
  Status Charge(std::size_t bytes) {
    m_retained += bytes + kRetainedBytesPerNode;
    if (m_retained > m_limits.max_retained_bytes) {
      return m_r.Fail(Errc::kTooLarge, "timestamp retains more than " +
                                           std::to_string(m_limits.max_retained_bytes) + " bytes");
    }
    return Status::Ok();
  }

  Status ReadChild(Timestamp& node, std::uint8_t tag, std::size_t limit) {
    if (tag == 0x00) {
      PEERDB_TRY_ASSIGN(const ByteSpan tag_bytes, m_r.Fixed(8));
      AttestationTag att_tag;
      std::copy(tag_bytes.begin(), tag_bytes.end(), att_tag.begin());
      PEERDB_TRY_ASSIGN(const ByteSpan payload, m_r.VarBytes(kMaxAttestationPayload));
      auto att = DecodeAttestationPayload(att_tag, payload);
      if (!att.ok()) return m_r.Fail(att.error().code, att.error().message);
      PEERDB_TRY(Charge(payload.size()));
      node.AddAttestation(std::move(att).value());
      return Status::Ok();
    }
    const std::optional<OpTag> op_tag = OpTagFromByte(tag);
    if (!op_tag) {
      static constexpr char kDigits[] = "0123456789abcdef";
      return m_r.Fail(Errc::kMalformed, std::string("unknown operation tag 0x") + kDigits[tag >> 4] + kDigits[tag & 0xf]);
    }
    Op op{*op_tag, {}};
    if (OpHasArg(op.tag)) {
      PEERDB_TRY_ASSIGN(const ByteSpan arg, m_r.VarBytes(kMaxOpArgLength, 1));
      op.arg.assign(arg.begin(), arg.end());
    }
    auto result = ApplyOp(op, node.msg());
    if (!result.ok()) return m_r.Fail(result.error().code, "invalid timestamp: " + result.error().message);
    PEERDB_TRY(Charge(result->size() + op.arg.size()));
    Timestamp child(std::move(result).value());
    PEERDB_TRY(ReadNode(child, limit - 1));
    return node.AddChild(op, std::move(child));
  }

  WireReader& m_r;
  const DecodeLimits& m_limits;
  std::size_t m_retained = 0;
};

}  // namespace

Result<Timestamp> ReadTimestamp(WireReader& r, Bytes msg, const DecodeLimits& limits) {
  Timestamp root(std::move(msg));
  TreeReader reader(r, limits);
  PEERDB_TRY(reader.ReadNode(root, kMaxNestedOps + 1));
  return root;
}

}  // namespace internal

Result<Timestamp> DecodeTimestamp(ByteSpan in, Bytes msg, const DecodeLimits& limits) {
  internal::WireReader r(in);
  PEERDB_TRY_ASSIGN(Timestamp root, internal::ReadTimestamp(r, std::move(msg), limits));
  if (!r.AtEnd()) return r.Fail(Errc::kMalformed, "trailing bytes after the timestamp");
  return root;
}

namespace {

Status WriteAttestation(Bytes& out, const Attestation& a) {
  if (a.kind == AttestationKind::kPending) PEERDB_TRY(CheckPendingUri(a.uri));
  const Bytes payload = EncodeAttestationPayload(a);
  if (payload.size() > kMaxAttestationPayload) return Error{Errc::kTooLarge, "attestation payload exceeds 8192 bytes"};
  const AttestationTag tag = a.Tag();
  internal::PutBytes(out, tag);
  internal::PutVarBytes(out, payload);
  return Status::Ok();
}

Status WriteNode(Bytes& out, const Timestamp& node, std::size_t depth) {
  if (depth > kMaxNestedOps) return Error{Errc::kTooLarge, "timestamp nesting exceeds 255 ops"};
  if (node.empty()) return Error{Errc::kInvalid, "an empty timestamp cannot be serialized"};
  const std::size_t children = node.attestations().size() + node.ops().size();
  std::size_t i = 0;
  for (const Attestation& a : node.attestations()) {
    if (++i < children) out.push_back(0xff);
    out.push_back(0x00);
    PEERDB_TRY(WriteAttestation(out, a));
  }
  for (const OpEdge& e : node.ops()) {
    if (++i < children) out.push_back(0xff);
    out.push_back(static_cast<std::uint8_t>(e.op.tag));
    if (OpHasArg(e.op.tag)) internal::PutVarBytes(out, e.op.arg);
    PEERDB_TRY(WriteNode(out, *e.child, depth + 1));
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> EncodeTimestamp(const Timestamp& timestamp) {
  Bytes out;
  PEERDB_TRY(WriteNode(out, timestamp, 0));
  return out;
}

}  // namespace peerdb::ots
