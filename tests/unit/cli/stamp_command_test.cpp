// peerdb stamp / peerdb upgrade in-process against loopback calendars: one submission for many
// files, refusals before anything is sent, m-of-n, the progress bar only where asked for, and
// upgrading with the whitelist, .bak and --wait. (Byte-identity with the reference client's
// stamping: tests/integration/test_stamp.py.)
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <initializer_list>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <vector>

#include "../anchor/test_calendar.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/progress.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/util/file.h"

namespace peerdb::cli {
namespace {

using http::testing::Reply;
using anchor::testing::TestCalendar;
using http::testing::TestHttpServer;

int RunArgs(std::vector<std::string> args) {
  args.insert(args.begin(), "peerdb");
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  ApiLauncher no_api = [](node::Service&, const std::string&) -> Result<std::unique_ptr<RunningApi>> {
    return Error{Errc::kUnavailable, "no API in this test"};
  };
  return Run(static_cast<int>(argv.size()), argv.data(), no_api);
}

struct Output {
  int code;
  std::string out, err;
};

Output Capture(std::vector<std::string> args) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  Output o;
  o.code = RunArgs(std::move(args));
  o.out = ::testing::internal::GetCapturedStdout();
  o.err = ::testing::internal::GetCapturedStderr();
  return o;
}

std::size_t CountKind(const ots::Timestamp& t, ots::AttestationKind kind) {
  std::size_t n = 0;
  for (const ots::LeafAttestation& leaf : t.AllAttestations()) n += leaf.attestation.kind == kind;
  return n;
}

bool HasNode(const ots::Timestamp& t, const Bytes& msg) {
  if (t.msg() == msg) return true;
  for (const ots::OpEdge& e : t.ops()) {
    if (HasNode(*e.child, msg)) return true;
  }
  return false;
}

class StampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("peerdb-stamp-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir / "sub");
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string P(const std::string& rel) const { return (m_dir / rel).string(); }
  std::string Write(const std::string& rel, const std::string& content) {
    std::ofstream(P(rel), std::ios::binary) << content;
    return P(rel);
  }
  Bytes Read(const std::string& path) { return *util::ReadFile(path, 1 << 20); }

  std::filesystem::path m_dir;
};

TEST_F(StampTest, OneSubmissionPerCalendarAndOneProofPerFile) {
  TestCalendar a, b("/cal");
  const std::vector<std::string> files = {Write("one.txt", "one\n"), Write("two.txt", "two\n"), Write("sub/3", "")};
  Output o = Capture({"stamp", "-c", a.url(), "--calendar", b.url(), files[0], files[1], files[2]});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "Submitted to 2 of 2 calendars; wrote 3 proofs (run peerdb upgrade in a few hours)\n");
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(a.submissions(), 1u);
  EXPECT_EQ(b.submissions(), 1u);
  const Bytes root = ToBytes(a.last_post().body);
  EXPECT_EQ(root.size(), 32u);
  std::set<Bytes> nonces;
  for (const std::string& f : files) {
    auto proof = ots::LoadOtsFile(f + ".ots");
    ASSERT_TRUE(proof.ok()) << proof.error().message;
    const Hash32 digest = crypto::Sha256(Read(f));
    EXPECT_EQ(proof->file_digest(), Bytes(digest.begin(), digest.end()));
    EXPECT_EQ(CountKind(proof->timestamp, ots::AttestationKind::kPending), 2u);
    ASSERT_EQ(proof->timestamp.ops().size(), 1u);
    const ots::Op& nonce = proof->timestamp.ops()[0].op;
    EXPECT_EQ(nonce.tag, ots::OpTag::kAppend);
    EXPECT_EQ(nonce.arg.size(), 16u);
    nonces.insert(nonce.arg);
    EXPECT_TRUE(HasNode(proof->timestamp, root)) << f << ": the path does not reach the submitted root";
    struct stat st {};
    ASSERT_EQ(::stat((f + ".ots").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0022, 0u);
  }
  EXPECT_EQ(nonces.size(), 3u);
  for (const auto& entry : std::filesystem::directory_iterator(m_dir)) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST_F(StampTest, AnExistingProofIsRefusedBeforeAnythingIsSent) {
  TestCalendar a;
  const std::string f1 = Write("a.txt", "a"), f2 = Write("b.txt", "b");
  Write("b.txt.ots", "keep me");
  Output o = Capture({"stamp", "-c", a.url(), f1, f2});
  EXPECT_EQ(o.code, kExitBadInput);
  EXPECT_EQ(o.err, "peerdb: " + f2 + ".ots already exists\n");
  EXPECT_EQ(a.requests(), 0u);
  EXPECT_FALSE(std::filesystem::exists(f1 + ".ots"));
  EXPECT_EQ(AsString(Read(f2 + ".ots")), "keep me");
}

TEST_F(StampTest, DirectoriesMissingFilesAndFilesNamedTwiceAreRefused) {
  TestCalendar a;
  const std::string f = Write("a.txt", "a");
  Output o = Capture({"stamp", "-c", a.url(), f, P("sub")});
  EXPECT_EQ(o.code, kExitBadInput);
  EXPECT_NE(o.err.find(P("sub") + " is a directory"), std::string::npos) << o.err;
  o = Capture({"stamp", "-c", a.url(), P("missing")});
  EXPECT_EQ(o.code, kExitBadInput);
  EXPECT_NE(o.err.find("no such file: " + P("missing")), std::string::npos) << o.err;
  o = Capture({"stamp", "-c", a.url(), f, (m_dir / "sub/../a.txt").string()});
  EXPECT_EQ(o.code, kExitBadInput);
  EXPECT_NE(o.err.find("given twice"), std::string::npos) << o.err;
  EXPECT_EQ(a.requests(), 0u);
  EXPECT_FALSE(std::filesystem::exists(f + ".ots"));
}

TEST_F(StampTest, FewerThanMCalendarRepliesWritesNothing) {
  TestCalendar a;
  TestHttpServer down([](const std::string&) { return Reply{500, "down"}; });
  const std::string f = Write("a.txt", "a");
  Output o = Capture({"stamp", "-c", a.url(), "-c", down.url(), "--timeout", "1", f});  // -m 2 by default
  EXPECT_EQ(o.code, kExitFailed);
  EXPECT_NE(o.err.find("timestamp not created: 1 of 2 calendars answered, 2 needed"), std::string::npos) << o.err;
  EXPECT_FALSE(std::filesystem::exists(f + ".ots"));

  o = Capture({"stamp", "-c", a.url(), "-c", down.url(), "-m", "1", f});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.err.find("peerdb: warning: " + down.url() + ": HTTP 500"), std::string::npos) << o.err;
  EXPECT_EQ(o.out, "Submitted to 1 of 2 calendars; wrote 1 proof (run peerdb upgrade in a few hours)\n");

  const std::string g = Write("b.txt", "b");  // -m above the number of calendars is capped
  o = Capture({"stamp", "-c", a.url(), "-m", "5", g});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(Capture({"stamp", "-c", a.url(), "-m", "0", Write("c.txt", "c")}).code, kExitBadInput);
  EXPECT_EQ(Capture({"stamp", "-c", "ftp://x", Write("d.txt", "d")}).code, kExitBadInput);
}

TEST(StampProgress, AutoModeNeedsATerminalAndALargeRun) {
  ::testing::internal::CaptureStderr();  // stderr is now a file, not a terminal
  EXPECT_FALSE(Progress::ShouldShow(-1, 1'000'000));
  EXPECT_TRUE(Progress::ShouldShow(1, 1));
  EXPECT_FALSE(Progress::ShouldShow(0, 1'000'000));
  ::testing::internal::GetCapturedStderr();
}

TEST_F(StampTest, ProgressIsDrawnOnlyWhenAskedFor) {
  TestCalendar a;
  std::vector<std::string> args = {"stamp", "-c", a.url(), "-m", "1"};
  for (int i = 0; i < 200; ++i) args.push_back(Write("sub/f" + std::to_string(i), std::to_string(i)));
  Output o = Capture(args);
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.err, "");
  for (int i = 0; i < 200; ++i) std::filesystem::remove(P("sub/f" + std::to_string(i) + ".ots"));
  args.push_back("--progress");
  o = Capture(args);
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.err.find("\rhashing ["), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("100% 200/200\n"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("\rwriting ["), std::string::npos) << o.err;
  EXPECT_EQ(o.out.find('\r'), std::string::npos);
  for (int i = 0; i < 200; ++i) std::filesystem::remove(P("sub/f" + std::to_string(i) + ".ots"));
  o = Capture({"stamp", "-c", a.url(), "-m", "1", "--no-progress", P("sub/f1")});
  EXPECT_EQ(o.err, "");
}

