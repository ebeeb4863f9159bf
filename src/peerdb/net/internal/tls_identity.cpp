#include "peerdb/net/internal/tls_identity.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <string>

namespace peerdb::net::internal {
namespace {

namespace ssl = boost::asio::ssl;

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct X509Free { void operator()(X509* p) const { X509_free(p); } };
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

Error OpenSslError(const std::string& what) {
  char buf[256] = {0};
  const unsigned long code = ERR_get_error();
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return Error{Errc::kInternal, "tls: " + what + (code != 0 ? std::string(": ") + buf : std::string())};
}

// Self-signed, serial from the key, CN = "peerdb member <first 16 bytes of the key in hex>". The dates span
// 2000..2999 so that no clock, however wrong, makes the certificate "expired" to a peer that looks.
Result<X509Ptr> SelfSignedCertificate(EVP_PKEY* pkey, const Hash32& public_key) {
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  if (X509_set_version(cert.get(), 2) != 1) return OpenSslError("X509_set_version");
  std::uint64_t serial = 0;
  for (int i = 0; i < 7; ++i) serial = (serial << 8) | public_key[static_cast<std::size_t>(i)];
  if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial + 1) != 1) return OpenSslError("serial");
  if (ASN1_TIME_set_string(X509_getm_notBefore(cert.get()), "20000101000000Z") != 1 ||
      ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), "29991231235959Z") != 1) {
    return OpenSslError("validity");
  }
  const std::string cn = "peerdb member " + Hex(public_key).substr(0, 32);  // CN: at most 64 chars
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return OpenSslError("name");
  }
  if (X509_set_pubkey(cert.get(), pkey) != 1) return OpenSslError("X509_set_pubkey");
  if (X509_sign(cert.get(), pkey, nullptr) <= 0) return OpenSslError("X509_sign");  // Ed25519: no digest
  return cert;
}

}  // namespace

std::optional<Hash32> Ed25519KeyOf(X509* cert) {
  if (cert == nullptr) return std::nullopt;
  EVP_PKEY* pkey = X509_get0_pubkey(cert);
  if (pkey == nullptr || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) return std::nullopt;
  Hash32 out{};
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey, out.data(), &len) != 1 || len != out.size()) return std::nullopt;
  return out;
}

std::optional<Hash32> PeerLeafKeyOf(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  return Ed25519KeyOf(cert);
}

Result<std::shared_ptr<ssl::context>> MakeTlsContext(const crypto::SigningKey& key) {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, key.seed().data(), key.seed().size()));
  if (!pkey) return OpenSslError("Ed25519 key from seed");
  PEERDB_TRY_ASSIGN(X509Ptr cert, SelfSignedCertificate(pkey.get(), key.public_key()));
  if (Ed25519KeyOf(cert.get()) != key.public_key()) return Error{Errc::kInternal, "tls: certificate key mismatch"};

  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls);
  } catch (const std::exception& e) {
    return Error{Errc::kInternal, std::string("tls: context: ") + e.what()};
  }
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1) return OpenSslError("TLS 1.3 only");
  if (SSL_CTX_use_certificate(native, cert.get()) != 1) return OpenSslError("use certificate");
  if (SSL_CTX_use_PrivateKey(native, pkey.get()) != 1) return OpenSslError("use key");
  if (SSL_CTX_check_private_key(native) != 1) return OpenSslError("check key");
  // No session tickets or resumption: every connection proves its key afresh.
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return ctx;
}

}  // namespace peerdb::net::internal
