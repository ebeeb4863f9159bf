// The state as `peerdb audit` re-derives it by replaying every block from genesis: current keys,
// each author's last batch seq, and the history rows the replay produced. It is the parent view
// that execution reads, and what the stored state is compared with. It also follows erasures:
// every value missing from a block must be named by an erase op, and every value an erase op
// names must be gone from the blocks (CheckErasures).
// Thread-safety: a single-thread value object.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
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

  // Applies one executed block (height, id) on top of what was replayed so far: its writes, then
  // its erasures (each version's history row, and the current state when it is that version).
  void Apply(const state::ExecResult& r, std::uint64_t height, const Hash32& id);

  // After the last block: kInvalid naming the first version whose value a block lacks although no
  // erase op names it (a value withheld), or whose value a block still holds although an erase op
  // named it (an erasure not carried out).
  Status CheckErasures() const;

  const std::map<std::pair<std::string, std::string>, ReplayEntry>& keys() const { return m_keys; }
  std::vector<store::HistoryEntry>& history() { return m_history; }

 private:
  std::map<std::pair<std::string, std::string>, ReplayEntry> m_keys;
  std::map<chain::MemberId, std::uint64_t> m_seq;
  std::vector<store::HistoryEntry> m_history;
  struct VersionFacts {
    std::size_t history_index = 0;
    bool held = false;                      // the block that wrote it still holds the value
    std::optional<std::uint64_t> erased_at;  // the height of the first erase op naming it
  };
  std::map<std::tuple<std::string, std::string, std::uint64_t>, VersionFacts> m_versions;
};

}  // namespace peerdb::audit
