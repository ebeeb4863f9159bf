// A member's TLS identity: an Ed25519 key built in OpenSSL from the member's signing seed and a
// self-signed X.509 certificate over it, both in memory, loaded into a TLS 1.3-only context that
// presents the certificate and requires one from the peer (SSL_VERIFY_PEER |
// SSL_VERIFY_FAIL_IF_NO_PEER_CERT) on both the dialling and the accepting side.
// The certificate's validity dates, names and CA chain carry no meaning: a peer is accepted only
// by its leaf's raw Ed25519 public key (LeafKeyOf), which the session checks against the members.
// Thread-safety: MakeTlsContext is thread-safe; the context is then shared read-only.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>

#include "peerdb/crypto/ed25519.h"
#include "peerdb/util/result.h"

namespace peerdb::net::internal {

// kInternal when OpenSSL cannot build the key, certificate or context.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const crypto::SigningKey& key);

// The raw Ed25519 key of a certificate, or nullopt if its key is not Ed25519.
std::optional<Hash32> Ed25519KeyOf(X509* cert);
// The raw Ed25519 key of the peer's leaf certificate after (or during) a handshake.
std::optional<Hash32> PeerLeafKeyOf(SSL* ssl);

}  // namespace peerdb::net::internal
