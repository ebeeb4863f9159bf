// The devchain server over real sockets on 127.0.0.1: calendar proofs fetched over HTTP verify
// through EsploraHeaderSource against the same server; reorgs break old proofs; restarts keep
// everything; every route refuses bad input with a 4xx and the server keeps serving.
#include "peerdb/devchain/server.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <thread>

#include <nlohmann/json.hpp>

#include "devchain_test_util.h"
#include "peerdb/devchain/routes.h"
#include "peerdb/anchor/esplora_header_source.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/ots/verify.h"

namespace peerdb::devchain {
namespace {

using testing::DigestOf;
using testing::FakeClock;
using testing::TempDir;

struct Response {
  int status = 0;
  std::string headers;  // lower-cased
  std::string body;
  std::string Header(const std::string& name) const {
    const auto at = headers.find("\r\n" + name + ": ");
    if (at == std::string::npos) return "";
    const auto begin = at + name.size() + 4;
    return headers.substr(begin, headers.find("\r\n", begin) - begin);
  }
};

// Sends raw bytes to ip:port, reads until the server closes (or 5 s), parses one response.
Response Exchange(std::uint16_t port, const std::string& raw, const std::string& ip = "127.0.0.1") {
  Response r;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return r;
  }
  std::string_view data = raw;
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  std::string in;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto end = in.find("\r\n\r\n");
  if (in.size() < 12 || !in.starts_with("HTTP/1.1 ") || end == std::string::npos) return r;
  r.status = std::stoi(in.substr(9, 3));
  r.headers = in.substr(0, end + 2);
  std::transform(r.headers.begin(), r.headers.end(), r.headers.begin(), [](unsigned char c) { return std::tolower(c); });
  r.body = in.substr(end + 4);
  return r;
}

Response Send(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
              const std::string& ip = "127.0.0.1") {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (method == "POST") raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return Exchange(port, raw + "\r\n" + body, ip);
}

class DevchainServerTest : public ::testing::Test {
 protected:
  // The block timer stays off unless a test sets block_interval.
  void Start(CalendarOptions options = {}, ServerOptions server_options = {.block_interval = {}}) {
    auto cal = Calendar::Open(m_dir.path(), options, m_clock);
    ASSERT_TRUE(cal.ok()) << cal.error().message;
    m_cal = std::move(*cal);
    auto server = Server::Start(*m_cal, server_options);
    ASSERT_TRUE(server.ok()) << server.error().message;
    m_server = std::move(*server);
    m_port = m_server->port();
  }
  void Stop() {
    m_server.reset();
    m_cal.reset();
  }

  // Submits a digest over HTTP; returns the timestamp rooted at it and the commitment.
  std::pair<ots::Timestamp, Bytes> Submit(const Hash32& digest) {
    const Response r = Send(m_port, "POST", "/digest", AsString(digest));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/octet-stream");
    auto ts = ots::DecodeTimestamp(AsBytes(r.body), Bytes(digest.begin(), digest.end()));
    EXPECT_TRUE(ts.ok());
    Bytes commitment = ts->AllAttestations().at(0).msg;
    return {std::move(*ts), std::move(commitment)};
  }

  nlohmann::json Admin(const std::string& action, const nlohmann::json& body) {
    const Response r = Send(m_port, "POST", "/admin/" + action, body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  }

  Result<ots::BitcoinVerification> Verify(const Bytes& commitment, const std::string& proof) {
    PEERDB_TRY_ASSIGN(const ots::Timestamp ts, ots::DecodeTimestamp(AsBytes(proof), commitment));
    anchor::EsploraHeaderSource source(m_server->url());
    return ots::VerifyBitcoin(ts, source, ots::VerifyOptions{.pow_limit_bits = ots::kRegtestPowLimitBits});
  }

  TempDir m_dir;
  FakeClock m_clock;
  std::unique_ptr<Calendar> m_cal;
  std::unique_ptr<Server> m_server;
  std::uint16_t m_port = 0;
};

TEST_F(DevchainServerTest, CalendarProofVerifiesThroughItsOwnEsploraApi) {
  Start(CalendarOptions{.filler_txs = 3});
  EXPECT_EQ(m_cal->public_url(), m_server->url());
  auto [ts, commitment] = Submit(DigestOf("invoice 17"));
  EXPECT_EQ(ts.AllAttestations().at(0).attestation, ots::Attestation::Pending(m_server->url()));
  const std::string path = "/timestamp/" + Hex(commitment);
  Response pending = Send(m_port, "GET", path);
  EXPECT_EQ(pending.status, 404);
  EXPECT_EQ(pending.body, "Pending confirmation in Bitcoin blockchain");
  EXPECT_EQ(pending.Header("content-type"), "text/plain");

  const auto mined = Admin("mine", {{"blocks", 1}});
  EXPECT_EQ(mined["height"], 1);
  const Response found = Send(m_port, "GET", path);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.Header("content-type"), "application/octet-stream");
  EXPECT_EQ(found.Header("cache-control"), "public, max-age=31536000");
  auto verified = Verify(commitment, found.body);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->height, 1u);
  EXPECT_EQ(ots::DisplayHex(verified->block_hash), mined["hash"].get<std::string>());

