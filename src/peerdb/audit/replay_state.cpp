#include "peerdb/audit/replay_state.h"

namespace peerdb::audit {

Result<std::optional<state::KeyState>> ReplayState::GetKey(const std::string& ns, const std::string& key) const {
  auto it = m_keys.find({ns, key});
  if (it == m_keys.end()) return std::optional<state::KeyState>();
  return std::optional<state::KeyState>(it->second.state);
}

Result<std::uint64_t> ReplayState::LastSeq(chain::MemberId author) const {
  auto it = m_seq.find(author);
  return it == m_seq.end() ? 0 : it->second;
}

void ReplayState::Apply(const state::ExecResult& r, std::uint64_t height, const Hash32& id) {
  for (const state::Write& w : r.writes) {
    m_keys[{w.ns, w.key}] = ReplayEntry{w.state, height, id};
    store::HistoryEntry h;
    h.ns = w.ns;
    h.key = w.key;
    h.state = w.state;
    h.height = height;
    h.block_id = id;
    h.author = w.author;
    h.seq = w.seq;
    h.op_index = w.op_index;
    m_history.push_back(std::move(h));
  }
  for (const auto& [a, s] : r.last_seq) m_seq[a] = s;
}

}  // namespace peerdb::audit
