// A deliberately tiny in-memory node::Service for the API tests: just enough behaviour (one
// namespace, versions, history, blocks, status) to drive every route over real sockets. The real
// node lives in src/peerdb/node and is tested there.
// Thread-safety: all methods lock one mutex; callbacks run on the caller's thread, outside it.
#pragma once

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "peerdb/node/service.h"

namespace peerdb::api::testing {

class FakeService final : public node::Service {
 public:
  FakeService() {
    m_genesis.config.members.push_back(chain::Member{1, {}, {}, "alpha", "ops@alpha.example"});
    m_genesis.config.members.push_back(chain::Member{2, {}, {}, "beta", "ops@beta.example"});
    m_genesis.config.rules.push_back(chain::Rule{"books", {}, {}, {}, 2, false});
  }
  ~FakeService() override { ReleaseHeld(); }

  // "books" is writable, "locked" exists but is forbidden, anything else is unknown.
  void Submit(std::vector<chain::Op> ops, node::Callback<node::SubmitReceipt> done) override {
    for (const chain::Op& op : ops) {
      if (op.ns == "locked") return done(Error{Errc::kForbidden, "member 1 may not write to locked"});
      if (op.ns != "books") return done(Error{Errc::kUnknownNamespace, "namespace " + op.ns + " is not defined"});
    }
    std::unique_lock lock(m_mu);
    if (hold_submits) {
      m_held.push_back(std::move(done));
      return;
    }
    node::SubmitReceipt receipt = CommitLocked(std::move(ops));
    lock.unlock();
    done(receipt);
  }

  // Blocks up to final_height are FINAL, the others UNANIMOUS.
  void Get(std::string ns, std::string key, store::BlockStatus min_status, node::Callback<node::ValueView> done) override {
    std::unique_lock lock(m_mu);
    if (ns != "books" && ns != "locked") return Unlock(lock, done, Error{Errc::kUnknownNamespace, "no namespace " + ns});
    auto it = m_history.find({ns, key});
    if (it == m_history.end()) return Unlock(lock, done, Error{Errc::kNotFound, ns + "/" + key + " was never written"});
    for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
      const store::BlockStatus status = v->height <= final_height ? store::BlockStatus::kFinal : store::BlockStatus::kUnanimous;
      if (status < min_status) continue;
      node::ValueView view{store::CurrentEntry{v->ns, v->key, v->state, v->height, v->block_id}, status,
                           it->second.back().state.version, m_blocks.size(), final_height};
      return Unlock(lock, done, Result<node::ValueView>(view));
    }
    Unlock(lock, done, Error{Errc::kNotFound, "no version of " + ns + "/" + key + " has that status yet"});
  }

  void History(std::string ns, std::string key, std::size_t limit,
               node::Callback<std::vector<node::VersionView>> done) override {
    std::unique_lock lock(m_mu);
    std::vector<node::VersionView> out;
    if (auto it = m_history.find({ns, key}); it != m_history.end()) {
      for (std::size_t i = 0; i < it->second.size() && i < limit; ++i) out.push_back({it->second[i], {}});
    }
    if (out.empty()) {
      return Unlock(lock, done, Result<std::vector<node::VersionView>>(Error{Errc::kNotFound, ns + "/" + key + " has never been written"}));
    }
    Unlock(lock, done, Result<std::vector<node::VersionView>>(std::move(out)));
  }

  // Private records: "books" is plain, so a reshare is refused as the node refuses it; a disclosure
  // answers fixed bytes so the route's encoding can be checked.
  void Reshare(std::string ns, std::string key, node::Callback<node::ReshareReceipt> done) override {
    if (ns != "books") return done(Error{Errc::kUnknownNamespace, "namespace " + ns + " is not defined"});
    done(Error{Errc::kInvalid, "'books' is not an encrypted namespace: every member reads books/" + key + " already"});
  }
  void Disclose(std::string ns, std::string key, std::uint64_t version, node::Callback<Bytes> done) override {
    if (ns != "books") return done(Error{Errc::kUnknownNamespace, "namespace " + ns + " is not defined"});
    if (version > 1) return done(Error{Errc::kNotFound, "books/" + key + " has no version " + std::to_string(version)});
    done(Bytes{0x50, 0x44, 0x42, 0x00, 0xff});
  }

