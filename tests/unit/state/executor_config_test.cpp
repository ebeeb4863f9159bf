// Config-change ops in the executor (C5 for kind=3, PROTOCOL.md §5.3): judged by the epoch rules
// (chain::CheckProposedChange), at most one per block, also across the batch-by-batch execution a
// proposer and the mempool do over an OverlayView; they write no key.
#include <gtest/gtest.h>

#include "peerdb/chain/epoch.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/state/executor.h"

namespace peerdb::state {
namespace {

using chain::MemberId;

crypto::SigningKey SignerKeyOf(MemberId id) {
  crypto::SecretSeed seed{};
  seed[0] = static_cast<std::uint8_t>(id);
  seed[31] = 0x77;
  return crypto::SigningKey::FromSeed(seed);
}

chain::Config FourMembers() {
  chain::Config c;
  for (MemberId id : {1u, 2u, 3u, 4u}) {
    chain::Member m;
    m.id = id;
    m.pubkey = SignerKeyOf(id).public_key();
    m.name = "member" + std::to_string(id);
    c.members.push_back(m);
  }
  chain::Rule r;
  r.ns = "books";
  c.rules.push_back(r);
  return c;
}

class EmptyView final : public StateView {
 public:
  Result<std::optional<KeyState>> GetKey(const std::string&, const std::string&) const override {
    return std::optional<KeyState>();
  }
  Result<std::uint64_t> LastSeq(MemberId) const override { return 0; }
};

class ExecutorConfigTest : public ::testing::Test {
 protected:
  chain::Op ChangeOp(std::vector<chain::ConfigOp> ops) const {
    chain::ConfigChange c;
    c.epoch = m_epoch.config.epoch;
    c.ops = std::move(ops);
    c.expires_height = 100;
    chain::Op op;
    op.kind = static_cast<std::uint8_t>(chain::OpKind::kConfig);
    op.ns = std::string(chain::kConfigNamespace);
    op.key = std::string(chain::kConfigKey);
    op.value = codec::Encode(c);
    return op;
  }
  chain::TxBatch Batch(MemberId author, std::vector<chain::Op> ops) const {
    chain::TxBatch b;
    b.author = author;
    b.seq = 1;
    b.valid_until_height = 100;
    b.ops = std::move(ops);
    chain::SignWith(SignerKeyOf(author), m_chain_id, b);
    return b;
  }
  Result<ExecResult> Run(const StateView& view, const std::vector<chain::TxBatch>& batches) const {
    return ExecuteBatches(ExecRules{&m_epoch, m_excluded}, m_chain_id, view, batches, 10);
  }
  chain::ConfigOp SetPeriod(std::uint64_t ms) const {
    chain::Params p = m_epoch.config.params;
    p.block_period_ms = ms;
    return chain::ConfigOp{chain::SetParams{p}};
  }

  chain::EpochState m_epoch = [] {
    chain::EpochState s;
    s.config = FourMembers();
    s.next_member_id = 5;
    return s;
  }();
  std::vector<MemberId> m_excluded;
  Hash32 m_chain_id = Hash32{0x0c, 0xf9};
  EmptyView m_view;
};

TEST_F(ExecutorConfigTest, AValidChangeIsAcceptedAndWritesNoKey) {
  auto r = Run(m_view, {Batch(1, {ChangeOp({SetPeriod(500)})})});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->change_proposed);
  EXPECT_TRUE(r->writes.empty());
  EXPECT_EQ(r->last_seq.at(1), 1u);
}

TEST_F(ExecutorConfigTest, AnOutOfRangeParameterIsRefusedNamingIt) {
  auto r = Run(m_view, {Batch(1, {ChangeOp({SetPeriod(0)})})});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalid);
  EXPECT_NE(r.error().message.find("block_period_ms"), std::string::npos) << r.error().message;
}

TEST_F(ExecutorConfigTest, ASecondChangeInOneBlockOrOverlayIsAConflict) {
  auto two = Run(m_view, {Batch(1, {ChangeOp({SetPeriod(500)})}), Batch(2, {ChangeOp({SetPeriod(600)})})});
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code, Errc::kConflict);
  // A proposer executes batch by batch over an overlay: the second is refused there too.
  OverlayView overlay(m_view);
  auto first = Run(overlay, {Batch(1, {ChangeOp({SetPeriod(500)})})});
  ASSERT_TRUE(first.ok());
  overlay.Apply(*first);
  auto second = Run(overlay, {Batch(2, {ChangeOp({SetPeriod(600)})})});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kConflict);
}

TEST_F(ExecutorConfigTest, AChangeWhileOneIsPendingIsAConflict) {
  chain::PendingChange p;
  p.change.epoch = 0;
  p.change.expires_height = 50;
  p.height = 5;
  m_epoch.pending = p;
  auto r = Run(m_view, {Batch(1, {ChangeOp({SetPeriod(500)})})});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict);
}

TEST_F(ExecutorConfigTest, RemovingAMajorityIsRefused) {
  auto r = Run(m_view, {Batch(1, {ChangeOp({chain::ConfigOp{chain::RemoveMember{3}}, chain::ConfigOp{chain::RemoveMember{4}}})})});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("fewer than a majority"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace peerdb::state
