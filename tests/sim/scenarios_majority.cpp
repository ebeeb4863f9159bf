// §7.2 row 13: a byzantine majority (3 of 5, or 3 of 4) votes for and seals blocks that break the
// rules. From a random moment on, every block a byzantine member proposes carries a wrong state root
// (C6: re-execution gives another root); their applications accept such blocks, so their real
// machines vote, form MCs, seal and build on them. Honest members must refuse (never vote for or seal
// such a block or a descendant), raise A1b naming the failed check (C6), and finality halts: no
// honest member commits, calls UNANIMOUS or FINAL anything at or above the first invalid height.
//
// The invariants are unchanged; what assumes an honest majority is the liveness after GST (§0 G4),
// which is off here: the majority no longer builds a chain honest members may accept.
// Thread-safety: a run is single-threaded; the shared state lives in the run's closures.
#include <map>
#include <memory>
#include <set>
#include <string>

#include "scenarios_majority.h"

namespace peerdb::sim {

namespace {

using chain::MemberId;

struct InvalidState {
  bool active = false;                      // byzantine proposers corrupt their blocks from now on
  std::set<Hash32> corrupt;                 // blocks built with a wrong state root
  std::map<MemberId, std::string> a1b;      // honest member -> detail of its first A1b
  std::string honest_signed;                // first honest Vote/Seal on a corrupt block
};

// A byzantine member's application: builds blocks with a wrong state root once told to, and
// accepts blocks whose only fault is the state root (C6).
class RuleBreakingApp : public SimApp {
 public:
  RuleBreakingApp(const chain::Genesis& genesis, Durable& disk, std::shared_ptr<InvalidState> st)
      : SimApp(genesis, disk), m_st(std::move(st)) {}

  Result<chain::Block> Build(const consensus::BlockTemplate& t, std::vector<chain::TxBatch>* dropped) override {
    auto b = SimApp::Build(t, dropped);
    if (!b.ok() || !m_st->active) return b;
    b->header.state_root[0] ^= 0x5a;
    m_st->corrupt.insert(chain::BlockId(b->header));
    return b;
  }

  Status Check(const chain::Block& block, const consensus::BlockRulesInForce& rules) override {
    Status s = SimApp::Check(block, rules);
    if (!s.ok() && s.error().message.rfind("C6: state_root", 0) == 0) return Status::Ok();
    return s;
  }

 private:
  std::shared_ptr<InvalidState> m_st;
};

// Heights of the first block of `disk` that is corrupt (0 if none).
std::uint64_t FirstCorrupt(const Durable& disk, const InvalidState& st) {
  for (const consensus::CommittedBlock& b : disk.blocks) {
    if (st.corrupt.count(b.id)) return b.block.header.height;
  }
  return 0;
}

}  // namespace

SimConfig ByzantineMajorityInvalid(std::uint64_t seed) {
  SimConfig c;
  c.seed = seed;
  c.n = (seed & 1) ? 5 : 4;
  Rng pick(seed ^ 0x13b1);
  std::vector<MemberId> ids;
  for (MemberId i = 1; i <= c.n; ++i) ids.push_back(i);
  pick.Shuffle(ids);
  for (std::size_t i = 0; i < 3; ++i) c.byz[ids[i]] = kByzColluder;
  // G4 needs an honest majority: after the attack no block honest members accept can get an MC.
  c.expect_progress = false;
  c.expect_unanimity = false;
  c.settle_ms = 6'000;
  auto st = std::make_shared<InvalidState>();
  const std::map<MemberId, std::uint32_t> byz = c.byz;
  c.make_app = [st, byz](MemberId id, const chain::Genesis& g, Durable& d) -> std::unique_ptr<SimApp> {
    if (byz.count(id)) return std::make_unique<RuleBreakingApp>(g, d, st);
    return std::make_unique<SimApp>(g, d);
  };
  c.setup = [st](Simulation& s) {
    s.At(s.rng().Uniform(1'500, 4'000), [st] { st->active = true; });
    s.intercept = [&s, st](MemberId from, MemberId, const consensus::PeerMessage& msg) {
      if (!s.honest(from) || !st->honest_signed.empty()) return false;
      Hash32 id{};
      std::string what;
      if (const auto* v = std::get_if<chain::Vote>(&msg); v && v->signer == from) id = v->block_id, what = "voted for";
      else if (const auto* x = std::get_if<chain::Seal>(&msg); x && x->signer == from) id = x->block_id, what = "sealed";
      if (!what.empty() && st->corrupt.count(id)) {
        st->honest_signed = "honest member " + std::to_string(from) + " " + what + " block " + Hex(id).substr(0, 12) +
                            " which has a wrong state root";
      }
      return false;
    };
    s.on_actions = [&s, st](MemberId id, const std::vector<consensus::Action>& actions) {
      if (!s.honest(id)) return;
      for (const consensus::Action& a : actions) {
        const auto* al = std::get_if<consensus::AlertRaised>(&a);
        if (al && al->alert.kind == consensus::AlertKind::kMajorityRejected) st->a1b.emplace(id, al->alert.detail);
      }
    };
  };
  c.at_end = [st](Simulation& s) {
    if (!st->honest_signed.empty()) return s.Fail(st->honest_signed);
    // The lowest invalid height the byzantine majority committed.
    std::uint64_t bad_h = 0;
    for (MemberId id = 1; id <= s.n(); ++id) {
      if (s.honest(id)) continue;
      const std::uint64_t h = FirstCorrupt(s.Disk(id), *st);
      if (h && (!bad_h || h < bad_h)) bad_h = h;
    }
    if (!bad_h) return s.Fail("no block with a wrong state root got a byzantine MC and was committed by the byzantine members");
    for (MemberId id : s.Honest()) {
      const std::string who = "honest member " + std::to_string(id);
      if (FirstCorrupt(s.Disk(id), *st)) return s.Fail(who + " committed a block with a wrong state root");
      // Finality halts: nothing at or above the first invalid height is committed, UNANIMOUS or FINAL.
      if (s.Head(id) >= bad_h) {
        return s.Fail(who + " committed height " + std::to_string(s.Head(id)) + " although the majority's block at " +
                      std::to_string(bad_h) + " is invalid");
      }
      if (s.UnanimousHeight(id) >= bad_h || s.FinalHeight(id) >= bad_h) {
        return s.Fail(who + " claims UNANIMOUS/FINAL at or above the invalid height " + std::to_string(bad_h));
      }
      auto it = st->a1b.find(id);
      if (it == st->a1b.end()) return s.Fail(who + " raised no A1b about the invalid majority block");
      if (it->second.find("C6") == std::string::npos) return s.Fail(who + "'s A1b does not name the failed check C6: " + it->second);
    }
  };
  return c;
}

}  // namespace peerdb::sim