TEST_F(StampTest, UpgradeKeepsTheOldProofAndCompletesOnceConfirmed) {
  TestCalendar a;
  const std::string f = Write("a.txt", "a");
  ASSERT_EQ(Capture({"stamp", "-c", a.url(), f}).code, kExitOk);
  const std::string proof = f + ".ots";
  const Bytes pending = Read(proof);

  Output o = Capture({"upgrade", "-c", a.url(), proof});
  EXPECT_EQ(o.code, kExitFailed);
  EXPECT_EQ(o.out, proof + ": Pending confirmation in Bitcoin blockchain\n  Calendar " + a.url() +
                       ": Pending confirmation in Bitcoin blockchain\n");
  EXPECT_FALSE(std::filesystem::exists(proof + ".bak"));
  EXPECT_EQ(Read(proof), pending);

  a.Confirm(812345);
  o = Capture({"upgrade", "-c", a.url(), proof});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, proof + ": Success! Timestamp complete\n");
  EXPECT_EQ(Read(proof + ".bak"), pending);
  auto upgraded = ots::LoadOtsFile(proof);
  ASSERT_TRUE(upgraded.ok());
  EXPECT_EQ(CountKind(upgraded->timestamp, ots::AttestationKind::kBitcoin), 1u);
  EXPECT_EQ(CountKind(upgraded->timestamp, ots::AttestationKind::kPending), 1u);

  const std::size_t lookups = a.lookups();  // complete: no calendar is asked again
  o = Capture({"upgrade", "-c", a.url(), proof});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_EQ(a.lookups(), lookups);
}

