// A Node with anchoring on, against an in-process devchain (regtest chain, calendar and Esplora API
// over real HTTP on 127.0.0.1, mining only when the test asks): the head's checkpoint is submitted,
// the proof upgraded and confirmed, the statuses raised; a node stopped with a pending proof
// finishes it after a restart; Stop() returns within the request timeouts when the calendar
// accepts connections and never answers; bad whitelist patterns are refused at Open; a disclosure
// of an anchored record carries its anchor, which verifies against the devchain's Bitcoin headers.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "node_fixture.h"
#include "peerdb/anchor/esplora_header_source.h"
#include "peerdb/audit/disclosure_check.h"
#include "peerdb/chain/disclosure.h"
#include "peerdb/devchain/calendar.h"
#include "peerdb/devchain/server.h"
#include "peerdb/node/anchoring.h"
#include "peerdb/node/anchor_tasks.h"
#include "peerdb/node/node.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/store/store.h"

namespace peerdb::node {
namespace {

using test::Await;
using test::Put;
using test::SubmitAndWait;

Result<StatusView> StatusOf(Service& s) {
  return Await<StatusView>([&](Callback<StatusView> cb) { s.GetStatus(std::move(cb)); });
}

Result<BlockView> BlockOf(Service& s, std::uint64_t h) {
  return Await<BlockView>([&](Callback<BlockView> cb) { s.GetBlock(h, std::move(cb)); });
}

// Polls `pred` every 10 ms for up to 20 s.
template <class F>
bool WaitUntil(F pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class AnchoringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::TempDir();
    m_genesis = test::OneMemberGenesis(m_key);
    m_config = test::WriteNodeFiles(m_dir, m_genesis, m_key);
    std::filesystem::create_directories(m_dir + "/devchain");
    auto cal = devchain::Calendar::Open(m_dir + "/devchain", {}, m_clock);
    ASSERT_EQ(ErrcOf(cal), Errc::kOk) << MessageOf(cal);
    m_cal = std::move(*cal);
    devchain::ServerOptions options;
    options.block_interval = std::chrono::milliseconds(0);
    auto server = devchain::Server::Start(*m_cal, options);
    ASSERT_EQ(ErrcOf(server), Errc::kOk) << MessageOf(server);
    m_server = std::move(*server);
    AnchorConfig& a = m_config.anchor;
    a.enabled = true;
    a.calendars = {m_server->url()};
    a.min_calendars = 1;
    a.esplora = m_server->url();
    a.network = BitcoinNetwork::kRegtest;
    a.confirmations = 2;
    a.interval_ms = 20;
    a.upgrade_interval_ms = 20;
    a.timeout_ms = 2000;
  }

  std::unique_ptr<Node> OpenStarted() {
    auto node = Node::Open(m_config, m_clock);
    EXPECT_EQ(ErrcOf(node), Errc::kOk) << MessageOf(node);
    if (!node.ok()) return nullptr;
    EXPECT_TRUE((*node)->Start().ok());
    return std::move(*node);
  }

