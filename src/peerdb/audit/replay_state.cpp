#include "peerdb/audit/replay_state.h"

#include "peerdb/state/tree_writes.h"

namespace peerdb::audit {
namespace {

Error ScratchError(const Error& e) { return Error{Errc::kIo, "the audit's scratch database: " + e.message}; }

}  // namespace

std::vector<ReplayTree::KeyRef> ReplayView::KeysOf(const std::vector<chain::TxBatch>& batches) {
  std::vector<ReplayTree::KeyRef> keys;
  for (const chain::TxBatch& b : batches) {
    for (const chain::Op& op : b.ops) keys.push_back(ReplayTree::KeyRef{op.ns, op.key});
  }
  return keys;
}

Result<std::optional<state::KeyState>> ReplayView::GetKey(const std::string& ns, const std::string& key) const {
  const auto state_of = [](const std::optional<state::StateLeaf>& leaf) {
    return leaf ? std::optional<state::KeyState>{state::KeyStateOf(*leaf)} : std::nullopt;
  };
  if (auto it = m_leaves.find(ReplayTree::LeafName(ns, key)); it != m_leaves.end()) return state_of(it->second);
  auto found = m_tree.Find(ns, key);
  if (!found.ok()) return ScratchError(found.error());
  return state_of(*found);
}

Result<std::uint64_t> ReplayView::LastSeq(chain::MemberId author) const {
  auto it = m_seq.find(author);
  return it == m_seq.end() ? 0 : it->second;
}

void ReplayView::ApplySeqs(const std::map<chain::MemberId, std::uint64_t>& last_seq) {
  for (const auto& [a, s] : last_seq) m_seq[a] = s;
}

}  // namespace peerdb::audit
