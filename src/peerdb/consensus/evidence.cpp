#include "peerdb/consensus/evidence.h"

#include "peerdb/consensus/justification.h"
#include "peerdb/crypto/sha256.h"

namespace peerdb::consensus {

namespace {

using chain::EvidenceKind;

Bytes EncodeJustification(const std::vector<chain::RoundChange>& j) {
  codec::Writer w;
  w.list(j, chain::kMaxMembers);
  return w.Take();
}

Result<std::vector<chain::RoundChange>> DecodeJustification(ByteSpan in) {
  codec::Reader r(in);
  std::vector<chain::RoundChange> j;
  r.list(j, chain::kMaxMembers);
  if (!r.ok()) return r.error();
  if (!r.AtEnd()) return Error{Errc::kMalformed, "trailing bytes after justification"};
  if (EncodeJustification(j) != Bytes(in.begin(), in.end())) return Error{Errc::kMalformed, "justification not canonical"};
  return j;
}

template <class M>
Status VerifySigner(const M& m, const Hash32& chain_id, const chain::Config& config) {
  const chain::Member* member = config.FindMember(m.signer);
  if (!member) return Error{Errc::kNotMember, "evidence names non-member " + std::to_string(m.signer)};
  if (!chain::VerifySignedBy(member->pubkey, chain_id, m)) {
    return Error{Errc::kBadSignature, "evidence message of member " + std::to_string(m.signer) + " does not verify"};
  }
  return Status::Ok();
}

template <class A, class B>
Result<std::pair<A, B>> DecodePair(const chain::Evidence& e, const Hash32& chain_id, const chain::Config& config) {
  PEERDB_TRY_ASSIGN(A a, codec::Decode<A>(e.msg_a));
  PEERDB_TRY_ASSIGN(B b, codec::Decode<B>(e.msg_b));
  if (a.signer != b.signer) return Error{Errc::kInvalid, "evidence messages have different signers"};
  PEERDB_TRY(VerifySigner(a, chain_id, config));
  PEERDB_TRY(VerifySigner(b, chain_id, config));
  return std::make_pair(std::move(a), std::move(b));
}

Status VerifySealFork(const chain::Evidence& e, const Hash32& chain_id, const chain::Config& config) {
  PEERDB_TRY_ASSIGN(auto p, (DecodePair<chain::Seal, chain::Seal>(e, chain_id, config)));
  const chain::Seal& low = p.first;
  const chain::Seal& high = p.second;
  if (!(low.h < high.h)) return Error{Errc::kInvalid, "E5: seal heights must be h1 < h2"};
  if (e.path.size() != high.h - low.h) return Error{Errc::kInvalid, "E5: path must hold heights h2 down to h1+1"};
  Hash32 expect = high.block_id;
  std::uint64_t height = high.h;
  for (const chain::Header& hdr : e.path) {
    if (hdr.version != codec::kVersion || hdr.chain_id != chain_id) return Error{Errc::kInvalid, "E5: path header of another chain"};
    if (hdr.height != height) return Error{Errc::kInvalid, "E5: path heights are not consecutive"};
    if (chain::BlockId(hdr) != expect) return Error{Errc::kInvalid, "E5: path is not linked by parent_id"};
    expect = hdr.parent_id;
    --height;
  }
  if (expect == low.block_id) return Error{Errc::kInvalid, "E5: the high seal's block extends the low one"};
  return Status::Ok();
}

Status VerifyBadProposal(const chain::Evidence& e, const Hash32& chain_id, const chain::Config& config) {
  PEERDB_TRY_ASSIGN(chain::ProposalCore core, codec::Decode<chain::ProposalCore>(e.msg_a));
  PEERDB_TRY(VerifySigner(core, chain_id, config));
  PEERDB_TRY_ASSIGN(std::vector<chain::RoundChange> j, DecodeJustification(e.msg_b));
  if (chain::JustificationHash(j) != core.justification_hash) return Error{Errc::kInvalid, "E6: justification does not match the core"};
  if (!e.path.empty()) return Error{Errc::kInvalid, "E6 carries no path"};
  if (CheckJustification(core.h, core.r, core.block_id, j, chain_id, config, {}, {}).ok()) {
    return Error{Errc::kInvalid, "E6: the justification satisfies the round-change rule"};
  }
  return Status::Ok();
}

Status VerifyTwo(const chain::Evidence& e, const Hash32& chain_id, const chain::Config& config) {
  switch (static_cast<EvidenceKind>(e.kind)) {
    case EvidenceKind::kDoubleProposal: {
      PEERDB_TRY_ASSIGN(auto p, (DecodePair<chain::ProposalCore, chain::ProposalCore>(e, chain_id, config)));
      if (p.first.h != p.second.h || p.first.r != p.second.r) return Error{Errc::kInvalid, "E1: cores are for different (h, r)"};
      if (p.first.block_id == p.second.block_id) return Error{Errc::kInvalid, "E1: cores are for the same block"};
      return Status::Ok();
    }
    case EvidenceKind::kDoubleVote: {
      PEERDB_TRY_ASSIGN(auto p, (DecodePair<chain::Vote, chain::Vote>(e, chain_id, config)));
      if (p.first.h != p.second.h || p.first.r != p.second.r) return Error{Errc::kInvalid, "E2: votes are for different (h, r)"};
      if (p.first.block_id == p.second.block_id) return Error{Errc::kInvalid, "E2: votes are for the same block"};
      return Status::Ok();
    }
    case EvidenceKind::kPromiseBreak: {
      PEERDB_TRY_ASSIGN(auto p, (DecodePair<chain::RoundChange, chain::Vote>(e, chain_id, config)));
      const chain::RoundChange& rc = p.first;
      const chain::Vote& v = p.second;
      if (rc.h != v.h) return Error{Errc::kInvalid, "E3: messages are for different heights"};
      if (!(v.r < rc.r)) return Error{Errc::kInvalid, "E3: the vote is not below the promised round"};
      if (rc.last_vote && rc.last_vote->vote.r >= v.r) return Error{Errc::kInvalid, "E3: the round change reports a vote at or above it"};
      return Status::Ok();
    }
    case EvidenceKind::kDoubleSeal: {
      PEERDB_TRY_ASSIGN(auto p, (DecodePair<chain::Seal, chain::Seal>(e, chain_id, config)));
      if (p.first.h != p.second.h) return Error{Errc::kInvalid, "E4: seals are for different heights"};
      if (p.first.block_id == p.second.block_id) return Error{Errc::kInvalid, "E4: seals are for the same block"};
      return Status::Ok();
    }
    default: return Error{Errc::kMalformed, "unknown evidence kind"};
  }
}

template <class M>
void KeyPart(crypto::Sha256Hasher& hasher, ByteSpan msg) {
  auto m = codec::Decode<M>(msg);
  if (m.ok()) {
    const Bytes b = codec::EncodeForSigning(*m);
    hasher.Update(b);
  } else {
    hasher.Update(msg);
  }
}

}  // namespace

Status VerifyEvidence(const chain::Evidence& e, const Hash32& chain_id, const chain::Config& config) {
  if (e.version != codec::kVersion) return Error{Errc::kBadVersion, "evidence version"};
  switch (static_cast<EvidenceKind>(e.kind)) {
    case EvidenceKind::kSealFork: return VerifySealFork(e, chain_id, config);
    case EvidenceKind::kBadProposal: return VerifyBadProposal(e, chain_id, config);
    default:
      if (!e.path.empty()) return Error{Errc::kInvalid, "only E5 carries a header path"};
      return VerifyTwo(e, chain_id, config);
  }
}

namespace {

template <class M>
Result<EvidenceSubject> SubjectFrom(const Bytes& msg) {
  PEERDB_TRY_ASSIGN(M m, codec::Decode<M>(msg));
  return EvidenceSubject{m.signer, m.h};
}

}  // namespace

Result<EvidenceSubject> EvidenceSubjectOf(const chain::Evidence& e) {
  switch (static_cast<EvidenceKind>(e.kind)) {
    case EvidenceKind::kDoubleProposal:
    case EvidenceKind::kBadProposal: return SubjectFrom<chain::ProposalCore>(e.msg_a);
    case EvidenceKind::kDoubleVote: return SubjectFrom<chain::Vote>(e.msg_a);
    case EvidenceKind::kPromiseBreak: return SubjectFrom<chain::RoundChange>(e.msg_a);
    case EvidenceKind::kDoubleSeal:
    case EvidenceKind::kSealFork: return SubjectFrom<chain::Seal>(e.msg_a);
  }
  return Error{Errc::kMalformed, "unknown evidence kind"};
}

Result<chain::MemberId> EvidenceOffender(const chain::Evidence& e) {
  PEERDB_TRY_ASSIGN(EvidenceSubject subject, EvidenceSubjectOf(e));
  return subject.offender;
}

Result<std::uint64_t> EvidenceHeight(const chain::Evidence& e) {
  PEERDB_TRY_ASSIGN(EvidenceSubject subject, EvidenceSubjectOf(e));
  return subject.height;
}

std::string EvidenceKindName(std::uint8_t kind) {
  switch (static_cast<EvidenceKind>(kind)) {
    case EvidenceKind::kDoubleProposal: return "E1 DOUBLE_PROPOSAL";
    case EvidenceKind::kDoubleVote: return "E2 DOUBLE_VOTE";
    case EvidenceKind::kPromiseBreak: return "E3 PROMISE_BREAK";
    case EvidenceKind::kDoubleSeal: return "E4 DOUBLE_SEAL";
    case EvidenceKind::kSealFork: return "E5 SEAL_FORK";
    case EvidenceKind::kBadProposal: return "E6 BAD_PROPOSAL";
  }
  return "E? UNKNOWN";
}

Hash32 EvidenceKey(const chain::Evidence& e) {
  crypto::Sha256Hasher hasher;
  const std::uint8_t kind = e.kind;
  hasher.Update(ByteSpan(&kind, 1));
  switch (static_cast<EvidenceKind>(e.kind)) {
    case EvidenceKind::kDoubleProposal: KeyPart<chain::ProposalCore>(hasher, e.msg_a); KeyPart<chain::ProposalCore>(hasher, e.msg_b); break;
    case EvidenceKind::kDoubleVote: KeyPart<chain::Vote>(hasher, e.msg_a); KeyPart<chain::Vote>(hasher, e.msg_b); break;
    case EvidenceKind::kPromiseBreak: KeyPart<chain::RoundChange>(hasher, e.msg_a); KeyPart<chain::Vote>(hasher, e.msg_b); break;
    case EvidenceKind::kDoubleSeal:
    case EvidenceKind::kSealFork: KeyPart<chain::Seal>(hasher, e.msg_a); KeyPart<chain::Seal>(hasher, e.msg_b); break;
    case EvidenceKind::kBadProposal: KeyPart<chain::ProposalCore>(hasher, e.msg_a); hasher.Update(e.msg_b); break;
    default: hasher.Update(e.msg_a); hasher.Update(e.msg_b); break;
  }
  for (const chain::Header& h : e.path) {
    const Hash32 id = chain::BlockId(h);
    hasher.Update(id);
  }
  return hasher.Finish();
}

namespace {
chain::Evidence Make(EvidenceKind kind, Bytes a, Bytes b) {
  chain::Evidence e;
  e.kind = static_cast<std::uint8_t>(kind);
  e.msg_a = std::move(a);
  e.msg_b = std::move(b);
  return e;
}
template <class M>
chain::Evidence MakeOrdered(EvidenceKind kind, const M& a, const M& b) {
  return a.block_id < b.block_id ? Make(kind, codec::Encode(a), codec::Encode(b)) : Make(kind, codec::Encode(b), codec::Encode(a));
}
}  // namespace

chain::Evidence MakeDoubleProposal(const chain::ProposalCore& a, const chain::ProposalCore& b) {
  return MakeOrdered(EvidenceKind::kDoubleProposal, a, b);
}
chain::Evidence MakeDoubleVote(const chain::Vote& a, const chain::Vote& b) { return MakeOrdered(EvidenceKind::kDoubleVote, a, b); }
chain::Evidence MakePromiseBreak(const chain::RoundChange& rc, const chain::Vote& vote) {
  return Make(EvidenceKind::kPromiseBreak, codec::Encode(rc), codec::Encode(vote));
}
chain::Evidence MakeDoubleSeal(const chain::Seal& a, const chain::Seal& b) { return MakeOrdered(EvidenceKind::kDoubleSeal, a, b); }
chain::Evidence MakeSealFork(const chain::Seal& low, const chain::Seal& high, std::vector<chain::Header> path) {
  chain::Evidence e = Make(EvidenceKind::kSealFork, codec::Encode(low), codec::Encode(high));
  e.path = std::move(path);
  return e;
}
chain::Evidence MakeBadProposal(const chain::ProposalCore& core, const std::vector<chain::RoundChange>& justification) {
  return Make(EvidenceKind::kBadProposal, codec::Encode(core), EncodeJustification(justification));
}

}  // namespace peerdb::consensus
