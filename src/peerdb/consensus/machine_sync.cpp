// Machine: status exchange and catch-up (§6.2), seals of committed blocks and unanimity (§3).
#include <algorithm>

#include "peerdb/chain/rules.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/fork_choice.h"
#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

StatusMsg Machine::Impl::MakeStatus() const {
  StatusMsg st;
  st.seal_h = m_signer.seal_h;
  st.seal_id = m_signer.seal_id;
  st.head_h = m_head_h;
  st.h = m_h;
  st.r = m_rounds.round();
  return st;
}

chain::MemberId Machine::Impl::PickSyncPeer(chain::MemberId hint) const {
  return m_members.PickSyncPeer(m_head_h + 1, hint, m_sync_peer);
}

void Machine::Impl::NotePeerHead(chain::MemberId peer, std::uint64_t head) {
  // A claim is bounded, so a peer cannot make me expect blocks far beyond what sync can bring.
  m_members.NoteHead(peer, std::min(head, m_head_h + kMaxSyncBlocks * 1024));
}

void Machine::Impl::RequestSync(chain::MemberId peer) {
  if (m_now < m_sync_wait_until_ms) return;
  m_sync_wait_until_ms = m_now + 2 * Timeout(0);  // also when nobody can be asked: no retry spin
  if (peer == 0 || peer == m_self) return;
  m_sync_peer = peer;
  m_sync_awaiting = true;
  SyncRequest req;
  req.from_h = m_head_h + 1;
  req.max_blocks = kMaxSyncBlocks;
  Emit(Send{peer, req});
}

void Machine::Impl::OnSyncRequest(chain::MemberId from, const SyncRequest& req) {
  SyncResponse resp;
  resp.head_h = m_head_h;
  // Bounded bytes: the response must fit one frame (max_block_bytes + 64 KiB, §1.1.8); one block
  // always fits because its MC and seals are below 64 KiB.
  const std::size_t budget = params().max_block_bytes;
  std::size_t bytes = 0;
  const std::uint32_t count = std::min(req.max_blocks, kMaxSyncBlocks);
  for (std::uint64_t k = std::max<std::uint64_t>(req.from_h, 1); k <= m_head_h && resp.blocks.size() < count; ++k) {
    auto cb = m_app.LoadCommitted(k);
    if (!cb) break;
    SyncBlock sb;
    sb.block = std::move(cb->block);
    sb.cert = std::move(cb->cert);
    std::map<chain::MemberId, chain::Seal> seals;
    for (chain::Seal& s : cb->seals) seals.emplace(s.signer, std::move(s));
    for (auto& [signer, s] : seals) sb.seals.push_back(std::move(s));
    const std::size_t size = codec::EncodedSize(sb);
    if (!resp.blocks.empty() && bytes + size > budget) break;
    bytes += size;
    resp.blocks.push_back(std::move(sb));
  }
  (void)from;
  Emit(Send{from, std::move(resp)});
}

void Machine::Impl::OnSyncResponse(chain::MemberId from, const SyncResponse& resp) {
  // The wait set by the request stays unless blocks commit: a useless answer (a block I reject, a
  // branch not mine) must not trigger an immediate new request, or two members would ping-pong.
  const bool answer = m_sync_awaiting && from == m_sync_peer;
  if (answer) m_sync_awaiting = false;
  if (resp.blocks.empty() && resp.head_h <= m_head_h) {
    // The claim that made me ask was not backed: skip this peer for this height, and ask a peer
    // that claims more now (once per answer to a request of mine, so no spin), or stop asking.
    m_members.NoteEmptyAnswer(from, resp.head_h, m_head_h + 1, m_head_h);
    if (answer && m_members.known_peer_head() > m_head_h) m_sync_wait_until_ms = 0;
    return;
  }
  NotePeerHead(from, resp.head_h);
  bool progressed = false;
  for (const SyncBlock& sb : resp.blocks) {
    const chain::Header& hdr = sb.block.header;
    if (hdr.height <= m_head_h) continue;
    if (hdr.height != m_head_h + 1) return Penalise(from, "sync response skips heights");
    const Hash32 id = chain::BlockId(hdr);
    if (hdr.parent_id != m_head_id) {
      // Another branch than mine: a majority chose it, so my seals are orphaned (A2b), or the peer lies.
      if (chain::VerifyMajorityCert(sb.cert, m_chain_id, config(), ChainExcluded()).ok() && sb.cert.block_id == id) {
        Raise(AlertKind::kOrphanedSeal, m_self, m_head_h, hdr.height,
              "peer " + std::to_string(from) + " holds a majority block at " + std::to_string(hdr.height) +
                  " that does not extend my sealed chain");
      }
      return;
    }
    if (sb.cert.h != hdr.height || sb.cert.block_id != id) return Penalise(from, "sync block certificate is for another block");
    if (Status s = chain::VerifyMajorityCert(sb.cert, m_chain_id, config(), ChainExcluded()); !s.ok()) {
      return Penalise(from, "sync block certificate: " + s.error().message);
    }
    std::vector<chain::Seal> seals;
    for (const chain::Seal& s : sb.seals) {
      if (s.h != hdr.height || s.block_id != id || !VerifyMember(s)) return Penalise(from, "sync block carries an invalid seal");
      seals.push_back(s);
    }
    // The block has an MC; judge it like a proposal (C2-C7) before sealing it.
    if (m_h != hdr.height) return;
    Candidate c;
    c.block = sb.block;
    if (CheckCandidate(c) != Candidate::Check::kOk) {
      Raise(AlertKind::kMajorityRejected, m_self, hdr.height, hdr.height,
            "a majority chose block " + Hex(id).substr(0, 16) + " at height " + std::to_string(hdr.height) +
                " which I rejected: " + c.reject_reason);
      return;
    }
    if (!SealAndCommit(sb.block, id, sb.cert, seals)) return;
    for (const chain::Seal& s : seals) DetectSealConflicts(s);
    progressed = true;
  }
  if (progressed) {
    m_sync_wait_until_ms = 0;
    if (resp.head_h > m_head_h) RequestSync(from);
  }
}