  // The whole tree, merged as a client's upgrade does, verifies from the digest.
  auto upgrade = ots::DecodeTimestamp(AsBytes(found.body), commitment);
  ots::Timestamp* node = &ts;
  while (node->msg() != commitment) node = node->ops().at(0).child.get();
  ASSERT_TRUE(node->Merge(*upgrade).ok());
  anchor::EsploraHeaderSource source(m_server->url());
  EXPECT_TRUE(ots::VerifyBitcoin(ts, source, {.pow_limit_bits = ots::kRegtestPowLimitBits}).ok());
  // A mainnet verifier rejects the devchain's easy proof of work.
  EXPECT_EQ(ots::VerifyBitcoin(ts, source).error().code, Errc::kInvalid);
}

TEST_F(DevchainServerTest, ProofWaitsForMinConfirmations) {
  Start(CalendarOptions{.min_confirmations = 2});
  auto [ts, commitment] = Submit(DigestOf("a"));
  Admin("mine", {{"blocks", 1}});
  const Response waiting = Send(m_port, "GET", "/timestamp/" + Hex(commitment));
  EXPECT_EQ(waiting.status, 404);
  EXPECT_TRUE(waiting.body.starts_with("Timestamped by transaction ")) << waiting.body;
  EXPECT_TRUE(waiting.body.ends_with("; waiting for 1 confirmations")) << waiting.body;
  Admin("mine", {{"blocks", 1}});
  EXPECT_EQ(Send(m_port, "GET", "/timestamp/" + Hex(commitment)).status, 200);
}

TEST_F(DevchainServerTest, EsploraRoutesDescribeTheChain) {
  Start();
  Admin("mine", {{"blocks", 3}});
  EXPECT_EQ(Send(m_port, "GET", "/blocks/tip/height").body, "3");
  const std::string tip = Send(m_port, "GET", "/blocks/tip/hash").body;
  EXPECT_EQ(Send(m_port, "GET", "/block-height/3").body, tip);
  EXPECT_EQ(Send(m_port, "GET", "/block-height/0").body, kRegtestGenesisHash);
  EXPECT_EQ(Send(m_port, "GET", std::string("/block/") + kRegtestGenesisHash + "/header").body,
            Hex(ots::EncodeBlockHeader(RegtestGenesisBlock().header)));

  const auto block = nlohmann::json::parse(Send(m_port, "GET", "/block/" + tip).body);
  EXPECT_EQ(block["id"], tip);
  EXPECT_EQ(block["height"], 3);
  EXPECT_EQ(block["bits"], ots::kRegtestPowLimitBits);
  EXPECT_EQ(block["tx_count"], 3);  // coinbase + 2 fillers
  EXPECT_EQ(block["previousblockhash"], Send(m_port, "GET", "/block-height/2").body);
  EXPECT_EQ(block["merkle_root"], ots::DisplayHex(m_cal->Tip().header.merkle_root));
  EXPECT_NEAR(block["difficulty"].get<double>(), 4.656542373906925e-10, 1e-20);
  const auto status = nlohmann::json::parse(Send(m_port, "GET", "/block/" + tip + "/status").body);
  EXPECT_EQ(status["in_best_chain"], true);
  EXPECT_TRUE(status["next_best"].is_null());
  const auto txids = nlohmann::json::parse(Send(m_port, "GET", "/block/" + tip + "/txids").body);
  ASSERT_EQ(txids.size(), 3u);
  EXPECT_EQ(Send(m_port, "GET", "/block/" + tip + "/txid/2").body, txids[2]);
  const Response raw = Send(m_port, "GET", "/block/" + tip + "/raw");
  EXPECT_EQ(raw.Header("content-type"), "application/octet-stream");
  EXPECT_EQ(AsBytes(raw.body).size(), m_cal->Tip().size);

  EXPECT_EQ(Send(m_port, "GET", "/block-height/4").status, 404);
  EXPECT_EQ(Send(m_port, "GET", "/block-height/x").status, 400);
  EXPECT_EQ(Send(m_port, "GET", "/block-height/01").status, 400);
  EXPECT_EQ(Send(m_port, "GET", "/block/" + std::string(64, '0')).status, 404);
  EXPECT_EQ(Send(m_port, "GET", "/block/nothex").status, 400);
  EXPECT_EQ(Send(m_port, "GET", "/block/" + tip + "/txid/3").status, 404);
  EXPECT_EQ(Send(m_port, "GET", "/block/" + tip + "/nope").status, 404);
}

