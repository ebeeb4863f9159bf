// HttpGet and ParseUrl: URL rules, body cap, timeouts, and TLS that refuses a certificate the
// system store does not trust or that does not name the host. Certificates are made here with
// OpenSSL so no key material lives in the repository.
#include "peerdb/anchor/http_fetch.h"

#include <gtest/gtest.h>
#include <memory>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "test_http_server.h"

namespace peerdb::anchor {
namespace {

using testing::Reply;
using testing::TestHttpServer;
namespace ssl = boost::asio::ssl;

TEST(AnchorParseUrl, SplitsSchemeHostPortAndTarget) {
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

TEST(AnchorParseUrl, RejectsOtherSchemesUserInfoBadPortsAndControlCharacters) {
  for (const char* bad : {"ftp://x", "x.org", "http://", "http://:80", "http://a:0", "http://a:65536", "http://a:",
                          "http://u:p@a/", "http://a/#f", "http://a/\r\nX: y", "http://a b/", "http://[::1"}) {
    auto u = ParseUrl(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.error().code, Errc::kConfig) << bad;
  }
}

TEST(AnchorHttpGet, ReturnsStatusAndBodyAndDoesNotFollowRedirects) {
  TestHttpServer server([](const std::string& target) {
    if (target == "/moved") return Reply{302, "", "text/plain"};
    return Reply{200, "hello " + target};
  });
  auto r = HttpGet(server.url() + "/x?y=1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "hello /x?y=1");
  r = HttpGet(server.url() + "/moved");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 302u);
  EXPECT_EQ(server.targets().size(), 2u);
}

TEST(AnchorHttpPost, SendsTheRawBodyWithContentTypeAcceptAndUserAgent) {
  testing::Request seen;
  TestHttpServer server(testing::RequestHandler([&](const testing::Request& r) {
    seen = r;
    return Reply{200, "ok"};
  }));
  const Bytes body = {0x00, 0xff, 0x0d, 0x0a, 0x41};
  FetchOptions o;
  o.accept = "application/vnd.opentimestamps.v1";
  auto r = HttpPost(server.url() + "/digest", body, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/digest");
  EXPECT_EQ(seen.body, AsString(body));
  EXPECT_EQ(seen.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(seen.accept, "application/vnd.opentimestamps.v1");
  EXPECT_EQ(seen.user_agent, "peerdb/0.1");
  ASSERT_TRUE(HttpGet(server.url() + "/x").ok());
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.accept, "*/*");
  EXPECT_EQ(seen.body, "");
}

TEST(AnchorHttpPost, SharesTheBodyCapAndRefusesHeaderInjection) {
  TestHttpServer server([](const std::string&) { return Reply{200, std::string(101, 'a')}; });
  FetchOptions o;
  o.max_body = 100;
  auto r = HttpPost(server.url(), AsBytes("x"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
  r = HttpPost(server.url(), AsBytes("x"), {}, "text/plain\r\nX-Evil: 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConfig);
  EXPECT_EQ(server.requests(), 1u);
}

TEST(AnchorHttpGet, BodyAboveTheCapIsTooLarge) {
  TestHttpServer server([](const std::string&) { return Reply{200, std::string(1001, 'a')}; });
  FetchOptions o;
  o.max_body = 1000;
  auto r = HttpGet(server.url(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
  o.max_body = 1001;
  EXPECT_TRUE(HttpGet(server.url(), o).ok());
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

TEST(AnchorHttpGet, HttpsRefusesACertificateTheSystemStoreDoesNotTrust) {
  const TestCert cert = MakeSelfSignedCert("IP:127.0.0.1,DNS:localhost");
  auto ctx = ServerContext(cert);
  TestHttpServer server([](const std::string&) { return Reply{200, "secret"}; }, ctx.get());
  auto r = HttpGet(server.url() + "/api/block-height/1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos) << r.error().message;
  EXPECT_TRUE(server.targets().empty());  // no request was sent

  // The same server is reachable once its certificate is a trust anchor: the refusal above was
  // about trust, not about TLS not working.
  FetchOptions trusted;
  trusted.extra_ca_pem = cert.cert_pem;
  r = HttpGet(server.url() + "/x", trusted);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "secret");
  r = HttpGet("https://localhost:" + std::to_string(server.port()) + "/x", trusted);
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST(AnchorHttpGet, HttpsRefusesATrustedCertificateForAnotherHost) {
  const TestCert cert = MakeSelfSignedCert("DNS:calendar.example.org");
  auto ctx = ServerContext(cert);
  TestHttpServer server([](const std::string&) { return Reply{200, "secret"}; }, ctx.get());
  FetchOptions trusted;
  trusted.extra_ca_pem = cert.cert_pem;
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto r = HttpGet("https://" + host + ":" + std::to_string(server.port()) + "/x", trusted);
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.error().code, Errc::kUnavailable) << r.error().message;
  }
  EXPECT_TRUE(server.targets().empty());
}

TEST(AnchorHttpGet, HttpsHandshakeWithASilentServerTimesOut) {
  TestHttpServer server([](const std::string&) { return Reply{.hang = true}; });  // plain TCP, says nothing
  FetchOptions o;
  o.connect_timeout = std::chrono::milliseconds(300);
  auto r = HttpGet("https://127.0.0.1:" + std::to_string(server.port()) + "/", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable) << r.error().message;
}

}  // namespace
}  // namespace peerdb::anchor