  void GetBlock(std::uint64_t height, node::Callback<node::BlockView> done) override {
    std::unique_lock lock(m_mu);
    if (height == 0 || height > m_blocks.size()) {
      return Unlock(lock, done, Error{Errc::kNotFound, "no block at height " + std::to_string(height)});
    }
    Unlock(lock, done, Result<node::BlockView>(m_blocks[height - 1]));
  }

  void GetStatus(node::Callback<node::StatusView> done) override {
    if (throw_on_status) throw std::runtime_error("status exploded");
    std::unique_lock lock(m_mu);
    node::StatusView s;
    s.chain_id.fill(0xc1);
    s.self = 1;
    s.self_name = "alpha";
    s.head_height = m_blocks.size();
    if (!m_blocks.empty()) s.head_id = m_blocks.back().block.id;
    s.unanimous_height = m_blocks.size();
    s.anchored_height = final_height;
    s.final_height = final_height;
    s.committed_ops = m_committed_ops;
    for (const chain::Member& m : m_genesis.config.members) s.members.push_back(node::MemberStatus{m, m_blocks.size()});
    Unlock(lock, done, Result<node::StatusView>(std::move(s)));
  }

  const chain::Genesis& genesis() const override { return m_genesis; }

  // Config changes: calls are recorded; one change may be pending (the node's tests cover the rules).
  // A proposal becomes the pending change, committed in a new block; approvals come from member 1.
  void ProposeChange(node::ChangeRequest request, node::Callback<node::ChangeReceipt> done) override {
    std::unique_lock lock(m_mu);
    proposed.push_back(request);
    if (propose_error) return Unlock(lock, done, *propose_error);
    if (m_pending) return Unlock(lock, done, Error{Errc::kConflict, "a config change is pending"});
    node::ChangeView v;
    v.change.epoch = 0;
    v.change.ops = std::move(request.ops);
    v.change.expires_height = m_blocks.size() + 1 + (request.expires_in_blocks ? request.expires_in_blocks : 100);
    v.change_id = chain::ChangeId(v.change);
    v.diff = chain::DescribeChange(m_genesis.config, v.change);
    v.proposer = 1;
    v.targets = chain::ChangeTargets(v.change);
    for (const chain::Member& m : m_genesis.config.members) {
      if (std::find(v.targets.begin(), v.targets.end(), m.id) == v.targets.end()) v.missing.push_back(m);
    }
    node::ChangeReceipt receipt;
    receipt.committed = CommitLocked({});
    v.height = receipt.committed.height;
    v.block_id = receipt.committed.block_id;
    m_pending = v;
    receipt.change = v;
    Unlock(lock, done, Result<node::ChangeReceipt>(std::move(receipt)));
  }
  void GetChanges(node::Callback<node::ChangesView> done) override {
    std::unique_lock lock(m_mu);
    ++get_changes_calls;
    node::ChangesView v;
    v.deciding_height = m_blocks.size() + 1;
    v.next_member_id = 3;
    v.members = m_genesis.config.members;
    v.params = m_genesis.config.params;
    v.rules = m_genesis.config.rules;
    v.pending = m_pending;
    Unlock(lock, done, Result<node::ChangesView>(std::move(v)));
  }
  void ApproveChange(Hash32 change_id, node::Callback<node::ChangeView> done) override {
    std::unique_lock lock(m_mu);
    approved_ids.push_back(change_id);
    if (!m_pending || m_pending->change_id != change_id) {
      return Unlock(lock, done, Error{Errc::kNotFound, "change " + Hex(change_id).substr(0, 16) + " is not pending"});
    }
    if (!m_pending->approved.empty()) return Unlock(lock, done, Error{Errc::kConflict, "member 1 approved this change already"});
    m_pending->approved.push_back(1);
    std::erase_if(m_pending->missing, [](const chain::Member& m) { return m.id == 1; });
    Unlock(lock, done, Result<node::ChangeView>(*m_pending));
  }

