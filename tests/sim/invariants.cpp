#include "invariants.h"

#include <algorithm>

#include "peerdb/chain/rules.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/fork_choice.h"

namespace peerdb::sim {

namespace {
std::string Short(const Hash32& h) { return Hex(h).substr(0, 12); }
std::string At(std::uint64_t h, std::uint32_t r) { return "(h=" + std::to_string(h) + ", r=" + std::to_string(r) + ")"; }
}  // namespace

InvariantChecker::InvariantChecker(const chain::Genesis& genesis, std::set<chain::MemberId> byzantine)
    : m_genesis(genesis), m_chain_id(chain::ChainId(genesis)), m_epochs(genesis), m_byzantine(std::move(byzantine)) {}

void InvariantChecker::Fail(std::string what) {
  if (!m_failure) m_failure = std::move(what);
}

std::uint64_t InvariantChecker::final_height(chain::MemberId m) const {
  auto it = m_hist.find(m);
  return it == m_hist.end() ? 0 : it->second.final_h;
}

void InvariantChecker::OnSaves(chain::MemberId m, const StepSaves& saves) {
  History& hist = m_hist[m];
  for (const chain::SignerState& s : saves.signer) {
    if (s.seal_h > 0) {
      auto [it, fresh] = hist.saved_seal.emplace(s.seal_h, s.seal_id);
      if (!fresh && it->second != s.seal_id && honest(m)) {
        Fail("I1: member " + std::to_string(m) + " saved two seals at height " + std::to_string(s.seal_h) + ": " +
             Short(it->second) + " and " + Short(s.seal_id));
      }
    }
    if (s.last_vote) {
      const chain::Vote& v = s.last_vote->vote;
      // A vote signed now (not seen in an earlier save) must not be below a round the member has
      // already promised to others by sending RoundChange(h, r') (S2/S3). A promise that was saved
      // but never sent binds nobody, so it is not counted.
      const auto promised = hist.sent_rc_max.find(v.h);
      const std::uint32_t before = promised == hist.sent_rc_max.end() ? 0 : promised->second;
      if (hist.saved_votes.insert({v.h, v.r, v.block_id}).second && honest(m) && before > v.r) {
        Fail("I2: member " + std::to_string(m) + " signed a vote " + At(v.h, v.r) + " after sending RoundChange for round " +
             std::to_string(before));
      }
    }
    if (s.last_proposal) hist.saved_cores.insert({s.last_proposal->h, s.last_proposal->r, s.last_proposal->block_id});
    std::uint32_t& p = hist.saved_promised[s.h];
    p = std::max(p, s.promised);
  }
  for (const chain::Evidence& e : saves.evidence) {
    if (honest(m)) OnEvidence(e);
  }
}

void InvariantChecker::RegisterVote(std::uint64_t h, std::uint32_t r, const Hash32& id, chain::MemberId signer) {
  auto& voters = m_votes[{h, r, id}];
  voters.insert(signer);
  if (voters.size() < MajAt(h)) return;
  auto& ids = m_mc[h];
  ids.insert(id);
  if (ids.size() > 1 && m_byzantine.empty()) {
    Fail("I6: two blocks gathered a majority of votes at height " + std::to_string(h) + " with no byzantine member: " +
         Short(*ids.begin()) + " and " + Short(*ids.rbegin()));
  }
}

void InvariantChecker::RegisterCert(const chain::MajorityCert& mc) {
  for (const chain::SigEntry& e : mc.votes) RegisterVote(mc.h, mc.r, mc.block_id, e.signer);
}

void InvariantChecker::CheckOwnSigned(chain::MemberId m, const consensus::PeerMessage& msg) {
  History& hist = m_hist[m];
  const std::string who = "member " + std::to_string(m);
  if (const auto* v = std::get_if<chain::Vote>(&msg); v && v->signer == m) {
    if (!hist.saved_votes.count({v->h, v->r, v->block_id})) Fail("I3: " + who + " sent a vote " + At(v->h, v->r) + " it had not saved");
    auto [it, fresh] = hist.sent_vote.emplace(std::pair{v->h, v->r}, v->block_id);
    if (!fresh && it->second != v->block_id) Fail("I2: " + who + " voted twice at " + At(v->h, v->r));
  } else if (const auto* p = std::get_if<chain::Proposal>(&msg); p && p->core.signer == m) {
    const chain::ProposalCore& c = p->core;
    if (!hist.saved_cores.count({c.h, c.r, c.block_id})) Fail("I3: " + who + " sent a proposal " + At(c.h, c.r) + " it had not saved");
    auto [it, fresh] = hist.sent_core.emplace(std::pair{c.h, c.r}, c.block_id);
    if (!fresh && it->second != c.block_id) Fail("I2: " + who + " signed two proposal cores at " + At(c.h, c.r));
  } else if (const auto* rc = std::get_if<chain::RoundChange>(&msg); rc && rc->signer == m) {
    auto sp = hist.saved_promised.find(rc->h);
    if (sp == hist.saved_promised.end() || sp->second < rc->r) {
      Fail("I3: " + who + " sent RoundChange " + At(rc->h, rc->r) + " before saving the promise");
    }
    std::uint32_t& mx = hist.sent_rc_max[rc->h];
    mx = std::max(mx, rc->r);
  } else if (const auto* s = std::get_if<chain::Seal>(&msg); s && s->signer == m) {
    auto saved = hist.saved_seal.find(s->h);
    if (saved == hist.saved_seal.end() || saved->second != s->block_id) {
      Fail("I3: " + who + " sent a seal at height " + std::to_string(s->h) + " that is not its saved seal");
    }
    auto [it, fresh] = hist.sent_seal.emplace(s->h, s->block_id);
    if (!fresh && it->second != s->block_id) Fail("I1: " + who + " sent two seals at height " + std::to_string(s->h));
    if (s->h > 1) {
      auto hdr = m_headers.find(s->block_id);
      auto prev = hist.saved_seal.find(s->h - 1);
      if (hdr != m_headers.end() && (prev == hist.saved_seal.end() || prev->second != hdr->second.parent_id)) {
        Fail("I1: " + who + "'s seal at height " + std::to_string(s->h) + " does not extend its seal at " +
             std::to_string(s->h - 1));
      }
    }
  }
}

void InvariantChecker::CheckApprovalOrdered(chain::MemberId m, const chain::ConfigApprove& a, const char* how) {
  if (!honest(m) || m_operator.count({m, a.change_id})) return;
  Fail("I13: honest member " + std::to_string(m) + "'s approval of change " + Short(a.change_id) + " was " + how +
       " but its operator never approved that change");
}

void InvariantChecker::OnSent(chain::MemberId from, const consensus::PeerMessage& msg, bool genuine) {
  if (honest(from)) CheckOwnSigned(from, msg);
  if (const auto* a = std::get_if<chain::ConfigApprove>(&msg); a && a->signer == from) CheckApprovalOrdered(from, *a, "sent");
  if (!genuine) return;
  // Registries of genuine signatures: votes and seals that really exist (honest outputs were
  // verified by the machine; byzantine members sign with their own key).
  if (const auto* v = std::get_if<chain::Vote>(&msg)) {
    if (v->signer == from) RegisterVote(v->h, v->r, v->block_id, v->signer);
  } else if (const auto* s = std::get_if<chain::Seal>(&msg)) {
    if (s->signer == from) m_seals[s->block_id].insert(s->signer);
  } else if (honest(from)) {
    if (const auto* mc = std::get_if<chain::MajorityCert>(&msg)) {
      RegisterCert(*mc);
    } else if (const auto* p = std::get_if<chain::Proposal>(&msg)) {
      if (p->block.parent_cert) RegisterCert(*p->block.parent_cert);
      for (const chain::Record& r : p->block.records) {
        if (const auto* seal = std::get_if<chain::Seal>(&r.body)) m_seals[seal->block_id].insert(seal->signer);
      }
    } else if (const auto* sr = std::get_if<consensus::SyncResponse>(&msg)) {
      for (const consensus::SyncBlock& b : sr->blocks) {
        RegisterCert(b.cert);
        for (const chain::Seal& seal : b.seals) m_seals[seal.block_id].insert(seal.signer);
      }
    } else if (const auto* e = std::get_if<chain::Evidence>(&msg)) {
      OnEvidence(*e);
    }
  }
}

void InvariantChecker::OnCommitted(chain::MemberId m, const consensus::CommittedBlock& block, const Durable& disk) {
  if (!honest(m)) return;
  if (disk.epochs.size() > m_epochs.all().size()) m_epochs = chain::EpochHistory(disk.epochs);
  CheckGovernance(m, block, disk);
  const std::uint64_t h = block.block.header.height;
  m_headers.emplace(block.id, block.block.header);
  if (m_canonical.size() + 1 == h) m_canonical.push_back(block.id);
  if (h <= m_canonical.size() && m_canonical[h - 1] != block.id) m_diverged = true;
  if (h <= m_canonical.size() && m_canonical[h - 1] != block.id && m_byzantine.empty()) {
    // With a double-signer two MCs at one height are possible (G3's exceptions, §7.2 rows 6 and 8):
    // honest members may then commit different blocks (A2b); only FINAL must never conflict (I4).
    Fail("I8: member " + std::to_string(m) + " committed " + Short(block.id) + " at height " + std::to_string(h) +
         " but another honest member committed " + Short(m_canonical[h - 1]));
  }
  if (h > m_canonical.size() + 1) Fail("I8: member " + std::to_string(m) + " committed height " + std::to_string(h) + " out of order");
  RegisterCert(block.cert);
  for (const chain::Seal& seal : block.seals) m_seals[seal.block_id].insert(seal.signer);
  for (const chain::Record& r : block.block.records) {
    if (const auto* e = std::get_if<chain::Evidence>(&r.body)) OnEvidence(*e);
    if (const auto* seal = std::get_if<chain::Seal>(&r.body)) m_seals[seal->block_id].insert(seal->signer);
  }
}

void InvariantChecker::OnUnanimousClaim(chain::MemberId m, std::uint64_t height, const Durable& disk,
                                        const std::set<chain::MemberId>& excluded) {
  if (!honest(m) || height == 0) return;
  const std::string who = "I10: member " + std::to_string(m) + " calls height " + std::to_string(height);
  if (height > disk.blocks.size()) return Fail(who + " UNANIMOUS but has not committed it");
  const consensus::CommittedBlock& b = disk.blocks[height - 1];
  const auto voters = m_votes.find({b.cert.h, b.cert.r, b.cert.block_id});
  std::size_t genuine = 0;
  for (const chain::SigEntry& e : b.cert.votes) {
    if (voters != m_votes.end() && voters->second.count(e.signer)) ++genuine;
  }
  const chain::EpochHistory epochs = disk.epochs.empty() ? chain::EpochHistory(m_genesis) : chain::EpochHistory(disk.epochs);
  if (b.cert.block_id != b.id || genuine < epochs.ConfigAt(height).Majority()) {
    return Fail(who + " UNANIMOUS without a genuine majority certificate");
  }
  const std::vector<chain::MemberId> x(excluded.begin(), excluded.end());
  for (std::uint64_t k = height; k <= disk.blocks.size(); ++k) {
    auto it = m_seals.find(disk.blocks[k - 1].id);
    if (it == m_seals.end()) continue;
    // Required sealers of the config of height k, less the members leaving with it (§3 T(D)).
    if (chain::IsUnanimous({it->second.begin(), it->second.end()}, epochs.ConfigAt(k), x, epochs.LeavingAt(k))) return;
  }
  Fail(who + " UNANIMOUS but no block from it up to its head holds genuine seals of every required member");
}

void InvariantChecker::OnEvidence(const chain::Evidence& e) {
  const Hash32 key = consensus::EvidenceKey(e);
  if (!m_evidence.insert(key).second) return;
  auto height = consensus::EvidenceHeight(e);
  if (!height.ok()) return Fail("I7: evidence of kind " + std::to_string(e.kind) + " has no height: " + height.error().message);
  Status ok = consensus::VerifyEvidence(e, m_chain_id, ConfigAt(*height));
  if (!ok.ok()) return Fail("I7: evidence of kind " + std::to_string(e.kind) + " does not verify: " + ok.error().message);
  auto offender = consensus::EvidenceOffender(e);
  if (!offender.ok()) return Fail("I7: evidence names no offender");
  m_offenders.insert(*offender);
  if (honest(*offender)) Fail("I7: evidence of kind " + std::to_string(e.kind) + " names honest member " + std::to_string(*offender));
}

void InvariantChecker::CheckFinality(const BitcoinSim& btc, const std::vector<FinalityView>& views, std::uint32_t k) {
  // A member's FINAL view uses the rule the node's anchoring applies (chain::IsUnanimous under its
  // exclusions X_m), so the simulation checks the production rule, not a copy of it.
  auto unanimous = [&](const SimAnchor& a, const std::set<chain::MemberId>& excluded, const chain::EpochHistory& epochs) {
    return chain::IsUnanimous(a.sealers, epochs.ConfigAt(a.cp.h), {excluded.begin(), excluded.end()}, epochs.LeavingAt(a.cp.h));
  };
  // The auditor's view: every confirmed anchor of a unanimous checkpoint.
  for (const SimAnchor& a : btc.anchors()) {
    if (btc.Confirmations(a) < k || !unanimous(a, m_offenders, m_epochs)) continue;
    if (m_final_at.emplace(a.cp.h, a.cp.block_id).first->second != a.cp.block_id) {
      Fail("I4: a confirmed unanimous checkpoint makes " + Short(a.cp.block_id) + " FINAL at height " +
           std::to_string(a.cp.h) + ", which conflicts with another FINAL block at that height");
    }
  }
  for (const FinalityView& v : views) {
    const std::uint64_t fin = v.final_height;
    if (fin > v.disk->blocks.size()) {
      return Fail("member " + std::to_string(v.id) + "'s anchoring calls FINAL up to " + std::to_string(fin) +
                  " above its head " + std::to_string(v.disk->blocks.size()));
    }
    // A byzantine majority excluded (§7.2 rows 13-14) leaves a compromised epoch (§5.2): fewer than
    // MAJ members count, so no checkpoint is unanimous any more; the view's FINAL stays as it was.
    const chain::EpochHistory epochs = v.disk->epochs.empty() ? chain::EpochHistory(m_genesis) : chain::EpochHistory(v.disk->epochs);
    const chain::Config& now = epochs.current().config;
    std::size_t counted = 0;
    for (const chain::Member& mem : now.members) counted += v.excluded.count(mem.id) ? 0 : 1;
    if (counted >= now.Majority() && btc.deep_reorgs() == 0) {
      std::uint64_t backed = 0;
      for (const SimAnchor& a : btc.anchors()) {
        if (a.cp.h <= backed || a.cp.h > v.disk->blocks.size()) continue;
        if (v.disk->blocks[a.cp.h - 1].id != a.cp.block_id) continue;
        if (btc.Confirmations(a) >= k && unanimous(a, v.excluded, epochs)) backed = a.cp.h;
      }
      if (fin > backed) {
        return Fail("I10: member " + std::to_string(v.id) + "'s anchoring calls FINAL up to " + std::to_string(fin) +
                    " but confirmed anchors of unanimous checkpoints cover only up to " + std::to_string(backed));
      }
    }
    History& hist = m_hist[v.id];
    if (fin < hist.final_h && btc.deep_reorgs() == 0) {
      Fail("I5: member " + std::to_string(v.id) + "'s FINAL height fell from " + std::to_string(hist.final_h) + " to " +
           std::to_string(fin) + " without a Bitcoin reorg deeper than k_anchor");
    }
    for (std::uint64_t h = 1; h <= fin; ++h) {
      if (m_final_at.emplace(h, v.disk->blocks[h - 1].id).first->second != v.disk->blocks[h - 1].id) {
        Fail("I4: member " + std::to_string(v.id) + " holds a FINAL block at height " + std::to_string(h) +
             " that conflicts with another honest view");
      }
    }
    hist.final_h = fin;
  }
}

void InvariantChecker::CheckGovernance(chain::MemberId m, const consensus::CommittedBlock& block, const Durable& disk) {
  const chain::Header& hdr = block.block.header;
  const std::uint64_t h = hdr.height;
  const std::string who = "I13: member " + std::to_string(m);
  const chain::EpochHistory epochs = disk.epochs.empty() ? chain::EpochHistory(m_genesis) : chain::EpochHistory(disk.epochs);
  const chain::Config& config = epochs.ConfigAt(h);
  if (hdr.epoch != config.epoch || hdr.config_hash != chain::ConfigHash(config)) {
    return Fail(who + " committed block " + Short(block.id) + " of epoch " + std::to_string(hdr.epoch) + " at height " +
                std::to_string(h) + ", but its stored epochs put epoch " + std::to_string(config.epoch) + " there");
  }
  if (h == disk.blocks.size() && disk.epoch) {
    const Bytes state = codec::Encode(*disk.epoch);
    auto [it, fresh] = m_epoch_after.emplace(block.id, state);
    if (!fresh && it->second != state) {
      return Fail(who + " holds another epoch state after block " + Short(block.id) + " than an honest member that committed it");
    }
  }
  for (const chain::Record& r : block.block.records) {
    if (const auto* a = std::get_if<chain::ConfigApprove>(&r.body)) CheckApprovalOrdered(a->signer, *a, "recorded");
  }
  const chain::EpochInfo& epoch = epochs.At(h);
  if (epoch.end_height != h) return;  // no activation here
  // The change activated: the last one proposed on this chain up to h (one is pending at a time).
  // Its last approval may be in an earlier block, when this one's evidence excludes the last
  // member missing (Req shrinks with X_chain).
  std::optional<chain::ConfigChange> change;
  for (std::uint64_t k = h; k >= 1 && !change; --k) {
    for (const chain::TxBatch& t : disk.blocks[k - 1].block.batches) {
      for (const chain::Op& op : t.ops) {
        if (op.kind != static_cast<std::uint8_t>(chain::OpKind::kConfig)) continue;
        if (auto c = codec::Decode<chain::ConfigChange>(op.value); c.ok()) change = *c;
      }
    }
  }
  if (!change) return Fail(who + "'s epochs end epoch " + std::to_string(config.epoch) + " at height " + std::to_string(h) + ", yet its chain proposed no change");
  const Hash32 id = chain::ChangeId(*change);
  if (h >= change->expires_height) {
    return Fail(who + " activated change " + Short(id) + " at height " + std::to_string(h) + ", at or above its expiry " +
                std::to_string(change->expires_height));
  }
  const std::vector<chain::MemberId> targets = chain::ChangeTargets(*change);
  for (const chain::Member& mem : config.members) {
    if (!honest(mem.id) || std::find(targets.begin(), targets.end(), mem.id) != targets.end()) continue;
    if (!m_operator.count({mem.id, id})) {
      return Fail(who + " activated change " + Short(id) + " at height " + std::to_string(h) + " but the operator of member " +
                  std::to_string(mem.id) + ", a required approver, never approved it");
    }
  }
}

}  // namespace peerdb::sim

