// Mempool (issue 16 item 1): client requests coalesce into one signed batch, each request stays
// atomic and gets its own answer, and a dropped batch fails only the requests that no longer execute.
#include "peerdb/node/mempool.h"

#include <gtest/gtest.h>

#include <map>

#include "peerdb/chain/hashing.h"
#include "node_fixture.h"

namespace peerdb::node {
namespace {

using test::Put;

crypto::SigningKey KeyOf(chain::MemberId id) {
  crypto::SecretSeed seed{};
  seed[0] = static_cast<std::uint8_t>(id);
  seed[31] = 0x6b;
  return crypto::SigningKey::FromSeed(seed);
}

// The committed state the mempool checks against, changed by the test as blocks would.
class MapView final : public state::StateView {
 public:
  Result<std::optional<state::KeyState>> GetKey(const std::string& ns, const std::string& key) const override {
    auto it = keys.find({ns, key});
    if (it == keys.end()) return std::optional<state::KeyState>();
    return std::optional<state::KeyState>(it->second);
  }
  Result<std::uint64_t> LastSeq(chain::MemberId author) const override {
    auto it = seqs.find(author);
    return it == seqs.end() ? 0 : it->second;
  }
  std::map<std::pair<std::string, std::string>, state::KeyState> keys;
  std::map<chain::MemberId, std::uint64_t> seqs;
};

// A request's answer, as the client would see it.
struct Answer {
  std::optional<Result<SubmitReceipt>> result;
  int calls = 0;
  Callback<SubmitReceipt> Sink() {
    return [this](Result<SubmitReceipt> r) {
      ++calls;
      result = std::move(r);
    };
  }
};

class MempoolTest : public ::testing::Test {
 protected:
  MempoolTest() {
    for (chain::MemberId id : {1u, 2u}) {
      chain::Member m;
      m.id = id;
      m.pubkey = KeyOf(id).public_key();
      m.name = "member" + std::to_string(id);
      m_epoch.config.members.push_back(m);
    }
    chain::Rule app;
    app.ns = "app";
    app.mode = static_cast<std::uint8_t>(chain::RuleMode::kOwnerEdit);
    m_epoch.config.rules.push_back(app);
    m_pool = std::make_unique<Mempool>([this] { return state::ExecRules{&m_epoch, {}}; }, m_chain_id, 1, m_key, m_view);
  }

  // Adds one request and expects it accepted without sealing a full batch.
  void Accept(std::vector<chain::Op> ops, Answer& answer) {
    auto r = m_pool->Add(std::move(ops), m_next_height, answer.Sink());
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_FALSE(r->has_value());
  }

  chain::Block BlockOf(const chain::TxBatch& batch) {
    chain::Block b;
    b.header.height = m_next_height;
    b.batches.push_back(batch);
    return b;
  }

