#include "peerdb/consensus/light_client.h"

#include <algorithm>
#include <tuple>

#include "peerdb/chain/rules.h"
#include "peerdb/consensus/evidence.h"

namespace peerdb::consensus {

namespace {

std::string Short(const Hash32& h) { return Hex(h).substr(0, 12); }

std::string Describe(const FinalityAnchor& a) {
  return Short(a.block_id) + " at height " + std::to_string(a.height) + " (anchored in Bitcoin block " +
         std::to_string(a.btc_height) + ", digest " + Short(a.digest) + ")";
}

chain::Seal SealOf(const chain::Checkpoint& cp, chain::MemberId m) {
  chain::Seal s;
  s.h = cp.h;
  s.block_id = cp.block_id;
  s.signer = m;
  for (const chain::SigEntry& e : cp.seals) {
    if (e.signer == m) s.sig = e.sig;
  }
  return s;
}

}  // namespace

bool LightFinality::IsFinal(const Hash32& id) const {
  return std::find(final_chain.begin(), final_chain.end(), id) != final_chain.end();
}

LightClient::LightClient(chain::Genesis genesis, const Hash32& chain_id)
    : m_genesis(std::move(genesis)), m_chain_id(chain_id), m_config_hash(chain::ConfigHash(m_genesis.config)) {}

Result<LightClient> LightClient::Create(const chain::Genesis& genesis) {
  PEERDB_TRY(chain::CheckGenesis(genesis));
  return LightClient(genesis, chain::ChainId(genesis));
}

std::uint64_t LightClient::HeightOf(const Hash32& id) const {
  auto it = m_headers.find(id);
  return it == m_headers.end() ? 0 : it->second.height;
}

Hash32 LightClient::ParentOf(const Hash32& id) const { return m_headers.at(id).parent_id; }

Hash32 LightClient::AncestorAt(Hash32 id, std::uint64_t height) const {
  for (std::uint64_t h = HeightOf(id); h > height; --h) id = ParentOf(id);
  return id;
}

Status LightClient::AddHeader(const chain::Header& hd, const std::optional<chain::MajorityCert>& parent_cert) {
  const Hash32 id = chain::BlockId(hd);
  if (m_headers.count(id)) return Status::Ok();
  const std::string at = "header at height " + std::to_string(hd.height) + ": ";
  chain::ParentRef parent{0, m_chain_id, m_genesis.genesis_time_ms};
  if (hd.height > 1) {
    auto it = m_headers.find(hd.parent_id);
    if (it == m_headers.end()) return Error{Errc::kNotFound, at + "parent " + Short(hd.parent_id) + " is not known"};
    parent = chain::ParentRef{it->second.height, hd.parent_id, it->second.timestamp_ms};
  }
  // The shared header rule (C2-C4). A header-only client knows no X_chain (evidence is recorded in
  // bodies), so nothing is excluded here; that never rejects a header a full node accepts.
  chain::HeaderRules rules;
  rules.chain_id = m_chain_id;
  rules.config = &m_genesis.config;
  rules.config_hash = m_config_hash;
  if (Status s = chain::CheckHeader(hd, parent_cert, parent, rules); !s.ok()) {
    return Error{s.error().code, at + s.error().message};
  }
  m_headers.emplace(id, hd);
  return Status::Ok();
}

Status LightClient::AddAnchor(const chain::Checkpoint& cp, const chain::AnchorRecord& record) {
  if (cp.version != codec::kVersion) return Error{Errc::kBadVersion, "checkpoint version " + std::to_string(cp.version)};
  if (cp.chain_id != m_chain_id) return Error{Errc::kInvalid, "checkpoint names another chain"};
  if (cp.h == 0) return Error{Errc::kInvalid, "checkpoint of height 0"};
  const Hash32 digest = chain::CheckpointDigest(cp);
  if (record.digest != digest) return Error{Errc::kInvalid, "anchor digest is not the checkpoint's digest"};
  PEERDB_TRY_ASSIGN(std::vector<chain::MemberId> sealers, chain::VerifyCheckpointSeals(cp, m_genesis.config));
  Anchored a{cp, FinalityAnchor{cp.h, cp.block_id, record.btc_height, digest}, std::move(sealers)};
  std::sort(a.sealers.begin(), a.sealers.end());
  m_anchors.emplace(std::make_pair(digest, record.btc_height), std::move(a));
  return Status::Ok();
}

Status LightClient::AddEvidence(const chain::Evidence& evidence) {
  PEERDB_TRY(VerifyEvidence(evidence, m_chain_id, m_genesis.config));
  m_evidence.emplace(EvidenceKey(evidence), evidence);
  return Status::Ok();
}

bool LightClient::Unanimous(const Anchored& a, const std::set<chain::MemberId>& excluded) const {
  // Req = M_0 \ X (no approved removals in one epoch); Sealers = non-excluded verified sealers.
  return chain::IsUnanimous(a.sealers, m_genesis.config, {excluded.begin(), excluded.end()});
}

LightFinality LightClient::Compute() const {
  LightFinality out;
  std::set<chain::MemberId> excluded;
  for (const auto& [key, e] : m_evidence) {
    auto offender = EvidenceOffender(e);
    auto height = EvidenceHeight(e);
    if (!offender.ok() || !height.ok()) continue;
    if (excluded.insert(*offender).second) {
      out.alerts.push_back(Alert{AlertKind::kEquivocation, {*offender}, *height, *height, 0,
                                 "evidence E" + std::to_string(e.kind) + " against member " + std::to_string(*offender) +
                                     " at height " + std::to_string(*height)});
    }
  }
  // Finality anchors: confirmed anchors of held blocks whose checkpoint makes the block UNANIMOUS,
  // earliest first by (btc_height, digest).
  std::vector<const Anchored*> cands;
  for (const auto& [key, a] : m_anchors) {
    if (HeightOf(a.at.block_id) == a.at.height && Unanimous(a, excluded)) cands.push_back(&a);
  }
  std::sort(cands.begin(), cands.end(), [](const Anchored* x, const Anchored* y) {
    return std::tie(x->at.btc_height, x->at.digest) < std::tie(y->at.btc_height, y->at.digest);
  });
  std::vector<Hash32>& chain = out.final_chain;
  std::vector<const Anchored*> kept;
  std::set<chain::MemberId> double_sealers;
  for (const Anchored* c : cands) {
    const std::uint64_t h = c->at.height;
    if (h <= chain.size()) {
      if (chain[h - 1] == c->at.block_id) {
        kept.push_back(c);
        continue;
      }
    } else {
      std::vector<Hash32> walk;
      Hash32 id = c->at.block_id;
      for (std::uint64_t k = h; k > chain.size(); --k) {
        walk.push_back(id);
        id = ParentOf(id);
      }
      if (id == (chain.empty() ? m_chain_id : chain.back())) {
        chain.insert(chain.end(), walk.rbegin(), walk.rend());
        kept.push_back(c);
        continue;
      }
    }
    // A8: c's block conflicts with the kept FINAL chain. Find the fork point and the earliest kept
    // finality anchor above it (the one whose earlier anchor wins, §4.1).
    std::uint64_t fork = std::min<std::uint64_t>(h, chain.size());
    Hash32 id = AncestorAt(c->at.block_id, fork);
    while (fork > 0 && chain[fork - 1] != id) {
      id = ParentOf(id);
      --fork;
    }
    const Anchored* k = *std::find_if(kept.begin(), kept.end(), [fork](const Anchored* a) { return a->at.height > fork; });
    ConflictingFinal cf{k->at, c->at, fork, {}, {}};
    std::set_intersection(k->sealers.begin(), k->sealers.end(), c->sealers.begin(), c->sealers.end(),
                          std::back_inserter(cf.double_sealers));
    for (chain::MemberId m : cf.double_sealers) {
      double_sealers.insert(m);
      chain::Seal a = SealOf(k->cp, m), b = SealOf(c->cp, m);
      if (a.h == b.h) {
        cf.evidence.push_back(MakeDoubleSeal(a, b));
        continue;
      }
      if (a.h > b.h) std::swap(a, b);
      if (b.h - a.h > chain::kMaxEvidencePath) continue;
      std::vector<chain::Header> path;
      for (Hash32 p = b.block_id; HeightOf(p) > a.h; p = ParentOf(p)) path.push_back(m_headers.at(p));
      cf.evidence.push_back(MakeSealFork(a, b, std::move(path)));
    }
    out.alerts.push_back(Alert{AlertKind::kConflictingFinal, cf.double_sealers, fork + 1, std::max(k->at.height, h), 0,
                               "FINAL block " + Describe(c->at) + " conflicts with FINAL block " + Describe(k->at) +
                                   " above height " + std::to_string(fork) + "; the earlier anchor's branch is kept"});
    out.conflicts.push_back(std::move(cf));
  }
  for (const Anchored* a : kept) out.finality_anchors.push_back(a->at);
  out.final_height = chain.size();
  out.final_id = chain.empty() ? m_chain_id : chain.back();
  excluded.insert(double_sealers.begin(), double_sealers.end());
  out.excluded.assign(excluded.begin(), excluded.end());
  return out;
}

}  // namespace peerdb::consensus
