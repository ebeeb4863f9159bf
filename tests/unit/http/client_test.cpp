// http::Get/Post/Send and ParseUrl: URL rules, body cap, timeouts, what failed and how it is
// worded, and TLS that refuses a certificate the system store does not trust or that does not name
// the host. Certificates are made here with OpenSSL so no key material lives in the repository.
#include "peerdb/http/client.h"

#include <gtest/gtest.h>
#include <memory>
#include <variant>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "test_http_server.h"

namespace peerdb::http {
namespace {

using testing::Reply;
using testing::TestHttpServer;
namespace ssl = boost::asio::ssl;

TEST(HttpParseUrl, SplitsSchemeHostPortAndTarget) {
  auto u = ParseUrl("https://blockstream.info/api");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "blockstream.info");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/api");
  u = ParseUrl("http://127.0.0.1:8332/rest/headers/x.bin?count=1");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->port, "8332");
  EXPECT_EQ(u->target, "/rest/headers/x.bin?count=1");
  u = ParseUrl("http://[::1]:80");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->target, "/");
}

TEST(HttpParseUrl, RejectsOtherSchemesUserInfoBadPortsAndControlCharacters) {
  for (const char* bad : {"ftp://x", "x.org", "http://", "http://:80", "http://a:0", "http://a:65536", "http://a:",
                          "http://u:p@a/", "http://a/#f", "http://a/\r\nX: y", "http://a b/", "http://[::1"}) {
    auto u = ParseUrl(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.error().code, Errc::kConfig) << bad;
  }
}

TEST(HttpGet, ReturnsStatusAndBodyAndDoesNotFollowRedirects) {
  TestHttpServer server([](const std::string& target) {
    if (target == "/moved") return Reply{302, "", "text/plain"};
    return Reply{200, "hello " + target};
  });
  auto r = Get(server.url() + "/x?y=1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "hello /x?y=1");
  r = Get(server.url() + "/moved");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 302u);
  EXPECT_EQ(server.targets().size(), 2u);
}

