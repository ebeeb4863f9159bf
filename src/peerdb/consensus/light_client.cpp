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

bool BodyMatters(const chain::Block& block) {
  for (const chain::TxBatch& b : block.batches) {
    for (const chain::Op& op : b.ops) {
      if (op.kind == static_cast<std::uint8_t>(chain::OpKind::kConfig)) return true;
    }
  }
  for (const chain::Record& r : block.records) {
    if (std::holds_alternative<chain::ConfigApprove>(r.body) || std::holds_alternative<chain::Evidence>(r.body)) return true;
  }
  return false;
}

bool LightFinality::IsFinal(const Hash32& id) const {
  return std::find(final_chain.begin(), final_chain.end(), id) != final_chain.end();
}

LightClient::LightClient(chain::Genesis genesis, const Hash32& chain_id)
    : m_genesis(std::move(genesis)),
      m_chain_id(chain_id),
      m_genesis_epoch(std::make_shared<const Epoch>(Epoch{chain::GenesisEpochState(m_genesis), chain::ConfigHash(m_genesis.config)})),
      m_no_offenders(std::make_shared<const Offenders>()) {
  m_configs.push_back(m_genesis_epoch);
}

Result<LightClient> LightClient::Create(const chain::Genesis& genesis) {
  PEERDB_TRY(chain::CheckGenesis(genesis));
  return LightClient(genesis, chain::ChainId(genesis));
}

std::uint64_t LightClient::HeightOf(const Hash32& id) const {
  auto it = m_headers.find(id);
  return it == m_headers.end() ? 0 : it->second.header.height;
}

Hash32 LightClient::ParentOf(const Hash32& id) const { return m_headers.at(id).header.parent_id; }

Hash32 LightClient::AncestorAt(Hash32 id, std::uint64_t height) const {
  for (std::uint64_t h = HeightOf(id); h > height; --h) id = ParentOf(id);
  return id;
}

const std::shared_ptr<const LightClient::Epoch>& LightClient::EpochAt(const Held& held) const {
  return held.header.height <= 1 ? m_genesis_epoch : m_headers.at(held.header.parent_id).after;
}

const std::shared_ptr<const LightClient::Offenders>& LightClient::RecordedBefore(const Held& held) const {
  return held.header.height <= 1 ? m_no_offenders : m_headers.at(held.header.parent_id).recorded;
}

const chain::EpochState* LightClient::EpochAfter(const Hash32& id) const {
  if (id == m_chain_id) return &m_genesis_epoch->state;
  auto it = m_headers.find(id);
  return it == m_headers.end() ? nullptr : &it->second.after->state;
}

Status LightClient::VerifyAnyConfig(const chain::Evidence& evidence) const {
  // "Under the signer's key in the epoch of the message" (§1.7): any config derived for this chain.
  Status first = VerifyEvidence(evidence, m_chain_id, m_configs.front()->state.config);
  if (first.ok()) return first;
  for (std::size_t i = 1; i < m_configs.size(); ++i) {
    if (VerifyEvidence(evidence, m_chain_id, m_configs[i]->state.config).ok()) return Status::Ok();
  }
  return first;
}

void LightClient::NoteConfig(const std::shared_ptr<const Epoch>& epoch) {
  for (const auto& known : m_configs) {
    if (known->config_hash == epoch->config_hash) return;
  }
  m_configs.push_back(epoch);
}

Result<LightClient::Advance> LightClient::Step(const chain::Header& hd, const Hash32& id, const Epoch& before,
                                               const std::shared_ptr<const Epoch>& before_ptr,
                                               const std::shared_ptr<const Offenders>& recorded, const chain::Block* body) {
  Advance out;
  out.recorded = recorded;
  chain::Block header_only;
  const chain::Block* block = body;
  if (!block) {
    header_only.header = hd;  // an empty body: only a lapse can happen
    block = &header_only;
  }
  Offenders offenders;
  for (const chain::Record& rec : block->records) {
    const auto* e = std::get_if<chain::Evidence>(&rec.body);
    if (!e) continue;
    if (Status s = VerifyAnyConfig(*e); !s.ok()) return Error{s.error().code, "C6: evidence record: " + s.error().message};
    PEERDB_TRY_ASSIGN(const chain::MemberId offender, EvidenceOffender(*e));
    offenders.push_back(offender);
    out.evidence.push_back(*e);
  }
  if (!offenders.empty()) {
    Offenders merged = *recorded;
    merged.insert(merged.end(), offenders.begin(), offenders.end());
    std::sort(merged.begin(), merged.end());
    merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
    out.recorded = std::make_shared<const Offenders>(std::move(merged));
  }
  // X_chain(h): the offenders recorded below h on this branch.
  PEERDB_TRY_ASSIGN(chain::EpochStep step, chain::AdvanceEpoch(before.state, *block, id, m_chain_id, *recorded));
  out.leaving = std::move(step.leaving);
  if (step.state == before.state) {
    out.after = before_ptr;
  } else {
    const Hash32 hash = step.state.config == before.state.config ? before.config_hash : chain::ConfigHash(step.state.config);
    out.after = std::make_shared<const Epoch>(Epoch{std::move(step.state), hash});
  }
  return out;
}