TEST_F(DevchainServerTest, ReorgBreaksTheOldProofAndALaterOneVerifies) {
  Start();
  auto [ts, commitment] = Submit(DigestOf("deed"));
  Admin("mine", {{"blocks", 2}});
  const std::string old_proof = Send(m_port, "GET", "/timestamp/" + Hex(commitment)).body;
  ASSERT_TRUE(Verify(commitment, old_proof).ok());

  const auto reorg = Admin("reorg", {{"depth", 2}});
  EXPECT_EQ(reorg["dropped_blocks"], 2);
  EXPECT_EQ(reorg["returned_commitments"], 1);
  EXPECT_EQ(reorg["height"], 3);
  auto old = Verify(commitment, old_proof);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, Errc::kInvalid);
  EXPECT_EQ(Send(m_port, "GET", "/timestamp/" + Hex(commitment)).body, "Pending confirmation in Bitcoin blockchain");

  Admin("mine", {{"blocks", 1}});
  auto renewed = Verify(commitment, Send(m_port, "GET", "/timestamp/" + Hex(commitment)).body);
  ASSERT_TRUE(renewed.ok()) << renewed.error().message;
  EXPECT_EQ(renewed->height, 4u);
}

TEST_F(DevchainServerTest, RestartServesTheSameProofAndChain) {
  Start();
  auto [ts, commitment] = Submit(DigestOf("kept"));
  Admin("mine", {{"blocks", 2}});
  const std::string proof = Send(m_port, "GET", "/timestamp/" + Hex(commitment)).body;
  const std::string tip = Send(m_port, "GET", "/blocks/tip/hash").body;
  const std::uint16_t port = m_port;
  Stop();
  Start({}, ServerOptions{.listen = "127.0.0.1:" + std::to_string(port), .block_interval = {}});
  EXPECT_EQ(Send(m_port, "GET", "/timestamp/" + Hex(commitment)).body, proof);
  EXPECT_EQ(Send(m_port, "GET", "/blocks/tip/hash").body, tip);
  EXPECT_TRUE(Verify(commitment, proof).ok());
}

