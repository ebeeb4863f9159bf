// Seeded faults (loss, duplication, reordering, crash and restart): committed chains never differ
// (G3, I1: honest seals never diverge), and the cluster makes progress once the faults stop.
#include <gtest/gtest.h>

#include "consensus_fixture.h"

namespace peerdb::consensus {
namespace {

using testing::Cluster;

void ExpectOneChain(Cluster& c) {
  std::uint64_t top = 0;
  for (chain::MemberId m = 1; m <= c.size(); ++m) top = std::max(top, c.node(m).app->head());
  for (std::uint64_t h = 1; h <= top; ++h) {
    std::optional<Hash32> id;
    for (chain::MemberId m = 1; m <= c.size(); ++m) {
      const auto& blocks = c.node(m).app->m_blocks;
      if (blocks.size() < h) continue;
      if (!id) id = blocks[h - 1].id;
      EXPECT_EQ(blocks[h - 1].id, *id) << "member " << m << " height " << h;
    }
  }
  for (chain::MemberId m = 1; m <= c.size(); ++m) {
    const auto& s = c.node(m).app->signer;
    if (s.seal_h > 0 && s.seal_h <= c.node(m).app->head()) {
      EXPECT_EQ(s.seal_id, c.node(m).app->m_blocks[s.seal_h - 1].id);
    }
  }
}

class Faults : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(Faults, LossDuplicationReorderingAndRestartsNeverForkAndProgressResumes) {
  const std::uint32_t seed = GetParam();
  Cluster c(5);
  c.SetFaults(seed, 0.15, 0.05, true);
  std::mt19937 rng(seed * 7919u);
  for (int phase = 0; phase < 6; ++phase) {
    const chain::MemberId victim = 1 + rng() % 5;
    c.Crash(victim);
    c.RunUntil(c.now() + 3000 + rng() % 3000);
    c.Restart(victim);
    c.Deliver(1 + rng() % 5, LocalBatch{testing::MakeSignedBatch(c.chain_id(), 0, 0)});  // not its own: dropped
    c.RunUntil(c.now() + 2000 + rng() % 2000);
    ExpectOneChain(c);
  }
  // After the faults stop (GST) every member catches up and new blocks keep coming.
  c.SetFaults(seed, 0, 0, false);
  const std::uint64_t before = c.MinHead();
  std::uint64_t top = 0;
  for (chain::MemberId m = 1; m <= 5; ++m) top = std::max(top, c.node(m).app->head());
  c.RunUntil(c.now() + 60000, [&] { return c.AllAliveHeadsAtLeast(top + 3); });
  EXPECT_GE(c.MinHead(), top + 3) << "from " << before;
  // Everyone is back and sealing: the chain up to where the faults stopped becomes UNANIMOUS.
  c.RunUntil(c.now() + 3000);
  for (chain::MemberId m = 1; m <= 5; ++m) EXPECT_GE(c.node(m).machine->View().unanimous_height, top) << "member " << m;
  ExpectOneChain(c);
}

INSTANTIATE_TEST_SUITE_P(Seeds, Faults, ::testing::Values(1u, 2u, 3u, 4u));

}  // namespace
}  // namespace peerdb::consensus
