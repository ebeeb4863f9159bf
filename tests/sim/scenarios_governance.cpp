// Config-change scenarios (PROTOCOL.md §5.3): the consortium changes itself while members crash,
// the network splits and one member may lie. Operators approve what is pending at their node after
// 0.3-0.9 s (SimConfig::operator_approves); the software never approves on its own (I13). Each
// scenario checks at the end that the change took effect (or, for a lapse, that it did not) at
// every honest member, besides the invariants after every step and liveness after GST, which
// follow the epochs: the joiner must seal, the removed member is no longer waited for.
#include "scenarios_governance.h"

#include <algorithm>
#include <memory>

namespace peerdb::sim {

namespace {

using chain::MemberId;

constexpr std::uint64_t kExpiresIn = 400;  // heights: about 80 s of blocks, longer than any run

SimConfig GovBase(std::uint64_t seed, std::size_t n) {
  SimConfig c;
  c.seed = seed;
  c.n = n;
  c.fault_ms = 12'000;
  c.settle_ms = 12'000;
  c.operator_approves = [](Simulation&, MemberId, const chain::PendingChange&) { return true; };
  return c;
}

MemberId Pick(Rng& rng, const std::vector<MemberId>& ids) { return ids[rng.Uniform(0, ids.size() - 1)]; }

std::vector<MemberId> Range(MemberId from, MemberId to) {
  std::vector<MemberId> out;
  for (MemberId i = from; i <= to; ++i) out.push_back(i);
  return out;
}

std::vector<MemberId> Without(std::vector<MemberId> ids, MemberId x) {
  std::erase(ids, x);
  return ids;
}

// Random crashes of members in `ids` during the faults: down for 1-4 s, or at the k-th persisting
// call of a later step (k = 0: after persisting, before sending).
void ScheduleCrashes(Simulation& s, const std::vector<MemberId>& ids, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t t = from + s.rng().Uniform(0, 1'500); t < to; t += s.rng().Uniform(1'500, 3'500)) {
    const MemberId id = Pick(s.rng(), ids);
    if (s.rng().Chance(500'000)) {
      const std::uint64_t down = s.rng().Uniform(1'000, 4'000);
      s.At(t, [&s, id, down] {
        s.Crash(id);
        s.After(down, [&s, id] { s.Restart(id); });
      });
    } else {
      const auto k = static_cast<std::uint32_t>(s.rng().Uniform(0, 4));
      s.At(t, [&s, id, k] { s.ArmCrash(id, k); });
      s.At(t + s.rng().Uniform(1'000, 3'000), [&s, id] { s.Restart(id); });  // if it crashed
    }
  }
}

// Each honest member of `ids` must hold a config for which `holds` is true.
void ExpectConfig(Simulation& s, const std::vector<MemberId>& ids, const std::string& what,
                  const std::function<bool(const chain::Config&)>& holds) {
  for (MemberId id : ids) {
    if (!s.honest(id)) continue;
    if (!holds(s.ConfigOf(id))) {
      return s.Fail("member " + std::to_string(id) + " is at epoch " + std::to_string(s.ConfigOf(id).epoch) + " (head " +
                    std::to_string(s.Head(id)) + "): " + what + " did not take effect there");
    }
  }
}

// The height whose block activated the first change at `id` (0: none).
std::uint64_t FirstActivation(const Simulation& s, MemberId id) {
  const chain::EpochHistory epochs = s.EpochsOf(id);
  return epochs.all().size() > 1 ? epochs.all().front().end_height : 0;
}

struct LapseState {
  Hash32 first{};
  std::uint64_t expires = 0;
  MemberId refuser = 0;
  bool proposed_second = false;
};

// Proposes the second change once every member has passed the first one's expiry height.
void ProposeAfterLapse(Simulation& s, const std::shared_ptr<LapseState>& st) {
  std::uint64_t low = UINT64_MAX;
  for (MemberId id = 1; id <= 4; ++id) low = std::min(low, s.Head(id));
  if (st->expires == 0 || low < st->expires) {
    s.After(500, [&s, st] { ProposeAfterLapse(s, st); });
    return;
  }
  st->proposed_second = true;
  const MemberId by = Pick(s.rng(), Range(1, 4));
  chain::Params p = s.ConfigOf(by).params;
  p.block_period_ms = 120;
  s.ProposeChange(by, {chain::ConfigOp{chain::SetParams{p}}}, kExpiresIn);
}

}  // namespace

// ADD of a fifth member while members crash and the network splits. The joiner's node starts from
// the genesis file at a random time (before or after the activation), catches up through the
// activation and seals from its first height; liveness after GST then needs its seals (UNANIMOUS).
SimConfig GovAddMember(std::uint64_t seed) {
  SimConfig c = GovBase(seed, 4);
  c.joiners = 1;
  c.setup = [](Simulation& s) {
    const MemberId joiner = 5;
    const MemberId by = Pick(s.rng(), Range(1, 4));
    s.At(s.rng().Uniform(500, 2'500), [&s, by, joiner] {
      s.ProposeChange(by, {chain::ConfigOp{chain::AddMember{MemberCard(joiner, KeyOf(joiner)), ""}}}, kExpiresIn);
    });
    s.At(s.rng().Uniform(1'000, 9'000), [&s, joiner] { s.Start(joiner); });
    ScheduleCrashes(s, Range(1, 5), 1'000, 9'000);
    const std::uint64_t split = s.rng().Uniform(2'000, 7'000);
    const std::uint64_t len = s.rng().Uniform(1'000, 3'000);
    s.At(split, [&s, split, len] {
      std::vector<MemberId> ids = Range(1, 5);
      s.rng().Shuffle(ids);
      s.Partition({{ids[0], ids[1], ids[2]}, {ids[3], ids[4]}});
      s.At(split + len, [&s] { s.Heal(); });
    });
  };
  c.at_end = [](Simulation& s) {
    ExpectConfig(s, Range(1, 5), "the ADD of member 5", [](const chain::Config& cfg) { return cfg.FindMember(5) != nullptr; });
  };
  return c;
}

// REMOVE of a member that is down (even seeds) or cut off (odd seeds) while the others approve
// under crashes and a 3/1 split. The removed member's node is refused from the activation on: it
// never gets a block above it, and nobody waits for its seals any more.
SimConfig GovRemoveMember(std::uint64_t seed) {
  SimConfig c = GovBase(seed, 5);
  Rng pick(seed ^ 0x7e30);
  const MemberId victim = static_cast<MemberId>(pick.Uniform(1, 5));
  const bool crashed = seed % 2 == 0;
  c.setup = [victim, crashed](Simulation& s) {
    const std::vector<MemberId> others = Without(Range(1, 5), victim);
    const std::uint64_t gone = s.rng().Uniform(500, 2'000);
    s.At(gone, [&s, victim, crashed, others] {
      if (crashed) {
        s.Crash(victim);
      } else {
        s.Partition({others, {victim}});
      }
    });
    const MemberId by = Pick(s.rng(), others);
    s.At(gone + s.rng().Uniform(200, 1'500),
         [&s, by, victim] { s.ProposeChange(by, {chain::ConfigOp{chain::RemoveMember{victim}}}, kExpiresIn); });
    ScheduleCrashes(s, others, 2'000, 9'000);
    if (!crashed) return;  // the victim's own split lasts until GST
    const std::uint64_t split = s.rng().Uniform(3'000, 8'000);
    s.At(split, [&s, others, victim, split] {
      std::vector<MemberId> ids = others;
      s.rng().Shuffle(ids);
      s.Partition({{ids[0], ids[1], ids[2]}, {ids[3]}, {victim}});
      s.At(split + s.rng().Uniform(1'000, 2'500), [&s] { s.Heal(); });
    });
  };
  c.at_end = [victim](Simulation& s) {
    const std::vector<MemberId> others = Without(Range(1, 5), victim);
    ExpectConfig(s, others, "the REMOVE of member " + std::to_string(victim),
                 [victim](const chain::Config& cfg) { return cfg.FindMember(victim) == nullptr; });
    const std::uint64_t at = FirstActivation(s, others.front());
    if (s.Head(victim) > at) {
      s.Fail("removed member " + std::to_string(victim) + " committed height " + std::to_string(s.Head(victim)) +
             " above the activation of its removal at " + std::to_string(at));
    }
  };
  return c;
}

// A byzantine member that sends nothing cannot block its own removal: it is not a required approver
// (its own change's target) nor a required sealer of the activating block (§3 T(D)). Before the
// removal no block can be UNANIMOUS (it never seals); after it, every block is, which liveness after
// GST checks.
SimConfig GovSilentTarget(std::uint64_t seed) {
  SimConfig c = GovBase(seed, seed % 2 == 0 ? 4 : 5);
  Rng pick(seed ^ 0x51e7);
  const MemberId silent = static_cast<MemberId>(pick.Uniform(1, c.n));
  c.byz[silent] = kByzSilent;
  c.setup = [silent](Simulation& s) {
    const std::vector<MemberId> others = Without(Range(1, static_cast<MemberId>(s.n())), silent);
    const MemberId by = Pick(s.rng(), others);
    s.At(s.rng().Uniform(1'000, 3'000),
         [&s, by, silent] { s.ProposeChange(by, {chain::ConfigOp{chain::RemoveMember{silent}}}, kExpiresIn); });
    ScheduleCrashes(s, others, 3'000, 9'000);
  };
  c.at_end = [silent](Simulation& s) {
    ExpectConfig(s, Without(Range(1, static_cast<MemberId>(s.n())), silent), "the REMOVE of silent member " + std::to_string(silent),
                 [silent](const chain::Config& cfg) { return cfg.FindMember(silent) == nullptr; });
  };
  return c;
}

// A change whose approvals do not all come before its expiry lapses (one operator never approves);
// the next change, proposed once the first lapsed, activates. Both change block_period_ms, so the
// members also run at a new pace afterwards.
SimConfig GovChangeLapses(std::uint64_t seed) {
  SimConfig c = GovBase(seed, 4);
  auto st = std::make_shared<LapseState>();
  c.operator_approves = [st](Simulation&, MemberId id, const chain::PendingChange& p) {
    return !(p.change_id == st->first && id == st->refuser);
  };
  c.setup = [st](Simulation& s) {
    st->refuser = Pick(s.rng(), Range(1, 4));
    const MemberId by = Pick(s.rng(), Range(1, 4));
    const std::uint64_t in = s.rng().Uniform(4, 8);
    s.At(s.rng().Uniform(500, 1'500), [&s, st, by, in] {
      chain::Params p = s.ConfigOf(by).params;
      p.block_period_ms = 150;
      st->first = s.ProposeChange(by, {chain::ConfigOp{chain::SetParams{p}}}, in);
      st->expires = s.Head(by) + 1 + in;
    });
    ScheduleCrashes(s, Range(1, 4), 1'000, 9'000);
    s.At(2'000, [&s, st] { ProposeAfterLapse(s, st); });
  };
  c.at_end = [st](Simulation& s) {
    if (!st->proposed_second) return s.Fail("the first change's expiry height " + std::to_string(st->expires) + " was never passed");
    for (MemberId id = 1; id <= 4; ++id) {
      const chain::EpochHistory epochs = s.EpochsOf(id);
      for (const chain::EpochInfo& e : epochs.all()) {
        if (e.config.params.block_period_ms == 150) {
          return s.Fail("member " + std::to_string(id) + " activated the change that was to lapse (one operator never approved it)");
        }
      }
    }
    ExpectConfig(s, Range(1, 4), "the second change (block_period_ms 120)",
                 [](const chain::Config& cfg) { return cfg.params.block_period_ms == 120; });
  };
  return c;
}

// A byzantine member double-proposes and signs each approval also for the sibling of the block
// holding the change (or an unknown block), sending the copies to some members. Only the approval
// naming the committed block may count; the change still activates where its proposer is honest.
SimConfig GovByzantineTwoBranches(std::uint64_t seed) {
  SimConfig c = GovBase(seed, 4);
  Rng pick(seed ^ 0x2b2b);
  const MemberId byz = static_cast<MemberId>(pick.Uniform(1, 4));
  c.byz[byz] = kByzDoubleProposal | kByzTwoBranches;
  c.expect_unanimity = true;
  const bool byz_proposes = seed % 2 == 0;
  c.setup = [byz, byz_proposes](Simulation& s) {
    const MemberId by = byz_proposes ? byz : Pick(s.rng(), Without(Range(1, 4), byz));
    s.At(s.rng().Uniform(500, 3'000), [&s, by] {
      chain::Rule rule;
      rule.ns = "books";
      rule.mode = static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly);
      s.ProposeChange(by, {chain::ConfigOp{chain::SetRule{rule}}}, kExpiresIn);
    });
    ScheduleCrashes(s, Without(Range(1, 4), byz), 2'000, 9'000);
  };
  c.at_end = [byz, byz_proposes](Simulation& s) {
    // Caught double-proposing before its change was taken, the byzantine member's batches are
    // no longer proposed (excluded authors): only an honest proposal must activate.
    if (!byz_proposes) {
      ExpectConfig(s, Without(Range(1, 4), byz), "the SET_RULE 'books'",
                   [](const chain::Config& cfg) { return cfg.FindRule("books") != nullptr; });
    }
    if (!s.checker().offenders().count(byz)) return;
    if (s.EvidenceAgeMs() < 1'000) return;
    for (MemberId id : Without(Range(1, 4), byz)) {
      auto v = s.View(id);
      if (!v) continue;
      for (const auto& m : v->members) {
        if (m.id == byz && !m.excluded) return s.Fail("member " + std::to_string(id) + " does not exclude double-proposer " + std::to_string(byz));
      }
    }
  };
  return c;
}

// ROTATE_KEY of a member whose node crashes between the steps: after it approves, around the
// activation (at a persisting call or between persisting and sending), or while the others
// activate. It signs with its old key below the activation height and with the new one from it,
// including its clients' batches, which liveness and the end check require.
SimConfig GovRotateKeyCrash(std::uint64_t seed) {
  SimConfig c = GovBase(seed, 4);
  Rng pick(seed ^ 0x4071);
  const MemberId rot = static_cast<MemberId>(pick.Uniform(1, 4));
  c.setup = [rot](Simulation& s) {
    s.GiveNextKey(rot);
    const MemberId by = s.rng().Chance(500'000) ? rot : Pick(s.rng(), Without(Range(1, 4), rot));
    const std::uint64_t at = s.rng().Uniform(500, 2'000);
    s.At(at, [&s, by, rot] {
      chain::RotateKey op;
      op.id = rot;
      op.pubkey = RotatedKeyOf(rot).public_key();
      s.ProposeChange(by, {chain::ConfigOp{op}}, kExpiresIn);
    });
    // The crash of the rotating node: a plain crash some time after the proposal, and armed crashes
    // at its persisting calls.
    const std::uint64_t crash = at + s.rng().Uniform(300, 3'000);
    const std::uint64_t down = s.rng().Uniform(500, 4'000);
    s.At(crash, [&s, rot, down] {
      s.Crash(rot);
      s.After(down, [&s, rot] { s.Restart(rot); });
    });
    for (std::uint64_t t = at + s.rng().Uniform(0, 800); t < 9'000; t += s.rng().Uniform(700, 2'000)) {
      const auto k = static_cast<std::uint32_t>(s.rng().Uniform(0, 4));
      s.At(t, [&s, rot, k] { s.ArmCrash(rot, k); });
      s.At(t + s.rng().Uniform(300, 1'500), [&s, rot] { s.Restart(rot); });
    }
  };
  c.at_end = [rot](Simulation& s) {
    const Hash32 key = RotatedKeyOf(rot).public_key();
    ExpectConfig(s, Range(1, 4), "the ROTATE_KEY of member " + std::to_string(rot), [rot, key](const chain::Config& cfg) {
      const chain::Member* m = cfg.FindMember(rot);
      return m && m->pubkey == key;
    });
    // Its clients' writes go on under the new key (the blocks' C5 checks each signature).
    const Durable& d = s.Disk(rot == 1 ? 2 : 1);
    const std::uint64_t from = FirstActivation(s, rot == 1 ? 2 : 1);
    for (std::uint64_t h = from + 1; h <= d.blocks.size(); ++h) {
      for (const chain::TxBatch& t : d.blocks[h - 1].block.batches) {
        if (t.author == rot) return;
      }
    }
    s.Fail("no batch of member " + std::to_string(rot) + " was committed after its key rotated at height " + std::to_string(from));
  };
  return c;
}

}  // namespace peerdb::sim
