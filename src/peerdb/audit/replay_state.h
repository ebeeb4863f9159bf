// The state as `peerdb audit` re-derives it by replaying every block from genesis: current keys,
// each author's last batch seq, and the history rows the replay produced. It is the parent view
// that execution reads, and what the stored state is compared with.
// Thread-safety: a single-thread value object.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "peerdb/state/executor.h"
#include "peerdb/store/store.h"

namespace peerdb::audit {

struct ReplayEntry {
  state::KeyState state;
  std::uint64_t height = 0;
  Hash32 block_id{};
};

class ReplayState final : public state::StateView {
 public:
  Result<std::optional<state::KeyState>> GetKey(const std::string& ns, const std::string& key) const override;
  Result<std::uint64_t> LastSeq(chain::MemberId author) const override;

  // Applies one executed block (height, id) on top of what was replayed so far.
  void Apply(const state::ExecResult& r, std::uint64_t height, const Hash32& id);

  const std::map<std::pair<std::string, std::string>, ReplayEntry>& keys() const { return m_keys; }
  std::vector<store::HistoryEntry>& history() { return m_history; }

 private:
  std::map<std::pair<std::string, std::string>, ReplayEntry> m_keys;
  std::map<chain::MemberId, std::uint64_t> m_seq;
  std::vector<store::HistoryEntry> m_history;
};

}  // namespace peerdb::audit
