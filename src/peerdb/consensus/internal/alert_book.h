// The alerts of PROTOCOL.md §3 that a member has raised and not cleared yet: at most one per
// (kind, member), so a cause that persists is reported once and the operator sees one line for it,
// whose heights widen while the cause lasts. The book only records; the machine turns what Raise
// and Clear return into AlertRaised / AlertCleared actions, so the actions keep the machine's order.
// Thread-safety: a value type; not thread-safe, like the Machine that owns it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/consensus/alert.h"

namespace peerdb::consensus {

class AlertBook {
 public:
  // Raises `kind` about `member` (0: about no one in particular, e.g. the member itself for some
  // kinds) for heights [from_h, to_h], first seen at `now_ms`. The alert names `involved`, or
  // `member` when `involved` is empty. Returns the new alert, which the caller emits; nullopt when
  // that (kind, member) is already active: its heights then widen to cover [from_h, to_h], its
  // detail and named members become these (a display shows the cause as it is now), and its
  // since_ms stays that of the first report. REQUIRES: from_h <= to_h.
  std::optional<Alert> Raise(AlertKind kind, chain::MemberId member, std::uint64_t from_h, std::uint64_t to_h,
                             std::uint64_t now_ms, std::string detail, std::vector<chain::MemberId> involved = {});
  // Clears (kind, member). Returns the alert that was active, which the caller emits; nullopt when
  // none was (clearing is then a no-op, so callers may clear whenever the cause is absent).
  std::optional<Alert> Clear(AlertKind kind, chain::MemberId member);

  bool Has(AlertKind kind, chain::MemberId member) const;
  // Active alerts ordered by (kind, member): the order View() lists them in.
  std::vector<Alert> Active() const;
  std::size_t size() const { return m_alerts.size(); }

 private:
  using Key = std::pair<std::uint8_t, chain::MemberId>;
  static Key KeyOf(AlertKind kind, chain::MemberId member) { return {static_cast<std::uint8_t>(kind), member}; }
  std::map<Key, Alert> m_alerts;
};

}  // namespace peerdb::consensus
