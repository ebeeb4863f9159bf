// EsploraHeaderSource and BitcoindRestHeaderSource against a local server that speaks the real
// routes (Esplora as blockstream.info/api, bitcoind -rest) and serves the real mainnet header of
// block 358391 from the shared test data. Servers that lie, stall, overflow or talk nonsense must
// give an error, never a verified timestamp.
#include "peerdb/anchor/bitcoind_rest_header_source.h"
#include "peerdb/anchor/esplora_header_source.h"

#include <chrono>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/verify.h"
#include "../http/test_http_server.h"
#include "../common/errc_of.h"

namespace peerdb::anchor {
namespace {

using http::testing::Reply;
using http::testing::TestHttpServer;

const std::string kVectors = PEERDB_SOURCE_DIR "/../shared/testdata/ots";
constexpr std::uint64_t kHelloHeight = 358391;
constexpr std::uint32_t kHelloTime = 1432827678;
const std::string kHelloHash = "000000000000000003e892881a8cdcdc117c06d444057c98b6f04a9ee75a2319";

// What a server knows: height -> header bytes (the block hash is computed from the header).
struct Chain {
  std::map<std::uint64_t, Bytes> headers;
  std::uint64_t tip = kHelloHeight + 9;  // what the tip routes report
  std::string HashAt(std::uint64_t height) const {
    return ots::BlockHashHex(*ots::DecodeBlockHeader(headers.at(height)));
  }
  const Bytes* ByHash(const std::string& hash) const {
    for (const auto& [h, bytes] : headers) {
      if (HashAt(h) == hash) return &bytes;
    }
    return nullptr;
  }
};

Chain RealChain() {
  std::ifstream in(kVectors + "/headers.json");
  const nlohmann::json doc = nlohmann::json::parse(in);
  Chain chain;
  for (const auto& [key, entry] : doc.items()) {
    if (key.starts_with("_") || !entry.contains("header") || entry["header"].is_null()) continue;
    chain.headers[std::stoull(key)] = *FromHex(entry["header"].get<std::string>());
  }
  return chain;
}

// The real header with its time moved by one second: a consistent lie whose hash lacks the work.
Bytes ForgedHeader(const Chain& chain) {
  auto header = *ots::DecodeBlockHeader(chain.headers.at(kHelloHeight));
  header.time += 1;
  const auto bytes = ots::EncodeBlockHeader(header);
  return Bytes(bytes.begin(), bytes.end());
}

// The real header with another merkle root; hash consistent.
Bytes OtherRootHeader(const Chain& chain) {
  auto header = *ots::DecodeBlockHeader(chain.headers.at(kHelloHeight));
  header.merkle_root[0] ^= 1;
  const auto bytes = ots::EncodeBlockHeader(header);
  return Bytes(bytes.begin(), bytes.end());
}

std::optional<std::uint64_t> ParseUint(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(s);
}

// Esplora routes under /api: /block-height/<h> and /block/<hash>/header.
http::testing::Handler Esplora(Chain chain) {
  return [chain](const std::string& target) -> Reply {
    const std::string kHeight = "/api/block-height/";
    const std::string kBlock = "/api/block/";
    if (target == "/api/blocks/tip/height") return Reply{200, std::to_string(chain.tip)};
    if (target.starts_with(kHeight)) {
      const auto h = ParseUint(target.substr(kHeight.size()));
      if (!h || !chain.headers.contains(*h)) return Reply{404, "Block not found"};
      return Reply{200, chain.HashAt(*h)};
    }
    if (target.starts_with(kBlock) && target.ends_with("/header")) {
      const std::string hash = target.substr(kBlock.size(), target.size() - kBlock.size() - 7);
      const Bytes* header = chain.ByHash(hash);
      if (!header) return Reply{404, "Block not found"};
      return Reply{200, Hex(*header)};
    }
    return Reply{404, "not found"};
  };
}

// bitcoind -rest routes: blockhashbyheight/<h>.hex, headers/<hash>.bin?count=1 (since 24.0) and
// headers/1/<hash>.bin (older; with legacy_only the new form gets bitcoind 23's 400).
http::testing::Handler BitcoindRest(Chain chain, bool legacy_only = false) {
  return [chain, legacy_only](const std::string& target) -> Reply {
    const std::string kByHeight = "/rest/blockhashbyheight/";
    const std::string kHeaders = "/rest/headers/";
    if (target == "/rest/chaininfo.json") {
      Reply info{200, R"({"chain":"main","blocks":)" + std::to_string(chain.tip) + R"(,"headers":)" +
                          std::to_string(chain.tip) + R"(,"pruned":false,"warnings":""})"};
      info.content_type = "application/json";
      return info;
    }
    if (target.starts_with(kByHeight) && target.ends_with(".hex")) {
      const auto h = ParseUint(target.substr(kByHeight.size(), target.size() - kByHeight.size() - 4));
      if (!h || !chain.headers.contains(*h)) return Reply{404, "Block height out of range\r\n"};
      return Reply{200, chain.HashAt(*h) + "\n"};
    }
    if (!target.starts_with(kHeaders)) return Reply{404, ""};
    std::string rest = target.substr(kHeaders.size());
    std::string hash;
    if (rest.starts_with("1/") && rest.ends_with(".bin")) {
      hash = rest.substr(2, rest.size() - 6);
    } else if (rest.ends_with(".bin?count=1")) {
      if (legacy_only) return Reply{400, "No header count specified. Use /rest/headers/<count>/<hash>.<ext>.\r\n"};
      hash = rest.substr(0, rest.size() - 12);
    } else {
      return Reply{400, "bad request\r\n"};
    }
    const Bytes* header = chain.ByHash(hash);
    Reply reply{200, header ? AsString(*header) : std::string()};  // unknown block: empty answer
    reply.content_type = "application/octet-stream";
    return reply;
  };
}

ots::Timestamp HelloWorld() {
  auto file = ots::LoadOtsFile(kVectors + "/opentimestamps-client/examples/hello-world.txt.ots");
  EXPECT_TRUE(file.ok()) << file.error().message;
  return std::move(file->timestamp);
}

http::ClientOptions ShortTimeouts() {
  http::ClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.read_timeout = std::chrono::milliseconds(300);
  return o;
}

TEST(AnchorEsplora, RealHeaderVerifiesHelloWorld) {
  TestHttpServer server(Esplora(RealChain()));
  EsploraHeaderSource source(server.url() + "/api/");
  auto v = ots::VerifyBitcoin(HelloWorld(), source);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->height, kHelloHeight);
  EXPECT_EQ(v->time, kHelloTime);
  EXPECT_EQ(ots::DisplayHex(v->block_hash), kHelloHash);
  EXPECT_EQ(v->confirmations, 10u);
  EXPECT_EQ(server.targets(), (std::vector<std::string>{"/api/block-height/358391",
                                                        "/api/block/" + kHelloHash + "/header",
                                                        "/api/blocks/tip/height"}));
}

TEST(AnchorEsplora, ServerLyingWithAnotherHeaderDoesNotVerify) {
  for (const bool forge_time : {true, false}) {
    Chain lie = RealChain();
    lie.headers[kHelloHeight] = forge_time ? ForgedHeader(lie) : OtherRootHeader(lie);
    TestHttpServer server(Esplora(lie));
    EsploraHeaderSource source(server.url() + "/api");
    auto v = ots::VerifyBitcoin(HelloWorld(), source);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, Errc::kInvalid) << v.error().message;
  }
}

