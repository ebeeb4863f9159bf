#include "peerdb/ots/cached_header_source.h"

namespace peerdb::ots {

Result<BlockHeader> CachedHeaderSource::HeaderAt(std::uint64_t height) {
  std::lock_guard lock(m_mu);
  auto it = m_headers.find(height);
  if (it == m_headers.end()) it = m_headers.emplace(height, m_inner.HeaderAt(height)).first;
  return it->second;
}

Result<std::uint64_t> CachedHeaderSource::TipHeight() {
  std::lock_guard lock(m_mu);
  if (!m_tip) m_tip = m_inner.TipHeight();
  return *m_tip;
}

}  // namespace peerdb::ots