  std::vector<node::ChangeRequest> Proposed() {
    std::lock_guard lock(m_mu);
    return proposed;
  }
  std::vector<Hash32> Approved() {
    std::lock_guard lock(m_mu);
    return approved_ids;
  }
  std::optional<node::ChangeView> Pending() {
    std::lock_guard lock(m_mu);
    return m_pending;
  }

  // Answers held submits with kUnavailable, as a node does when it shuts down.
  void ReleaseHeld() {
    std::vector<node::Callback<node::SubmitReceipt>> held;
    {
      std::lock_guard lock(m_mu);
      held.swap(m_held);
    }
    for (auto& done : held) done(Error{Errc::kUnavailable, "node shutting down"});
  }

  // Submits held so far (and not yet released).
  std::size_t HeldCount() {
    std::lock_guard lock(m_mu);
    return m_held.size();
  }

  void GetEvidence(node::Callback<std::vector<node::EvidenceView>> done) override { done(std::vector<node::EvidenceView>{}); }

  std::atomic<bool> hold_submits{false};    // set before serving: Submit keeps its callback (commit never comes)
  std::atomic<bool> throw_on_status{false}; // GetStatus throws, to check the handler edge
  std::atomic<std::uint64_t> final_height{0};  // blocks up to here read as FINAL
  std::optional<Error> propose_error;          // set before serving: ProposeChange answers it

 private:
  template <class T>
  static void Unlock(std::unique_lock<std::mutex>& lock, const node::Callback<T>& done, std::type_identity_t<Result<T>> r) {
    lock.unlock();
    done(std::move(r));
  }

  node::SubmitReceipt CommitLocked(std::vector<chain::Op> ops) {
    const std::uint64_t height = m_blocks.size() + 1;
    chain::TxBatch batch;
    batch.author = 1;
    batch.seq = height;
    batch.ops = ops;
    node::BlockView view;
    view.block.height = height;
    view.block.block.header.height = height;
    view.block.block.batches.push_back(batch);
    view.block.id.fill(static_cast<std::uint8_t>(height));
    view.block.status = store::BlockStatus::kUnanimous;
    view.seals.push_back(chain::Seal{1, height, view.block.id, 1, {}});
    for (std::uint32_t i = 0; i < ops.size(); ++i) {
      auto& versions = m_history[{ops[i].ns, ops[i].key}];
      if (ops[i].kind == static_cast<std::uint8_t>(chain::OpKind::kErase)) {  // as the node's store does
        auto spec = codec::Decode<chain::EraseSpec>(ops[i].value);
        for (store::HistoryEntry& e : versions) {
          const auto& named = spec->versions;
          if (!named.empty() && std::find(named.begin(), named.end(), e.state.version) == named.end()) continue;
          e.state.erased = !e.state.deleted;
          e.state.value.clear();
        }
        continue;
      }
      store::HistoryEntry e;
      e.ns = ops[i].ns;
      e.key = ops[i].key;
      e.state.deleted = ops[i].kind == static_cast<std::uint8_t>(chain::OpKind::kDel);
      if (!e.state.deleted) e.state.value = ops[i].value;
      e.state.owner = 1;
      e.state.version = versions.size() + 1;
      e.height = height;
      e.block_id = view.block.id;
      e.author = 1;
      e.seq = batch.seq;
      e.op_index = i;
      versions.push_back(std::move(e));
    }
    m_blocks.push_back(std::move(view));
    m_committed_ops += ops.size();
    return node::SubmitReceipt{height, m_blocks.back().block.id, store::BlockStatus::kUnanimous, batch.seq, ops.size()};
  }

  std::mutex m_mu;
  chain::Genesis m_genesis;
  std::map<std::pair<std::string, std::string>, std::vector<store::HistoryEntry>> m_history;
  std::vector<node::BlockView> m_blocks;
  std::uint64_t m_committed_ops = 0;
  std::vector<node::Callback<node::SubmitReceipt>> m_held;
  std::optional<node::ChangeView> m_pending;
  std::vector<node::ChangeRequest> proposed;
  std::vector<Hash32> approved_ids;
  std::size_t get_changes_calls = 0;
};

}  // namespace peerdb::api::testing