TEST(AnchorEsplora, HeaderNotHashingToTheNamedBlockIsMalformed) {
  const Chain real = RealChain();
  const Bytes forged = ForgedHeader(real);
  TestHttpServer server([&](const std::string& target) {
    if (target.ends_with("/header")) return Reply{200, Hex(forged)};
    return Reply{200, real.HashAt(kHelloHeight)};
  });
  EsploraHeaderSource source(server.url());
  auto h = source.HeaderAt(kHelloHeight);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, Errc::kMalformed);
  EXPECT_NE(h.error().message.find("not to the block hash"), std::string::npos) << h.error().message;
  EXPECT_EQ(ErrcOf(ots::VerifyBitcoin(HelloWorld(), source)), Errc::kMalformed);
}

TEST(AnchorEsplora, UnknownHeightIsNotFound) {
  TestHttpServer server(Esplora(RealChain()));
  EsploraHeaderSource source(server.url() + "/api");
  auto h = source.HeaderAt(129405);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, Errc::kNotFound) << h.error().message;
}

TEST(AnchorEsplora, ServerThatNeverAnswersIsUnavailableWithinTheTimeout) {
  TestHttpServer server([](const std::string&) { return Reply{.hang = true}; });
  EsploraHeaderSource source(server.url(), ShortTimeouts());
  const auto start = std::chrono::steady_clock::now();
  auto h = source.HeaderAt(kHelloHeight);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, Errc::kUnavailable) << h.error().message;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(AnchorEsplora, ClosedPortIsUnavailable) {
  std::string url;
  {
    TestHttpServer server([](const std::string&) { return Reply{}; });
    url = server.url();
  }
  EsploraHeaderSource source(url, ShortTimeouts());
  auto h = source.HeaderAt(kHelloHeight);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, Errc::kUnavailable) << h.error().message;
}

