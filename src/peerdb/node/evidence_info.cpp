#include "peerdb/node/evidence_info.h"

#include "peerdb/codec/pce.h"

namespace peerdb::node {
namespace {

template <class M>
std::optional<EvidenceSubject> From(const Bytes& msg) {
  auto m = codec::Decode<M>(msg);
  if (!m.ok()) return std::nullopt;
  return EvidenceSubject{m->signer, m->h};
}

}  // namespace

std::string EvidenceKindName(std::uint8_t kind) {
  switch (static_cast<chain::EvidenceKind>(kind)) {
    case chain::EvidenceKind::kDoubleProposal: return "E1 DOUBLE_PROPOSAL";
    case chain::EvidenceKind::kDoubleVote: return "E2 DOUBLE_VOTE";
    case chain::EvidenceKind::kPromiseBreak: return "E3 PROMISE_BREAK";
    case chain::EvidenceKind::kDoubleSeal: return "E4 DOUBLE_SEAL";
    case chain::EvidenceKind::kSealFork: return "E5 SEAL_FORK";
    case chain::EvidenceKind::kBadProposal: return "E6 BAD_PROPOSAL";
  }
  return "E? UNKNOWN";
}

std::optional<EvidenceSubject> SubjectOf(const chain::Evidence& e) {
  switch (static_cast<chain::EvidenceKind>(e.kind)) {
    case chain::EvidenceKind::kDoubleProposal:
    case chain::EvidenceKind::kBadProposal: return From<chain::ProposalCore>(e.msg_a);
    case chain::EvidenceKind::kDoubleVote: return From<chain::Vote>(e.msg_a);
    case chain::EvidenceKind::kPromiseBreak: return From<chain::RoundChange>(e.msg_a);
    case chain::EvidenceKind::kDoubleSeal:
    case chain::EvidenceKind::kSealFork: return From<chain::Seal>(e.msg_a);
  }
  return std::nullopt;
}

}  // namespace peerdb::node
