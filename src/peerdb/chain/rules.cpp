#include "peerdb/chain/rules.h"

#include <algorithm>

#include "peerdb/chain/hashing.h"

namespace peerdb::chain {
namespace {

bool Contains(const std::vector<MemberId>& ids, MemberId id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

Error Broken(std::string_view rule, Errc code, const std::string& what) {
  return Error{code, std::string(rule) + ": " + what};
}

}  // namespace

std::string_view BlockStatusName(BlockStatus status) {
  switch (status) {
    case BlockStatus::kProposed: return "PROPOSED";
    case BlockStatus::kMajority: return "MAJORITY";
    case BlockStatus::kUnanimous: return "UNANIMOUS";
    case BlockStatus::kAnchored: return "ANCHORED";
    case BlockStatus::kFinal: return "FINAL";
  }
  return "UNKNOWN";
}

StatusHeights HeightsFromAnchors(const std::vector<AnchorCoverage>& confirmed) {
  StatusHeights h;
  for (const AnchorCoverage& a : confirmed) {
    h.anchored_height = std::max(h.anchored_height, a.height);
    if (a.unanimous) h.final_height = std::max(h.final_height, a.height);
  }
  return h;
}

BlockStatus StatusAt(std::uint64_t height, const StatusHeights& heights, BlockStatus unanchored) {
  if (height <= heights.final_height) return BlockStatus::kFinal;
  if (height <= heights.anchored_height) return BlockStatus::kAnchored;
  return unanchored;
}

SignerTally TallySigners(const std::vector<MemberId>& signers, const Config& config,
                         const std::vector<MemberId>& excluded, const std::vector<MemberId>& leaving) {
  SignerTally t;
  for (const Member& m : config.members) {  // members are distinct: duplicate signers count once
    if (Contains(excluded, m.id)) continue;
    if (Contains(signers, m.id)) {
      ++t.counted;
    } else if (!Contains(leaving, m.id)) {
      t.missing.push_back(m.id);
    }
  }
  return t;
}

bool IsMajority(const SignerTally& tally, const Config& config) { return tally.counted >= config.Majority(); }

bool IsUnanimous(const SignerTally& tally, const Config& config) {
  return tally.missing.empty() && IsMajority(tally, config);
}

bool IsUnanimous(const std::vector<MemberId>& sealers, const Config& config, const std::vector<MemberId>& excluded,
                 const std::vector<MemberId>& leaving) {
  return IsUnanimous(TallySigners(sealers, config, excluded, leaving), config);
}

namespace {

// The signers of sorted SigEntries whose signature on `Message(signer, sig)` verifies under their
// member key; the first unsorted, non-member or bad entry fails the whole list.
template <class MakeMessage>
Result<std::vector<MemberId>> VerifyEntries(const std::vector<SigEntry>& entries, const Hash32& chain_id,
                                            const Config& config, std::string_view what, MakeMessage message) {
  std::vector<MemberId> signers;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const SigEntry& e = entries[i];
    if (i > 0 && entries[i - 1].signer >= e.signer) return Error{Errc::kMalformed, std::string(what) + "s not sorted"};
    const Member* m = config.FindMember(e.signer);
    if (!m) return Error{Errc::kNotMember, std::string(what) + " by non-member " + std::to_string(e.signer)};
    if (!VerifySignedBy(m->pubkey, chain_id, message(e))) {
      return Error{Errc::kBadSignature, std::string(what) + " of member " + std::to_string(e.signer) + " does not verify"};
    }
    signers.push_back(e.signer);
  }
  return signers;
}

}  // namespace

Status VerifyMajorityCert(const MajorityCert& mc, const Hash32& chain_id, const Config& config,
                          const std::vector<MemberId>& excluded) {
  if (mc.version != codec::kVersion) return Error{Errc::kBadVersion, "majority certificate version"};
  PEERDB_TRY_ASSIGN(const std::vector<MemberId> voters,
                    VerifyEntries(mc.votes, chain_id, config, "certificate vote", [&mc](const SigEntry& e) {
                      Vote vote;
                      vote.h = mc.h; vote.r = mc.r; vote.block_id = mc.block_id; vote.signer = e.signer; vote.sig = e.sig;
                      return vote;
                    }));
  const SignerTally tally = TallySigners(voters, config, excluded);
  if (!IsMajority(tally, config)) {
    return Error{Errc::kInvalid, "certificate has " + std::to_string(tally.counted) + " valid votes, needs " +
                                     std::to_string(config.Majority())};
  }
  return Status::Ok();
}

Result<std::vector<MemberId>> VerifyCheckpointSeals(const Checkpoint& cp, const Config& config) {
  return VerifyEntries(cp.seals, cp.chain_id, config, "seal", [&cp](const SigEntry& e) {
    Seal seal;
    seal.h = cp.h; seal.block_id = cp.block_id; seal.signer = e.signer; seal.sig = e.sig;
    return seal;
  });
}

bool CheckpointIsUnanimous(const Checkpoint& cp, const Config& config, const std::vector<MemberId>& excluded,
                           const std::vector<MemberId>& leaving) {
  auto sealers = VerifyCheckpointSeals(cp, config);
  return sealers.ok() && IsUnanimous(*sealers, config, excluded, leaving);
}

Status CheckHeader(const Header& h, const std::optional<MajorityCert>& parent_cert, const ParentRef& parent,
                   const HeaderRules& rules) {
  const Config& config = *rules.config;
  if (h.version != codec::kVersion) return Broken("C2", Errc::kBadVersion, "header version " + std::to_string(h.version));
  if (h.chain_id != rules.chain_id) return Broken("C2", Errc::kInvalid, "header names another chain");
  if (h.height == 0) return Broken("C2", Errc::kInvalid, "height 0 is the genesis, not a block");
  if (h.height != parent.height + 1) return Broken("C2", Errc::kInvalid, "height is not parent height + 1");
  if (h.epoch != config.epoch || h.config_hash != rules.config_hash) {
    return Broken("C2", Errc::kInvalid, "epoch or config_hash is not the config in force");
  }
  if (!config.FindMember(h.author)) {
    return Broken("C2", Errc::kNotMember, "author " + std::to_string(h.author) + " is not a member");
  }
  if (Contains(rules.author_excluded, h.author)) {
    return Broken("C2", Errc::kInvalid, "author " + std::to_string(h.author) + " is excluded by evidence");
  }
  if (h.parent_id != parent.id) {
    return Broken("C3", Errc::kInvalid,
                h.height == 1 ? "block 1 must link to the chain id" : "parent_id does not name the parent block");
  }
  if (h.height == 1) {
    if (parent_cert) return Broken("C3", Errc::kInvalid, "block 1 carries no parent certificate");
    if (h.parent_cert_hash != Hash32{}) return Broken("C3", Errc::kInvalid, "block 1 parent_cert_hash must be zero");
  } else {
    if (!parent_cert) return Broken("C3", Errc::kInvalid, "missing parent certificate");
    if (parent_cert->h + 1 != h.height || parent_cert->block_id != h.parent_id) {
      return Broken("C3", Errc::kInvalid, "parent certificate is not for the parent block");
    }
    if (MajorityCertHash(*parent_cert) != h.parent_cert_hash) return Broken("C3", Errc::kInvalid, "parent_cert_hash mismatch");
    const Config& parent_config = rules.parent_config ? *rules.parent_config : config;
    if (Status s = VerifyMajorityCert(*parent_cert, rules.chain_id, parent_config, rules.parent_cert_excluded); !s.ok()) {
      return Broken("C3", s.error().code, "parent certificate: " + s.error().message);
    }
  }
  if (h.timestamp_ms < parent.timestamp_ms + config.params.block_period_ms) {
    return Broken("C4", Errc::kInvalid, "timestamp is earlier than parent + block_period_ms");
  }
  return Status::Ok();
}

}  // namespace peerdb::chain
