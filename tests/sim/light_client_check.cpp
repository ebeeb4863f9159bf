#include "light_client_check.h"

#include <algorithm>

namespace peerdb::sim {

namespace {

std::string Short(const Hash32& h) { return Hex(h).substr(0, 12); }

}  // namespace

Result<consensus::LightClient> AuditorOf(const Simulation& s, chain::MemberId id) {
  PEERDB_TRY_ASSIGN(consensus::LightClient lc, consensus::LightClient::Create(s.genesis()));
  const Durable& disk = s.Disk(id);
  for (const consensus::CommittedBlock& b : disk.blocks) {
    // Whole bodies where they matter (config changes, approvals, evidence): the client follows the
    // epochs through them and takes their evidence; headers alone elsewhere.
    const Status st = consensus::BodyMatters(b.block) ? lc.AddBlock(b.block) : lc.AddHeader(b.block.header, b.block.parent_cert);
    if (!st.ok()) return st.error();
  }
  for (const chain::Evidence& e : disk.evidence) PEERDB_TRY(lc.AddEvidence(e));
  // The anchors the member's anchoring saved, as a node's export carries them, while Bitcoin still
  // confirms them k deep.
  const BitcoinSim& btc = s.bitcoin();
  for (const anchor::LoadedAnchor& a : s.AnchorStore(id).anchors) {
    if (!a.checkpoint || btc.ConfirmationsAt(a.record.btc_height, a.record.btc_block_hash) < s.config().params.k_anchor) continue;
    PEERDB_TRY(lc.AddAnchor(*a.checkpoint, a.record));
  }
  return lc;
}

std::optional<std::string> CheckLightClientAgrees(const Simulation& s) {
  if (!s.config().anchoring) return std::nullopt;
  for (chain::MemberId id : s.Honest()) {
    const std::string who = "I11: member " + std::to_string(id) + "'s ";
    auto lc = AuditorOf(s, id);
    if (!lc.ok()) return who + "data is refused by the light client: " + lc.error().message;
    const consensus::LightFinality f = lc->Compute();
    // A compromised epoch (§5.2, fewer than MAJ members left): the full view freezes its FINAL
    // height (statuses only rise), which a stateless auditor cannot recompute from the anchors.
    const chain::Config& now = s.ConfigOf(id);
    std::size_t counted = 0;
    for (const chain::Member& m : now.members) counted += std::count(f.excluded.begin(), f.excluded.end(), m.id) ? 0 : 1;
    if (counted < now.Majority()) continue;
    // After a Bitcoin reorg deeper than k_anchor a node lowers FINAL only at its next recheck.
    if (s.bitcoin().deep_reorgs() > 0) continue;
    const std::uint64_t full = s.FinalHeight(id);
    const Durable& disk = s.Disk(id);
    if (f.final_height != full) {
      return who + "view has FINAL height " + std::to_string(full) + ", the light client " +
             std::to_string(f.final_height);
    }
    if (full > 0 && f.final_id != disk.blocks[full - 1].id) {
      return who + "FINAL block at height " + std::to_string(full) + " is " + Short(disk.blocks[full - 1].id) +
             ", the light client's " + Short(f.final_id);
    }
    if (!f.conflicts.empty()) return who + "data gives the light client conflicting FINAL blocks (A8)";
  }
  return std::nullopt;
}

}  // namespace peerdb::sim
