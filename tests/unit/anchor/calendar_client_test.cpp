// The calendar client against real loopback servers: what a submission sends, replies that are
// garbage / slow / absent / oversize / 5xx / 404, retries, m-of-n, concurrency, the whitelist and
// upgrading pending attestations (with a real Bitcoin path taken from a proof in the wild).
#include "peerdb/anchor/calendar_client.h"

#include <chrono>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <thread>

#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/stamp_tree.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/util/file.h"
#include "test_calendar.h"

namespace peerdb::anchor {
namespace {

using http::testing::Reply;
using http::testing::Request;
using http::testing::TestHttpServer;
using testing::TestCalendar;
using Clock = std::chrono::steady_clock;

Bytes Digest(std::string_view text) {
  const Hash32 h = crypto::Sha256(AsBytes(text));
  return Bytes(h.begin(), h.end());
}

CalendarOptions Fast(unsigned attempts = 1, std::chrono::milliseconds timeout = std::chrono::milliseconds(300)) {
  CalendarOptions o;
  o.fetch.connect_timeout = timeout;
  o.fetch.read_timeout = timeout;
  o.attempts = attempts;
  o.retry_delay = std::chrono::milliseconds(10);
  return o;
}

long long MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::size_t CountKind(const ots::Timestamp& t, ots::AttestationKind kind) {
  std::size_t n = 0;
  for (const ots::LeafAttestation& leaf : t.AllAttestations()) n += leaf.attestation.kind == kind;
  return n;
}

// A URL on which nothing listens.
std::string ClosedPortUrl() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = a.local_endpoint().port();
  a.close();
  return "http://127.0.0.1:" + std::to_string(port);
}

TEST(CalendarSubmit, PostsTheRawDigestWithTheReferenceHeadersAndParsesTheReply) {
  TestCalendar cal;
  const Bytes digest = Digest("hello");
  auto stamp = SubmitDigest(cal.url(), digest);
  ASSERT_TRUE(stamp.ok()) << stamp.error().message;
  EXPECT_EQ(stamp->msg(), digest);
  const auto leaves = stamp->AllAttestations();
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(leaves[0].attestation.kind, ots::AttestationKind::kPending);
  EXPECT_EQ(leaves[0].attestation.uri, cal.url());
  EXPECT_EQ(leaves[0].msg.size(), 4u + 32u + 8u);  // the 44-byte commitment
  const Request post = cal.last_post();
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.target, "/digest");
  EXPECT_EQ(post.body, AsString(digest));
  EXPECT_EQ(post.accept, "application/vnd.opentimestamps.v1");
  EXPECT_EQ(post.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(post.user_agent, "peerdb/0.1");
}

TEST(CalendarSubmit, KeepsTheCalendarPathWhenJoiningUrls) {
  TestCalendar cal("/cal");
  ASSERT_TRUE(SubmitDigest(cal.url(), Digest("a")).ok());
  EXPECT_EQ(cal.last_post().target, "/cal/digest");
  ASSERT_TRUE(SubmitDigest(cal.url() + "/", Digest("b")).ok());  // a trailing slash changes nothing
  EXPECT_EQ(cal.last_post().target, "/cal/digest");
  EXPECT_EQ(cal.submissions(), 2u);
}

TEST(CalendarSubmit, RefusesEmptyAndOverlongDigestsWithoutARequest) {
  TestCalendar cal;
  for (std::size_t len : {std::size_t{0}, std::size_t{65}}) {
    auto r = SubmitDigest(cal.url(), Bytes(len, 1));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kInvalid);
  }
  EXPECT_TRUE(SubmitDigest(cal.url(), Bytes(64, 1)).ok());
  EXPECT_EQ(cal.requests(), 1u);
}