TEST(AnchorEsplora, OversizeAnswersAreTooLarge) {
  const Chain real = RealChain();
  TestHttpServer hash_server([](const std::string&) { return Reply{200, std::string(kMaxEsploraHashBody + 1, '0')}; });
  EXPECT_EQ(EsploraHeaderSource(hash_server.url()).HeaderAt(kHelloHeight).error().code, Errc::kTooLarge);
  TestHttpServer header_server([&](const std::string& target) {
    if (target.ends_with("/header")) return Reply{200, Hex(real.headers.at(kHelloHeight)) + std::string(100, '0')};
    return Reply{200, real.HashAt(kHelloHeight)};
  });
  EXPECT_EQ(EsploraHeaderSource(header_server.url()).HeaderAt(kHelloHeight).error().code, Errc::kTooLarge);
}

TEST(AnchorEsplora, GarbageIsMalformed) {
  const Chain real = RealChain();
  const std::string hash = real.HashAt(kHelloHeight);
  const std::string header_hex = Hex(real.headers.at(kHelloHeight));
  const std::vector<std::function<Reply(const std::string&)>> servers = {
      [](const std::string&) { return Reply{200, "<html>hello</html>"}; },
      [&](const std::string& t) { return t.ends_with("/header") ? Reply{200, "zz" + header_hex.substr(2)} : Reply{200, hash}; },
      [&](const std::string& t) { return t.ends_with("/header") ? Reply{200, header_hex.substr(2)} : Reply{200, hash}; },
      [&](const std::string& t) { return t.ends_with("/header") ? Reply{200, header_hex.substr(0, 158)} : Reply{200, hash}; },
      [](const std::string&) { return Reply{.raw = std::string("SSH-2.0-OpenSSH_9.2\r\n\r\n")}; },
      [](const std::string&) { return Reply{301, "", "text/plain"}; },  // redirects are not followed
      [](const std::string&) { return Reply{400, "bad"}; },
  };
  for (std::size_t i = 0; i < servers.size(); ++i) {
    TestHttpServer server(servers[i]);
    auto h = EsploraHeaderSource(server.url()).HeaderAt(kHelloHeight);
    ASSERT_FALSE(h.ok()) << i;
    EXPECT_EQ(h.error().code, Errc::kMalformed) << i << ": " << h.error().message;
  }
}