TEST(HttpPost, SendsTheRawBodyWithContentTypeAcceptAndUserAgent) {
  testing::Request seen;
  TestHttpServer server(testing::RequestHandler([&](const testing::Request& r) {
    seen = r;
    return Reply{200, "ok"};
  }));
  const Bytes body = {0x00, 0xff, 0x0d, 0x0a, 0x41};
  ClientOptions o;
  o.accept = "application/vnd.opentimestamps.v1";
  auto r = Post(server.url() + "/digest", body, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/digest");
  EXPECT_EQ(seen.body, AsString(body));
  EXPECT_EQ(seen.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(seen.accept, "application/vnd.opentimestamps.v1");
  EXPECT_EQ(seen.user_agent, "peerdb/0.1");
  ASSERT_TRUE(Get(server.url() + "/x").ok());
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.accept, "*/*");
  EXPECT_EQ(seen.body, "");
}

TEST(HttpPost, SharesTheBodyCapAndRefusesHeaderInjection) {
  TestHttpServer server([](const std::string&) { return Reply{200, std::string(101, 'a')}; });
  ClientOptions o;
  o.max_body = 100;
  auto r = Post(server.url(), AsBytes("x"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
  r = Post(server.url(), AsBytes("x"), {}, "text/plain\r\nX-Evil: 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConfig);
  EXPECT_EQ(server.requests(), 1u);
}

TEST(HttpGet, BodyAboveTheCapIsTooLarge) {
  TestHttpServer server([](const std::string&) { return Reply{200, std::string(1001, 'a')}; });
  ClientOptions o;
  o.max_body = 1000;
  auto r = Get(server.url(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
  o.max_body = 1001;
  EXPECT_TRUE(Get(server.url(), o).ok());
}

TEST(HttpSend, SaysWhatFailedSoCallersCanWordTheirOwnErrors) {
  auto kind_of = [](const std::string& url_text, const ClientOptions& o) {
    auto url = ParseUrl(url_text);
    EXPECT_TRUE(url.ok());
    auto out = Send(*url, ClientRequest{}, o);
    const auto* failure = std::get_if<Failure>(&out);
    return failure != nullptr ? failure->kind : FailureKind::kConfig;
  };
  ClientOptions fast;
  fast.read_timeout = std::chrono::milliseconds(300);
  TestHttpServer garbage([](const std::string&) { return Reply{.raw = std::string("NOT HTTP\r\n\r\n")}; });
  EXPECT_EQ(kind_of(garbage.url(), fast), FailureKind::kNotHttp);
  TestHttpServer silent([](const std::string&) { return Reply{.hang = true}; });
  EXPECT_EQ(kind_of(silent.url(), fast), FailureKind::kTimeout);
  TestHttpServer closing([](const std::string&) { return Reply{.raw = std::string()}; });
  EXPECT_EQ(kind_of(closing.url(), fast), FailureKind::kClosed);
  TestHttpServer cut([](const std::string&) { return Reply{.raw = std::string("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")}; });
  EXPECT_EQ(kind_of(cut.url(), fast), FailureKind::kTruncated);
  std::uint16_t free_port = 0;
  {
    TestHttpServer gone([](const std::string&) { return Reply{}; });
    free_port = gone.port();
  }
  EXPECT_EQ(kind_of("http://127.0.0.1:" + std::to_string(free_port), fast), FailureKind::kConnect);

  // Get and Post word the same failures for a service.
  auto r = Get(silent.url() + "/x", fast);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_EQ(r.error().message, "http://127.0.0.1:" + std::to_string(silent.port()) + ": no reply within 300 ms");
  r = Get(closing.url(), fast);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_EQ(r.error().message, "http://127.0.0.1:" + std::to_string(closing.port()) + ": connection closed without a reply");
  r = Get(garbage.url(), fast);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(HttpSend, SendsTheConfiguredUserAgentAndRefusesABadOne) {
  std::string agent;
  TestHttpServer server(testing::RequestHandler([&](const testing::Request& r) {
    agent = r.user_agent;
    return Reply{200, "{}"};
  }));
  ClientOptions o;
  o.user_agent = "peerdb-cli";
  ASSERT_TRUE(Get(server.url(), o).ok());
  EXPECT_EQ(agent, "peerdb-cli");
  o.user_agent = "x\r\nX-Evil: 1";
  auto r = Get(server.url(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConfig);
  EXPECT_EQ(server.requests(), 1u);
}

// A self-signed certificate and its key, PEM.
struct TestCert {
  std::string cert_pem, key_pem;
};

std::string BioString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

TestCert MakeSelfSignedCert(const std::string& subject_alt_names) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                          &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  EXPECT_TRUE(key && cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("peerdb test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, subject_alt_names.c_str());
  EXPECT_NE(san, nullptr);
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  TestCert out;
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.cert_pem = BioString(cert_bio.get());
  out.key_pem = BioString(key_bio.get());
  return out;
}

std::unique_ptr<ssl::context> ServerContext(const TestCert& cert) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->use_certificate(boost::asio::buffer(cert.cert_pem), ssl::context::pem);
  ctx->use_private_key(boost::asio::buffer(cert.key_pem), ssl::context::pem);
  return ctx;
}

TEST(HttpGet, HttpsRefusesACertificateTheSystemStoreDoesNotTrust) {
  const TestCert cert = MakeSelfSignedCert("IP:127.0.0.1,DNS:localhost");
  auto ctx = ServerContext(cert);
  TestHttpServer server([](const std::string&) { return Reply{200, "secret"}; }, ctx.get());
  auto r = Get(server.url() + "/api/block-height/1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos) << r.error().message;
  EXPECT_TRUE(server.targets().empty());  // no request was sent

  // The same server is reachable once its certificate is a trust anchor: the refusal above was
  // about trust, not about TLS not working.
  ClientOptions trusted;
  trusted.extra_ca_pem = cert.cert_pem;
  r = Get(server.url() + "/x", trusted);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "secret");
  r = Get("https://localhost:" + std::to_string(server.port()) + "/x", trusted);
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST(HttpGet, HttpsRefusesATrustedCertificateForAnotherHost) {
  const TestCert cert = MakeSelfSignedCert("DNS:calendar.example.org");
  auto ctx = ServerContext(cert);
  TestHttpServer server([](const std::string&) { return Reply{200, "secret"}; }, ctx.get());
  ClientOptions trusted;
  trusted.extra_ca_pem = cert.cert_pem;
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto r = Get("https://" + host + ":" + std::to_string(server.port()) + "/x", trusted);
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.error().code, Errc::kUnavailable) << r.error().message;
  }
  EXPECT_TRUE(server.targets().empty());
}

TEST(HttpGet, HttpsHandshakeWithASilentServerTimesOut) {
  TestHttpServer server([](const std::string&) { return Reply{.hang = true}; });  // plain TCP, says nothing
  ClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(300);
  auto r = Get("https://127.0.0.1:" + std::to_string(server.port()) + "/", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable) << r.error().message;
}

}  // namespace
}  // namespace peerdb::http