TEST_F(DevchainServerTest, BlockTimerMinesOnItsOwn) {
  Start({}, ServerOptions{.block_interval = std::chrono::milliseconds(20)});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (m_cal->Tip().height < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(m_cal->Tip().height, 3u);
}

TEST_F(DevchainServerTest, BadInputGets4xxAndTheServerKeepsServing) {
  Start();
  auto expect = [&](const Response& r, int status, const std::string& body) {
    EXPECT_EQ(r.status, status) << r.body;
    if (!body.empty()) {
      EXPECT_EQ(r.body, body);
    }
  };
  expect(Send(m_port, "POST", "/digest", std::string(65, 'x')), 400, "digest too long");
  expect(Send(m_port, "POST", "/digest", std::string(100'000, 'x')), 400, "digest too long");
  expect(Send(m_port, "POST", "/digest", ""), 400, "digest must not be empty");
  expect(Exchange(m_port, "POST /digest HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"), 400, "invalid Content-Length");
  expect(Send(m_port, "POST", "/admin/mine", std::string(100'000, 'x')), 413, "");
  expect(Send(m_port, "GET", "/timestamp/zz"), 400, "commitment must be hex-encoded bytes");
  expect(Send(m_port, "GET", "/timestamp/abc"), 400, "commitment must be hex-encoded bytes");
  expect(Send(m_port, "GET", "/timestamp/" + std::string(2000, 'a')), 404, "Not found");
  expect(Send(m_port, "GET", "/timestamp/"), 404, "Not found");
  expect(Send(m_port, "GET", "/nothing/here"), 404, "Not found");
  expect(Send(m_port, "GET", "/digest"), 405, "");
  expect(Send(m_port, "DELETE", "/blocks/tip/height"), 405, "");
  expect(Send(m_port, "GET", "/tip"), 404, "No tip");
  expect(Exchange(m_port, "GARBAGE\r\n\r\n"), 400, "");
  expect(Exchange(m_port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n"), 431, "");
  for (const std::string body : {"{", "[]", R"({"blocks":0})", R"({"blocks":-1})", R"({"blocks":"2"})",
                                  R"({"blocks":1001})"}) {
    const Response r = Send(m_port, "POST", "/admin/mine", body);
    EXPECT_EQ(r.status, 400) << body;
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.contains("error")) << r.body;
  }
  expect(Send(m_port, "POST", "/admin/reorg", "{}"), 400, "");
  expect(Send(m_port, "POST", "/admin/reorg", R"({"depth":1})"), 400, "");  // only genesis: nothing to replace
  // Still serving.
  expect(Send(m_port, "GET", "/blocks/tip/height"), 200, "0");
  Submit(DigestOf("after the abuse"));
  expect(Send(m_port, "GET", "/tip"), 404, "No tip");
  Admin("mine", {{"blocks", 1}});
  EXPECT_EQ(Send(m_port, "GET", "/tip").body.size(), 32u);
}

TEST_F(DevchainServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start();
  const std::string one = "GET /blocks/tip/height HTTP/1.1\r\nHost: x\r\n\r\n";
  const Response r = Exchange(m_port, one + one + "GET /blocks/tip/height HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("HTTP/1.1 200"), 1u) << r.body;  // "0HTTP/1.1 200 ...": answers follow each other
}

TEST(DevchainRoutes, AdminRoutesRefuseNonLoopbackClients) {
  TempDir dir;
  FakeClock clock;
  auto cal = Calendar::Open(dir.path(), {}, clock);
  ASSERT_TRUE(cal.ok());
  const Reply r = HandleRequest(**cal, Request{"POST", "/admin/mine", "{}", false});
  EXPECT_EQ(r.status, 403u);
  EXPECT_NE(r.body.find("forbidden"), std::string::npos);
  EXPECT_EQ((*cal)->Tip().height, 0u);
  EXPECT_EQ(HandleRequest(**cal, Request{"POST", "/admin/mine", "{}", true}).status, 200u);
  // Calendar and Esplora routes serve everyone.
  EXPECT_EQ(HandleRequest(**cal, Request{"GET", "/blocks/tip/height", "", false}).body, "1");
}

// A local non-loopback IPv4 address, if the machine has one.
std::string LocalAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    char buf[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) != nullptr && !std::string(buf).starts_with("127.")) found = buf;
  }
  freeifaddrs(list);
  return found;
}

TEST_F(DevchainServerTest, AdminOverANonLoopbackAddressIsForbidden) {
  const std::string ip = LocalAddress();
  if (ip.empty()) GTEST_SKIP() << "no non-loopback IPv4 address on this machine";
  Start({}, ServerOptions{.listen = "0.0.0.0:0", .allow_remote = true, .block_interval = {}});
  EXPECT_EQ(m_server->url(), "http://127.0.0.1:" + std::to_string(m_port));
  const Response r = Send(m_port, "POST", "/admin/mine", R"({"blocks":1})", ip);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Send(m_port, "GET", "/blocks/tip/height", "", ip).body, "0");
  EXPECT_EQ(Send(m_port, "POST", "/admin/mine", R"({"blocks":1})").status, 200);
}

TEST(Server, RefusesNonLoopbackAndBadListenAddresses) {
  TempDir dir;
  FakeClock clock;
  auto cal = Calendar::Open(dir.path(), {}, clock);
  ASSERT_TRUE(cal.ok());
  for (const std::string listen : {"0.0.0.0:0", "[::1]:0", "nonsense", "127.0.0.1:99999", "example.org:80"}) {
    auto server = Server::Start(**cal, ServerOptions{.listen = listen});
    ASSERT_FALSE(server.ok()) << listen;
    EXPECT_EQ(server.error().code, Errc::kConfig) << listen;
  }
}

}  // namespace
}  // namespace peerdb::devchain
