#include "peerdb/state/tree_row_overlay.h"

#include <algorithm>

#include "peerdb/util/assert.h"

namespace peerdb::state {
namespace {

TreeRow RowOf(const std::string& key, const Bytes& value) { return TreeRow{Bytes(key.begin(), key.end()), value}; }

}  // namespace

Result<std::optional<Bytes>> TreeRowOverlay::LoadTreeRow(ByteSpan key) const {
  if (!m_newest.empty() || !m_frozen.empty()) {
    const std::string k(key.begin(), key.end());
    if (auto it = m_newest.find(k); it != m_newest.end()) return std::optional<Bytes>{it->second};
    if (auto it = m_frozen.find(k); it != m_frozen.end()) return std::optional<Bytes>{it->second};
  }
  return m_base.LoadTreeRow(key);
}

void TreeRowOverlay::Apply(std::vector<TreeRow> rows) {
  for (TreeRow& r : rows) {
    auto [it, inserted] = m_newest.try_emplace(std::string(r.key.begin(), r.key.end()));
    if (inserted) {
      m_newest_bytes += it->first.size();
    } else {
      m_newest_bytes -= it->second.size();
    }
    m_newest_bytes += r.value.size();
    it->second = std::move(r.value);
  }
}

void TreeRowOverlay::Freeze(std::uint64_t height) {
  PEERDB_ASSERT(!writing());
  m_frozen.swap(m_newest);
  m_frozen_bytes = m_newest_bytes;
  m_newest_bytes = 0;
  m_frozen_height = height;
  m_order.clear();
  m_order.reserve(m_frozen.size());
  for (auto it = m_frozen.begin(); it != m_frozen.end(); ++it) m_order.push_back(it);
  // Descending key order is deepest first: leaf rows (0xFF || path) above every page row, and a
  // page's key starts with its depth.
  std::sort(m_order.begin(), m_order.end(), [](const auto& a, const auto& b) { return a->first > b->first; });
  m_next = 0;
}

std::vector<TreeRow> TreeRowOverlay::NextRows(std::size_t max_rows) const {
  std::vector<TreeRow> out;
  const std::size_t end = m_next + std::min(max_rows, frozen_rows_left());
  out.reserve(end - m_next);
  for (std::size_t i = m_next; i < end; ++i) out.push_back(RowOf(m_order[i]->first, m_order[i]->second));
  return out;
}

bool TreeRowOverlay::Written(std::size_t n) {
  PEERDB_ASSERT(n <= frozen_rows_left());
  for (std::size_t i = m_next; i < m_next + n; ++i) {
    m_frozen_bytes -= m_order[i]->first.size() + m_order[i]->second.size();
    m_frozen.erase(m_order[i]);  // reads now find the row on disk (or a newer one in the newest generation)
  }
  m_next += n;
  if (m_next < m_order.size() || m_order.empty()) return false;
  m_order.clear();
  m_next = 0;
  return true;
}

std::vector<TreeRow> TreeRowOverlay::AllRows() const {
  std::vector<TreeRow> out;
  out.reserve(row_count());
  for (const auto& [key, value] : m_newest) out.push_back(RowOf(key, value));
  for (const auto& [key, value] : m_frozen) {
    if (!m_newest.contains(key)) out.push_back(RowOf(key, value));
  }
  // Key order: neighbouring rows land on the same database pages.
  std::sort(out.begin(), out.end(), [](const TreeRow& a, const TreeRow& b) { return a.key < b.key; });
  return out;
}

void TreeRowOverlay::Clear() {
  m_newest.clear();
  m_frozen.clear();
  m_newest_bytes = m_frozen_bytes = 0;
  m_order.clear();
  m_next = 0;
}

}  // namespace peerdb::state
