// The simulation in `make test`: every named scenario runs its share of seeds (>= 1,000 in all),
// each scenario as its own test case, and the same seed must give the same trace.
// PEERDB_SIM_FIRST_SEED moves the seed window (default 1) to explore other seeds locally.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "scenarios.h"

namespace peerdb::sim {
namespace {

constexpr std::uint64_t kSeedsPerScenario = 60;  // 26 scenarios -> 1,560 runs

std::uint64_t FirstSeed() {
  const char* env = std::getenv("PEERDB_SIM_FIRST_SEED");
  return env ? std::strtoull(env, nullptr, 10) : 1;
}

void RunSeeds(const std::string& name) {
  const Scenario* s = FindScenario(name);
  ASSERT_NE(s, nullptr) << name;
  const std::uint64_t first = FirstSeed();
  std::size_t gaps = 0;
  for (std::uint64_t seed = first; seed < first + kSeedsPerScenario; ++seed) {
    // Safety is always asserted; liveness misses of a documented machine gap are only counted.
    SimResult r = RunScenario(*s, seed, false, /*tolerate_known_gaps=*/true);
    ASSERT_TRUE(r.ok) << r.failure << "\n  replay: " << ReplayLine(*s, seed, PEERDB_SIM_BINARY) << " --trace";
    if (r.known_gap_hit) {
      ++gaps;
      std::printf("known gap, seed %llu: %s\n", static_cast<unsigned long long>(seed), r.notes.c_str());
    }
  }
  ::testing::Test::RecordProperty("known_gap_liveness_misses", static_cast<int>(gaps));
}

TEST(Sim, CrashNonProposer) { RunSeeds("crash_non_proposer"); }
TEST(Sim, ProposerCrashAfterOneSend) { RunSeeds("proposer_partial_send"); }
TEST(Sim, CrashAtPersistence) { RunSeeds("crash_at_persistence"); }
TEST(Sim, PartitionThreeTwo) { RunSeeds("partition_3_2"); }
TEST(Sim, PartitionTwoTwoOne) { RunSeeds("partition_2_2_1"); }
TEST(Sim, ByzantineDoubleProposal) { RunSeeds("double_proposal"); }
TEST(Sim, ByzantineDoubleSeal) { RunSeeds("double_seal"); }
TEST(Sim, ByzantineSealFork) { RunSeeds("seal_fork"); }
TEST(Sim, ByzantinePromiseBreak) { RunSeeds("promise_break"); }
TEST(Sim, ReplayAndOtherChain) { RunSeeds("replay_other_chain"); }
TEST(Sim, ForgedSignatures) { RunSeeds("forged_signatures"); }
TEST(Sim, ClockSkew) { RunSeeds("clock_skew"); }
TEST(Sim, SilentMember) { RunSeeds("silent_member"); }
TEST(Sim, ByzantineMajorityInvalidBlock) { RunSeeds("byzantine_majority_invalid"); }
TEST(Sim, LongAlternateBranch) { RunSeeds("long_alternate_branch"); }
TEST(Sim, LeakedKeysForgedHistory) { RunSeeds("forged_history"); }
TEST(Sim, AnchorDelay) { RunSeeds("anchor_delay"); }
TEST(Sim, BitcoinReorg) { RunSeeds("bitcoin_reorg"); }
TEST(Sim, CensoringProposer) { RunSeeds("censoring_proposer"); }
TEST(Sim, RandomMix) { RunSeeds("random"); }
TEST(Sim, GovAddMember) { RunSeeds("gov_add_member"); }
TEST(Sim, GovRemoveMember) { RunSeeds("gov_remove_member"); }
TEST(Sim, GovSilentTarget) { RunSeeds("gov_silent_target"); }
TEST(Sim, GovChangeLapses) { RunSeeds("gov_change_lapses"); }
TEST(Sim, GovByzantineTwoBranches) { RunSeeds("gov_byzantine_two_branches"); }
TEST(Sim, GovRotateKeyCrash) { RunSeeds("gov_rotate_key_crash"); }

// Seeds the long soak found, kept as regressions (tests/sim/README.md, findings F8-F11). Since the
// simulation drives the node's own anchoring planner the runs of these seeds differ from the ones
// that found the defects; they stay here as strict seeds, and F9 and F11 have unit tests.
TEST(Sim, SoakRegressions) {
  const Scenario* random = FindScenario("random");
  ASSERT_NE(random, nullptr);
  // F8: an honest member's vote for the second block of a double proposal made later rounds
  // require that block, but members holding the first one dropped its body: no proposer could go on.
  for (std::uint64_t seed : {31980u, 51720u}) {
    SimResult r = RunScenario(*random, seed, false, /*tolerate_known_gaps=*/false);
    EXPECT_TRUE(r.ok) << r.failure << "\n  replay: " << ReplayLine(*random, seed, PEERDB_SIM_BINARY) << " --trace";
  }
  // F9: a majority certificate that counted a member excluded afterwards. 38360, 39920: members
  // held such an MC without the block and sat out the round changes the others needed; 47800:
  // the next block's parent_cert was judged under evidence recorded in the parent itself, so no
  // block could follow a committed one.
  // F10: member 3 voted for a round-1 block whose proposer was excluded afterwards; restarted, it
  // dropped the block's body (its justification counted the proposer's own round change), which
  // every later justification required through member 3's vote.
  // F11: member 4 re-proposed the block it had voted for and crashed between saving the body and
  // saving its SignerState; the restart dropped its unsent core and, with it, the only copy of the
  // body held by an honest member, which every later justification required through its vote.
  for (std::uint64_t seed : {38360u, 39920u, 47800u, 70800u, 97000u}) {
    SimResult r = RunScenario(*random, seed, false, /*tolerate_known_gaps=*/false);
    EXPECT_TRUE(r.ok) << r.failure << "\n  replay: " << ReplayLine(*random, seed, PEERDB_SIM_BINARY) << " --trace";
  }
  // F12 (like F10, in the voter's own round): member 1 alone voted for the lower-id block of a
  // round-1 double proposal and crashed; restarted in round 1 with the proposer excluded, it dropped
  // that body, which every later justification required (the tie goes to the lowest id).
  const Scenario* two_branches = FindScenario("gov_byzantine_two_branches");
  ASSERT_NE(two_branches, nullptr);
  SimResult r = RunScenario(*two_branches, 11603, false, /*tolerate_known_gaps=*/false);
  EXPECT_TRUE(r.ok) << r.failure << "\n  replay: " << ReplayLine(*two_branches, 11603, PEERDB_SIM_BINARY) << " --trace";
}

// I13 must catch a node that approves a change its operator never approved: here member 2's node
// approves on its own (the others' operators approve as usual).
TEST(Sim, GovernanceInvariantCatchesAnApprovalNoOperatorGave) {
  const Scenario* s = FindScenario("gov_add_member");
  ASSERT_NE(s, nullptr);
  SimConfig c = s->make(1);
  c.operator_approves = [](Simulation& sim, chain::MemberId id, const chain::PendingChange& p) {
    if (id != 2) return true;
    sim.ApproveUnordered(id, p.change_id);
    return false;
  };
  const SimResult r = Simulation(std::move(c)).Run();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.failure.find("I13: honest member 2's approval"), std::string::npos) << r.failure;
}

TEST(Sim, EveryScenarioHasATestCase) { EXPECT_EQ(Scenarios().size(), 26u); }

TEST(Sim, SameSeedGivesTheSameTrace) {
  const Scenario* s = FindScenario("random");
  ASSERT_NE(s, nullptr);
  for (std::uint64_t seed : {7u, 8u}) {
    SimResult a = RunScenario(*s, seed);
    SimResult b = RunScenario(*s, seed);
    EXPECT_EQ(a.trace_hash, b.trace_hash) << "seed " << seed;
    EXPECT_EQ(a.events, b.events);
    EXPECT_EQ(a.failure, b.failure);
  }
  EXPECT_NE(RunScenario(*s, 7).trace_hash, RunScenario(*s, 8).trace_hash);
}

}  // namespace
}  // namespace peerdb::sim