namespace {

// Why a header's epoch or config_hash is not the one in force, when that is what CheckHeader
// refused: a client that was not given an activation's bodies does not know the new config.
std::string EpochHint(const chain::Header& hd, const chain::EpochState& state, const Hash32& config_hash,
                      const std::vector<chain::MemberId>& recorded) {
  const std::uint64_t epoch = state.config.epoch;
  std::string out = " (on this branch the config in force at height " + std::to_string(hd.height) + " is epoch " +
                    std::to_string(epoch) + ", config " + Short(config_hash);
  if (const chain::PendingChange* p = chain::PendingAt(state, hd.height)) {
    out += ", with change " + Short(p->change_id) + " of height " + std::to_string(p->height) +
           " pending (approvals missing from members";
    for (chain::MemberId m : chain::MissingApprovers(state, *p, recorded)) {
      out += ' ';
      out += std::to_string(m);
    }
    out += ")";
  }
  if (hd.epoch > epoch) {
    out += "; the header claims epoch " + std::to_string(hd.epoch) +
           ", whose config is unknown here: the bodies of the blocks that carry a config change and its approvals are "
           "needed (AddBlock) to follow it)";
  } else if (hd.epoch == epoch) {
    out += "; the header's config_hash " + Short(hd.config_hash) + " is not that config's hash)";
  } else {
    out += "; the header claims the earlier epoch " + std::to_string(hd.epoch) + ")";
  }
  return out;
}

}  // namespace

Status LightClient::AddHeader(const chain::Header& hd, const std::optional<chain::MajorityCert>& parent_cert) {
  return Add(hd, parent_cert, nullptr);
}

Status LightClient::AddBlock(const chain::Block& block) { return Add(block.header, block.parent_cert, &block); }

Status LightClient::Add(const chain::Header& hd, const std::optional<chain::MajorityCert>& parent_cert,
                        const chain::Block* body) {
  const Hash32 id = chain::BlockId(hd);
  const std::string at = "header at height " + std::to_string(hd.height) + ": ";
  if (auto held = m_headers.find(id); held != m_headers.end()) {
    Held& h = held->second;
    if (!body || h.with_body) return Status::Ok();
    // A header held alone takes its body: the epochs of its branch are re-derived from it.
    const std::shared_ptr<const Epoch>& before = EpochAt(h);
    if (Status s = chain::CheckBlockShape(*body, before->state.config.params); !s.ok()) {
      return Error{s.error().code, at + "body: " + s.error().message};
    }
    auto adv = Step(hd, id, *before, before, RecordedBefore(h), body);
    if (!adv.ok()) return Error{adv.error().code, at + adv.error().message};
    if (h.children > 0 && (adv->after->state != h.after->state || *adv->recorded != *h.recorded)) {
      return Error{Errc::kConflict, at + "its body changes the epochs or exclusions of its branch, but headers above it "
                                         "were already judged without it: give governance bodies before the headers above them"};
    }
    h.after = adv->after;
    h.recorded = adv->recorded;
    h.leaving = std::move(adv->leaving);
    h.with_body = true;
    NoteConfig(h.after);
    for (chain::Evidence& e : adv->evidence) m_evidence.emplace(EvidenceKey(e), std::move(e));
    return Status::Ok();
  }
  chain::ParentRef parent{0, m_chain_id, m_genesis.genesis_time_ms};
  Held* parent_held = nullptr;
  if (hd.height > 1) {
    auto it = m_headers.find(hd.parent_id);
    if (it == m_headers.end()) return Error{Errc::kNotFound, at + "parent " + Short(hd.parent_id) + " is not known"};
    parent_held = &it->second;
    parent = chain::ParentRef{parent_held->header.height, hd.parent_id, parent_held->header.timestamp_ms};
  }
  // The config in force at the header's height on its branch, and at its parent's height (the
  // parent's MC is judged under it).
  const std::shared_ptr<const Epoch> before = parent_held ? parent_held->after : m_genesis_epoch;
  const Epoch& parent_epoch = parent_held ? *EpochAt(*parent_held) : *m_genesis_epoch;
  const std::shared_ptr<const Offenders> recorded = parent_held ? parent_held->recorded : m_no_offenders;
  // The shared header rule (C2-C4). Parent certificates are judged without X_chain (see the header
  // comment); that never rejects a header a full node accepts.
  chain::HeaderRules rules;
  rules.chain_id = m_chain_id;
  rules.config = &before->state.config;
  rules.parent_config = &parent_epoch.state.config;
  rules.config_hash = before->config_hash;
  if (Status s = chain::CheckHeader(hd, parent_cert, parent, rules); !s.ok()) {
    std::string message = at + s.error().message;
    if (s.error().code == Errc::kInvalid && hd.chain_id == m_chain_id && hd.height == parent.height + 1 &&
        (hd.epoch != before->state.config.epoch || hd.config_hash != before->config_hash)) {
      message += EpochHint(hd, before->state, before->config_hash, *recorded);
    }
    return Error{s.error().code, std::move(message)};
  }
  if (body) {
    if (Status s = chain::CheckBlockShape(*body, before->state.config.params); !s.ok()) {
      return Error{s.error().code, at + "body: " + s.error().message};
    }
  }
  auto adv = Step(hd, id, *before, before, recorded, body);
  if (!adv.ok()) return Error{adv.error().code, at + adv.error().message};
  if (adv->after != before) NoteConfig(adv->after);
  for (chain::Evidence& e : adv->evidence) m_evidence.emplace(EvidenceKey(e), std::move(e));
  m_headers.emplace(id, Held{hd, std::move(adv->after), std::move(adv->recorded), std::move(adv->leaving), body != nullptr, 0});
  if (parent_held) ++parent_held->children;
  VerifyWaitingAnchors(id);
  return Status::Ok();
}

