#include "peerdb/consensus/wire.h"

namespace peerdb::consensus {

std::string_view MsgTypeName(MsgType t) {
  switch (t) {
    case MsgType::kProposal: return "proposal";
    case MsgType::kVote: return "vote";
    case MsgType::kRoundChange: return "round-change";
    case MsgType::kSeal: return "seal";
    case MsgType::kMajorityCert: return "majority-cert";
    case MsgType::kBatch: return "batch";
    case MsgType::kEvidence: return "evidence";
    case MsgType::kSyncRequest: return "sync-request";
    case MsgType::kSyncResponse: return "sync-response";
    case MsgType::kStatus: return "status";
    case MsgType::kApprove: return "config-approve";
  }
  return "unknown";
}

Bytes EncodeMessage(const PeerMessage& m) {
  return std::visit([](const auto& x) { return codec::Encode(x); }, m);
}

namespace {

template <std::size_t I>
Result<PeerMessage> DecodeAs(ByteSpan body) {
  using T = std::variant_alternative_t<I, PeerMessage>;
  auto r = codec::Decode<T>(body);
  if (!r.ok()) return r.take_error();
  return PeerMessage(std::in_place_index<I>, std::move(r).value());
}

template <std::size_t... I>
Result<PeerMessage> DecodeIndex(std::size_t index, ByteSpan body, std::index_sequence<I...>) {
  Result<PeerMessage> out = Error{Errc::kMalformed, "unknown message type " + std::to_string(index + 1)};
  (void)((index == I ? (out = DecodeAs<I>(body), true) : false) || ...);  // (void): clang warns otherwise
  return out;
}

}  // namespace

Result<PeerMessage> DecodeMessage(std::uint8_t type, ByteSpan body) {
  constexpr std::size_t kCount = std::variant_size_v<PeerMessage>;
  if (type == 0 || type > kCount) return Error{Errc::kMalformed, "unknown message type " + std::to_string(type)};
  auto r = DecodeIndex(type - 1u, body, std::make_index_sequence<kCount>{});
  if (!r.ok()) return r.error().Context(std::string(MsgTypeName(static_cast<MsgType>(type))));
  return r;
}

}  // namespace peerdb::consensus
