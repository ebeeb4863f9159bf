// Config changes through the consensus machine (PROTOCOL.md §5.3): a change proposed in a batch,
// approved only when each operator asks (ApproveChange), activated at the block that records the
// last required approval; the next heights carry the new epoch and config_hash, the new parameters
// drive the timers, and a removed member is no longer required for unanimity, even while it is down.
#include <gtest/gtest.h>

#include "consensus_fixture.h"
#include "peerdb/chain/hashing.h"

namespace peerdb::consensus {
namespace {

using testing::ActionsOf;
using testing::Cluster;
using testing::KeyOf;

chain::TxBatch ChangeBatch(const Hash32& chain_id, chain::MemberId author, std::uint64_t seq,
                           std::vector<chain::ConfigOp> ops, std::uint64_t expires = 500) {
  chain::ConfigChange c;
  c.epoch = 0;
  c.ops = std::move(ops);
  c.expires_height = expires;
  chain::Op op;
  op.kind = static_cast<std::uint8_t>(chain::OpKind::kConfig);
  op.ns = std::string(chain::kConfigNamespace);
  op.key = std::string(chain::kConfigKey);
  op.value = codec::Encode(c);
  chain::TxBatch b;
  b.author = author;
  b.seq = seq;
  b.valid_until_height = 1'000'000;
  b.ops.push_back(op);
  chain::SignWith(KeyOf(author), chain_id, b);
  return b;
}

// The pending change as member `m` sees it (nullopt: none).
std::optional<Hash32> Pending(Cluster& c, chain::MemberId m) {
  const MachineView v = c.node(m).machine->View();
  const chain::PendingChange* p = chain::PendingAt(v.epoch, v.h);
  return p ? std::optional<Hash32>(p->change_id) : std::nullopt;
}

std::uint64_t Epoch(Cluster& c, chain::MemberId m) { return c.node(m).machine->View().epoch.config.epoch; }

TEST(MachineEpochs, ParametersChangeOnlyAfterEveryMemberApproved) {
  Cluster c(4);
  chain::Params p = c.genesis().config.params;
  p.heartbeat_ms = p.heartbeat_ms * 2;
  c.Deliver(1, LocalBatch{ChangeBatch(c.chain_id(), 1, 1, {chain::ConfigOp{chain::SetParams{p}}})});
  c.RunUntil(c.now() + 20000, [&] { return Pending(c, 1) && Pending(c, 2) && Pending(c, 3) && Pending(c, 4); });
  const auto id = Pending(c, 1);
  ASSERT_TRUE(id);
  // Three approvals are not enough: nobody leaves epoch 0, however long it runs.
  for (chain::MemberId m : {1u, 2u, 3u}) {
    ASSERT_TRUE(c.node(m).machine->CheckApprove(*id).ok());
    c.Deliver(m, ApproveChange{*id});
  }
  const std::uint64_t start = c.MinHead();
  c.RunUntil(c.now() + 20000, [&] { return c.MinHead() >= start + 6; });
  for (chain::MemberId m = 1; m <= 4; ++m) EXPECT_EQ(Epoch(c, m), 0u) << "member " << m;
  EXPECT_EQ(c.node(2).machine->CheckApprove(*id).error().code, Errc::kConflict);  // approved already
  c.Deliver(4, ApproveChange{*id});
  c.RunUntil(c.now() + 20000, [&] { return Epoch(c, 1) == 1 && Epoch(c, 2) == 1 && Epoch(c, 3) == 1 && Epoch(c, 4) == 1; });
  for (chain::MemberId m = 1; m <= 4; ++m) {
    ASSERT_EQ(Epoch(c, m), 1u) << "member " << m;
    EXPECT_EQ(c.node(m).machine->View().epoch.config.params.heartbeat_ms, p.heartbeat_ms);
    EXPECT_EQ(ActionsOf<EpochChanged>(c.node(m).log).size(), 1u);
  }
  // Every member ends on the same chain, and blocks from the activation height carry the new epoch.
  const std::uint64_t a = c.node(1).machine->View().epoch.start_height;
  c.RunUntil(c.now() + 20000, [&] { return c.MinHead() >= a + 2; });
  const auto& blocks = c.node(1).app->m_blocks;
  ASSERT_GE(blocks.size(), a + 1);
  EXPECT_EQ(blocks[a - 2].block.header.epoch, 0u);
  EXPECT_EQ(blocks[a - 1].block.header.epoch, 1u);
  EXPECT_EQ(blocks[a - 1].block.header.config_hash, chain::ConfigHash(c.node(1).machine->View().epoch.config));
  for (chain::MemberId m = 2; m <= 4; ++m) EXPECT_EQ(c.node(m).app->m_blocks[a].id, blocks[a].id);
  c.RunUntil(c.now() + 5000);
  EXPECT_GE(c.node(1).machine->View().unanimous_height, a + 1);
}

TEST(MachineEpochs, ASilentMemberCannotBlockItsRemovalAndIsNotRequiredAfterwards) {
  Cluster c(4);
  c.RunUntil(c.now() + 10000, [&] { return c.AllAliveHeadsAtLeast(2); });
  c.Crash(4);
  c.Deliver(2, LocalBatch{ChangeBatch(c.chain_id(), 2, 1, {chain::ConfigOp{chain::RemoveMember{4}}})});
  c.RunUntil(c.now() + 20000, [&] { return Pending(c, 1) && Pending(c, 2) && Pending(c, 3); });
  const auto id = Pending(c, 1);
  ASSERT_TRUE(id);
  // Without member 4's seals nothing above is UNANIMOUS yet.
  const std::uint64_t stuck = c.node(1).machine->View().unanimous_height;
  for (chain::MemberId m : {1u, 2u, 3u}) c.Deliver(m, ApproveChange{*id});
  c.RunUntil(c.now() + 30000, [&] { return Epoch(c, 1) == 1 && Epoch(c, 2) == 1 && Epoch(c, 3) == 1; });
  ASSERT_EQ(Epoch(c, 1), 1u);
  EXPECT_EQ(c.node(1).machine->View().epoch.config.members.size(), 3u);
  const std::uint64_t a = c.node(1).machine->View().epoch.start_height;
  c.RunUntil(c.now() + 20000, [&] { return c.node(1).machine->View().unanimous_height >= a + 1; });
  // The completing block (a - 1) needs no seal of the target; the blocks stuck before it become
  // UNANIMOUS through it, and the new epoch's blocks need only members 1-3.
  EXPECT_GT(a - 1, stuck);
  EXPECT_GE(c.node(1).machine->View().unanimous_height, a + 1);
  const auto leaving = ActionsOf<EpochChanged>(c.node(1).log);
  ASSERT_EQ(leaving.size(), 1u);
  EXPECT_EQ(leaving[0].leaving, (std::vector<chain::MemberId>{4}));
}

TEST(MachineEpochs, AChangeNotApprovedInTimeLapsesAndANewOneMayBeProposed) {
  Cluster c(4);
  chain::Params p = c.genesis().config.params;
  p.heartbeat_ms = p.heartbeat_ms * 2;
  c.Deliver(1, LocalBatch{ChangeBatch(c.chain_id(), 1, 1, {chain::ConfigOp{chain::SetParams{p}}}, /*expires=*/6)});
  c.RunUntil(c.now() + 20000, [&] { return Pending(c, 2).has_value(); });
  const auto id = Pending(c, 2);
  ASSERT_TRUE(id);
  for (chain::MemberId m : {1u, 2u, 3u}) c.Deliver(m, ApproveChange{*id});  // member 4 never approves
  c.RunUntil(c.now() + 30000, [&] { return c.MinHead() >= 8; });
  for (chain::MemberId m = 1; m <= 4; ++m) {
    EXPECT_FALSE(Pending(c, m)) << "member " << m;
    EXPECT_EQ(Epoch(c, m), 0u) << "member " << m;
  }
  EXPECT_EQ(c.node(4).machine->CheckApprove(*id).error().code, Errc::kNotFound);
  // With nothing pending, the next change is accepted and can activate.
  c.Deliver(2, LocalBatch{ChangeBatch(c.chain_id(), 2, 1, {chain::ConfigOp{chain::SetParams{p}}}, /*expires=*/500)});
  c.RunUntil(c.now() + 20000, [&] { return Pending(c, 1) && Pending(c, 2) && Pending(c, 3) && Pending(c, 4); });
  const auto next = Pending(c, 1);
  ASSERT_TRUE(next);
  EXPECT_NE(*next, *id);
  for (chain::MemberId m = 1; m <= 4; ++m) c.Deliver(m, ApproveChange{*next});
  c.RunUntil(c.now() + 20000, [&] { return Epoch(c, 1) == 1 && Epoch(c, 4) == 1; });
  EXPECT_EQ(Epoch(c, 1), 1u);
  EXPECT_EQ(Epoch(c, 4), 1u);
}

TEST(MachineEpochs, TheTargetOfAChangeCannotApproveIt) {
  Cluster c(4);
  c.Deliver(1, LocalBatch{ChangeBatch(c.chain_id(), 1, 1, {chain::ConfigOp{chain::RemoveMember{3}}})});
  c.RunUntil(c.now() + 20000, [&] { return Pending(c, 3).has_value(); });
  const auto id = Pending(c, 3);
  ASSERT_TRUE(id);
  EXPECT_EQ(c.node(3).machine->CheckApprove(*id).error().code, Errc::kForbidden);
  EXPECT_EQ(c.node(1).machine->CheckApprove(Hash32{1}).error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace peerdb::consensus
