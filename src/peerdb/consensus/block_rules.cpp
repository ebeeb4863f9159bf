#include "peerdb/consensus/block_rules.h"

#include <algorithm>
#include <set>
#include <string>

#include "peerdb/chain/hashing.h"
#include "peerdb/consensus/evidence.h"

namespace peerdb::consensus {
namespace {

bool Contains(const std::vector<chain::MemberId>& ids, chain::MemberId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

Status CheckSealOnAncestor(const chain::Seal& s, std::uint64_t height, const BodyRules& rules) {
  // `height`: the seal must name a block strictly below it.
  const std::string who = "seal of member " + std::to_string(s.signer);
  // Judged under the config of the sealed block's epoch: the parent of an epoch's first block is
  // the previous epoch's last, sealed by its members with their keys of then.
  const chain::Config& config = rules.epochs ? rules.epochs->ConfigAt(s.h) : *rules.config;
  const chain::Member* m = config.FindMember(s.signer);
  if (!m) return Error{Errc::kNotMember, "C6: " + who + ": not a member"};
  const std::optional<Hash32> ancestor =
      s.h >= 1 && s.h < height && rules.ancestor_id ? rules.ancestor_id(s.h) : std::nullopt;
  if (!ancestor || *ancestor != s.block_id) {
    return Error{Errc::kInvalid, "C6: " + who + " names height " + std::to_string(s.h) + ", not an ancestor"};
  }
  if (!chain::VerifySignedBy(m->pubkey, rules.chain_id, s)) {
    return Error{Errc::kBadSignature, "C6: " + who + " (" + m->name + ") on block " + std::to_string(s.h) + " does not verify"};
  }
  return Status::Ok();
}

Status CheckBlockBody(const chain::Block& block, const BodyRules& rules) {
  const chain::Config& config = *rules.config;
  const std::uint64_t height = block.header.height;
  for (std::size_t i = 0; i < block.batches.size(); ++i) {
    const chain::MemberId author = block.batches[i].author;
    const std::string what = "C5: batch " + std::to_string(i) + " author " + std::to_string(author);
    if (!config.FindMember(author)) return Error{Errc::kNotMember, what + " is not a member"};
    if (Contains(rules.excluded, author)) return Error{Errc::kInvalid, what + " is excluded by evidence"};
  }
  std::set<chain::MemberId> convicted;
  for (const chain::Record& rec : block.records) {
    if (const auto* seal = std::get_if<chain::Seal>(&rec.body)) {
      PEERDB_TRY(CheckSealOnAncestor(*seal, height, rules));
    } else if (const auto* e = std::get_if<chain::Evidence>(&rec.body)) {
      // Under the config of the offence's height (keys rotate, §1.7).
      const auto offence_h = EvidenceHeight(*e);
      const chain::Config& at = rules.epochs && offence_h.ok() ? rules.epochs->ConfigAt(*offence_h) : config;
      if (Status s = VerifyEvidence(*e, rules.chain_id, at); !s.ok()) {
        return Error{s.error().code, "C6: evidence record: " + s.error().message};
      }
      PEERDB_TRY_ASSIGN(const chain::MemberId offender, EvidenceOffender(*e));
      if (Contains(rules.excluded, offender) || !convicted.insert(offender).second) {
        return Error{Errc::kInvalid, "C6: evidence against member " + std::to_string(offender) + " is already recorded"};
      }
    }
    // ConfigApprove records are the epoch rules' (chain::AdvanceEpoch, which every caller runs on
    // the block with the epoch state of its parent).
    // AnchorRecords only need to parse (§2.4 C6): the decoder did that.
  }
  return Status::Ok();
}

}  // namespace peerdb::consensus
