#include "peerdb/state/executor.h"

#include <algorithm>
#include <utility>

#include "peerdb/chain/envelope.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/codec/pce.h"

namespace peerdb::state {
namespace {

bool Contains(const std::vector<chain::MemberId>& sorted, chain::MemberId id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
}

std::string Who(chain::MemberId id) { return "member " + std::to_string(id); }

// "1, 2".
std::string Ids(const std::vector<chain::MemberId>& ids) {
  std::string out;
  for (chain::MemberId id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

// A refused change of an existing key, naming the part of the rule that refuses it, so the writer
// sees what the consortium agreed without opening consortium.toml:
// member 1 may not change key 'a' in 'wiki' (rule: editors-edit, editors 2).
Error RefusedChange(chain::MemberId author, const chain::Op& op, const std::string& why) {
  const bool del = static_cast<chain::OpKind>(op.kind) == chain::OpKind::kDel;
  const std::string what = (del ? " may not delete key '" : " may not change key '") + op.key + "' in '" + op.ns + "'";
  return Error{Errc::kForbidden, Who(author) + what + why};
}

std::string EditorsText(const chain::Rule& rule) {
  return rule.editors.empty() ? "no editors" : "editors " + Ids(rule.editors);
}

// Keys and seqs written earlier in the same ExecuteBatches call, layered over the parent.
class Pending {
 public:
  explicit Pending(const StateView& parent) : m_parent(parent) {}

  Result<std::optional<KeyState>> GetKey(const std::string& ns, const std::string& key) const {
    auto it = m_keys.find({ns, key});
    if (it != m_keys.end()) return std::optional<KeyState>(it->second);
    return m_parent.GetKey(ns, key);
  }
  Result<std::uint64_t> LastSeq(chain::MemberId author, const ExecResult& out) const {
    auto it = out.last_seq.find(author);
    if (it != out.last_seq.end()) return it->second;
    return m_parent.LastSeq(author);
  }
  // Kept without the value: no rule looks at a key's current value, only at its owner, version
  // and whether it is deleted or erased (so a block's values are not copied once more here).
  void Set(const std::string& ns, const std::string& key, const KeyState& s) {
    // Naming every field: this stops compiling when KeyState gains one, so it is not forgotten here.
    [[maybe_unused]] const auto& [value, deleted, owner, version, commit, erased] = s;
    KeyState& kept = m_keys[{ns, key}];
    kept.value.clear();
    kept.deleted = deleted;
    kept.owner = owner;
    kept.version = version;
    kept.commit = commit;
    kept.erased = erased;
  }

 private:
  const StateView& m_parent;
  std::map<std::pair<std::string, std::string>, KeyState> m_keys;
};

// The versions an erase op names, resolved against the key's state: the listed ones, or every
// version the key has for an empty list.
Result<std::vector<std::uint64_t>> ErasedVersions(const chain::Op& op, const KeyState& existing) {
  PEERDB_TRY_ASSIGN(const chain::EraseSpec spec, codec::Decode<chain::EraseSpec>(op.value));
  if (spec.versions.empty()) {
    std::vector<std::uint64_t> all(existing.version);
    for (std::uint64_t v = 1; v <= existing.version; ++v) all[v - 1] = v;
    return all;
  }
  for (std::uint64_t v : spec.versions) {
    if (v == 0 || v > existing.version) {
      return Error{Errc::kNotFound, "key '" + op.key + "' in '" + op.ns + "' has no version " + std::to_string(v) +
                                        " (versions 1.." + std::to_string(existing.version) + ")"};
    }
  }
  return spec.versions;
}

// An erase: the key's owner or an editor of its namespace, whatever the mode (erasure is how an
// append-only record's owner meets a deletion duty, and it keeps every commitment).
Status CheckEraseAuthorised(const chain::Rule& rule, chain::MemberId author, const chain::Op& op,
                            const std::optional<KeyState>& existing) {
  if (!existing) return Error{Errc::kNotFound, "nothing to erase: key '" + op.key + "' does not exist in '" + op.ns + "'"};
  if (author != existing->owner && !Contains(rule.editors, author)) {
    return Error{Errc::kForbidden, Who(author) + " may not erase key '" + op.key + "' in '" + op.ns + "', owned by " +
                                       Who(existing->owner) + " (erasure: the owner or an editor, " + EditorsText(rule) + ")"};
  }
  PEERDB_TRY(ErasedVersions(op, *existing));
  return Status::Ok();
}

}  // namespace

Status CheckOpAuthorised(const chain::Config& config, chain::MemberId author, const chain::Op& op,
                         const std::optional<KeyState>& existing) {
  const auto kind = static_cast<chain::OpKind>(op.kind);
  if (kind == chain::OpKind::kConfig) {
    return Error{Errc::kInvalid, "config ops are judged by the epoch rules (chain::CheckProposedChange)"};
  }
  if (kind != chain::OpKind::kPut && kind != chain::OpKind::kDel && kind != chain::OpKind::kErase) {
    return Error{Errc::kMalformed, "unknown op kind"};
  }
  PEERDB_TRY_ASSIGN(const chain::Rule* rule, config.RuleOf(op.ns));
  // Every clause below ("all members", "any member in editors") presumes membership.
  if (config.FindMember(author) == nullptr) {
    return Error{Errc::kForbidden, Who(author) + " may not write to '" + op.ns + "': not a member of the consortium"};
  }
  if (kind == chain::OpKind::kErase) return CheckEraseAuthorised(*rule, author, op, existing);
  if (!rule->writers.empty() && !Contains(rule->writers, author)) {
    return Error{Errc::kForbidden,
                 Who(author) + " may not write to '" + op.ns + "' (rule: writers " + Ids(rule->writers) + ")"};
  }
  if (existing) {
    // The key exists (a tombstone counts: deleting keeps the owner and the version history).
    switch (static_cast<chain::RuleMode>(rule->mode)) {
      case chain::RuleMode::kAppendOnly:
        return RefusedChange(author, op, " (rule: append-only, a key is written once)");
      case chain::RuleMode::kOwnerEdit:
        if (author != existing->owner && !Contains(rule->editors, author)) {
          return RefusedChange(author, op,
                               ", owned by " + Who(existing->owner) + " (rule: owner-edit, " + EditorsText(*rule) + ")");
        }
        break;
      case chain::RuleMode::kEditorsEdit:
        if (!Contains(rule->editors, author)) {
          return RefusedChange(author, op, " (rule: editors-edit, " + EditorsText(*rule) + ")");
        }
        break;
      default:
        return Error{Errc::kInvalid, "rule for '" + op.ns + "' has an unknown mode"};
    }
  }
  if (kind == chain::OpKind::kDel && (!existing || existing->deleted)) {
    return Error{Errc::kInvalid, "nothing to delete: key '" + op.key + (existing ? "' is already deleted" : "' does not exist")};
  }
  if (kind == chain::OpKind::kPut && rule->encrypted && !op.is_erased()) {
    // C5 for a private record (§1.4): sealed to exactly the rule's readers and the author, for the
    // version this PUT creates. Only the readers can judge what is inside.
    const std::uint64_t next = existing ? existing->version + 1 : 1;
    if (auto e = chain::CheckEnvelope(config, *rule, author, next, op.value); !e.ok()) return e.take_error();
  }
  return Status::Ok();
}

Result<ExecResult> ExecuteBatches(const chain::Config& config, const Hash32& chain_id, const StateView& parent,
                                  const std::vector<chain::TxBatch>& batches, std::uint64_t height) {
  chain::EpochState epoch;
  epoch.config = config;
  return ExecuteBatches(ExecRules{&epoch, {}}, chain_id, parent, batches, height);
}

namespace {

enum class Signatures { kVerify, kNotYetSigned };

Result<ExecResult> Execute(const ExecRules& rules, const Hash32& chain_id, const StateView& parent,
                           const std::vector<chain::TxBatch>& batches, std::uint64_t height, Signatures signatures) {
  const chain::Config& config = rules.epoch->config;
  ExecResult out;
  Pending pending(parent);
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const chain::TxBatch& batch = batches[i];
    const std::string where = "batch " + std::to_string(i) + " (author " + std::to_string(batch.author) + " seq " +
                              std::to_string(batch.seq) + ")";
    auto fail = [&where](Error e) { return e.Context(where); };

    if (Status s = chain::CheckBatchShape(batch, config.params); !s.ok()) return fail(s.take_error());
    const chain::Member* member = config.FindMember(batch.author);
    if (member == nullptr) return fail(Error{Errc::kNotMember, Who(batch.author) + " is not a member"});
    const bool verified = rules.verified_under && i < rules.verified_under->size() &&
                          (*rules.verified_under)[i] == member->pubkey;
    if (signatures == Signatures::kVerify && !verified && !chain::VerifySignedBy(member->pubkey, chain_id, batch)) {
      return fail(Error{Errc::kBadSignature, "signature does not verify"});
    }
    auto last = pending.LastSeq(batch.author, out);
    if (!last.ok()) return fail(last.take_error());
    if (batch.seq != *last + 1) {
      return fail(Error{Errc::kInvalid, "seq " + std::to_string(batch.seq) + " but the next seq is " +
                                            std::to_string(*last + 1)});
    }
    if (batch.valid_until_height < height) {
      return fail(Error{Errc::kInvalid, "expired: valid until height " + std::to_string(batch.valid_until_height) +
                                            ", block height " + std::to_string(height)});
    }
    for (std::size_t j = 0; j < batch.ops.size(); ++j) {
      const chain::Op& op = batch.ops[j];
      const auto op_where = [&where, j] { return where + " op " + std::to_string(j); };  // only on failure
      if (static_cast<chain::OpKind>(op.kind) == chain::OpKind::kConfig) {
        if (out.change_proposed || parent.ChangeProposed()) {
          return Error{Errc::kConflict, "a config change is already proposed in this block; only one may be pending"}.Context(op_where());
        }
        auto change = chain::CheckProposedChange(*rules.epoch, batch.author, op, height, rules.excluded);
        if (!change.ok()) return change.take_error().Context(op_where());
        out.change_proposed = true;
        continue;
      }
      auto existing = pending.GetKey(op.ns, op.key);
      if (!existing.ok()) return existing.take_error().Context(op_where());
      if (Status s = CheckOpAuthorised(config, batch.author, op, *existing); !s.ok()) {
        return s.take_error().Context(op_where());
      }
      const std::optional<KeyState>& prev = *existing;
      if (static_cast<chain::OpKind>(op.kind) == chain::OpKind::kErase) {
        auto versions = ErasedVersions(op, **existing);  // checked above: the key exists
        if (!versions.ok()) return versions.take_error().Context(op_where());
        out.erasures.push_back(Erasure{op.ns, op.key, std::move(versions).value(), batch.author, batch.seq,
                                       static_cast<std::uint32_t>(j)});
        if (prev->version == out.erasures.back().versions.back() && !prev->deleted) {
          KeyState now = *prev;  // later ops of this block see the current value gone too
          now.value.clear();
          now.erased = true;
          pending.Set(op.ns, op.key, now);
        }
        continue;
      }
      Write w;
      w.ns = op.ns;
      w.key = op.key;
      w.author = batch.author;
      w.seq = batch.seq;
      w.op_index = static_cast<std::uint32_t>(j);
      w.state.owner = prev ? prev->owner : batch.author;  // the first writer owns the key for good
      w.state.version = prev ? prev->version + 1 : 1;
      w.state.commit = chain::ValueCommitment(op);
      if (static_cast<chain::OpKind>(op.kind) == chain::OpKind::kDel) {
        w.state.deleted = true;
      } else if (op.is_erased()) {
        w.state.erased = true;
      } else {
        w.state.value = op.value;
      }
      pending.Set(w.ns, w.key, w.state);
      out.writes.push_back(std::move(w));
    }
    out.last_seq[batch.author] = batch.seq;
  }
  return out;
}

}  // namespace

Result<ExecResult> ExecuteBatches(const ExecRules& rules, const Hash32& chain_id, const StateView& parent,
                                  const std::vector<chain::TxBatch>& batches, std::uint64_t height) {
  return Execute(rules, chain_id, parent, batches, height, Signatures::kVerify);
}

Result<ExecResult> ExecuteOwnUnsigned(const ExecRules& rules, const StateView& parent, const chain::TxBatch& batch,
                                      std::uint64_t height) {
  return Execute(rules, Hash32{}, parent, {batch}, height, Signatures::kNotYetSigned);
}

void OverlayView::Apply(const ExecResult& result) {
  m_change_proposed = m_change_proposed || result.change_proposed;
  for (const Write& w : result.writes) m_keys[{w.ns, w.key}] = w.state;
  for (const auto& [author, seq] : result.last_seq) m_seq[author] = seq;
}

Result<std::optional<KeyState>> OverlayView::GetKey(const std::string& ns, const std::string& key) const {
  auto it = m_keys.find({ns, key});
  if (it != m_keys.end()) return std::optional<KeyState>(it->second);
  return m_base.GetKey(ns, key);
}

Result<std::uint64_t> OverlayView::LastSeq(chain::MemberId author) const {
  auto it = m_seq.find(author);
  if (it != m_seq.end()) return it->second;
  return m_base.LastSeq(author);
}

}  // namespace peerdb::state
