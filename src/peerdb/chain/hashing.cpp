#include "peerdb/chain/hashing.h"

#include <memory>
#include <vector>

#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

namespace peerdb::chain {

namespace {
// Hashers for nested TaggedHasher leases on this thread: hashers[i] serves depth i.
struct HasherPool {
  std::vector<std::unique_ptr<crypto::Sha256Hasher>> hashers;
  std::size_t depth = 0;
};
thread_local HasherPool t_pool;
}  // namespace

TaggedHasher::TaggedHasher(std::string_view tag) {
  PEERDB_ASSERT(tag.size() < 256);
  if (t_pool.depth == t_pool.hashers.size()) t_pool.hashers.push_back(std::make_unique<crypto::Sha256Hasher>());
  m_hasher = t_pool.hashers[t_pool.depth++].get();
  const std::uint8_t len = static_cast<std::uint8_t>(tag.size());
  m_hasher->Update(ByteSpan(&len, 1)).Update(AsBytes(tag));
}

TaggedHasher::~TaggedHasher() {
  // A lease left unfinished (an exception while writing) leaves its hasher mid-message: reset it.
  if (!m_finished) m_hasher->Finish();
  --t_pool.depth;
}

Hash32 TaggedHashBytes(std::string_view tag, ByteSpan pce_bytes) {
  TaggedHasher hasher(tag);
  hasher.Update(pce_bytes);
  return hasher.Finish();
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
