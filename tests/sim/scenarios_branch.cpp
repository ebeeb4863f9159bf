// §7.2 row 14 (§4.4): N = 5, three members collude. They follow the protocol until every honest
// member sees a FINAL block F, then go silent on the main chain and publish a long alternate branch
// (20-60 blocks, each with an MC of their three votes and their three seals) above a fork point P >= F:
// P = F on odd seeds; on even seeds the colluders first vote without sealing for 1-2 s and P = their
// lowest seal on the main chain, so they do not switch sides and their branch out-endorses the main
// blocks above P, which only the honest members sealed (not FINAL). A colluder that sealed a main
// block above P and then seals the branch switches sides.
// Checked at the end: honest FINAL blocks are untouched (and I5 all along); no honest member votes for
// or seals a branch block; every switcher is named by evidence (E5, or E4 where its two seals share a
// height), excluded by every honest member and named by A3; in consensus::ForkChoice rooted at F with
// the main chain, the branch and every seal sent, under each honest member's exclusions: every branch
// block enters the tree (it forks at or above F), the branch wins at P only with more distinct
// endorsers (then votes) than the main side, never through length (I12 on the real fork, both ways).
// Adapted for a byzantine majority: liveness after GST is not expected (the honest minority cannot
// form an MC, and excluding the switchers leaves fewer than MAJ members, §5.2).
// Thread-safety: a run is single-threaded; the shared state lives in the run's closures.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "peerdb/consensus/fork_choice.h"
#include "peerdb/consensus/proposer_schedule.h"
#include "scenarios_majority.h"