TEST(CalendarSubmit, GarbageOrTrailingBytesAreMalformedAndNotRetried) {
  std::string body = "this is not a timestamp";
  TestHttpServer server([&](const std::string&) { return Reply{200, body, "application/octet-stream"}; });
  auto r = SubmitDigest(server.url(), Digest("x"), Fast(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_NE(r.error().message.find(server.url()), std::string::npos) << r.error().message;
  EXPECT_EQ(server.requests(), 1u);

  ots::Timestamp good(Digest("x"));
  good.AddAttestation(ots::Attestation::Pending("https://a.example"));
  body = AsString(*ots::EncodeTimestamp(good));
  EXPECT_TRUE(SubmitDigest(server.url(), Digest("x"), Fast()).ok());
  body += "zz";
  r = SubmitDigest(server.url(), Digest("x"), Fast());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(CalendarSubmit, RepliesAreCappedAt10000BytesEvenWithALargerFetchCap) {
  std::size_t size = 10'001;
  TestHttpServer server([&](const std::string&) { return Reply{200, std::string(size, '\xff')}; });
  CalendarOptions o = Fast();
  o.fetch.max_body = 1u << 20;
  auto r = SubmitDigest(server.url(), Digest("x"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
  size = 10'000;  // within the cap: read, then refused as garbage
  r = SubmitDigest(server.url(), Digest("x"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(CalendarSubmit, ServerErrorsAreRetriedUpToTheAttemptLimit) {
  TestHttpServer server([](const std::string&) { return Reply{500, "boom\n"}; });
  auto r = SubmitDigest(server.url(), Digest("x"), Fast(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("HTTP 500 boom_"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("3 attempts"), std::string::npos) << r.error().message;
  EXPECT_EQ(server.requests(), 3u);
}

TEST(CalendarSubmit, ARetryThatSucceedsIsASuccess) {
  int seen = 0;
  TestHttpServer flaky(http::testing::RequestHandler([&](const Request& req) {
    if (seen++ == 0) return Reply{503, "busy"};
    ots::Timestamp t(ToBytes(req.body));
    t.AddAttestation(ots::Attestation::Pending("https://a.example"));
    return Reply{200, AsString(*ots::EncodeTimestamp(t)), "application/octet-stream"};
  }));
  auto r = SubmitDigest(flaky.url(), Digest("x"), Fast(2));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(flaky.requests(), 2u);
}

TEST(CalendarSubmit, ClientErrorsAreNotRetried) {
  TestHttpServer server([](const std::string&) { return Reply{400, "digest too long"}; });
  auto r = SubmitDigest(server.url(), Digest("x"), Fast(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("HTTP 400 digest too long"), std::string::npos) << r.error().message;
  EXPECT_EQ(server.requests(), 1u);
}

TEST(CalendarSubmit, AStalledCalendarTimesOutOnEveryAttempt) {
  TestHttpServer server([](const std::string&) { return Reply{.hang = true}; });
  const auto start = Clock::now();
  auto r = SubmitDigest(server.url(), Digest("x"), Fast(2, std::chrono::milliseconds(200)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_LT(MillisSince(start), 2000);
  EXPECT_EQ(server.requests(), 2u);
}

TEST(CalendarSubmit, ACalendarThatNeverAnswersIsUnavailable) {
  auto r = SubmitDigest(ClosedPortUrl(), Digest("x"), Fast(2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);

  boost::asio::io_context ioc;  // listens (the kernel completes the handshake) but never accepts
  boost::asio::ip::tcp::acceptor silent(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto start = Clock::now();
  r = SubmitDigest("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()), Digest("x"), Fast(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_LT(MillisSince(start), 2000);
}

TEST(CalendarSubmit, RepliesThatWouldNestTooDeepAreRefused) {
  TestCalendar cal;  // its reply is 2 ops deep
  CalendarOptions o = Fast();
  o.root_depth = ots::kMaxNestedOps - 2;
  EXPECT_TRUE(SubmitDigest(cal.url(), Digest("x"), o).ok());
  o.root_depth = ots::kMaxNestedOps - 1;
  auto r = SubmitDigest(cal.url(), Digest("x"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
}

TEST(CalendarFetch, A404IsNotFoundWithTheMessageSanitized) {
  const std::string hostile = "Pending\r\nSuccess! Timestamp complete\x1b[0m #-.,; " + std::string(300, 'x');
  TestHttpServer server([&](const std::string&) { return Reply{404, hostile}; });
  auto r = FetchTimestamp(server.url(), Bytes(44, 7), Fast(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_EQ(r.error().message.size(), 160u);
  EXPECT_TRUE(r.error().message.starts_with("Pending__Success_ Timestamp complete__0m #-.,; xxx")) << r.error().message;
  EXPECT_EQ(server.requests(), 1u);  // a 404 is an answer, not a failure to retry
  EXPECT_EQ(server.targets()[0], "/timestamp/" + Hex(Bytes(44, 7)));
}

TEST(CalendarSubmitToCalendars, SucceedsWithMOfNAndReportsEachCalendar) {
  TestCalendar a, b;
  TestHttpServer broken([](const std::string&) { return Reply{500, "down"}; });
  const std::vector<std::string> cals = {a.url(), broken.url(), b.url()};
  ots::Timestamp root(Digest("root"));
  auto r = SubmitToCalendars(cals, 2, root, Fast(2));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].calendar, a.url());
  EXPECT_TRUE((*r)[0].status.ok());
  EXPECT_FALSE((*r)[1].status.ok());
  EXPECT_EQ((*r)[1].status.error().code, Errc::kUnavailable);
  EXPECT_TRUE((*r)[2].status.ok());
  EXPECT_EQ(CountKind(root, ots::AttestationKind::kPending), 2u);
  EXPECT_EQ(broken.requests(), 2u);
}

TEST(CalendarSubmitToCalendars, FailsBelowMNamingEachFailureButKeepsWhatArrived) {
  TestCalendar a;
  TestHttpServer broken([](const std::string&) { return Reply{500, "down"}; });
  const std::string closed = ClosedPortUrl();
  ots::Timestamp root(Digest("root"));
  auto r = SubmitToCalendars({a.url(), broken.url(), closed}, 2, root, Fast(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  const std::string& m = r.error().message;
  EXPECT_TRUE(m.starts_with("1 of 3 calendars answered, 2 needed")) << m;
  EXPECT_NE(m.find(broken.url() + ": HTTP 500"), std::string::npos) << m;
  EXPECT_NE(m.find(closed.substr(7)), std::string::npos) << m;
  EXPECT_EQ(CountKind(root, ots::AttestationKind::kPending), 1u);
}

TEST(CalendarSubmitToCalendars, RefusesImpossibleM) {
  TestCalendar a;
  ots::Timestamp root(Digest("root"));
  for (std::size_t m : {std::size_t{0}, std::size_t{2}}) {
    auto r = SubmitToCalendars({a.url()}, m, root);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kInvalid);
  }
  auto r = SubmitToCalendars({}, 1, root);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalid);
  EXPECT_EQ(a.requests(), 0u);
}

TEST(CalendarSubmitToCalendars, StalledCalendarsAreWaitedForConcurrently) {
  std::vector<std::unique_ptr<TestHttpServer>> servers;
  std::vector<std::string> urls;
  for (int i = 0; i < 4; ++i) {
    servers.push_back(std::make_unique<TestHttpServer>([](const std::string&) { return Reply{.hang = true}; }));
    urls.push_back(servers.back()->url());
  }
  ots::Timestamp root(Digest("root"));
  const auto start = Clock::now();
  auto r = SubmitToCalendars(urls, 1, root, Fast(1, std::chrono::milliseconds(500)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_LT(MillisSince(start), 1500);  // one timeout, not four in a row
  for (const auto& s : servers) EXPECT_EQ(s->requests(), 1u);
}

TEST(CalendarWhitelist, DefaultPatternsAcceptTheirCalendars) {
  const CalendarWhitelist w(kDefaultCalendarWhitelist);
  for (const char* ok : {"https://alice.btc.calendar.opentimestamps.org", "https://bob.btc.calendar.opentimestamps.org/",
                         "https://finney.calendar.eternitywall.com", "https://btc.calendar.catallaxy.com",
                         "https://ALICE.BTC.Calendar.OpenTimestamps.org", "https://a.calendar.opentimestamps.org:443"}) {
    EXPECT_TRUE(w.Allows(ok)) << ok;
  }
}

TEST(CalendarWhitelist, HostileUrlsAreRejected) {
  const CalendarWhitelist w(kDefaultCalendarWhitelist);
  for (const char* bad : {
           "https://evil.org/.calendar.opentimestamps.org",      // the suffix in the path
           "https://evil.org/a.calendar.opentimestamps.org",
           "https://calendar.opentimestamps.org",                // '*' needs at least one label
           "https://.calendar.opentimestamps.org",               // empty label
           "https://a..calendar.opentimestamps.org",
           "https://evil.org?.calendar.opentimestamps.org",      // query
           "https://a.calendar.opentimestamps.org?x=1",
           "https://a.calendar.opentimestamps.org/#x",
           "https://evil.org@a.calendar.opentimestamps.org",     // user info
           "https://a.calendar.opentimestamps.org@evil.org",
           "https://a.calendar.opentimestamps.org:8443",         // another port
           "http://a.calendar.opentimestamps.org",               // another scheme
           "https://a.calendar.opentimestamps.org/other",        // another path
           "https://a.calendar.opentimestamps.org.evil.org",
           "https://acalendar.opentimestamps.org",
           "https://a_b.calendar.opentimestamps.org",
           "https://a.calendar.opentimestamps.org.",
           "https://*.calendar.opentimestamps.org",              // a URL is not a pattern
           "https://a.calendar.opentimestamps.org/\r\n",
           "", "calendar.opentimestamps.org"}) {
    EXPECT_FALSE(w.Allows(bad)) << bad;
  }
}

TEST(CalendarWhitelist, ExactPatternsAndSchemelessPatterns) {
  CalendarWhitelist w({"http://127.0.0.1:8080/cal", "calendar.example.org"});
  EXPECT_TRUE(w.Allows("http://127.0.0.1:8080/cal"));
  EXPECT_TRUE(w.Allows("http://127.0.0.1:8080/cal/"));
  EXPECT_FALSE(w.Allows("http://127.0.0.1:8081/cal"));
  EXPECT_FALSE(w.Allows("http://127.0.0.1:8080"));
  EXPECT_FALSE(w.Allows("https://127.0.0.1:8080/cal"));
  EXPECT_TRUE(w.Allows("http://calendar.example.org"));
  EXPECT_TRUE(w.Allows("https://calendar.example.org"));
  EXPECT_FALSE(w.Allows("https://x.calendar.example.org"));
  w.Add("https://*.example.org");
  EXPECT_TRUE(w.Allows("https://x.y.example.org"));
}

TEST(CalendarWhitelist, CheckPatternRejectsStarsOutsideTheFirstLabelAndQueries) {
  for (const char* ok : {"https://*.calendar.example.org", "http://127.0.0.1:1/x", "calendar.example.org"}) {
    EXPECT_TRUE(CalendarWhitelist::CheckPattern(ok).ok()) << ok;
  }
  for (const char* bad : {"https://cal*.example.org", "https://*", "https://*.", "https://a.*.org", "https://*.a.*.org",
                          "https://x.org?q=1", "ftp://x.org", "https://u@x.org", "https://*example.org"}) {
    const Status s = CalendarWhitelist::CheckPattern(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, Errc::kConfig) << bad;
    EXPECT_FALSE(CalendarWhitelist({bad}).Allows("https://cal.example.org")) << bad;
  }
}

// A copy of t in which pending URIs are renamed by `rename` and, if prune, the ops below every node
// that carries a pending attestation are dropped (what the proof looked like before its upgrade).
ots::Timestamp Copy(const ots::Timestamp& t, const std::function<std::string(const std::string&)>& rename, bool prune) {
  ots::Timestamp out(t.msg());
  bool pending = false;
  for (const ots::Attestation& a : t.attestations()) {
    if (a.kind == ots::AttestationKind::kPending) {
      pending = true;
      out.AddAttestation(ots::Attestation::Pending(rename(a.uri)));
    } else {
      out.AddAttestation(a);
    }
  }
  if (pending && prune) return out;
  for (const ots::OpEdge& e : t.ops()) EXPECT_TRUE(out.AddChild(e.op, Copy(*e.child, rename, prune)).ok());
  return out;
}

// The node carrying a pending attestation for uri.
const ots::Timestamp* FindPending(const ots::Timestamp& t, const std::string& uri) {
  for (const ots::Attestation& a : t.attestations()) {
    if (a.kind == ots::AttestationKind::kPending && a.uri == uri) return &t;
  }
  for (const ots::OpEdge& e : t.ops()) {
    if (const ots::Timestamp* found = FindPending(*e.child, uri)) return found;
  }
  return nullptr;
}

TEST(CalendarUpgrade, MergesARealBitcoinPathAndSkipsCalendarsOffTheWhitelist) {
  // osdsp.txt.ots: four calendars; catallaxy's branch continues to Bitcoin block 523364.
  auto real = ots::LoadOtsFile(PEERDB_SOURCE_DIR "/../shared/testdata/ots/javascript-opentimestamps/examples/osdsp.txt.ots");
  ASSERT_TRUE(real.ok()) << real.error().message;
  const ots::Timestamp* confirmed = FindPending(real->timestamp, "https://btc.calendar.catallaxy.com");
  ASSERT_NE(confirmed, nullptr);
  ASSERT_FALSE(confirmed->ops().empty());

  std::map<std::string, std::string> served;  // target -> body
  TestHttpServer server([&](const std::string& target) {
    if (auto it = served.find(target); it != served.end()) return Reply{200, it->second, "application/octet-stream"};
    return Reply{404, "Pending confirmation in Bitcoin blockchain"};
  });
  // Each calendar becomes a path on the loopback server.
  auto rename = [&](const std::string& uri) { return server.url() + "/" + uri.substr(uri.find("//") + 2, uri.find('.') - uri.find("//") - 2); };
  ots::Timestamp answer(confirmed->msg());
  for (const ots::OpEdge& e : confirmed->ops()) ASSERT_TRUE(answer.AddChild(e.op, e.child->Clone()).ok());
  served["/btc/timestamp/" + Hex(confirmed->msg())] = AsString(*ots::EncodeTimestamp(answer));

  ots::Timestamp pending = Copy(real->timestamp, rename, /*prune=*/true);
  ASSERT_EQ(CountKind(pending, ots::AttestationKind::kBitcoin), 0u);
  const CalendarWhitelist whitelist({server.url() + "/btc", server.url() + "/alice", server.url() + "/bob"});
  auto report = UpgradeTimestamp(pending, whitelist, Fast());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->changed);
  EXPECT_EQ(report->pending_tried, 3u);  // finney is not whitelisted
  EXPECT_EQ(report->upgraded, 1u);
  EXPECT_EQ(server.requests(), 3u);
  for (const std::string& t : server.targets()) EXPECT_EQ(t.find("/finney"), std::string::npos) << t;
  ASSERT_EQ(report->notes.size(), 3u);
  std::string notes;
  for (const std::string& n : report->notes) notes += n + "\n";
  EXPECT_NE(notes.find("Ignoring attestation from calendar " + server.url() + "/finney: calendar not in whitelist"),
            std::string::npos) << notes;
  EXPECT_NE(notes.find("Calendar " + server.url() + "/alice: Pending confirmation in Bitcoin blockchain"),
            std::string::npos) << notes;

  // The result is the real proof (URIs renamed): the pending attestation stays next to the path.
  const ots::Timestamp expected = Copy(real->timestamp, rename, /*prune=*/false);
  EXPECT_EQ(Hex(*ots::EncodeTimestamp(pending)), Hex(*ots::EncodeTimestamp(expected)));
  bool found = false;
  for (const ots::LeafAttestation& leaf : pending.AllAttestations()) {
    if (leaf.attestation.kind != ots::AttestationKind::kBitcoin) continue;
    found = true;
    EXPECT_EQ(leaf.attestation.height, 523364u);
    EXPECT_EQ(Hex(leaf.msg), "39780753a0e7785eea0fabafa8fbef1ef2539d26f6cbf3beac738a1de0e74f3c");
  }
  EXPECT_TRUE(found);

  // Second pass: the confirmed branch is not asked again, the others are.
  auto again = UpgradeTimestamp(pending, whitelist, Fast());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(again->pending_tried, 2u);
  EXPECT_EQ(server.requests(), 5u);
}

TEST(CalendarUpgrade, PendingUrisOffTheWhitelistAreNeverContacted) {
  TestCalendar cal;
  ots::Timestamp root(Digest("root"));
  ASSERT_TRUE(SubmitToCalendars({cal.url()}, 1, root, Fast()).ok());
  cal.Confirm(100);
  const std::size_t before = cal.requests();
  auto report = UpgradeTimestamp(root, CalendarWhitelist(kDefaultCalendarWhitelist), Fast());
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->changed);
  EXPECT_EQ(report->pending_tried, 0u);
  ASSERT_EQ(report->notes.size(), 1u);
  EXPECT_NE(report->notes[0].find("not in whitelist"), std::string::npos);
  EXPECT_EQ(cal.requests(), before);
  report = UpgradeTimestamp(root, CalendarWhitelist(), Fast());  // empty whitelist: nothing allowed
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(cal.requests(), before);
}

TEST(CalendarUpgrade, StampThenConfirmThenUpgradeAgainstALoopbackCalendar) {
  TestCalendar a, b("/b");
  ots::Timestamp root(Digest("root"));
  ASSERT_TRUE(SubmitToCalendars({a.url(), b.url()}, 2, root, Fast()).ok());
  const CalendarWhitelist whitelist({a.url(), b.url()});
  auto report = UpgradeTimestamp(root, whitelist, Fast());
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->changed);
  EXPECT_EQ(report->pending_tried, 2u);
  EXPECT_EQ(report->upgraded, 0u);

  a.Confirm(812345);
  report = UpgradeTimestamp(root, whitelist, Fast());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->changed);
  EXPECT_EQ(report->upgraded, 1u);
  EXPECT_EQ(CountKind(root, ots::AttestationKind::kBitcoin), 1u);
  EXPECT_EQ(CountKind(root, ots::AttestationKind::kPending), 2u);  // merge keeps pending
  EXPECT_EQ(a.lookups(), 2u);
  EXPECT_EQ(b.lookups(), 2u);
}

TEST(CalendarUpgrade, ACacheServesProofsThatShareACommitmentWithOneRequest) {
  // Ten files stamped together: ten proofs, different paths into one calendar commitment.
  TestCalendar cal;
  std::vector<Hash32> digests;
  std::vector<ots::StampNonce> nonces(10);
  for (int i = 0; i < 10; ++i) {
    const Bytes d = Digest(std::to_string(i));
    digests.push_back(*Hash32FromHex(Hex(d)));
    nonces[i].fill(static_cast<std::uint8_t>(i));
  }
  auto tree = ots::StampTree::Build(digests, nonces);
  ASSERT_TRUE(tree.ok());
  ots::Timestamp root(Bytes(tree->root().begin(), tree->root().end()));
  ASSERT_TRUE(SubmitToCalendars({cal.url()}, 1, root, Fast()).ok());
  std::vector<ots::Timestamp> proofs;
  for (int i = 0; i < 10; ++i) proofs.push_back(std::move(tree->FileTimestamp(i, root).value()));
  cal.Confirm(5);
  UpgradeCache cache;
  std::vector<std::thread> threads;
  std::vector<Result<UpgradeReport>> reports;
  for (int i = 0; i < 10; ++i) reports.emplace_back(Error{Errc::kInternal, "not run"});
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&, i] { reports[i] = UpgradeTimestamp(proofs[i], CalendarWhitelist({cal.url()}), Fast(), cache); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(reports[i].ok());
    EXPECT_TRUE(reports[i]->changed);
    EXPECT_EQ(CountKind(proofs[i], ots::AttestationKind::kBitcoin), 1u);
  }
  EXPECT_EQ(cal.lookups(), 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(CalendarUpgrade, ACachedFailureIsNotAskedAgain) {
  TestHttpServer down([](const std::string&) { return Reply{500, "down"}; });
  ots::Timestamp a(Digest("a")), b(Digest("a"));
  a.AddAttestation(ots::Attestation::Pending(down.url()));
  b.AddAttestation(ots::Attestation::Pending(down.url()));
  UpgradeCache cache;
  auto ra = UpgradeTimestamp(a, CalendarWhitelist({down.url()}), Fast(2), cache);
  auto rb = UpgradeTimestamp(b, CalendarWhitelist({down.url()}), Fast(2), cache);
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(down.requests(), 2u);  // two attempts, once
  ASSERT_EQ(rb->notes.size(), 1u);
  EXPECT_NE(rb->notes[0].find("HTTP 500"), std::string::npos) << rb->notes[0];
}

TEST(CalendarUpgrade, ManyPendingAttestationsAreCappedPerPass) {
  TestCalendar cal;
  ots::Timestamp root(Digest("root"));
  for (std::size_t i = 0; i < kMaxUpgradeRequests + 5; ++i) {
    ots::Timestamp* n = *root.AddOp(ots::AppendOp(Bytes{static_cast<std::uint8_t>(i)}));
    n->AddAttestation(ots::Attestation::Pending(cal.url()));
  }
  auto report = UpgradeTimestamp(root, CalendarWhitelist({cal.url()}), Fast());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->pending_tried, kMaxUpgradeRequests);
  EXPECT_EQ(cal.requests(), kMaxUpgradeRequests);
  EXPECT_EQ(report->notes.size(), kMaxUpgradeRequests + 5);  // 64 "Not found" + 5 skipped
}

}  // namespace
}  // namespace peerdb::anchor
