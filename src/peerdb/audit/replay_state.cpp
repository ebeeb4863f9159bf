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
    m_versions[{w.ns, w.key, w.state.version}] = VersionFacts{m_history.size(), !w.state.deleted && !w.state.erased, {}};
    m_history.push_back(std::move(h));
  }
  for (const state::Erasure& e : r.erasures) {
    for (std::uint64_t v : e.versions) {
      auto it = m_versions.find({e.ns, e.key, v});
      if (it == m_versions.end()) continue;  // the executor checked that the version exists
      if (!it->second.erased_at) it->second.erased_at = height;
      state::KeyState& s = m_history[it->second.history_index].state;
      if (s.deleted) continue;
      s.erased = true;
      s.value.clear();
      ReplayEntry& current = m_keys[{e.ns, e.key}];
      if (current.state.version == v) current.state = s;
    }
  }
  for (const auto& [a, s] : r.last_seq) m_seq[a] = s;
}

Status ReplayState::CheckErasures() const {
  for (const auto& [k, f] : m_versions) {
    const store::HistoryEntry& h = m_history[f.history_index];
    const std::string what = std::get<0>(k) + "/" + std::get<1>(k) + " version " + std::to_string(std::get<2>(k));
    if (h.state.erased && !f.held && !f.erased_at) {
      return Error{Errc::kInvalid, "block " + std::to_string(h.height) + " lacks the value of " + what +
                                       " but no erase op names it: a value was withheld"};
    }
    if (f.held && f.erased_at) {
      return Error{Errc::kInvalid, "block " + std::to_string(h.height) + " still holds the value of " + what +
                                       ", erased in block " + std::to_string(*f.erased_at)};
    }
  }
  return Status::Ok();
}

}  // namespace peerdb::audit