void LightClient::VerifyWaitingAnchors(const Hash32& id) {
  auto [first, last] = m_waiting.equal_range(id);
  if (first == last) return;
  const chain::Config& config = EpochAt(m_headers.at(id))->state.config;
  for (auto it = first; it != last; ++it) {
    Anchored& a = m_anchors.at(it->second);
    auto sealers = chain::VerifyCheckpointSeals(a.cp, config);
    if (!sealers.ok()) continue;  // a seal that does not verify: the anchor never counts
    std::sort(sealers->begin(), sealers->end());
    a.sealers = std::move(*sealers);
  }
  m_waiting.erase(first, last);
}

Status LightClient::AddAnchor(const chain::Checkpoint& cp, const chain::AnchorRecord& record) {
  if (cp.version != codec::kVersion) return Error{Errc::kBadVersion, "checkpoint version " + std::to_string(cp.version)};
  if (cp.chain_id != m_chain_id) return Error{Errc::kInvalid, "checkpoint names another chain"};
  if (cp.h == 0) return Error{Errc::kInvalid, "checkpoint of height 0"};
  const Hash32 digest = chain::CheckpointDigest(cp);
  if (record.digest != digest) return Error{Errc::kInvalid, "anchor digest is not the checkpoint's digest"};
  const auto key = std::make_pair(digest, record.btc_height);
  if (m_anchors.count(key)) return Status::Ok();
  Anchored a{cp, FinalityAnchor{cp.h, cp.block_id, record.btc_height, digest}, std::nullopt};
  if (auto held = m_headers.find(cp.block_id); held != m_headers.end()) {
    // The seals are judged under the config of the block's epoch on its branch.
    PEERDB_TRY_ASSIGN(std::vector<chain::MemberId> sealers,
                      chain::VerifyCheckpointSeals(cp, EpochAt(held->second)->state.config));
    std::sort(sealers.begin(), sealers.end());
    a.sealers = std::move(sealers);
  } else {
    m_waiting.emplace(cp.block_id, key);
  }
  m_anchors.emplace(key, std::move(a));
  return Status::Ok();
}

Status LightClient::AddEvidence(const chain::Evidence& evidence) {
  PEERDB_TRY(VerifyAnyConfig(evidence));
  m_evidence.emplace(EvidenceKey(evidence), evidence);
  return Status::Ok();
}

bool LightClient::Unanimous(const Anchored& a, const std::set<chain::MemberId>& excluded) const {
  // Req(D) = M_epoch(D) \ X \ T(D): the config of D's epoch on its branch, the exclusions, and the
  // targets of a change D completed; Sealers = non-excluded verified sealers.
  if (!a.sealers) return false;
  const Held& held = m_headers.at(a.at.block_id);
  return chain::IsUnanimous(*a.sealers, EpochAt(held)->state.config, {excluded.begin(), excluded.end()}, held.leaving);
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
    std::set_intersection(k->sealers->begin(), k->sealers->end(), c->sealers->begin(), c->sealers->end(),
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
      for (Hash32 p = b.block_id; HeightOf(p) > a.h; p = ParentOf(p)) path.push_back(m_headers.at(p).header);
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
