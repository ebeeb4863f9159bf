// Reads the blocks of a chain ahead of the checker, on a thread of its own, so that `peerdb audit`
// keeps both cores busy: the reader fetches each block from its source, decodes it and verifies
// its batches' signatures (chain::VerifySignedBy, the very check the executor makes) under the
// member keys of the latest config the checker published; the checker's thread then executes and
// hashes. A batch verified under a key that is no longer its author's when the checker reaches it
// (a rotation the reader had not seen yet) is simply verified again by the executor
// (state::ExecRules::verified_under). At most kAhead blocks wait, so memory stays bounded.
// Thread-safety: Pop and Publish from the checker's thread; `next` runs on the reader's thread only.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "peerdb/audit/chain_checker.h"
#include "peerdb/util/bounded_queue.h"

namespace peerdb::audit {

class BlockReader {
 public:
  static constexpr std::size_t kAhead = 8;
  // The next block of the source (bytes, or an already decoded `block`), nullopt after the last.
  using Next = std::function<Result<std::optional<RawBlock>>()>;

  BlockReader(Next next, const Hash32& chain_id, const chain::Config& config);
  ~BlockReader();  // stops the reader and waits for it
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  // The next block: `block` set unless its bytes do not decode (the checker then reports why), and
  // `verified_under` filled. nullopt after the last; an error of the source as it happened.
  Result<std::optional<RawBlock>> Pop();
  // The config in force from the next blocks on (the checker calls it when an epoch starts).
  void Publish(const chain::Config& config);

 private:
  void Run();
  void Verify(RawBlock& raw) const;

  Next m_next;
  const Hash32 m_chain_id;
  mutable std::mutex m_config_mutex;
  std::shared_ptr<const chain::Config> m_config;  // guarded by m_config_mutex
  BoundedQueue<Result<std::optional<RawBlock>>> m_queue{kAhead};
  std::thread m_thread;  // last: started once the members above exist
};

}  // namespace peerdb::audit
