// Machine: evidence (§1.7, §5.1): detection from stored messages, verification, persistence,
// gossip until recorded, and exclusion (§5.2: X_m at once, X_chain once recorded in a block).
// EvidenceBook holds the evidence and the exclusion sets; MessageStore the messages scanned.
#include <set>

#include "peerdb/chain/rules.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

void Machine::Impl::AddEvidence(const chain::Evidence& e, std::optional<chain::MemberId> from) {
  auto offender = EvidenceOffender(e);
  if (!offender.ok()) {
    if (from) Penalise(*from, "evidence does not decode: " + offender.error().message);
    return;
  }
  if (m_evidence.Holds(*offender)) return;  // one piece per offender is enough to exclude it
  // Signatures are checked under the config of the offence's height: keys rotate (§1.7).
  const auto offence_h = EvidenceHeight(e);
  if (Status s = VerifyEvidence(e, m_chain_id, ConfigAt(offence_h.ok() ? *offence_h : m_h)); !s.ok()) {
    if (from) Penalise(*from, "evidence does not verify: " + s.error().message);
    return;
  }
  m_evidence.Add(*offender, e);
  m_app.SaveEvidence(e);  // durable before it is gossiped
  Emit(Broadcast{e});
  const auto height = EvidenceHeight(e);
  const std::uint64_t h = height.ok() ? *height : 0;
  auto m = config().FindMember(*offender);
  Raise(AlertKind::kEquivocation, *offender, h, h,
        "member " + std::to_string(*offender) + (m ? " (" + m->name + ", " + m->contact + ")" : std::string()) +
            " signed conflicting messages (evidence kind E" + std::to_string(e.kind) + " at height " + std::to_string(h) +
            "); its signatures no longer count");
  Clear(AlertKind::kSilentMember, *offender);
  RecheckDecided();
  // Its votes and seals stop counting: the required set shrinks, so unanimity may now hold.
  CheckUnanimity();
}

void Machine::Impl::RecheckDecided() {
  // An MC I have not sealed yet that counted a now-excluded vote may fall below MAJ (§5.2: the
  // offender's signatures are ignored in every count). Holding on to it would keep me out of the
  // round changes the others need, so I drop it and count again; my signatures are untouched.
  if (!m_decided || (m_signer.seal_h == m_h && m_signer.seal_id == m_decided->block_id)) return;
  std::vector<chain::MemberId> voters;
  for (const chain::SigEntry& e : m_decided->votes) voters.push_back(e.signer);
  if (chain::IsMajority(chain::TallySigners(voters, config(), Excluded()), config())) return;
  m_decided.reset();
  Clear(AlertKind::kMajorityWithoutMe, m_self);
  for (const auto& [r, id] : m_msgs.VotedBlocks(m_h)) {
    CountVotes(r, id);
    if (m_decided) return;
  }
}

void Machine::Impl::OnChainEvidence(const chain::Evidence& e) {
  // Recorded in a committed block, which passed CheckBlockBody (C6: the evidence verifies) before
  // I voted or sealed: X_chain from the next height.
  auto offender = EvidenceOffender(e);
  if (!offender.ok()) return;
  m_evidence.RecordedInHead(*offender);
  if (!m_evidence.Holds(*offender)) AddEvidence(e, std::nullopt);
}

void Machine::Impl::RestoreChainExcludedInHead() {
  // After a restart: the offenders whose first record is in the head block. Only a head that
  // records evidence needs the scan of the blocks below it.
  auto offenders_in = [&](std::uint64_t k) {
    std::set<chain::MemberId> out;
    if (auto cb = m_app.LoadCommitted(k)) {
      for (const chain::Record& r : cb->block.records) {
        if (const auto* e = std::get_if<chain::Evidence>(&r.body)) {
          if (auto offender = EvidenceOffender(*e); offender.ok()) out.insert(*offender);
        }
      }
    }
    return out;
  };
  if (m_head_h == 0) return;
  std::set<chain::MemberId> in_head = offenders_in(m_head_h);
  for (std::uint64_t k = 1; k < m_head_h && !in_head.empty(); ++k) {
    for (chain::MemberId m : offenders_in(k)) in_head.erase(m);
  }
  m_evidence.RestoreInHead(std::move(in_head));
}

void Machine::Impl::GossipEvidence() {
  for (const chain::Evidence* e : m_evidence.Unrecorded()) Emit(Broadcast{*e});
  // My approval of the pending change, until a block records it (a proposer may have missed it).
  if (auto mine = m_approvals.find(m_self); mine != m_approvals.end()) Emit(Broadcast{mine->second});
}

void Machine::Impl::DetectSealConflicts(const chain::Seal& seal) {
  if (m_evidence.Holds(seal.signer)) return;
  // Every seal of this signer still held, by height, split by whether my chain holds its block.
  // One pass with the cached block ids (no header is re-encoded); the pair search below runs only
  // over the off-chain ones, which an honest signer never has, so this is O(H log H) per seal.
  std::vector<const chain::Seal*> on_chain;   // high candidates: on my chain
  std::vector<const chain::Seal*> off_chain;  // low candidates: off my chain at a height whose header I hold
  for (const chain::Seal* s : m_msgs.SealsBy(seal.signer)) {
    auto hdr = m_headers.find(s->h);
    if (hdr == m_headers.end()) continue;  // neither a high (not on my chain) nor a low (no header)
    (hdr->second.id == s->block_id ? on_chain : off_chain).push_back(s);
  }
  if (off_chain.empty()) return;
  // E5 with the path at hand: a high seal on my chain and a low seal off it (the path is my headers).
  // The first such pair by (high, low) height, as a scan of every pair would find.
  for (const chain::Seal* high : on_chain) {
    for (const chain::Seal* low : off_chain) {
      if (low->h >= high->h) break;  // off_chain is sorted by height
      std::vector<chain::Header> path;
      for (std::uint64_t k = high->h; k > low->h; --k) {
        auto hdr = m_headers.find(k);
        if (hdr == m_headers.end()) break;
        path.push_back(hdr->second.header);
      }
      if (path.size() != high->h - low->h) continue;
      AddEvidence(MakeSealFork(*low, *high, std::move(path)), std::nullopt);
      return;
    }
  }
}

}  // namespace peerdb::consensus
