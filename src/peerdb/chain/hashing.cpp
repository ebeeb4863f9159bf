#include "peerdb/chain/hashing.h"

#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

namespace peerdb::chain {

Hash32 TaggedHashBytes(std::string_view tag, ByteSpan pce_bytes) {
  PEERDB_ASSERT(tag.size() < 256);
  const std::uint8_t len = static_cast<std::uint8_t>(tag.size());
  return crypto::Sha256({ByteSpan(&len, 1), AsBytes(tag), pce_bytes});
}

Bytes SignBytesRaw(std::string_view tag, const Hash32& chain_id, ByteSpan pce_without_sig) {
  PEERDB_ASSERT(tag.size() < 256);
  Bytes out;
  out.reserve(1 + tag.size() + 32 + pce_without_sig.size());
  out.push_back(static_cast<std::uint8_t>(tag.size()));
  out.insert(out.end(), tag.begin(), tag.end());
  out.insert(out.end(), chain_id.begin(), chain_id.end());
  out.insert(out.end(), pce_without_sig.begin(), pce_without_sig.end());
  return out;
}

}  // namespace peerdb::chain
