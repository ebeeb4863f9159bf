#include "peerdb/consensus/internal/message_store.h"

namespace peerdb::consensus {

namespace {

// The message `signer` already has in `by`, or nullptr after storing `m` there.
template <class M>
const M* AddOnce(std::map<chain::MemberId, M>& by, const M& m) {
  auto [it, inserted] = by.try_emplace(m.signer, m);
  return inserted ? nullptr : &it->second;
}

template <class M>
const M* FindIn(const std::map<std::uint32_t, std::map<chain::MemberId, M>>& rounds, std::uint32_t r,
                chain::MemberId signer) {
  auto by = rounds.find(r);
  if (by == rounds.end()) return nullptr;
  auto it = by->second.find(signer);
  return it == by->second.end() ? nullptr : &it->second;
}

}  // namespace

const MessageStore::Height* MessageStore::Find(std::uint64_t h) const {
  auto it = m_heights.find(h);
  return it == m_heights.end() ? nullptr : &it->second;
}

const chain::ProposalCore* MessageStore::AddCore(const chain::ProposalCore& m) {
  return AddOnce(m_heights[m.h].cores[m.r], m);
}
const chain::Vote* MessageStore::AddVote(const chain::Vote& m) { return AddOnce(m_heights[m.h].votes[m.r], m); }
const chain::RoundChange* MessageStore::AddRoundChange(const chain::RoundChange& m) {
  return AddOnce(m_heights[m.h].rcs[m.r], m);
}
const chain::Seal* MessageStore::AddSeal(const chain::Seal& m) { return AddOnce(m_heights[m.h].seals, m); }

void MessageStore::PruneBelow(std::uint64_t h) { m_heights.erase(m_heights.begin(), m_heights.lower_bound(h)); }

std::uint64_t MessageStore::OldestHeight(std::uint64_t if_none) const {
  return m_heights.empty() ? if_none : m_heights.begin()->first;
}

const chain::ProposalCore* MessageStore::FindCore(std::uint64_t h, std::uint32_t r, chain::MemberId signer) const {
  const Height* hm = Find(h);
  return hm ? FindIn(hm->cores, r, signer) : nullptr;
}

const chain::RoundChange* MessageStore::FindRoundChange(std::uint64_t h, std::uint32_t r, chain::MemberId signer) const {
  const Height* hm = Find(h);
  return hm ? FindIn(hm->rcs, r, signer) : nullptr;
}

const std::map<chain::MemberId, chain::RoundChange>* MessageStore::RoundChangesAt(std::uint64_t h, std::uint32_t r) const {
  const Height* hm = Find(h);
  if (!hm) return nullptr;
  auto by = hm->rcs.find(r);
  return by == hm->rcs.end() ? nullptr : &by->second;
}

const std::map<chain::MemberId, chain::Seal>* MessageStore::SealsAt(std::uint64_t h) const {
  const Height* hm = Find(h);
  return hm ? &hm->seals : nullptr;
}

std::vector<chain::SigEntry> MessageStore::VotesFor(std::uint64_t h, std::uint32_t r, const Hash32& block_id,
                                                    const std::set<chain::MemberId>& excluded) const {
  std::vector<chain::SigEntry> out;
  const Height* hm = Find(h);
  if (!hm) return out;
  auto votes = hm->votes.find(r);
  if (votes == hm->votes.end()) return out;
  for (const auto& [signer, v] : votes->second) {  // std::map: sorted by signer
    if (v.block_id == block_id && !excluded.count(signer)) out.push_back(chain::SigEntry{signer, v.sig});
  }
  return out;
}

std::vector<std::pair<std::uint32_t, Hash32>> MessageStore::VotedBlocks(std::uint64_t h) const {
  std::set<std::pair<std::uint32_t, Hash32>> seen;
  if (const Height* hm = Find(h)) {
    for (const auto& [r, votes] : hm->votes) {
      for (const auto& [signer, v] : votes) seen.insert({r, v.block_id});
    }
  }
  return {seen.begin(), seen.end()};
}

std::set<chain::MemberId> MessageStore::PromisedAtLeast(std::uint64_t h, std::uint32_t r) const {
  std::set<chain::MemberId> out;
  if (const Height* hm = Find(h)) {
    for (auto it = hm->rcs.lower_bound(r); it != hm->rcs.end(); ++it) {
      for (const auto& [signer, rc] : it->second) out.insert(signer);
    }
  }
  return out;
}

std::uint32_t MessageStore::HighestRoundWith(std::uint64_t h, std::uint32_t above, std::size_t need,
                                             const std::set<chain::MemberId>& excluded) const {
  std::uint32_t target = 0;
  const Height* hm = Find(h);
  if (!hm) return target;
  for (const auto& [r, by] : hm->rcs) {
    if (r <= above) continue;
    std::size_t n = 0;
    for (const auto& [signer, rc] : by) n += excluded.count(signer) ? 0 : 1;
    if (n >= need) target = r;
  }
  return target;
}

const chain::RoundChange* MessageStore::RoundChangeHiding(const chain::Vote& vote) const {
  const Height* hm = Find(vote.h);
  if (!hm) return nullptr;
  for (const auto& [rr, rcs] : hm->rcs) {
    if (rr <= vote.r) continue;
    auto rc = rcs.find(vote.signer);
    if (rc != rcs.end() && (!rc->second.last_vote || rc->second.last_vote->vote.r < vote.r)) return &rc->second;
  }
  return nullptr;
}

const chain::Vote* MessageStore::VoteHiddenBy(const chain::RoundChange& rc) const {
  const Height* hm = Find(rc.h);
  if (!hm) return nullptr;
  for (const auto& [vr, votes] : hm->votes) {
    if (vr >= rc.r) break;
    auto v = votes.find(rc.signer);
    if (v != votes.end() && (!rc.last_vote || rc.last_vote->vote.r < vr)) return &v->second;
  }
  return nullptr;
}

std::vector<const chain::Seal*> MessageStore::SealsBy(chain::MemberId signer) const {
  std::vector<const chain::Seal*> out;
  for (const auto& [h, hm] : m_heights) {
    auto it = hm.seals.find(signer);
    if (it != hm.seals.end()) out.push_back(&it->second);
  }
  return out;
}

std::vector<const chain::Seal*> MessageStore::SealsFrom(std::uint64_t h) const {
  std::vector<const chain::Seal*> out;
  for (auto it = m_heights.lower_bound(h); it != m_heights.end(); ++it) {
    for (const auto& [signer, s] : it->second.seals) out.push_back(&s);
  }
  return out;
}

}  // namespace peerdb::consensus