  util::SystemClock m_clock;
  MemberKey m_key = GenerateMemberKey();
  std::string m_dir;
  chain::Genesis m_genesis;
  NodeConfig m_config;
  std::unique_ptr<devchain::Calendar> m_cal;
  std::unique_ptr<devchain::Server> m_server;
};

TEST_F(AnchoringTest, HeadIsSubmittedUpgradedConfirmedAndStatusesRise) {
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  auto r = SubmitAndWait(*node, {Put("app", "k", "v")});
  ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
  EXPECT_EQ(r->status, store::BlockStatus::kUnanimous);
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(*node)->anchoring.planner.last_submitted_height >= r->height; }));
  auto pending = StatusOf(*node);
  EXPECT_TRUE(pending->anchoring.enabled);
  EXPECT_EQ(pending->anchoring.planner.pending_jobs, 1u);
  EXPECT_EQ(pending->final_height, 0u) << "no Bitcoin block yet";
  EXPECT_EQ(BlockOf(*node, r->height)->block.status, store::BlockStatus::kUnanimous);

  ASSERT_EQ(ErrcOf(m_cal->Mine(1)), Errc::kOk);  // the commitment is in block 1: one confirmation
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(StatusOf(*node)->final_height, 0u) << "2 confirmations are required";
  ASSERT_EQ(ErrcOf(m_cal->Mine(1)), Errc::kOk);
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(*node)->final_height >= r->height; }));
  auto s = StatusOf(*node);
  EXPECT_GE(s->anchored_height, r->height);
  EXPECT_EQ(s->anchoring.planner.pending_jobs, 0u);
  EXPECT_EQ(s->anchoring.planner.anchors, 1u);
  EXPECT_EQ(s->anchoring.planner.last_anchor_height, r->height);
  EXPECT_EQ(s->anchoring.planner.last_anchor_btc_height, 1u);
  EXPECT_NE(s->anchoring.planner.last_anchor_btc_time, 0u);
  EXPECT_TRUE(s->anchoring.planner.last_error.empty()) << s->anchoring.planner.last_error;
  EXPECT_EQ(BlockOf(*node, r->height)->block.status, store::BlockStatus::kFinal);
  node->Stop();

  auto db = store::Store::Open(m_config.data_dir + "/peerdb.sqlite", store::OpenMode::kReadOnly);
  ASSERT_EQ(ErrcOf(db), Errc::kOk);
  auto anchors = (*db)->LoadAnchors();
  ASSERT_EQ(anchors->size(), 1u);
  const store::StoredAnchor& a = anchors->at(0);
  EXPECT_EQ(a.height, r->height);
  EXPECT_EQ(a.record.btc_height, 1u);
  EXPECT_EQ(a.record.btc_block_hash, ots::BlockHash(m_cal->BlockAt(1)->header));
  ASSERT_TRUE(a.checkpoint.has_value());
  EXPECT_EQ(a.checkpoint->block_id, r->block_id);
  EXPECT_EQ(chain::CheckpointDigest(*a.checkpoint), a.record.digest);
  EXPECT_TRUE((*db)->LoadAnchorJobs()->empty());
}

TEST_F(AnchoringTest, ADisclosureCarriesTheAnchorThatFixesItsBlock) {
  // Two blocks written with anchoring off, then anchoring on: the anchor's checkpoint is the later
  // block, so the disclosure of the first record carries the header that links them.
  m_config.anchor.enabled = false;
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  auto r = SubmitAndWait(*node, {Put("app", "k", R"("anchored value")")});
  ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
  auto later = SubmitAndWait(*node, {Put("app", "later", "1")});
  ASSERT_EQ(ErrcOf(later), Errc::kOk) << MessageOf(later);
  ASSERT_GT(later->height, r->height);
  auto disclose = [&] {
    auto file = Await<Bytes>([&](Callback<Bytes> cb) { node->Disclose("app", "k", 0, std::move(cb)); });
    EXPECT_EQ(ErrcOf(file), Errc::kOk) << MessageOf(file);
    return chain::DecodeDisclosureFile(ByteSpan(file.ok() ? *file : Bytes{}));
  };
  auto early = disclose();
  ASSERT_EQ(ErrcOf(early), Errc::kOk) << MessageOf(early);
  EXPECT_FALSE(early->anchor.has_value()) << "nothing anchors the block yet";
  node->Stop();
  node.reset();  // releases the data directory's lock
  m_config.anchor.enabled = true;
  node = OpenStarted();
  ASSERT_NE(node, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(*node)->anchoring.planner.last_submitted_height >= later->height; }));
  ASSERT_EQ(ErrcOf(m_cal->Mine(2)), Errc::kOk);
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(*node)->final_height >= later->height; }));

  auto d = disclose();
  ASSERT_EQ(ErrcOf(d), Errc::kOk) << MessageOf(d);
  ASSERT_TRUE(d->anchor.has_value());
  EXPECT_EQ(d->anchor->checkpoint.h, later->height);
  ASSERT_EQ(d->anchor->headers.size(), later->height - r->height);
  anchor::EsploraHeaderSource source(m_server->url());
  audit::BitcoinView bitcoin;
  bitcoin.headers = &source;
  bitcoin.tip_height = [&source] { return source.TipHeight(); };
  bitcoin.description = "the devchain";
  bitcoin.pow_limit_bits = ots::kRegtestPowLimitBits;
  bitcoin.min_confirmations = 2;  // as the node was configured (the genesis's k_anchor is 6)
  auto report = audit::VerifyDisclosure(m_genesis, *d, bitcoin);
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_TRUE(report->anchor.has_value());
  EXPECT_EQ(report->anchor->verdict, audit::AnchorVerdict::kConfirmed);
  EXPECT_EQ(report->anchor->covering.btc_height, 1u);
  EXPECT_TRUE(report->anchor_checked_against_bitcoin);
  bool named = false;
  for (const std::string& line : audit::FormatDisclosureReport(*report)) {
    named = named || line.rfind("anchor    Bitcoin block 1 commits to the checkpoint of block", 0) == 0;
  }
  EXPECT_TRUE(named);
  // Without a header source the anchor is checked for its shape only, and said so.
  auto offline = audit::VerifyDisclosure(m_genesis, *d);
  ASSERT_EQ(ErrcOf(offline), Errc::kOk) << MessageOf(offline);
  EXPECT_EQ(offline->anchor->verdict, audit::AnchorVerdict::kUnchecked);

  // What ties the record to the anchor cannot be changed.
  auto refused = [&](const std::function<void(chain::Disclosure&)>& edit) {
    chain::Disclosure bad = *d;
    edit(bad);
    return !audit::VerifyDisclosure(m_genesis, bad, bitcoin).ok();
  };
  EXPECT_TRUE(refused([](chain::Disclosure& x) { x.anchor->checkpoint.block_id[0] ^= 1; }));
  EXPECT_TRUE(refused([](chain::Disclosure& x) { x.anchor->anchor.digest[0] ^= 1; }));
  EXPECT_TRUE(refused([](chain::Disclosure& x) { x.anchor->anchor.btc_height += 1; }));
  EXPECT_TRUE(refused([](chain::Disclosure& x) { x.anchor->anchor.btc_block_hash[3] ^= 1; }));
  EXPECT_TRUE(refused([](chain::Disclosure& x) { x.anchor->anchor.proof.back() ^= 1; }));
  EXPECT_TRUE(refused([](chain::Disclosure& x) { x.anchor->checkpoint.h += 1; }));
  EXPECT_TRUE(refused([](chain::Disclosure& x) { x.anchor->headers[0].timestamp_ms += 1; }));
  EXPECT_TRUE(refused([](chain::Disclosure& x) { x.anchor->headers.pop_back(); }));
  EXPECT_TRUE(refused([](chain::Disclosure& x) { x.block.header.timestamp_ms += 1; }));
}

