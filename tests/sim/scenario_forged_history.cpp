// §7.2 row 15, posterior corruption (§4.4 (3)): after a normal run with anchoring, every member's key
// leaks. The attacker forges a unanimous history from the genesis (longer than the genuine one, with
// valid majority certificates and all seals) and anchors its checkpoints in Bitcoin: necessarily
// later than the genuine anchors. An auditor (consensus::LightClient) holding the genuine anchored
// checkpoints keeps the genuine chain by the earliest-anchor rule (§4.1), raises A8 naming both
// FINAL blocks, and excludes every member with seals on both sides, with E4/E5 evidence.
#include "light_client_check.h"
#include "peerdb/consensus/evidence.h"
#include "scenarios.h"
#include "sim_keys.h"

#include <algorithm>
#include <set>

namespace peerdb::sim {

namespace {

using chain::MemberId;

chain::MajorityCert LeakedCert(const Hash32& cid, const chain::Config& cfg, std::uint64_t h, const Hash32& id) {
  chain::MajorityCert mc;
  mc.h = h;
  mc.block_id = id;
  for (const chain::Member& m : cfg.members) {
    chain::Vote v;
    v.h = h; v.block_id = id; v.signer = m.id;
    chain::SignWith(KeyOf(m.id), cid, v);
    mc.votes.push_back({m.id, v.sig});
  }
  return mc;
}

chain::Checkpoint LeakedCheckpoint(const Hash32& cid, const chain::Config& cfg, std::uint64_t h, const Hash32& id) {
  chain::Checkpoint cp;
  cp.chain_id = cid;
  cp.h = h;
  cp.block_id = id;
  for (const chain::Member& m : cfg.members) {
    chain::Seal s;
    s.h = h; s.block_id = id; s.signer = m.id;
    chain::SignWith(KeyOf(m.id), cid, s);
    cp.seals.push_back({m.id, s.sig});
  }
  return cp;
}

void ForgeAndAudit(Simulation& s) {
  // The auditor's genuine data: the honest member with the highest FINAL height.
  MemberId auditor = 0;
  for (MemberId id : s.Honest()) {
    if (auditor == 0 || s.FinalHeight(id) > s.FinalHeight(auditor)) auditor = id;
  }
  const std::uint64_t genuine_final = s.FinalHeight(auditor);
  if (genuine_final == 0) return s.Fail("no FINAL block before the keys leaked");
  const Durable& disk = s.Disk(auditor);
  const chain::Genesis& g = s.genesis();
  const Hash32 cid = chain::ChainId(g);
  const chain::Config& cfg = g.config;

  // Every key leaks: a unanimous history from the genesis, longer than the genuine one.
  const std::uint64_t len = disk.blocks.size() + s.rng().Uniform(1, 8);
  std::vector<chain::Header> headers;
  std::vector<std::optional<chain::MajorityCert>> certs;
  std::set<Hash32> forged_ids;
  Hash32 parent = cid;
  std::optional<chain::MajorityCert> pc;
  for (std::uint64_t h = 1; h <= len; ++h) {
    chain::Header hd;
    hd.chain_id = cid;
    hd.epoch = cfg.epoch;
    hd.config_hash = chain::ConfigHash(cfg);
    hd.height = h;
    hd.parent_id = parent;
    hd.author = static_cast<MemberId>(h % cfg.members.size() + 1);
    hd.timestamp_ms = g.genesis_time_ms + cfg.params.block_period_ms * h;
    hd.state_root.fill(0xf0);
    hd.state_root[0] = static_cast<std::uint8_t>(h);
    if (pc) hd.parent_cert_hash = chain::MajorityCertHash(*pc);
    headers.push_back(hd);
    certs.push_back(pc);
    parent = chain::BlockId(hd);
    forged_ids.insert(parent);
    pc = LeakedCert(cid, cfg, h, parent);
  }
  // Its checkpoints can only be anchored now: the tip and one lower block, confirmed k deep.
  BitcoinSim& btc = s.bitcoin();
  std::vector<Hash32> forged_digests;
  for (std::uint64_t h : {len, s.rng().Uniform(1, len)}) {
    SimAnchor a;
    a.cp = LeakedCheckpoint(cid, cfg, h, chain::BlockId(headers[h - 1]));
    a.digest = chain::CheckpointDigest(a.cp);
    for (const chain::Member& m : cfg.members) a.sealers.push_back(m.id);
    a.ready_ms = s.now();
    forged_digests.push_back(a.digest);
    btc.Submit(std::move(a));
  }
  for (std::uint32_t i = 0; i < cfg.params.k_anchor; ++i) btc.Mine(s.now());

  auto lc = AuditorOf(s, auditor);
  if (!lc.ok()) return s.Fail("the auditor refuses the genuine data: " + lc.error().message);
  for (const Hash32& digest : forged_digests) {
    const SimAnchor* a = btc.Find(0, digest);
    chain::AnchorRecord rec;
    rec.digest = a->digest;
    rec.btc_height = a->btc_height;
    rec.btc_block_hash = a->btc_hash;
    if (Status st = lc->AddAnchor(a->cp, rec); !st.ok()) return s.Fail("the forged anchor is refused: " + st.error().message);
  }
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (Status st = lc->AddHeader(headers[i], certs[i]); !st.ok()) {
      return s.Fail("the forged history is not well-formed: " + st.error().message);
    }
  }
  const consensus::LightFinality f = lc->Compute();
  if (f.final_height < genuine_final || f.final_height > disk.blocks.size() ||
      disk.blocks[f.final_height - 1].id != f.final_id) {
    return s.Fail("the auditor did not keep the genuine chain: FINAL height " + std::to_string(f.final_height) +
                  (forged_ids.count(f.final_id) ? " on the forged branch" : "") + ", genuine FINAL height " +
                  std::to_string(genuine_final));
  }
  const bool a8 = std::any_of(f.alerts.begin(), f.alerts.end(),
                              [](const consensus::Alert& a) { return a.kind == consensus::AlertKind::kConflictingFinal; });
  if (f.conflicts.empty() || !a8) return s.Fail("the auditor raised no A8 for the forged FINAL branch");
  for (const consensus::ConflictingFinal& c : f.conflicts) {
    if (!forged_ids.count(c.rejected.block_id) || forged_ids.count(c.kept.block_id)) {
      return s.Fail("A8 rejected a genuine block or kept a forged one");
    }
    if (c.double_sealers.size() < cfg.Majority()) {
      return s.Fail("A8 names " + std::to_string(c.double_sealers.size()) + " double-sealers, fewer than a majority");
    }
    for (MemberId m : c.double_sealers) {
      if (!std::binary_search(f.excluded.begin(), f.excluded.end(), m)) {
        return s.Fail("member " + std::to_string(m) + " sealed both sides but is not excluded");
      }
    }
    if (c.evidence.size() != c.double_sealers.size()) return s.Fail("A8 came without evidence against every double-sealer");
    for (const chain::Evidence& e : c.evidence) {
      if (Status st = consensus::VerifyEvidence(e, cid, cfg); !st.ok()) {
        return s.Fail("A8 evidence does not verify: " + st.error().message);
      }
    }
  }
}

}  // namespace

SimConfig ForgedHistory(std::uint64_t seed) {
  Rng pick(seed ^ 0xf0e6);
  SimConfig c;
  c.seed = seed;
  c.n = pick.Chance(500'000) ? 4 : 5;
  c.expect_final = true;
  c.settle_ms = 12'000;
  c.at_end = ForgeAndAudit;
  return c;
}

}  // namespace peerdb::sim
