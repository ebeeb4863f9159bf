#include "peerdb/consensus/internal/alert_book.h"

#include <algorithm>

namespace peerdb::consensus {

std::optional<Alert> AlertBook::Raise(AlertKind kind, chain::MemberId member, std::uint64_t from_h, std::uint64_t to_h,
                                      std::uint64_t now_ms, std::string detail, std::vector<chain::MemberId> involved) {
  if (involved.empty() && member != 0) involved = {member};
  const Key key = KeyOf(kind, member);
  auto it = m_alerts.find(key);
  if (it != m_alerts.end()) {
    // Still active: widen the heights and bring the detail up to date silently; no new action.
    it->second.from_height = std::min(it->second.from_height, from_h);
    it->second.to_height = std::max(it->second.to_height, to_h);
    it->second.detail = std::move(detail);
    it->second.members = std::move(involved);
    return std::nullopt;
  }
  Alert a;
  a.kind = kind;
  a.members = std::move(involved);
  a.from_height = from_h;
  a.to_height = to_h;
  a.since_ms = now_ms;
  a.detail = std::move(detail);
  m_alerts[key] = a;
  return a;
}

std::optional<Alert> AlertBook::Clear(AlertKind kind, chain::MemberId member) {
  auto it = m_alerts.find(KeyOf(kind, member));
  if (it == m_alerts.end()) return std::nullopt;
  Alert a = std::move(it->second);
  m_alerts.erase(it);
  return a;
}

bool AlertBook::Has(AlertKind kind, chain::MemberId member) const { return m_alerts.count(KeyOf(kind, member)) > 0; }

std::vector<Alert> AlertBook::Active() const {
  std::vector<Alert> out;
  out.reserve(m_alerts.size());
  for (const auto& [key, a] : m_alerts) out.push_back(a);
  return out;
}

}  // namespace peerdb::consensus
