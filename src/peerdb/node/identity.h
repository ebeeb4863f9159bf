// A member's identity on disk: the private key file (signing seed + X25519 secret, mode 0600) and
// the public member card (JSON) that members exchange to build the consortium.
// Key file format (text, one field per line, so operators can inspect it with `cat`):
//   peerdb-member-key v1
//   sign_seed <64 hex>
//   enc_secret <64 hex>
// Thread-safety: free functions.
#pragma once

#include <string>

#include "peerdb/crypto/ed25519.h"
#include "peerdb/util/result.h"

namespace peerdb::node {

struct MemberKey {
  crypto::SigningKey signing;
  crypto::EncryptionKeyPair encryption;
};

struct MemberCard {
  std::string name;
  std::string contact;
  Hash32 pubkey{};
  Hash32 enc_pubkey{};
  std::string address;  // host:port for peer traffic; may be empty for a single-member consortium
};

MemberKey GenerateMemberKey();
// Refuses to overwrite (kConflict); writes with mode 0600 durably.
Status SaveMemberKey(const MemberKey& key, const std::string& path);
// Rejects group/world-readable files (kConfig), bad format (kMalformed).
Result<MemberKey> LoadMemberKey(const std::string& path);

std::string EncodeMemberCard(const MemberCard& card);  // pretty JSON
Result<MemberCard> DecodeMemberCard(std::string_view json);
Result<MemberCard> LoadMemberCard(const std::string& path);

}  // namespace peerdb::node
