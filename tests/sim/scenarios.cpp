#include "scenarios.h"
#include "scenarios_governance.h"
#include "scenarios_majority.h"

#include <algorithm>
#include <memory>

namespace peerdb::sim {

namespace {

using chain::MemberId;
using consensus::AlertKind;

// Liveness misses caused by known machine gaps (tests/sim/README.md, "Known gaps"). A scenario
// names the gap it may hit; only with tolerate_known_gaps does such a miss become a note. Safety
// is never tolerated. No scenario names one at present (F6 was fixed in the machine).

SimConfig Base(std::uint64_t seed, std::size_t n) {
  SimConfig c;
  c.seed = seed;
  c.n = n;
  return c;
}

// A random member id in [1, n].
MemberId AnyMember(Rng& rng, std::size_t n) { return static_cast<MemberId>(rng.Uniform(1, n)); }

std::vector<MemberId> Shuffled(Rng& rng, std::size_t n) {
  std::vector<MemberId> ids;
  for (MemberId i = 1; i <= n; ++i) ids.push_back(i);
  rng.Shuffle(ids);
  return ids;
}

std::uint64_t MaxHead(const Simulation& s, const std::vector<MemberId>& ids) {
  std::uint64_t h = 0;
  for (MemberId id : ids) h = std::max(h, s.Head(id));
  return h;
}

// Evidence against a byzantine member that an honest one holds must reach every honest member
// (gossip, §5.1), exclude it (§5.2) and raise A3 naming it.
void ExpectExclusionIfCaught(Simulation& s, MemberId byz) {
  if (!s.checker().offenders().count(byz)) return;
  // Gossip needs a moment: evidence first seen in the last second of the run may still be in flight.
  if (s.EvidenceAgeMs() < 1'000) return s.Note("evidence appeared less than 1 s before the end");
  bool a3 = false;
  for (MemberId id : s.Honest()) {
    a3 = a3 || s.AlertSeen(id, AlertKind::kEquivocation, byz);
    auto v = s.View(id);
    if (!v) continue;
    bool excluded = false;
    for (const auto& m : v->members) excluded = excluded || (m.id == byz && m.excluded);
    if (!excluded) return s.Fail("member " + std::to_string(id) + " does not exclude " + std::to_string(byz) +
                                 " although evidence against it exists");
  }
  if (!a3) s.Fail("no honest member raised A3 naming " + std::to_string(byz));
}

// ---- §7.2 rows ----------------------------------------------------------------------------------

SimConfig CrashNonProposer(std::uint64_t seed) {
  SimConfig c = Base(seed, 4);
  c.fault_ms = 12'500;
  c.settle_ms = 12'000;
  c.expect_final = true;
  c.setup = [](Simulation& s) {
    const std::uint64_t at = s.rng().Uniform(1'000, 3'000);
    // A4 is due silent_alert_ms after the first block the victim misses, which may take two
    // heartbeats and a round change to come.
    const std::uint64_t down = s.rng().Uniform(8'500, 9'500);
    auto state = std::make_shared<std::pair<MemberId, std::uint64_t>>(0, 0);
    s.At(at, [&s, state, down, at] {
      // The victim is any member that is not proposing at this moment.
      const MemberId proposer = s.ProposerOf(1);
      MemberId victim = static_cast<MemberId>(s.rng().Uniform(1, s.n()));
      if (victim == proposer) victim = victim % s.n() + 1;
      state->first = victim;
      std::vector<MemberId> others;
      for (MemberId id = 1; id <= s.n(); ++id) {
        if (id != victim) others.push_back(id);
      }
      state->second = MaxHead(s, others);
      s.Crash(victim);
      s.At(at + down, [&s, state, others] {
        if (MaxHead(s, others) < state->second + 2) s.Fail("MAJORITY did not continue while a non-proposer was down");
        bool a4 = false;
        for (MemberId id : others) a4 = a4 || s.AlertSeen(id, AlertKind::kSilentMember, state->first);
        if (!a4) s.Fail("no member raised A4 about crashed member " + std::to_string(state->first));
        s.Restart(state->first);
      });
    });
  };
  return c;
}

SimConfig ProposerCrashAfterOneSend(std::uint64_t seed) {
  SimConfig c = Base(seed, 4);
  struct State { bool armed = false, cutting = false; MemberId proposer = 0, target = 0; std::uint64_t h = 0; Hash32 id{}; };
  auto st = std::make_shared<State>();
  c.setup = [st](Simulation& s) {
    const std::uint64_t at = s.rng().Uniform(1'000, 4'000);
    s.At(at, [st] { st->armed = true; });
    s.intercept = [&s, st](MemberId from, MemberId to, const consensus::PeerMessage& msg) {
      if (st->cutting) return from == st->proposer && to != st->target;
      const auto* p = std::get_if<chain::Proposal>(&msg);
      if (!st->armed || st->proposer != 0 || !p || p->core.signer != from || p->core.r != 0) return false;
      st->proposer = from;
      st->target = to;  // the first recipient gets the block, nobody else; then the proposer dies
      st->h = p->core.h;
      st->id = p->core.block_id;
      st->cutting = true;
      s.After(0, [&s, st] {
        st->cutting = false;
        s.Crash(st->proposer);
      });
      s.After(9'000, [&s, st] { s.Restart(st->proposer); });
      return false;
    };
  };
  c.at_end = [st](Simulation& s) {
    if (st->proposer == 0) return;
    for (MemberId id : s.Honest()) {
      const Durable& d = s.Disk(id);
      if (d.blocks.size() >= st->h && d.blocks[st->h - 1].id != st->id) {
        return s.Fail("height " + std::to_string(st->h) + " chose another block than the one member " +
                      std::to_string(st->target) + " voted for (it must be re-proposed, §2.3)");
      }
    }
  };
  return c;
}

SimConfig CrashAtPersistence(std::uint64_t seed) {
  SimConfig c = Base(seed, 4);
  c.net.drop_ppm = 5'000;
  c.setup = [](Simulation& s) {
    for (std::uint64_t t = 500; t < s.config().fault_ms - 500; t += s.rng().Uniform(400, 1'800)) {
      s.At(t, [&s] {
        const MemberId id = AnyMember(s.rng(), s.n());
        if (s.alive(id)) s.ArmCrash(id, static_cast<std::uint32_t>(s.rng().Uniform(0, 3)));
        for (MemberId d = 1; d <= s.n(); ++d) {
          if (!s.alive(d) && s.rng().Chance(600'000)) s.Restart(d);
        }
      });
    }
  };
  return c;
}

SimConfig PartitionThreeTwo(std::uint64_t seed) {
  SimConfig c = Base(seed, 5);
  c.fault_ms = 10'500;
  c.setup = [](Simulation& s) {
    const std::uint64_t at = s.rng().Uniform(1'000, 2'000);
    const std::uint64_t len = s.rng().Uniform(7'500, 8'400);
    s.At(at, [&s, at, len] {
      auto ids = Shuffled(s.rng(), s.n());
      std::vector<MemberId> major(ids.begin(), ids.begin() + 3), minor(ids.begin() + 3, ids.end());
      s.Partition({major, minor});
      const std::uint64_t major_h = MaxHead(s, major), minor_h = MaxHead(s, minor);
      s.At(at + len, [&s, major, minor, major_h, minor_h] {
        if (MaxHead(s, major) < major_h + 1) s.Fail("the majority side made no progress during the partition");
        if (MaxHead(s, minor) > std::max(minor_h, major_h) + 1) s.Fail("the minority side committed blocks alone");
        bool a2c = false;
        for (MemberId id : minor) a2c = a2c || s.AlertSeen(id, AlertKind::kPartitioned);
        if (!a2c) s.Fail("no member of the minority side raised A2c PARTITIONED");
        s.Heal();
      });
    });
  };
  return c;
}

SimConfig PartitionTwoTwoOne(std::uint64_t seed) {
  SimConfig c = Base(seed, 5);
  c.setup = [](Simulation& s) {
    const std::uint64_t at = s.rng().Uniform(1'000, 2'500);
    const std::uint64_t len = s.rng().Uniform(3'500, 5'000);
    s.At(at, [&s, at, len] {
      auto ids = Shuffled(s.rng(), s.n());
      s.Partition({{ids[0], ids[1]}, {ids[2], ids[3]}, {ids[4]}});
      auto all = Shuffled(s.rng(), s.n());
      const std::uint64_t h = MaxHead(s, all);
      s.At(at + len, [&s, all, h] {
        if (MaxHead(s, all) > h + 1) s.Fail("blocks were committed while no side had a majority");
        s.Heal();
      });
    });
  };
  return c;
}

SimConfig Byzantine(std::uint64_t seed, std::uint32_t bits, bool unanimity) {
  SimConfig c = Base(seed, 4);
  Rng pick(seed ^ 0xb12);
  const MemberId byz = AnyMember(pick, c.n);
  c.byz[byz] = bits;
  c.expect_unanimity = unanimity;
  c.at_end = [byz](Simulation& s) { ExpectExclusionIfCaught(s, byz); };
  return c;
}

SimConfig SilentMember(std::uint64_t seed) {
  Rng pick(seed ^ 0x5113);
  SimConfig c = Byzantine(seed, pick.Chance(500'000) ? std::uint32_t{kByzSilent} : std::uint32_t{kByzNoSeal}, false);
  const MemberId byz = c.byz.begin()->first;
  c.at_end = [byz](Simulation& s) {
    bool a4 = false;
    for (MemberId id : s.Honest()) a4 = a4 || s.AlertSeen(id, AlertKind::kSilentMember, byz);
    if (!a4) s.Fail("no honest member raised A4 about silent member " + std::to_string(byz));
    for (MemberId id : s.Honest()) {
      if (s.UnanimousHeight(id) > 0 && !s.checker().offenders().count(byz)) {
        return s.Fail("member " + std::to_string(id) + " sees UNANIMOUS blocks although member " + std::to_string(byz) +
                      " never sealed");
      }
    }
  };
  return c;
}

SimConfig ForgedSignatures(std::uint64_t seed) {
  SimConfig c = Byzantine(seed, kByzForge, true);
  const MemberId byz = c.byz.begin()->first;
  auto injected = std::make_shared<std::size_t>(0);
  c.setup = [injected](Simulation& s) {
    // A non-member (id n + 1) with its own key: the transport would refuse it; the machine must too.
    for (std::uint64_t t = 700; t < s.config().fault_ms; t += s.rng().Uniform(500, 1'500)) {
      s.At(t, [&s, injected] {
        const MemberId outsider = static_cast<MemberId>(s.n() + 1);
        chain::Vote v;
        v.h = s.Head(1) + 1;
        v.signer = outsider;
        chain::SignWith(KeyOf(outsider), chain::ChainId(MakeGenesis(s.n(), s.config().params)), v);
        const MemberId to = AnyMember(s.rng(), s.n());
        if (s.alive(to)) ++*injected;
        s.Inject(to, outsider, v);
      });
    }
  };
  c.at_end = [byz, injected](Simulation& s) {
    if (*injected > 0 && s.Penalties(static_cast<MemberId>(s.n() + 1)) == 0) s.Fail("messages from a non-member were not penalised");
    if (s.Penalties(byz) == 0) s.Fail("forged signatures from member " + std::to_string(byz) + " were never penalised");
  };
  return c;
}

SimConfig ClockSkew(std::uint64_t seed) {
  SimConfig c = Base(seed, 5);
  Rng pick(seed ^ 0xc10c);
  auto ids = Shuffled(pick, c.n);
  c.skew_ms[ids[0]] = 10'000;
  c.skew_ms[ids[1]] = -10'000;
  c.settle_ms = 12'000;
  return c;
}

SimConfig AnchorDelay(std::uint64_t seed) {
  SimConfig c = Base(seed, 4);
  c.expect_final = true;
  c.settle_ms = 12'000;
  c.setup = [](Simulation& s) {
    const std::uint64_t until = s.rng().Uniform(3'000, 6'000);
    s.At(500, [&s, until] { s.CalendarsDownUntil(s.now() + until - 500); });
  };
  return c;
}

SimConfig BitcoinReorg(std::uint64_t seed) {
  SimConfig c = Base(seed, 4);
  c.expect_final = true;
  c.settle_ms = 12'000;
  c.setup = [](Simulation& s) {
    for (std::uint64_t t = 2'000; t < s.config().fault_ms; t += s.rng().Uniform(1'500, 4'000)) {
      s.At(t, [&s] {
        const bool deep = s.rng().Chance(150'000);
        s.BitcoinReorg(deep ? static_cast<std::uint32_t>(s.rng().Uniform(7, 9)) : static_cast<std::uint32_t>(s.rng().Uniform(1, 2)));
      });
    }
  };
  return c;
}

SimConfig CensoringProposer(std::uint64_t seed) {
  SimConfig c = Base(seed, 4);
  Rng pick(seed ^ 0xce5);
  auto ids = Shuffled(pick, c.n);
  const MemberId censor = ids[0], victim = ids[1];
  auto gst_seq = std::make_shared<std::uint64_t>(0);
  c.setup = [censor, victim, gst_seq](Simulation& s) {
    // The censor never takes the victim's batches into its pool, so its blocks leave them out.
    s.intercept = [censor, victim](MemberId, MemberId to, const consensus::PeerMessage& msg) {
      const auto* b = std::get_if<chain::TxBatch>(&msg);
      return to == censor && b && b->author == victim;
    };
    s.At(s.config().fault_ms, [&s, victim, gst_seq] { *gst_seq = s.ClientSeq(victim); });
  };
  c.at_end = [victim, gst_seq](Simulation& s) {
    if (s.CommittedSeq(victim) < *gst_seq) {
      s.Fail("member " + std::to_string(victim) + "'s batches up to seq " + std::to_string(*gst_seq) +
             " were not all committed despite other proposers (committed up to " + std::to_string(s.CommittedSeq(victim)) + ")");
    }
  };
  return c;
}

SimConfig RandomMix(std::uint64_t seed) {
  Rng pick(seed ^ 0x7a7d);
  SimConfig c = Base(seed, pick.Chance(500'000) ? 4 : 5);
  c.net.drop_ppm = static_cast<std::uint32_t>(pick.Uniform(0, 30'000));
  c.net.dup_ppm = static_cast<std::uint32_t>(pick.Uniform(0, 30'000));
  c.net.max_delay_ms = pick.Uniform(10, 300);
  if (pick.Chance(300'000)) c.skew_ms[AnyMember(pick, c.n)] = static_cast<std::int64_t>(pick.Uniform(0, 6'000)) - 3'000;
  if (pick.Chance(500'000)) {
    static const std::uint32_t kBits[] = {kByzDoubleProposal, kByzDoubleVote, kByzDoubleSeal, kByzSealFork,
                                          kByzPromiseBreak, kByzOtherChain, kByzForge, kByzReplay, kByzNoSeal};
    std::uint32_t bits = 0;
    for (std::uint32_t b : kBits) {
      if (pick.Chance(300'000)) bits |= b;
    }
    if (bits) c.byz[AnyMember(pick, c.n)] = bits;
    c.expect_unanimity = !(bits & kByzNoSeal);
  }
  const bool crashes = pick.Chance(500'000), partitions = pick.Chance(500'000), reorgs = pick.Chance(300'000);
  c.setup = [crashes, partitions, reorgs](Simulation& s) {
    for (std::uint64_t t = 500; t < s.config().fault_ms - 500; t += s.rng().Uniform(500, 2'500)) {
      s.At(t, [&s, crashes, partitions, reorgs] {
        Rng& r = s.rng();
        if (crashes && r.Chance(400'000)) {
          const MemberId id = AnyMember(r, s.n());
          if (s.alive(id)) {
            if (r.Chance(300'000)) s.Crash(id); else s.ArmCrash(id, static_cast<std::uint32_t>(r.Uniform(0, 3)));
          }
        }
        for (MemberId d = 1; d <= s.n(); ++d) {
          if (!s.alive(d) && r.Chance(400'000)) s.Restart(d);
        }
        if (partitions && r.Chance(250'000)) {
          auto ids = Shuffled(r, s.n());
          const std::size_t cut = r.Uniform(1, s.n() - 1);
          s.Partition({std::vector<MemberId>(ids.begin(), ids.begin() + cut), std::vector<MemberId>(ids.begin() + cut, ids.end())});
        } else if (partitions && r.Chance(300'000)) {
          s.Heal();
        }
        if (reorgs && r.Chance(300'000)) s.BitcoinReorg(static_cast<std::uint32_t>(r.Uniform(1, 3)));
      });
    }
  };
  return c;
}

std::vector<Scenario> MakeTable() {
  return {
      {"crash_non_proposer", "CrashNonProposer", "1", "a non-proposer crashes for longer than silent_alert_ms", CrashNonProposer},
      {"proposer_partial_send", "ProposerCrashAfterOneSend", "2", "the proposer sends its block to one member, then crashes",
       ProposerCrashAfterOneSend},
      {"crash_at_persistence", "CrashAtPersistence", "3", "crashes at the k-th persisting call of a step and between persisting and sending",
       CrashAtPersistence},
      {"partition_3_2", "PartitionThreeTwo", "4", "N=5 split 3/2, healed later", PartitionThreeTwo},
      {"partition_2_2_1", "PartitionTwoTwoOne", "5", "N=5 split 2/2/1, healed later", PartitionTwoTwoOne},
      {"double_proposal", "ByzantineDoubleProposal", "6", "a byzantine proposer sends different blocks to different members",
       [](std::uint64_t s) { return Byzantine(s, kByzDoubleProposal | ((s & 1) ? std::uint32_t{kByzDoubleVote} : 0u), true); }},
      {"double_seal", "ByzantineDoubleSeal", "7", "a byzantine member seals two blocks at one height (E4)",
       [](std::uint64_t s) { return Byzantine(s, kByzDoubleSeal, true); }},
      {"seal_fork", "ByzantineSealFork", "7", "a byzantine member seals a block off its seal chain (E5)",
       [](std::uint64_t s) { return Byzantine(s, kByzSealFork, true); }},
      {"promise_break", "ByzantinePromiseBreak", "E3", "a byzantine member promises a round and hides its vote",
       [](std::uint64_t s) { return Byzantine(s, kByzPromiseBreak, true); }},
      {"replay_other_chain", "ReplayAndOtherChain", "9", "old messages replayed; messages signed for another chain",
       [](std::uint64_t s) { return Byzantine(s, kByzReplay | kByzOtherChain, true); }},
      {"forged_signatures", "ForgedSignatures", "10", "corrupted signatures, stolen signer ids, a non-member", ForgedSignatures},
      {"clock_skew", "ClockSkew", "11", "one clock +10 s, another -10 s", ClockSkew},
      {"silent_member", "SilentMember", "12", "a member sends nothing, or never seals", SilentMember},
      {"byzantine_majority_invalid", "ByzantineMajorityInvalidBlock", "13",
       "a byzantine majority votes for and seals blocks with a wrong state root", ByzantineMajorityInvalid},
      {"long_alternate_branch", "LongAlternateBranch", "14", "3 of 5 build a long alternate branch above the last FINAL block",
       LongAlternateBranch},
      {"forged_history", "LeakedKeysForgedHistory", "15", "all keys leak; a unanimous history forged from the genesis is anchored later", ForgedHistory},
      {"anchor_delay", "AnchorDelay", "16", "calendars unavailable for several seconds", AnchorDelay},
      {"bitcoin_reorg", "BitcoinReorg", "17", "Bitcoin reorgs of 1-2 blocks, sometimes deeper than k_anchor", BitcoinReorg},
      {"censoring_proposer", "CensoringProposer", "18", "a proposer leaves one member's batches out", CensoringProposer},
      {"gov_add_member", "GovAddMember", "5.3", "ADD of a fifth member under crashes and a split; it joins from the genesis file", GovAddMember},
      {"gov_remove_member", "GovRemoveMember", "5.3", "REMOVE of a member that is down or cut off, under crashes and a split", GovRemoveMember},
      {"gov_silent_target", "GovSilentTarget", "5.3", "a member that sends nothing is removed without its approval or seal", GovSilentTarget},
      {"gov_change_lapses", "GovChangeLapses", "5.3", "a change one operator never approves lapses; the next one activates", GovChangeLapses},
      {"gov_byzantine_two_branches", "GovByzantineTwoBranches", "5.3", "a double-proposer approves the change on two branches", GovByzantineTwoBranches},
      {"gov_rotate_key_crash", "GovRotateKeyCrash", "5.3", "ROTATE_KEY with the rotating node crashing between the steps", GovRotateKeyCrash},
      {"random", "RandomMix", "all", "a random mix of loss, duplication, crashes, partitions, skew, one byzantine member", RandomMix},
  };
}

}  // namespace

const std::vector<Scenario>& Scenarios() {
  static const std::vector<Scenario> kTable = MakeTable();
  return kTable;
}

const Scenario* FindScenario(std::string_view name) {
  for (const Scenario& s : Scenarios()) {
    if (s.name == name || s.test_name == name) return &s;
  }
  return nullptr;
}

SimResult RunScenario(const Scenario& s, std::uint64_t seed, bool trace, bool tolerate_known_gaps) {
  SimConfig c = s.make(seed);
  c.tolerate_known_gaps = tolerate_known_gaps;
  c.scenario = s.name;
  c.seed = seed;
  c.trace = trace;
  Simulation sim(std::move(c));
  return sim.Run();
}

std::string ReplayLine(const Scenario& s, std::uint64_t seed, const std::string& program) {
  return program + " --scenario " + s.name + " --seed " + std::to_string(seed);
}

}  // namespace peerdb::sim