void Machine::Impl::OnStatus(chain::MemberId from, const StatusMsg& st) {
  if (st.head_h > m_head_h) {
    // A claim, not a proof: it only makes me ask. The blocks that come back are verified.
    NotePeerHead(from, st.head_h);
    RequestSync(PickSyncPeer(from));
  }
}

void Machine::Impl::OnSeal(chain::MemberId from, const chain::Seal& seal) {
  if (seal.signer != from) return Penalise(from, "seal relayed for another signer");
  if (seal.h == 0 || seal.h > m_h + 1) return;
  const std::uint64_t oldest = m_msgs.OldestHeight(m_h);
  if (seal.h < oldest && !m_headers.count(seal.h)) return;  // too old to matter
  // A seal is judged under the config of its height's epoch (keys rotate, members come and go).
  const chain::Member* sealer = ConfigAt(seal.h).FindMember(seal.signer);
  if (!sealer) return;
  if (!chain::VerifySignedBy(sealer->pubkey, m_chain_id, seal)) return Penalise(from, "seal signature does not verify");
  if (seal.h >= oldest) {
    if (const chain::Seal* first = m_msgs.AddSeal(seal)) {
      if (first->block_id != seal.block_id) AddEvidence(MakeDoubleSeal(*first, seal), std::nullopt);  // E4
      return;
    }
  }
  DetectSealConflicts(seal);
  if (seal.h <= m_head_h) {
    auto hdr = m_headers.find(seal.h);
    if (hdr == m_headers.end()) return;
    if (hdr->second.id != seal.block_id) {
      if (!IsExcluded(seal.signer)) CheckForkAt(seal.h);
      return;
    }
    if (m_sealers[seal.h].count(seal.signer)) return;
    m_app.AddSeals(seal.h, {seal});
    RecordSeal(seal);
  }
}

void Machine::Impl::CheckForkAt(std::uint64_t height) {
  // A seal names another block at a committed height: rerun §4.1 over the two branches from their
  // common parent with every seal held (mine included). If mine loses, my seal is orphaned (A2b).
  auto mine = m_headers.find(height);
  if (mine == m_headers.end()) return;
  const Hash32 my_id = mine->second.id;
  const Hash32 parent_id = mine->second.header.parent_id;
  ForkChoice fc(parent_id, height - 1);
  for (auto it = mine; it != m_headers.end(); ++it) {  // my chain from `height` up (consecutive)
    fc.AddBlock(it->second.id, it->second.header.parent_id);
    if (it->first <= m_signer.seal_h) fc.AddSeal(it->second.id, m_self);
  }
  for (const chain::Seal* s : m_msgs.SealsFrom(height)) {
    if (s->h == height && s->block_id != my_id) fc.AddBlock(s->block_id, parent_id);
    fc.AddSeal(s->block_id, s->signer);
  }
  fc.SetExcluded(m_evidence.local_excluded());
  const Hash32 head = fc.Head();
  if (!fc.Extends(head, my_id)) {
    Raise(AlertKind::kOrphanedSeal, m_self, height, height,
          "fork choice prefers block " + Hex(head).substr(0, 16) + " over my sealed block at height " + std::to_string(height));
  }
}

void Machine::Impl::RecordSeal(const chain::Seal& seal) {
  if (seal.h + kKeepHeaders > m_head_h || m_sealers.count(seal.h)) m_sealers[seal.h].insert(seal.signer);
  if (seal.h == m_head_h) m_head_seals[seal.signer] = seal;
  m_members.NoteSealed(seal.signer, seal.h);
  CheckUnanimity();
}

void Machine::Impl::CheckUnanimity() {
  // UNANIMOUS (§3, D4): some D >= B whose sealers make it unanimous under my exclusions X_m
  // (chain::IsUnanimous, the rule the light client and the auditor apply too).
  std::uint64_t best = m_unanimous_h;
  const std::vector<chain::MemberId> excluded = Excluded();
  for (auto it = m_sealers.rbegin(); it != m_sealers.rend() && it->first > m_unanimous_h; ++it) {
    const std::vector<chain::MemberId> sealers(it->second.begin(), it->second.end());
    if (chain::IsUnanimous(sealers, ConfigAt(it->first), excluded, m_epochs.LeavingAt(it->first))) {
      best = it->first;
      break;
    }
  }
  if (best <= m_unanimous_h) return;
  for (std::uint64_t k = m_unanimous_h + 1; k <= best; ++k) {
    auto hdr = m_headers.find(k);
    Emit(StatusRaised{k, hdr != m_headers.end() ? hdr->second.id : Hash32{}, BlockStatus::kUnanimous});
  }
  m_unanimous_h = best;
  m_sealers.erase(m_sealers.begin(), m_sealers.upper_bound(best));
}

}  // namespace peerdb::consensus
