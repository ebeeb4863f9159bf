// A HeaderSource in front of another one for verifying many proofs at once: each height's header
// and the tip height are asked of the inner source once, failures included, so 100,000 proofs
// anchored in the same few blocks cost a few lookups and a dead server is not asked 100,000 times.
// Thread-safety: every method may be called from any thread; calls into the inner source are
// serialized by an internal mutex.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "peerdb/ots/verify.h"

namespace peerdb::ots {

class CachedHeaderSource final : public HeaderSource {
 public:
  // REQUIRES: inner outlives this object.
  explicit CachedHeaderSource(HeaderSource& inner) : m_inner(inner) {}

  Result<BlockHeader> HeaderAt(std::uint64_t height) override;
  Result<std::uint64_t> TipHeight() override;

 private:
  std::mutex m_mu;
  HeaderSource& m_inner;
  std::map<std::uint64_t, Result<BlockHeader>> m_headers;
  std::optional<Result<std::uint64_t>> m_tip;
};

}  // namespace peerdb::ots