TEST_F(AnchoringTest, APendingProofIsFinishedAfterARestart) {
  std::uint64_t height = 0;
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    auto r = SubmitAndWait(*node, {Put("app", "k", "v")});
    ASSERT_EQ(ErrcOf(r), Errc::kOk);
    height = r->height;
    ASSERT_TRUE(WaitUntil([&] { return StatusOf(*node)->anchoring.planner.last_submitted_height >= height; }));
    node->Stop();
  }
  {
    auto db = store::Store::Open(m_config.data_dir + "/peerdb.sqlite", store::OpenMode::kReadOnly);
    auto jobs = (*db)->LoadAnchorJobs();
    ASSERT_EQ(jobs->size(), 1u);
    EXPECT_TRUE(jobs->at(0).timestamp.has_value()) << "the pending proof is on disk";
  }
  ASSERT_EQ(ErrcOf(m_cal->Mine(2)), Errc::kOk);
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(StatusOf(*node)->anchoring.planner.pending_jobs, 1u) << "resumed from the store";
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(*node)->final_height >= height; }));
  auto s = StatusOf(*node);
  EXPECT_EQ(s->anchoring.planner.anchors, 1u);
  EXPECT_EQ(s->anchoring.planner.pending_jobs, 0u);
  EXPECT_EQ(s->anchoring.planner.last_submitted_height, height) << "the same head is not submitted twice";
}

TEST_F(AnchoringTest, StopReturnsWithinTheTimeoutsWhenTheCalendarNeverAnswers) {
  // A listening socket that is never accepted: connections complete, requests are never answered.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  m_config.anchor.calendars = {url};
  m_config.anchor.esplora = url;
  m_config.anchor.timeout_ms = 300;
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "k", "v")})), Errc::kOk);
  ASSERT_TRUE(WaitUntil([&] { return !StatusOf(*node)->anchoring.planner.last_error.empty(); }));
  EXPECT_NE(StatusOf(*node)->anchoring.planner.last_error.find("submitting block 1"), std::string::npos)
      << StatusOf(*node)->anchoring.planner.last_error;
  EXPECT_EQ(StatusOf(*node)->anchoring.planner.last_submitted_height, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a retry is likely in flight now
  const auto start = std::chrono::steady_clock::now();
  node->Stop();
  const auto took = std::chrono::steady_clock::now() - start;
  // One request at a time: at most attempts (2) x (connect + read timeout) + the retry delay.
  EXPECT_LT(took, std::chrono::milliseconds(2 * 600 + 500 + 1000));
  // The job was saved before the digest left: it is there for the next start.
  auto db = store::Store::Open(m_config.data_dir + "/peerdb.sqlite", store::OpenMode::kReadOnly);
  EXPECT_EQ((*db)->LoadAnchorJobs()->size(), 1u);
}