  chain::EpochState m_epoch;
  Hash32 m_chain_id = Hash32{0x16, 0x01};
  crypto::SigningKey m_key = KeyOf(1);
  MapView m_view;
  std::uint64_t m_next_height = 5;
  std::unique_ptr<Mempool> m_pool;
};

TEST_F(MempoolTest, RequestsShareOneSignedBatchAndEachGetsItsOwnReceipt) {
  Answer a, b, c;
  Accept({Put("app", "a", "1")}, a);
  Accept({Put("app", "b", "1"), Put("app", "c", "1")}, b);
  Accept({Put("app", "a", "2")}, c);  // sees a's write: version 2 of a key member 1 owns
  EXPECT_TRUE(m_pool->has_open());
  EXPECT_EQ(m_pool->size_ops(), 4u);

  auto batch = m_pool->Seal(m_next_height);
  ASSERT_TRUE(batch.has_value());
  EXPECT_FALSE(m_pool->has_open());
  EXPECT_FALSE(m_pool->Seal(m_next_height).has_value()) << "nothing open, nothing sealed";
  EXPECT_EQ(batch->seq, 1u);
  EXPECT_EQ(batch->ops.size(), 4u);
  EXPECT_TRUE(chain::VerifySignedBy(m_key.public_key(), m_chain_id, *batch)) << "one signature for three requests";
  auto executed = state::ExecuteBatches(state::ExecRules{&m_epoch, {}}, m_chain_id, m_view, {*batch}, m_next_height);
  ASSERT_TRUE(executed.ok()) << executed.error().ToString();
  EXPECT_EQ(executed->writes.size(), 4u);
  EXPECT_EQ(a.calls, 0);

  EXPECT_EQ(m_pool->OnCommitted(BlockOf(*batch), Hash32{0xb1}, store::BlockStatus::kUnanimous), 4u);
  for (Answer* answer : {&a, &b, &c}) {
    ASSERT_EQ(answer->calls, 1);
    ASSERT_TRUE(answer->result->ok()) << answer->result->error().ToString();
    EXPECT_EQ((*answer->result)->batch_seq, 1u);
    EXPECT_EQ((*answer->result)->height, m_next_height);
  }
  EXPECT_EQ((*a.result)->op_count, 1u);
  EXPECT_EQ((*b.result)->op_count, 2u);
  EXPECT_EQ((*c.result)->op_count, 1u);
  EXPECT_TRUE(m_pool->empty());
}

// Under sustained load one of this member's batches is always in flight, so the overlay was never
// reset and grew with every key ever written (a node loading millions of keys grew by gigabytes).
// It is now rebuilt from the batches in flight once it holds mostly committed writes.
TEST_F(MempoolTest, TheOverlayStaysBoundedWhileSomethingIsAlwaysInFlight) {
  std::vector<Answer> answers(60);
  std::optional<chain::TxBatch> in_flight;
  for (int round = 0; round < 60; ++round) {
    std::vector<chain::Op> ops;
    for (int i = 0; i < 100; ++i) ops.push_back(Put("app", "r" + std::to_string(round) + "-" + std::to_string(i), "v"));
    Accept(std::move(ops), answers[static_cast<std::size_t>(round)]);
    auto sealed = m_pool->Seal(m_next_height);
    ASSERT_TRUE(sealed.has_value());
    if (in_flight) {  // the previous batch commits while this one waits
      auto done = state::ExecuteBatches(state::ExecRules{&m_epoch, {}}, m_chain_id, m_view, {*in_flight}, m_next_height);
      ASSERT_TRUE(done.ok()) << done.error().ToString();
      for (const state::Write& w : done->writes) m_view.keys[{w.ns, w.key}] = w.state;
      m_view.seqs[1] = in_flight->seq;
      EXPECT_EQ(m_pool->OnCommitted(BlockOf(*in_flight), Hash32{0xb2}, store::BlockStatus::kUnanimous), 100u);
      ++m_next_height;
    }
    in_flight = sealed;
    EXPECT_FALSE(m_pool->empty());
    EXPECT_LE(m_pool->overlay_keys(), 2 * m_pool->size_ops() + Mempool::kOverlaySlackKeys + 100) << "round " << round;
  }
  for (int round = 0; round < 59; ++round) {
    ASSERT_EQ(answers[static_cast<std::size_t>(round)].calls, 1);
    EXPECT_TRUE(answers[static_cast<std::size_t>(round)].result->ok()) << "round " << round;
  }
  // After the rebuilds a new request is still checked against the batch in flight: deleting a key
  // only that batch creates is accepted.
  Answer next;
  Accept({test::Del("app", "r59-0")}, next);
  auto batch = m_pool->Seal(m_next_height);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->seq, 61u);
}

TEST_F(MempoolTest, ARequestThatDoesNotExecuteFailsAloneAndLeavesTheOthersOpen) {
  Answer a, b;
  Accept({Put("app", "a", "1")}, a);
  // All or nothing: the put is fine, the delete of a missing key is not, so neither joins.
  auto bad = m_pool->Add({Put("app", "z", "1"), test::Del("app", "missing")}, m_next_height, b.Sink());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalid) << bad.error().ToString();
  EXPECT_EQ(bad.error().message.find("batch "), std::string::npos) << "names ops, not an internal batch: " << bad.error().message;
  EXPECT_EQ(b.calls, 0) << "the caller answers an error Add returns";
  auto batch = m_pool->Seal(m_next_height);
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->ops.size(), 1u);
  EXPECT_EQ(batch->ops[0].key, "a");
}