namespace peerdb::sim {

namespace {

using chain::MemberId;

struct BranchState {
  std::vector<MemberId> colluders;
  bool withholding = false;  // the colluders vote but send no seals (even seeds, before the attack)
  bool attacked = false;
  std::uint64_t final_h = 0;                      // F
  Hash32 final_id{};
  std::map<MemberId, std::vector<Hash32>> final_ids;  // honest member -> its FINAL blocks at the attack
  std::uint64_t fork_h = 0;                       // P
  Hash32 fork_id{};
  std::map<MemberId, std::uint64_t> main_seal_h;  // colluder -> highest main-chain seal it sent
  std::map<Hash32, std::set<MemberId>> main_sealers;  // main-chain seals the colluders sent
  std::vector<ForkBlock> branch;
  std::set<Hash32> branch_ids;
  std::string honest_signed;
};

std::string Short(const Hash32& h) { return Hex(h).substr(0, 12); }

// The branch above P: real blocks (SimApp over a copy of the chain up to P), MCs of the colluders'
// votes in the first round whose proposer is a colluder, and their seals.
void BuildBranch(Simulation& s, BranchState& st, const Durable& base, std::size_t length,
                 std::vector<std::pair<MemberId, consensus::PeerMessage>>& out) {
  const chain::Genesis genesis = MakeGenesis(s.n(), s.config().params);
  const Hash32 chain_id = chain::ChainId(genesis);
  Durable alt;
  alt.blocks.assign(base.blocks.begin(), base.blocks.begin() + static_cast<std::ptrdiff_t>(st.fork_h));
  SimApp app(genesis, alt);
  std::vector<MemberId> active;
  for (const chain::Member& m : genesis.config.members) active.push_back(m.id);
  std::optional<chain::MajorityCert> parent_cert;
  if (st.fork_h > 0) parent_cert = base.blocks[st.fork_h - 1].cert;
  const chain::EpochState epoch = chain::GenesisEpochState(genesis);  // no config change in these scenarios
  for (std::size_t k = 0; k < length; ++k) {
    const std::uint64_t h = st.fork_h + 1 + k;
    std::optional<MemberId> parent_author;
    if (!alt.blocks.empty()) parent_author = alt.blocks.back().block.header.author;
    std::uint32_t r = 0;
    while (std::find(st.colluders.begin(), st.colluders.end(), consensus::ProposerOf(active, parent_author, r)) ==
           st.colluders.end()) {
      ++r;
    }
    consensus::BlockTemplate t;
    t.height = h;
    t.parent_id = app.HeadId();
    const std::uint64_t parent_ts = alt.blocks.empty() ? genesis.genesis_time_ms : alt.blocks.back().block.header.timestamp_ms;
    t.timestamp_ms = parent_ts + s.config().params.block_period_ms + 1 + s.rng().Uniform(0, 50);
    t.author = consensus::ProposerOf(active, parent_author, r);
    t.parent_cert = parent_cert;
    t.rules.epoch = &epoch;
    auto block = app.Build(t, nullptr);
    if (!block.ok()) return s.Fail("row 14: building the alternate branch failed: " + block.error().message);
    consensus::CommittedBlock cb;
    cb.block = std::move(*block);
    cb.id = chain::BlockId(cb.block.header);
    cb.cert.h = h;
    cb.cert.r = r;
    cb.cert.block_id = cb.id;
    ForkBlock fb;
    fb.id = cb.id;
    fb.parent = t.parent_id;
    fb.round = r;
    for (MemberId c : st.colluders) {  // ascending ids: the MC's votes are sorted by signer
      chain::Vote v;
      v.h = h;
      v.r = r;
      v.block_id = cb.id;
      v.signer = c;
      chain::SignWith(KeyOf(c), chain_id, v);
      cb.cert.votes.push_back({c, v.sig});
      chain::Seal seal;
      seal.h = h;
      seal.block_id = cb.id;
      seal.signer = c;
      chain::SignWith(KeyOf(c), chain_id, seal);
      cb.seals.push_back(seal);
      fb.voters.push_back(c);
      fb.sealers.push_back(c);
    }
    out.push_back({st.colluders[k % st.colluders.size()], cb.cert});
    for (const chain::Seal& seal : cb.seals) out.push_back({seal.signer, seal});
    parent_cert = cb.cert;
    st.branch.push_back(fb);
    st.branch_ids.insert(cb.id);
    app.Commit(cb, chain::EpochStep{epoch, false, 0, false, false, {}});
  }
}

void Attack(Simulation& s, BranchState& st) {
  st.attacked = true;
  const std::vector<MemberId> honest = s.Honest();
  MemberId top = honest[0];
  std::uint64_t min_head = UINT64_MAX;
  for (MemberId id : honest) {
    st.final_h = std::max(st.final_h, s.FinalHeight(id));
    if (s.Head(id) > s.Head(top)) top = id;
    min_head = std::min(min_head, s.Head(id));
    const Durable& d = s.Disk(id);
    for (std::uint64_t h = 1; h <= s.FinalHeight(id); ++h) st.final_ids[id].push_back(d.blocks[h - 1].id);
  }
  const Durable& base = s.Disk(top);
  st.final_id = st.final_h ? base.blocks[st.final_h - 1].id : chain::ChainId(MakeGenesis(s.n(), s.config().params));
  st.fork_h = st.final_h;
  if (s.config().seed % 2 == 0) {
    std::uint64_t tip = UINT64_MAX;
    for (MemberId c : st.colluders) tip = std::min(tip, st.main_seal_h[c]);
    st.fork_h = std::clamp<std::uint64_t>(tip, st.final_h, min_head);
  }
  st.fork_id = st.fork_h ? base.blocks[st.fork_h - 1].id : st.final_id;
  s.Note("attack: F=" + std::to_string(st.final_h) + " P=" + std::to_string(st.fork_h) + " honest head " +
         std::to_string(s.Head(top)));
  std::vector<std::pair<MemberId, consensus::PeerMessage>> msgs;
  BuildBranch(s, st, base, s.rng().Uniform(20, 60), msgs);
  // Published to every honest member, a little at a time.
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    for (MemberId to : honest) {
      auto msg = std::make_shared<consensus::PeerMessage>(msgs[i].second);
      const MemberId from = msgs[i].first;
      s.After(5 + i / 8, [&s, to, from, msg] { s.Inject(to, from, *msg); });
    }
  }
}

// §4.1 over the main chain and the branch from F, as honest member `id` would count (its exclusions).
void CheckForkChoice(Simulation& s, const BranchState& st, MemberId id, const std::set<MemberId>& excluded) {
  const std::string who = "row 14, member " + std::to_string(id) + "'s exclusions: ";
  const Durable& d = s.Disk(id);
  std::vector<ForkBlock> main = ForkBlocksOf(d.blocks, st.fork_h, d.blocks.size());
  for (ForkBlock& b : main) {
    auto it = st.main_sealers.find(b.id);
    if (it == st.main_sealers.end()) continue;
    for (MemberId m : it->second) {
      if (std::find(b.sealers.begin(), b.sealers.end(), m) == b.sealers.end()) b.sealers.push_back(m);
    }
  }
  consensus::ForkChoice fc(st.final_id, st.final_h);
  fc.SetExcluded(excluded);
  std::vector<ForkBlock> from_f = ForkBlocksOf(d.blocks, st.final_h, st.fork_h);
  from_f.insert(from_f.end(), main.begin(), main.end());
  const std::vector<ForkBlock>& from_f_ref = from_f;
  for (const std::vector<ForkBlock>* part : {&from_f_ref, &st.branch}) {
    for (const ForkBlock& b : *part) {
      if (!fc.AddBlock(b.id, b.parent)) return s.Fail(who + "block " + Short(b.id) + " does not ascend from the FINAL block");
      for (MemberId m : b.sealers) fc.AddSeal(b.id, m);
      fc.AddVotes(b.id, b.round, b.voters);
    }
  }
  const Hash32 head = fc.Head();
  const Hash32 alt0 = st.branch[0].id;
  if (!fc.Extends(head, st.final_id)) return s.Fail(who + "fork choice left the FINAL block");
  if (!main.empty()) {
    const Hash32 main0 = main[0].id;
    const auto ka = std::tuple(fc.Endorsers(alt0), fc.Votes(alt0));
    const auto km = std::tuple(fc.Endorsers(main0), fc.Votes(main0));
    const bool alt_wins = fc.Extends(head, alt0);
    const bool expect = ka > km || (ka == km && alt0 < main0);
    if (alt_wins != expect) return s.Fail(who + "the winner at the fork point is not the side with more endorsers, then votes");
    if (alt_wins) {
      // The branch may win only over non-final blocks, and the members whose seals it orphans say so.
      for (MemberId h : s.Honest()) {
        if (s.FinalHeight(h) > st.fork_h) return s.Fail(who + "the branch wins over FINAL blocks of member " + std::to_string(h));
      }
      if (d.blocks.size() > st.fork_h && !s.AlertSeen(id, consensus::AlertKind::kOrphanedSeal)) {
        return s.Fail(who + "the branch wins at height " + std::to_string(st.fork_h) + " but the member raised no A2b");
      }
    }
    s.Note(std::string("fork at ") + std::to_string(st.fork_h) + ": branch " + std::to_string(std::get<0>(ka)) + "/" +
           std::to_string(std::get<1>(ka)) + " vs main " + std::to_string(std::get<0>(km)) + "/" + std::to_string(std::get<1>(km)) +
           (alt_wins ? ", branch wins" : ", main wins"));
  }
  if (std::string e = CheckForkLengthIndependence(st.fork_id, st.fork_h, st.branch, main, excluded); !e.empty()) return s.Fail(e);
  if (std::string e = CheckForkLengthIndependence(st.fork_id, st.fork_h, main, st.branch, excluded); !e.empty()) return s.Fail(e);
}

}  // namespace