namespace peerdb::sim {

namespace {
using Key = std::pair<std::size_t, std::size_t>;  // (|Endorsers|, Votes) of §4.1
}  // namespace

std::string CheckForkLengthIndependence(const Hash32& fork, std::uint64_t fork_h, const std::vector<ForkBlock>& grow,
                                        const std::vector<ForkBlock>& other, const std::set<chain::MemberId>& excluded) {
  if (grow.empty()) return "";
  consensus::ForkChoice fc(fork, fork_h);
  fc.SetExcluded(excluded);
  auto add = [&fc](const ForkBlock& b) {
    if (!fc.AddBlock(b.id, b.parent)) return false;
    for (chain::MemberId m : b.sealers) fc.AddSeal(b.id, m);
    fc.AddVotes(b.id, b.round, b.voters);
    return true;
  };
  for (const ForkBlock& b : other) {
    if (!add(b)) return "I12: the sibling branch does not ascend from the fork point";
  }
  const Hash32 a0 = grow[0].id;
  const bool has_other = !other.empty();
  const Hash32 b0 = has_other ? other[0].id : Hash32{};
  const Key other_key = has_other ? Key{fc.Endorsers(b0), fc.Votes(b0)} : Key{};
  std::set<chain::MemberId> sealers;
  Key before{};
  bool won_before = false;
  const std::string at = " at the fork above height " + std::to_string(fork_h);
  for (std::size_t i = 0; i < grow.size(); ++i) {
    if (!add(grow[i])) return "I12: the growing branch does not ascend from the fork point";
    for (chain::MemberId m : grow[i].sealers) {
      if (!excluded.count(m)) sealers.insert(m);
    }
    const Key now{fc.Endorsers(a0), fc.Votes(a0)};
    if (now.first != sealers.size()) {
      return "I12: after " + std::to_string(i + 1) + " blocks the branch has " + std::to_string(now.first) +
             " endorsers but " + std::to_string(sealers.size()) + " distinct members sealed it" + at;
    }
    if (i > 0 && now.second != before.second) {
      return "I12: adding block " + std::to_string(i + 1) + " of a branch changed its Votes" + at + " from " +
             std::to_string(before.second) + " to " + std::to_string(now.second);
    }
    if (has_other && Key{fc.Endorsers(b0), fc.Votes(b0)} != other_key) return "I12: growing one branch moved its sibling's key" + at;
    const bool won = fc.Extends(fc.Head(), a0);
    if (i > 0 && now == before && won != won_before) {
      return "I12: adding block " + std::to_string(i + 1) + " without new endorsers or voters changed the winner" + at;
    }
    before = now;
    won_before = won;
  }
  return "";
}

std::vector<ForkBlock> ForkBlocksOf(const std::vector<consensus::CommittedBlock>& blocks, std::size_t from, std::size_t to) {
  std::vector<ForkBlock> out;
  for (std::size_t i = from; i < to && i < blocks.size(); ++i) {
    ForkBlock f;
    f.id = blocks[i].id;
    f.parent = blocks[i].block.header.parent_id;
    for (const chain::Seal& s : blocks[i].seals) f.sealers.push_back(s.signer);
    f.round = blocks[i].cert.r;
    for (const chain::SigEntry& e : blocks[i].cert.votes) f.voters.push_back(e.signer);
    out.push_back(std::move(f));
  }
  return out;
}

std::string CheckChainLengthIndependence(const Hash32& chain_id, const std::vector<consensus::CommittedBlock>& blocks,
                                         const std::set<chain::MemberId>& excluded) {
  constexpr std::size_t kWindow = 24;
  if (blocks.size() < 2) return "";
  const std::size_t from = blocks.size() > kWindow ? blocks.size() - kWindow : 0;
  const Hash32 fork = from == 0 ? chain_id : blocks[from - 1].id;
  std::vector<ForkBlock> real = ForkBlocksOf(blocks, from, blocks.size());
  // The sibling: the first half of the same blocks' seals and votes under other ids (a shorter branch
  // endorsed by the same members).
  std::vector<ForkBlock> twin(real.begin(), real.begin() + static_cast<std::ptrdiff_t>((real.size() + 1) / 2));
  Hash32 parent = fork;
  for (ForkBlock& b : twin) {
    b.id[0] ^= 0xa5;
    b.id[31] ^= 0x5a;
    b.parent = parent;
    parent = b.id;
  }
  const std::uint64_t fork_h = from;
  if (std::string e = CheckForkLengthIndependence(fork, fork_h, real, twin, excluded); !e.empty()) return e;
  return CheckForkLengthIndependence(fork, fork_h, twin, real, excluded);
}

}  // namespace peerdb::sim