TEST(AnchorEsplora, ServerErrorIsUnavailable) {
  TestHttpServer server([](const std::string&) { return Reply{503, "overloaded"}; });
  EXPECT_EQ(EsploraHeaderSource(server.url()).HeaderAt(kHelloHeight).error().code, Errc::kUnavailable);
}

TEST(AnchorBitcoindRest, RealHeaderVerifiesHelloWorldWithTheCurrentRoute) {
  TestHttpServer server(BitcoindRest(RealChain()));
  BitcoindRestHeaderSource source(server.url());
  auto v = ots::VerifyBitcoin(HelloWorld(), source);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->time, kHelloTime);
  EXPECT_EQ(ots::DisplayHex(v->block_hash), kHelloHash);
  EXPECT_EQ(v->confirmations, 10u);
  EXPECT_EQ(server.targets(), (std::vector<std::string>{"/rest/blockhashbyheight/358391.hex",
                                                        "/rest/headers/" + kHelloHash + ".bin?count=1",
                                                        "/rest/chaininfo.json"}));
}

TEST(AnchorBitcoindRest, FallsBackToTheCountInPathRouteOfOlderNodes) {
  TestHttpServer server(BitcoindRest(RealChain(), /*legacy_only=*/true));
  BitcoindRestHeaderSource source(server.url() + "/");
  auto v = ots::VerifyBitcoin(HelloWorld(), source);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(server.targets().at(server.targets().size() - 2), "/rest/headers/1/" + kHelloHash + ".bin");
}

TEST(AnchorBitcoindRest, UnknownHeightOrBlockIsNotFound) {
  TestHttpServer server(BitcoindRest(RealChain()));
  EXPECT_EQ(BitcoindRestHeaderSource(server.url()).HeaderAt(129405).error().code, Errc::kNotFound);
  const std::string other(64, 'a');
  TestHttpServer empty([&](const std::string& t) {
    if (t.starts_with("/rest/blockhashbyheight/")) return Reply{200, other + "\n"};
    return Reply{200, "", "application/octet-stream"};
  });
  auto h = BitcoindRestHeaderSource(empty.url()).HeaderAt(kHelloHeight);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, Errc::kNotFound) << h.error().message;
}

TEST(AnchorBitcoindRest, LiesAndGarbageNeverVerify) {
  Chain lie = RealChain();
  lie.headers[kHelloHeight] = ForgedHeader(lie);
  TestHttpServer liar(BitcoindRest(lie));
  BitcoindRestHeaderSource liar_source(liar.url());
  auto v = ots::VerifyBitcoin(HelloWorld(), liar_source);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Errc::kInvalid) << v.error().message;

  const Chain real = RealChain();
  const Bytes forged = ForgedHeader(real);
  TestHttpServer mismatch([&](const std::string& t) {
    if (t.starts_with("/rest/blockhashbyheight/")) return Reply{200, real.HashAt(kHelloHeight) + "\n"};
    return Reply{200, AsString(forged), "application/octet-stream"};
  });
  EXPECT_EQ(BitcoindRestHeaderSource(mismatch.url()).HeaderAt(kHelloHeight).error().code, Errc::kMalformed);

  TestHttpServer two_headers([&](const std::string& t) {
    if (t.starts_with("/rest/blockhashbyheight/")) return Reply{200, real.HashAt(kHelloHeight) + "\n"};
    return Reply{200, AsString(real.headers.at(kHelloHeight)) + AsString(forged), "application/octet-stream"};
  });
  EXPECT_EQ(BitcoindRestHeaderSource(two_headers.url()).HeaderAt(kHelloHeight).error().code, Errc::kMalformed);

  TestHttpServer oversize([&](const std::string& t) {
    if (t.starts_with("/rest/blockhashbyheight/")) return Reply{200, real.HashAt(kHelloHeight) + "\n"};
    return Reply{200, std::string(kMaxRestHeaderBody + 1, 'x'), "application/octet-stream"};
  });
  EXPECT_EQ(BitcoindRestHeaderSource(oversize.url()).HeaderAt(kHelloHeight).error().code, Errc::kTooLarge);
}