SimConfig LongAlternateBranch(std::uint64_t seed) {
  SimConfig c;
  c.seed = seed;
  c.n = 5;
  Rng pick(seed ^ 0x14a1);
  std::vector<MemberId> ids{1, 2, 3, 4, 5};
  pick.Shuffle(ids);
  auto st = std::make_shared<BranchState>();
  for (std::size_t i = 0; i < 3; ++i) {
    c.byz[ids[i]] = kByzColluder;
    st->colluders.push_back(ids[i]);
  }
  std::sort(st->colluders.begin(), st->colluders.end());
  c.fault_ms = 16'000;
  c.settle_ms = 4'000;
  c.expect_progress = false;
  c.expect_unanimity = false;
  c.setup = [st](Simulation& s) {
    s.intercept = [&s, st](MemberId from, MemberId, const consensus::PeerMessage& msg) {
      if (s.honest(from)) {
        const auto* v = std::get_if<chain::Vote>(&msg);
        const auto* x = std::get_if<chain::Seal>(&msg);
        if (st->honest_signed.empty() && ((v && st->branch_ids.count(v->block_id)) || (x && st->branch_ids.count(x->block_id)))) {
          st->honest_signed = "honest member " + std::to_string(from) + " signed a block of the alternate branch";
        }
        return false;
      }
      if (st->attacked) return true;  // the colluders are silent on the main chain from the attack on
      if (const auto* x = std::get_if<chain::Seal>(&msg); x && x->signer == from) {
        if (st->withholding) return true;
        st->main_seal_h[from] = std::max(st->main_seal_h[from], x->h);
        st->main_sealers[x->block_id].insert(from);
      }
      return false;
    };
    // The attack comes once every honest member sees a FINAL block (at the latest 2 s before GST).
    for (std::uint64_t t = 3'000; t < s.config().fault_ms - 2'000; t += 250) {
      s.At(t, [&s, st] {
        if (st->attacked) return;
        for (MemberId id : s.Honest()) {
          if (s.FinalHeight(id) == 0) return;
        }
        if (s.config().seed % 2 == 1) return Attack(s, *st);
        // Even seeds: the main chain grows a little with the colluders' votes but without their
        // seals, so the branch above their last seal can out-endorse it (non-final blocks only).
        if (st->withholding) return;
        st->withholding = true;
        s.After(s.rng().Uniform(1'000, 2'000), [&s, st] {
          if (!st->attacked) Attack(s, *st);
        });
      });
    }
    s.At(s.config().fault_ms - 2'000, [&s, st] {
      if (!st->attacked) Attack(s, *st);
    });
  };
  c.at_end = [st](Simulation& s) {
    if (!st->honest_signed.empty()) return s.Fail(st->honest_signed);
    if (st->branch.empty()) return s.Fail("row 14: no alternate branch was built");
    for (MemberId id : s.Honest()) {
      const std::string who = "row 14: honest member " + std::to_string(id);
      const auto& fin = st->final_ids[id];
      const Durable& d = s.Disk(id);
      if (s.FinalHeight(id) < fin.size()) return s.Fail(who + "'s FINAL height fell below its height at the attack");
      for (std::size_t h = 0; h < fin.size(); ++h) {
        if (d.blocks[h].id != fin[h]) return s.Fail(who + "'s FINAL block at " + std::to_string(h + 1) + " changed");
      }
      auto v = s.View(id);
      if (!v) return s.Fail(who + " is down at the end");
      std::set<MemberId> excluded;
      for (const auto& m : v->members) {
        if (m.excluded) excluded.insert(m.id);
      }
      for (MemberId col : st->colluders) {
        if (st->main_seal_h[col] <= st->fork_h) continue;  // did not switch sides
        if (!excluded.count(col)) {
          return s.Fail(who + " does not exclude colluder " + std::to_string(col) + ", which sealed the main chain up to " +
                        std::to_string(st->main_seal_h[col]) + " and then the branch above " + std::to_string(st->fork_h));
        }
        if (!s.AlertSeen(id, consensus::AlertKind::kEquivocation, col)) {
          return s.Fail(who + " raised no A3 naming switcher " + std::to_string(col));
        }
      }
      CheckForkChoice(s, *st, id, excluded);
    }
  };
  return c;
}

}  // namespace peerdb::sim
