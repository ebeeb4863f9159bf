#include "peerdb/audit/replay_state.h"

#include "peerdb/state/tree_writes.h"

namespace peerdb::audit {

Result<std::optional<state::KeyState>> ReplayView::GetKey(const std::string& ns, const std::string& key) const {
  auto leaf = m_tree.Find(ns, key);
  // Whatever went wrong there (I/O, a full disk, damage) is the audit's environment, not the block.
  if (!leaf.ok()) return Error{Errc::kIo, "the audit's scratch database: " + leaf.error().message};
  if (!*leaf) return std::optional<state::KeyState>{};
  return std::optional<state::KeyState>{state::KeyStateOf(**leaf)};
}

Result<std::uint64_t> ReplayView::LastSeq(chain::MemberId author) const {
  auto it = m_seq.find(author);
  return it == m_seq.end() ? 0 : it->second;
}

void ReplayView::ApplySeqs(const std::map<chain::MemberId, std::uint64_t>& last_seq) {
  for (const auto& [a, s] : last_seq) m_seq[a] = s;
}

}  // namespace peerdb::audit