TEST_F(StampTest, ProofsStampedTogetherAreUpgradedWithOneRequestAndReportedInOrder) {
  TestCalendar a;
  std::vector<std::string> args = {"stamp", "-c", a.url(), "-m", "1"};
  std::vector<std::string> proofs;
  for (int i = 0; i < 20; ++i) {
    args.push_back(Write("sub/g" + std::to_string(i), "g" + std::to_string(i)));
    proofs.push_back(args.back() + ".ots");
  }
  ASSERT_EQ(Capture(args).code, kExitOk);
  a.Confirm(3);
  std::vector<std::string> up = {"upgrade", "-c", a.url()};
  up.insert(up.end(), proofs.begin(), proofs.end());
  Output o = Capture(up);
  EXPECT_EQ(o.code, kExitOk) << o.err;
  std::string expected;
  for (const std::string& p : proofs) expected += p + ": Success! Timestamp complete\n";
  EXPECT_EQ(o.out, expected);
  EXPECT_EQ(a.lookups(), 1u);
  for (const std::string& p : proofs) EXPECT_TRUE(std::filesystem::exists(p + ".bak")) << p;
}

TEST_F(StampTest, UpgradeAsksOnlyWhitelistedCalendars) {
  TestCalendar a;
  const std::string f = Write("a.txt", "a");
  ASSERT_EQ(Capture({"stamp", "-c", a.url(), f}).code, kExitOk);
  a.Confirm(1);
  Output o = Capture({"upgrade", f + ".ots"});
  EXPECT_EQ(o.code, kExitFailed);
  EXPECT_NE(o.out.find("Ignoring attestation from calendar " + a.url() + ": calendar not in whitelist"), std::string::npos)
      << o.out;
  EXPECT_EQ(a.lookups(), 0u);
  o = Capture({"upgrade", "--whitelist", a.url(), f + ".ots"});
  EXPECT_EQ(o.code, kExitOk) << o.out << o.err;
  EXPECT_EQ(a.lookups(), 1u);
}

