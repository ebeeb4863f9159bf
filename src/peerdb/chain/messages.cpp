#include "peerdb/chain/messages.h"

#include <algorithm>

namespace peerdb::chain {

Status VerifyMajorityCert(const MajorityCert& mc, const Hash32& chain_id, const Config& config,
                          const std::vector<MemberId>& excluded) {
  if (mc.version != codec::kVersion) return Error{Errc::kBadVersion, "majority certificate version"};
  std::size_t valid = 0;
  for (std::size_t i = 0; i < mc.votes.size(); ++i) {
    const SigEntry& e = mc.votes[i];
    if (i > 0 && mc.votes[i - 1].signer >= e.signer) return Error{Errc::kMalformed, "certificate votes not sorted"};
    const Member* m = config.FindMember(e.signer);
    if (!m) return Error{Errc::kNotMember, "certificate vote by non-member " + std::to_string(e.signer)};
    Vote vote;
    vote.h = mc.h; vote.r = mc.r; vote.block_id = mc.block_id; vote.signer = e.signer; vote.sig = e.sig;
    if (!VerifySignedBy(m->pubkey, chain_id, vote)) {
      return Error{Errc::kBadSignature, "certificate vote of member " + std::to_string(e.signer) + " does not verify"};
    }
    if (std::find(excluded.begin(), excluded.end(), e.signer) == excluded.end()) ++valid;
  }
  if (valid < config.Majority()) {
    return Error{Errc::kInvalid, "certificate has " + std::to_string(valid) + " valid votes, needs " +
                                     std::to_string(config.Majority())};
  }
  return Status::Ok();
}

Result<std::vector<MemberId>> VerifyCheckpointSeals(const Checkpoint& cp, const Config& config) {
  std::vector<MemberId> signers;
  for (std::size_t i = 0; i < cp.seals.size(); ++i) {
    const SigEntry& e = cp.seals[i];
    if (i > 0 && cp.seals[i - 1].signer >= e.signer) return Error{Errc::kMalformed, "checkpoint seals not sorted"};
    const Member* m = config.FindMember(e.signer);
    if (!m) return Error{Errc::kNotMember, "seal by non-member " + std::to_string(e.signer)};
    Seal seal;
    seal.h = cp.h; seal.block_id = cp.block_id; seal.signer = e.signer; seal.sig = e.sig;
    if (!VerifySignedBy(m->pubkey, cp.chain_id, seal)) {
      return Error{Errc::kBadSignature, "seal of member " + std::to_string(e.signer) + " does not verify"};
    }
    signers.push_back(e.signer);
  }
  return signers;
}

}  // namespace peerdb::chain