TEST(AnchorBitcoindRest, ServerThatNeverAnswersIsUnavailable) {
  TestHttpServer server([](const std::string&) { return Reply{.hang = true}; });
  auto h = BitcoindRestHeaderSource(server.url(), ShortTimeouts()).HeaderAt(kHelloHeight);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, Errc::kUnavailable) << h.error().message;
}

TEST(AnchorEsplora, TipHeightIsCheckedText) {
  for (const auto& [body, code] : std::vector<std::pair<std::string, Errc>>{
           {"812345\n", Errc::kOk}, {"0", Errc::kOk}, {"", Errc::kMalformed}, {"-1", Errc::kMalformed},
           {"012", Errc::kMalformed}, {"12a", Errc::kMalformed}, {"99999999999999999999", Errc::kMalformed},
           {"1 2", Errc::kMalformed}, {std::string(kMaxEsploraHashBody + 1, '1'), Errc::kTooLarge}}) {
    TestHttpServer server([&](const std::string& t) {
      return t == "/blocks/tip/height" ? Reply{200, body} : Reply{404, "not found"};
    });
    auto tip = EsploraHeaderSource(server.url()).TipHeight();
    if (code == Errc::kOk) {
      ASSERT_TRUE(tip.ok()) << body << ": " << tip.error().message;
      EXPECT_EQ(*tip, body == "0" ? 0u : 812345u);
    } else {
      ASSERT_FALSE(tip.ok()) << body;
      EXPECT_EQ(tip.error().code, code) << body;
    }
  }
  TestHttpServer missing([](const std::string&) { return Reply{404, "not found"}; });
  EXPECT_EQ(EsploraHeaderSource(missing.url()).TipHeight().error().code, Errc::kNotFound);
}

TEST(AnchorEsplora, UnknownTipStillVerifiesWithZeroConfirmations) {
  Chain chain = RealChain();
  TestHttpServer server([esplora = Esplora(chain)](const std::string& t) {
    return t.ends_with("/tip/height") ? Reply{503, "busy"} : esplora(t);
  });
  EsploraHeaderSource source(server.url() + "/api");
  auto v = ots::VerifyBitcoin(HelloWorld(), source);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->confirmations, 0u);
  ASSERT_TRUE(v->tip_error.has_value());
  EXPECT_EQ(v->tip_error->code, Errc::kUnavailable);
}

TEST(AnchorBitcoindRest, TipHeightIsChainInfoBlocks) {
  for (const auto& [body, code] : std::vector<std::pair<std::string, Errc>>{
           {R"({"chain":"main","blocks":812345,"headers":812345})", Errc::kOk},
           {"not json", Errc::kMalformed}, {"[812345]", Errc::kMalformed}, {R"({"headers":5})", Errc::kMalformed},
           {R"({"blocks":-5})", Errc::kMalformed}, {R"({"blocks":"5"})", Errc::kMalformed},
           {R"({"blocks":1.5})", Errc::kMalformed},
           {std::string(kMaxRestChainInfoBody + 1, ' '), Errc::kTooLarge}}) {
    TestHttpServer server([&](const std::string& t) {
      return t == "/rest/chaininfo.json" ? Reply{200, body, "application/json"} : Reply{404, ""};
    });
    auto tip = BitcoindRestHeaderSource(server.url()).TipHeight();
    if (code == Errc::kOk) {
      ASSERT_TRUE(tip.ok()) << tip.error().message;
      EXPECT_EQ(*tip, 812345u);
    } else {
      ASSERT_FALSE(tip.ok()) << body.substr(0, 40);
      EXPECT_EQ(tip.error().code, code) << body.substr(0, 40);
    }
  }
}

}  // namespace
}  // namespace peerdb::anchor