TEST_F(MempoolTest, ADroppedBatchFailsOnlyTheRequestsThatNoLongerExecute) {
  Answer x, y, z, later;
  Accept({Put("app", "x", "1")}, x);
  Accept({Put("app", "y", "1")}, y);
  Accept({Put("app", "z", "1")}, z);
  auto first = m_pool->Seal(m_next_height);
  ASSERT_TRUE(first.has_value());
  Accept({Put("app", "later", "1")}, later);  // open when the drop comes
  // Meanwhile member 2 wrote "x" first: it owns the key, and member 1's batch no longer executes.
  m_view.keys[{"app", "x"}] = state::KeyState{ToBytes("theirs"), false, 2, 1};
  const std::vector<chain::TxBatch> again = m_pool->OnDropped(*first, "the batch no longer executes");

  ASSERT_EQ(x.calls, 1);
  ASSERT_FALSE(x.result->ok());
  EXPECT_EQ(x.result->error().code, Errc::kConflict);
  EXPECT_NE(x.result->error().message.find("may not change key 'x'"), std::string::npos) << x.result->error().message;
  EXPECT_EQ(y.calls + z.calls + later.calls, 0) << "they did nothing wrong: they go out again";
  EXPECT_FALSE(m_pool->has_open());
  // The open batch first, then y and z each alone, so that a second drop is theirs alone.
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].seq, 1u) << "the dropped batch's seq is free again";
  ASSERT_EQ(again[0].ops.size(), 1u);
  EXPECT_EQ(again[0].ops[0].key, "later");
  ASSERT_EQ(again[1].ops.size(), 1u);
  EXPECT_EQ(again[1].ops[0].key, "y");
  EXPECT_EQ(again[1].seq, 2u);
  ASSERT_EQ(again[2].ops.size(), 1u);
  EXPECT_EQ(again[2].ops[0].key, "z");
  EXPECT_EQ(again[2].seq, 3u);
  auto executed = state::ExecuteBatches(state::ExecRules{&m_epoch, {}}, m_chain_id, m_view, again, m_next_height);
  ASSERT_TRUE(executed.ok()) << executed.error().ToString();

  // The dropped batch can never acknowledge anyone.
  EXPECT_EQ(m_pool->OnCommitted(BlockOf(*first), Hash32{0xb1}, store::BlockStatus::kMajority), 0u);
  EXPECT_EQ(y.calls, 0);
  // z's retry is dropped too (a reason the proposers see and this node does not): it fails alone.
  EXPECT_TRUE(m_pool->OnDropped(again[2], "the batch no longer executes").empty());
  ASSERT_EQ(z.calls, 1);
  EXPECT_EQ(z.result->error().code, Errc::kConflict);
  chain::Block block = BlockOf(again[0]);
  block.batches.push_back(again[1]);
  EXPECT_EQ(m_pool->OnCommitted(block, Hash32{0xb2}, store::BlockStatus::kMajority), 2u);
  for (Answer* answer : {&y, &later}) {
    ASSERT_EQ(answer->calls, 1);
    ASSERT_TRUE(answer->result->ok());
    EXPECT_EQ((*answer->result)->op_count, 1u);
  }
  EXPECT_EQ(x.calls, 1) << "answered exactly once";
  EXPECT_EQ(z.calls, 1);
}

TEST_F(MempoolTest, ADroppedBatchOfOneRequestFailsItWithTheReason) {
  Answer a;
  Accept({Put("app", "a", "1")}, a);
  auto batch = m_pool->Seal(m_next_height);
  ASSERT_TRUE(batch.has_value());
  EXPECT_TRUE(m_pool->OnDropped(*batch, "expired").empty());
  ASSERT_EQ(a.calls, 1);
  EXPECT_EQ(a.result->error().code, Errc::kConflict);
  EXPECT_EQ(a.result->error().message, "operations not committed: expired");
  EXPECT_TRUE(m_pool->empty());
}

TEST_F(MempoolTest, TheOpenBatchIsSealedBeforeARequestThatWouldOverfillIt) {
  m_epoch.config.params.max_batch_bytes = 1024;
  Answer a, b, c;
  Accept({Put("app", "a", std::string(400, 'v'))}, a);
  Accept({Put("app", "b", std::string(400, 'v'))}, b);
  auto full = m_pool->Add({Put("app", "c", std::string(400, 'v'))}, m_next_height, c.Sink());
  ASSERT_TRUE(full.ok()) << full.error().ToString();
  ASSERT_TRUE(full->has_value()) << "a and b went out so that c fits the next batch";
  EXPECT_EQ((*full)->ops.size(), 2u);
  EXPECT_LE(codec::Encode(**full).size(), 1024u);
  auto next = m_pool->Seal(m_next_height);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->seq, (*full)->seq + 1);
  ASSERT_EQ(next->ops.size(), 1u);
  EXPECT_EQ(next->ops[0].key, "c");

  // A refused request never seals the open batch (nothing would hand that batch on).
  Accept({Put("app", "d", std::string(400, 'v'))}, a);
  Accept({Put("app", "e", std::string(400, 'v'))}, b);
  Answer refused;
  auto bad = m_pool->Add({Put("app", "f", std::string(400, 'v')), test::Del("app", "missing")}, m_next_height, refused.Sink());
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(m_pool->has_open());
  auto rest = m_pool->Seal(m_next_height);
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(rest->ops.size(), 2u);

  Answer big;
  auto too_large = m_pool->Add({Put("app", "big", std::string(1100, 'v'))}, m_next_height, big.Sink());
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().code, Errc::kTooLarge);
  EXPECT_FALSE(m_pool->has_open());
}

TEST_F(MempoolTest, FailAllAnswersOpenAndPendingRequestsOnce) {
  Answer sealed, open;
  Accept({Put("app", "a", "1")}, sealed);
  ASSERT_TRUE(m_pool->Seal(m_next_height).has_value());
  Accept({Put("app", "b", "1")}, open);
  m_pool->FailAll(Error{Errc::kUnavailable, "stopping"});
  for (Answer* answer : {&sealed, &open}) {
    ASSERT_EQ(answer->calls, 1);
    ASSERT_FALSE(answer->result->ok());
    EXPECT_EQ(answer->result->error().code, Errc::kUnavailable);
  }
  EXPECT_TRUE(m_pool->empty());
  EXPECT_EQ(m_pool->size_ops(), 0u);
}

}  // namespace
}  // namespace peerdb::node
