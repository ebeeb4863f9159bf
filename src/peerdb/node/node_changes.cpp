// Node: config changes through the Service (PROTOCOL.md §5.3). A change is a `_config` op in one of
// this member's batches, checked by the same executor rule every member applies; an approval is
// signed by the consensus machine when the operator asks, never on its own.
#include <algorithm>

#include "peerdb/node/node.h"
#include "peerdb/node/node_impl.h"

namespace peerdb::node {

std::optional<ChangeView> Node::Impl::MakeChangeView(const consensus::MachineView& mv) const {
  const chain::PendingChange* p = chain::PendingAt(mv.epoch, mv.h);
  if (!p) return std::nullopt;
  ChangeView v;
  v.change_id = p->change_id;
  v.change = p->change;
  v.diff = chain::DescribeChange(mv.epoch.config, p->change);
  v.proposer = p->proposer;
  v.height = p->height;
  v.block_id = p->block_id;
  v.targets = chain::ChangeTargets(p->change);
  v.approved = p->approvals;
  for (chain::MemberId id : mv.approvals_heard) {
    if (!std::binary_search(v.approved.begin(), v.approved.end(), id)) v.heard.push_back(id);
  }
  for (chain::MemberId id : chain::MissingApprovers(mv.epoch, *p, mv.chain_excluded)) {
    if (std::find(v.heard.begin(), v.heard.end(), id) != v.heard.end()) continue;
    if (const chain::Member* m = mv.epoch.config.FindMember(id)) v.missing.push_back(*m);
  }
  return v;
}

ChangesView Node::Impl::MakeChanges() const {
  const consensus::MachineView mv = machine->View();
  ChangesView v;
  v.epoch = mv.epoch.config.epoch;
  v.epoch_start_height = mv.epoch.start_height;
  v.deciding_height = mv.h;
  v.next_member_id = mv.epoch.next_member_id;
  v.members = mv.epoch.config.members;
  v.params = mv.epoch.config.params;
  v.rules = mv.epoch.config.rules;
  v.pending = MakeChangeView(mv);
  return v;
}

void Node::ProposeChange(ChangeRequest request, Callback<ChangeReceipt> done) {
  m_impl->Post(done, [this, request = std::move(request), done]() mutable {
    Impl& d = *m_impl;
    if (d.stopped || !d.started) return done(Error{Errc::kUnavailable, "node is not running"});
    const chain::EpochState& epoch = d.app->epoch();
    const std::uint64_t next = d.head_height + 1;
    const std::uint64_t ttl = epoch.config.params.config_ttl_heights;
    const std::uint64_t in_blocks = request.expires_in_blocks ? request.expires_in_blocks : std::min(kDefaultChangeTtlHeights, ttl);
    if (in_blocks > ttl) {
      return done(Error{Errc::kInvalid, "--expires-in-blocks " + std::to_string(in_blocks) +
                                            " exceeds config_ttl_heights (" + std::to_string(ttl) + ")"});
    }
    chain::ConfigChange change;
    change.epoch = epoch.config.epoch;
    change.ops = std::move(request.ops);
    change.expires_height = next + in_blocks;
    chain::Op op;
    op.kind = static_cast<std::uint8_t>(chain::OpKind::kConfig);
    op.ns = std::string(chain::kConfigNamespace);
    op.key = std::string(chain::kConfigKey);
    op.value = codec::Encode(change);
    const Hash32 id = chain::ChangeId(change);
    std::vector<std::string> diff = chain::DescribeChange(epoch.config, change);
    // Answered with the change as it stands once the block carrying it is committed.
    Callback<SubmitReceipt> on_commit = [this, done, id, change, diff](Result<SubmitReceipt> r) {
      if (!r.ok()) return done(r.error());
      ChangeReceipt receipt;
      receipt.committed = *r;
      std::optional<ChangeView> now = m_impl->MakeChangeView(m_impl->machine->View());
      if (now && now->change_id == id) {
        receipt.change = std::move(*now);
      } else {
        receipt.change.change_id = id;
        receipt.change.change = change;
        receipt.change.diff = diff;
      }
      done(std::move(receipt));
    };
    auto full = [&] {
      const auto reads = d.store->BeginRead();
      return d.mempool->Add({std::move(op)}, next, std::move(on_commit));
    }();
    if (!full.ok()) return done(full.error());
    if (*full) d.Step(consensus::LocalBatch{std::move(**full)});
    d.ScheduleSeal();
  });
}

void Node::GetChanges(Callback<ChangesView> done) {
  m_impl->Post(done, [this, done] {
    if (!m_impl->machine) return done(Error{Errc::kUnavailable, "node is not running"});
    done(m_impl->MakeChanges());
  });
}

void Node::ApproveChange(Hash32 change_id, Callback<ChangeView> done) {
  m_impl->Post(done, [this, change_id, done] {
    Impl& d = *m_impl;
    if (d.stopped || !d.started) return done(Error{Errc::kUnavailable, "node is not running"});
    if (Status s = d.machine->CheckApprove(change_id); !s.ok()) return done(s.error());
    d.Step(consensus::ApproveChange{change_id});
    std::optional<ChangeView> now = d.MakeChangeView(d.machine->View());
    if (!now) return done(Error{Errc::kNotFound, "the change is no longer pending"});
    done(std::move(*now));
  });
}

}  // namespace peerdb::node
