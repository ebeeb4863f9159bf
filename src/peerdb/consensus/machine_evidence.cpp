// Machine: evidence (§1.7, §5.1): detection from stored messages, verification, persistence,
// gossip until recorded, and exclusion (§5.2: X_m at once, X_chain once recorded in a block).
#include <algorithm>

#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

void Machine::Impl::AddEvidence(const chain::Evidence& e, std::optional<chain::MemberId> from) {
  auto offender = EvidenceOffender(e);
  if (!offender.ok()) {
    if (from) Penalise(*from, "evidence does not decode: " + offender.error().message);
    return;
  }
  if (m_evidence.count(*offender)) return;  // one piece per offender is enough to exclude it
  if (Status s = VerifyEvidence(e, m_chain_id, config()); !s.ok()) {
    if (from) Penalise(*from, "evidence does not verify: " + s.error().message);
    return;
  }
  m_evidence[*offender] = e;
  m_app.SaveEvidence(e);  // durable before it is gossiped
  m_x_local.insert(*offender);
  Emit(Broadcast{e});
  const auto height = EvidenceHeight(e);
  const std::uint64_t h = height.ok() ? *height : 0;
  auto m = config().FindMember(*offender);
  Raise(AlertKind::kEquivocation, *offender, h, h,
        "member " + std::to_string(*offender) + (m ? " (" + m->name + ", " + m->contact + ")" : std::string()) +
            " signed conflicting messages (evidence kind E" + std::to_string(e.kind) + " at height " + std::to_string(h) +
            "); its signatures no longer count");
  Clear(AlertKind::kSilentMember, *offender);
  // Its votes and seals stop counting: the required set shrinks, so unanimity may now hold.
  CheckUnanimity();
}

void Machine::Impl::OnChainEvidence(const chain::Evidence& e) {
  // Recorded in a committed block (the application checked it, C6): X_chain from the next height.
  auto offender = EvidenceOffender(e);
  if (!offender.ok()) return;
  m_x_chain.insert(*offender);
  if (!m_evidence.count(*offender)) AddEvidence(e, std::nullopt);
  m_x_local.insert(*offender);
}

void Machine::Impl::GossipEvidence() {
  for (const auto& [offender, e] : m_evidence) {
    if (!m_x_chain.count(offender)) Emit(Broadcast{e});
  }
}

void Machine::Impl::DetectSealConflicts(const chain::Seal& seal) {
  if (m_evidence.count(seal.signer)) return;
  // Every seal of this signer still held, by height, split by whether my chain holds its block.
  // One pass with the cached block ids (no header is re-encoded); the pair search below runs only
  // over the off-chain ones, which an honest signer never has, so this is O(H log H) per seal.
  std::vector<const chain::Seal*> on_chain;   // high candidates: on my chain
  std::vector<const chain::Seal*> off_chain;  // low candidates: off my chain at a height whose header I hold
  for (const auto& [h, hm] : m_msgs) {
    auto it = hm.seals.find(seal.signer);
    if (it == hm.seals.end()) continue;
    auto hdr = m_headers.find(it->second.h);
    if (hdr == m_headers.end()) continue;  // neither a high (not on my chain) nor a low (no header)
    (hdr->second.id == it->second.block_id ? on_chain : off_chain).push_back(&it->second);
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