TEST_F(StampTest, UpgradeRefusesToOverwriteABackup) {
  TestCalendar a;
  const std::string f = Write("a.txt", "a");
  ASSERT_EQ(Capture({"stamp", "-c", a.url(), f}).code, kExitOk);
  const Bytes pending = Read(f + ".ots");
  Write("a.txt.ots.bak", "older");
  a.Confirm(1);
  Output o = Capture({"upgrade", "-c", a.url(), f + ".ots"});
  EXPECT_EQ(o.code, kExitFailed);
  EXPECT_NE(o.err.find(f + ".ots.bak already exists"), std::string::npos) << o.err;
  EXPECT_EQ(Read(f + ".ots"), pending);
  EXPECT_EQ(AsString(Read(f + ".ots.bak")), "older");
}

TEST_F(StampTest, UpgradeWaitTriesAgainUntilComplete) {
  TestCalendar a;
  const std::string f = Write("a.txt", "a");
  ASSERT_EQ(Capture({"stamp", "-c", a.url(), f}).code, kExitOk);
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    a.Confirm(7);
  });
  Output o = Capture({"upgrade", "--wait", "--wait-interval", "0.1", "-c", a.url(), f + ".ots"});
  later.join();
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, f + ".ots: Success! Timestamp complete\n");
  EXPECT_GE(a.lookups(), 2u);
  EXPECT_NE(o.err.find("not complete yet; checking again in 0.1 s"), std::string::npos) << o.err;
}

TEST_F(StampTest, UpgradeReportsUnreachableCalendarsAndBadInput) {
  TestCalendar a;
  const std::string f = Write("a.txt", "a");
  ASSERT_EQ(Capture({"stamp", "-c", a.url(), f}).code, kExitOk);
  // A proof whose calendar is offline: its pending attestation names a closed port.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acc(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string closed = "http://127.0.0.1:" + std::to_string(acc.local_endpoint().port());
  acc.close();
  auto proof = ots::LoadOtsFile(f + ".ots");
  ASSERT_TRUE(proof.ok());
  ots::DetachedTimestampFile offline;
  offline.timestamp = ots::Timestamp(proof->file_digest());
  ots::Timestamp* n = *offline.timestamp.AddOp(ots::AppendOp(Bytes{1}));
  n->AddAttestation(ots::Attestation::Pending(closed));
  ASSERT_TRUE(util::WriteFileDurable(P("offline.ots"), *ots::EncodeOtsFile(offline), 0644).ok());
  Output o = Capture({"upgrade", "--timeout", "1", "-c", closed, P("offline.ots")});
  EXPECT_EQ(o.code, kExitFailed);
  EXPECT_NE(o.out.find("Calendar " + closed + ": " + closed + ": cannot connect"), std::string::npos) << o.out;
  EXPECT_FALSE(std::filesystem::exists(P("offline.ots.bak")));

  EXPECT_EQ(Capture({"upgrade", P("missing.ots")}).code, kExitBadInput);
  EXPECT_EQ(Capture({"upgrade", f}).code, kExitBadInput);  // not a proof
  EXPECT_EQ(Capture({"upgrade", "--whitelist", "https://cal*.example.org", f + ".ots"}).code, kExitBadInput);
  EXPECT_EQ(Capture({"upgrade", "--wait-interval", "0", f + ".ots"}).code, kExitBadInput);
}

}  // namespace
}  // namespace peerdb::cli