TEST_F(AnchoringTest, BadWhitelistPatternIsAConfigErrorAtOpen) {
  m_config.anchor.whitelist = {"https://*evil*/x?y"};
  auto node = Node::Open(m_config, m_clock);
  ASSERT_EQ(ErrcOf(node), Errc::kConfig);
  EXPECT_NE(MessageOf(node).find("whitelist"), std::string::npos) << MessageOf(node);
}

// A clock the test moves forward; wall time starts at the real time so blocks follow the genesis.
class SteppedClock final : public util::Clock {
 public:
  std::uint64_t NowMs() const override { return util::SystemClock().NowMs() + m_offset.load(); }
  std::uint64_t MonotonicMs() const override { return util::SystemClock().MonotonicMs() + m_offset.load(); }
  void Advance(std::uint64_t ms) { m_offset += ms; }

 private:
  std::atomic<std::uint64_t> m_offset{0};
};

TEST_F(AnchoringTest, AnchorLagAlertAfterEightHoursWithoutFinal) {
  SteppedClock clock;
  auto opened = Node::Open(m_config, clock);
  ASSERT_EQ(ErrcOf(opened), Errc::kOk) << MessageOf(opened);
  std::unique_ptr<Node> node = std::move(*opened);
  EXPECT_TRUE(node->Start().ok());
  auto r = SubmitAndWait(*node, {Put("app", "k", "v")});
  ASSERT_EQ(ErrcOf(r), Errc::kOk);
  clock.Advance(anchor::kAnchorLagAlertMs - 60'000);
  EXPECT_FALSE(StatusOf(*node)->anchoring.anchor_lag) << "under 8 hours";
  clock.Advance(120'000);
  auto lagging = StatusOf(*node);
  EXPECT_TRUE(lagging->anchoring.anchor_lag);
  ASSERT_EQ(lagging->alerts.size(), 1u);
  EXPECT_EQ(lagging->alerts[0].code, "A5 ANCHOR_LAG");
  EXPECT_EQ(lagging->alerts[0].from_height, r->height) << "names the block waiting to become FINAL";
  // The anchor arrives: the alert clears.
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(*node)->anchoring.planner.last_submitted_height >= r->height; }));
  ASSERT_EQ(ErrcOf(m_cal->Mine(2)), Errc::kOk);
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(*node)->final_height >= r->height; }));
  auto s = StatusOf(*node);
  EXPECT_FALSE(s->anchoring.anchor_lag);
  EXPECT_TRUE(s->alerts.empty());
  node->Stop();
}

TEST(AnchorTasks, PruningBitcoinAttestationsKeepsThePendingOnes) {
  const Bytes digest(32, 7);
  ots::Timestamp t(digest);
  ots::Timestamp* cal = *t.AddOp(ots::AppendOp(ToBytes("calendar")));
  cal->AddAttestation(ots::Attestation::Pending("https://a.calendar.example"));
  ots::Timestamp* btc = *cal->AddOp(ots::Sha256Op());
  btc->AddAttestation(ots::Attestation::Bitcoin(812));
  (*t.AddOp(ots::PrependOp(ToBytes("other"))))->AddAttestation(ots::Attestation::Bitcoin(813));
  auto pruned = WithoutBitcoinAttestations(t);
  ASSERT_TRUE(pruned.has_value());
  const auto leaves = pruned->AllAttestations();
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(leaves[0].attestation.kind, ots::AttestationKind::kPending);
  EXPECT_EQ(pruned->ops().size(), 1u) << "the branch left without attestations is dropped";
  EXPECT_TRUE(ots::EncodeTimestamp(*pruned).ok());
  ots::Timestamp only_btc(digest);
  only_btc.AddAttestation(ots::Attestation::Bitcoin(1));
  EXPECT_FALSE(WithoutBitcoinAttestations(only_btc).has_value());
}

}  // namespace
}  // namespace peerdb::node
