// Node: the private-record services beyond reads (PROTOCOL.md §1.4): reshare, which seals the
// newest version again for the readers in force, and disclose, which proves one version to an
// outsider (chain/disclosure.h).
#include <algorithm>
#include <functional>

#include "peerdb/chain/envelope.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/codec/pce.h"
#include "peerdb/node/node_impl.h"
#include "peerdb/node/private_records.h"

namespace peerdb::node {
namespace {

bool HasConfigOp(const chain::TxBatch& b) {
  return std::any_of(b.ops.begin(), b.ops.end(),
                     [](const chain::Op& op) { return op.kind == static_cast<std::uint8_t>(chain::OpKind::kConfig); });
}

bool IsGovernanceRecord(const chain::Record& r) {
  return r.tag() == chain::RecordTag::kConfigApprove || r.tag() == chain::RecordTag::kEvidence;
}

// A disclosure shows the values it needs and only their commitments otherwise: the other ops of
// a proven batch are erased in the copy, which leaves its leaf and signature as they were.
void EraseAllBut(chain::TxBatch& batch, const std::function<bool(std::size_t, const chain::Op&)>& keep) {
  for (std::size_t i = 0; i < batch.ops.size(); ++i) {
    if (!keep(i, batch.ops[i])) chain::EraseValue(batch.ops[i]);
  }
}

}  // namespace

void Node::Reshare(std::string ns, std::string key, Callback<ReshareReceipt> done) {
  m_impl->Post(done, [this, ns = std::move(ns), key = std::move(key), done] {
    Impl& d = *m_impl;
    auto rule = d.current().RuleOf(ns);
    if (!rule.ok()) return done(rule.error());
    const std::string name = ns + "/" + key;
    if (!(*rule)->encrypted) {
      return done(Error{Errc::kInvalid, "'" + ns + "' is not an encrypted namespace: every member reads " + name + " already"});
    }
    auto newest = d.store->LoadNewestWithStatus(ns, key, store::BlockStatus::kProposed);
    if (!newest.ok()) return done(newest.error());
    if (!*newest) return done(Error{Errc::kNotFound, name + " was never written"});
    store::HistoryEntry& e = (*newest)->entry;
    if (e.state.deleted) {
      return done(Error{Errc::kInvalid, name + " was deleted at version " + std::to_string(e.state.version) + "; nothing to reshare"});
    }
    if (e.state.erased) {
      return done(Error{Errc::kErased, "the value of " + name + " version " + std::to_string(e.state.version) + " was erased; nothing to reshare"});
    }
    auto privacy = d.OpenVersion(e);
    if (!privacy.ok()) return done(privacy.error());
    if (!privacy->readable) {
      return done(Error{Errc::kNotAReader, "member " + std::to_string(d.self) + " is not a reader of version " +
                                               std::to_string(e.state.version) + " of " + name + "; only a reader can reshare it"});
    }
    ReshareReceipt receipt;
    receipt.version = e.state.version + 1;
    receipt.readers = chain::EnvelopeReaders(d.current(), **rule, d.self);
    std::vector<chain::Op> ops{chain::Op{static_cast<std::uint8_t>(chain::OpKind::kPut), ns, key, std::move(e.state.value)}};
    d.SubmitOps(std::move(ops), [receipt, done](Result<SubmitReceipt> committed) mutable {
      if (!committed.ok()) return done(committed.error());
      receipt.committed = *committed;
      done(std::move(receipt));
    });
  });
}

void Node::Disclose(std::string ns, std::string key, std::uint64_t version, Callback<Bytes> done) {
  m_impl->Post(done, [this, ns = std::move(ns), key = std::move(key), version, done] {
    Impl& d = *m_impl;
    if (auto rule = d.current().RuleOf(ns); !rule.ok()) return done(rule.error());
    const auto reads = d.store->BeginRead();
    done(d.MakeDisclosure(ns, key, version));
  });
}

Result<Bytes> Node::Impl::MakeDisclosure(const std::string& ns, const std::string& k, std::uint64_t version) const {
  const std::string name = ns + "/" + k;
  std::optional<store::HistoryEntry> found;
  if (version == 0) {
    PEERDB_TRY_ASSIGN(std::optional<store::StatusEntry> newest, store->LoadNewestWithStatus(ns, k, store::BlockStatus::kProposed));
    if (newest) found = std::move(newest->entry);
  } else {
    // Versions are numbered from 1 without gaps, so the first `version` entries end with it.
    PEERDB_TRY_ASSIGN(std::vector<store::HistoryEntry> entries, store->LoadHistory(ns, k, version));
    if (!entries.empty() && entries.back().state.version == version) found = std::move(entries.back());
  }
  if (!found) {
    return Error{Errc::kNotFound, version == 0 ? name + " was never written" : name + " has no version " + std::to_string(version)};
  }
  store::HistoryEntry& e = *found;
  if (e.state.deleted) return Error{Errc::kInvalid, "version " + std::to_string(e.state.version) + " of " + name + " is a deletion"};
  if (e.state.erased) return Error{Errc::kErased, "the value of version " + std::to_string(e.state.version) + " of " + name + " was erased"};

  chain::Disclosure out;
  out.chain_id = chain_id;
  auto rule = app->epochs().ConfigAt(e.height).RuleOf(ns);
  if (rule.ok() && (*rule)->encrypted) {
    PEERDB_TRY_ASSIGN(const chain::Envelope envelope, codec::Decode<chain::Envelope>(ByteSpan(e.state.value)));
    std::vector<const MemberKey*> keys{&*key};
    if (next_key) keys.push_back(&*next_key);
    auto data_key = DataKeyForMember(envelope, self, keys);
    if (!data_key.ok() && data_key.error().code == Errc::kNotAReader) {
      return Error{Errc::kNotAReader, "member " + std::to_string(self) + " is not a reader of version " +
                                          std::to_string(e.state.version) + " of " + name + "; only a reader can disclose it"};
    }
    if (!data_key.ok()) return data_key.error();
    PEERDB_TRY_ASSIGN(out.plaintext, chain::DecryptEnvelope(envelope, *data_key, chain_id, ns, k, e.author));
    out.data_key = data_key->bytes();
  } else {
    out.plaintext = e.state.value;
  }

  PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> block, store->LoadBlock(e.height));
  PEERDB_TRY_ASSIGN(std::optional<chain::MajorityCert> cert, store->LoadCert(e.height));
  if (!block || !cert) return Error{Errc::kCorrupt, "block " + std::to_string(e.height) + " or its certificate is missing"};
  const auto& batches = block->block.batches;
  auto it = std::find_if(batches.begin(), batches.end(),
                         [&](const chain::TxBatch& b) { return b.author == e.author && b.seq == e.seq; });
  if (it == batches.end()) return Error{Errc::kCorrupt, "block " + std::to_string(e.height) + " lacks the batch that wrote " + name};
  out.block = chain::ProvenBlock{block->block.header, *cert, {chain::ProveBatch(block->block, it - batches.begin())}, {}};
  out.op_index = e.op_index;
  EraseAllBut(out.block.batches.front().batch, [&e](std::size_t i, const chain::Op&) { return i == e.op_index; });

  out.seals = chain::Checkpoint{codec::kVersion, chain_id, e.height, block->id, {}};
  PEERDB_TRY_ASSIGN(const std::vector<chain::Seal> seals, store->LoadSeals(e.height));
  for (const chain::Seal& s : seals) {
    if (s.block_id == block->id) out.seals.seals.push_back({s.signer, s.sig});
  }
  std::sort(out.seals.seals.begin(), out.seals.seals.end(), [](const auto& a, const auto& b) { return a.signer < b.signer; });
  out.seals.seals.erase(std::unique(out.seals.seals.begin(), out.seals.seals.end(),
                                    [](const auto& a, const auto& b) { return a.signer == b.signer; }),
                        out.seals.seals.end());

  PEERDB_TRY_ASSIGN(out.anchor, AnchorProofFor(e.height));
  PEERDB_TRY_ASSIGN(out.governance, GovernanceBelow(out.anchor ? out.anchor->checkpoint.h : e.height));
  Bytes file = chain::EncodeDisclosureFile(out);
  if (file.size() > chain::kMaxDisclosureBytes) {
    return Error{Errc::kTooLarge, "the disclosure of " + name + " would be " + std::to_string(file.size()) + " bytes, above " +
                                      std::to_string(chain::kMaxDisclosureBytes)};
  }
  return file;
}

// The lowest stored anchor whose checkpoint is at or above `height`, with the headers that link
// that checkpoint's block down to block `height`; nullopt while no anchor covers it.
Result<std::optional<chain::AnchorProof>> Node::Impl::AnchorProofFor(std::uint64_t height) const {
  PEERDB_TRY_ASSIGN(std::vector<store::StoredAnchor> anchors, store->LoadAnchors());  // by checkpoint height
  for (store::StoredAnchor& a : anchors) {
    if (a.height < height || !a.checkpoint) continue;
    if (a.checkpoint->h - height >= chain::kMaxDisclosedBlocks) break;  // too far above to carry its headers
    chain::AnchorProof proof;
    for (std::uint64_t h = height + 1; h <= a.checkpoint->h; ++h) {
      PEERDB_TRY_ASSIGN(std::optional<chain::Header> header, store->LoadHeader(h));
      if (!header) return Error{Errc::kCorrupt, "block " + std::to_string(h) + " below an anchored checkpoint is missing"};
      proof.headers.push_back(std::move(*header));
    }
    proof.checkpoint = std::move(*a.checkpoint);
    proof.anchor = std::move(a.record);
    return std::optional<chain::AnchorProof>{std::move(proof)};
  }
  return std::optional<chain::AnchorProof>{};
}

// The governance items an outsider needs to derive the config in force at `height` from the
// genesis: for each epoch that began at or below it, the blocks from the activated change's
// proposal to its activation that carry its `_config` batch, approvals or evidence.
Result<std::vector<chain::ProvenBlock>> Node::Impl::GovernanceBelow(std::uint64_t height) const {
  std::vector<chain::ProvenBlock> out;
  const auto& epochs = app->epochs().all();
  for (std::size_t i = 1; i < epochs.size() && epochs[i].start_height <= height; ++i) {
    const std::uint64_t activation = epochs[i].start_height - 1;
    const std::uint64_t ttl = epochs[i - 1].config.params.config_ttl_heights;
    const std::uint64_t lowest = std::max<std::uint64_t>(epochs[i - 1].start_height, activation > ttl ? activation - ttl : 1);
    std::vector<chain::ProvenBlock> found;  // newest first while scanning down
    bool proposal_found = false;
    for (std::uint64_t h = activation; h >= lowest && !proposal_found; --h) {
      PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> block, store->LoadBlock(h));
      PEERDB_TRY_ASSIGN(std::optional<chain::MajorityCert> cert, store->LoadCert(h));
      if (!block || !cert) return Error{Errc::kCorrupt, "block " + std::to_string(h) + " or its certificate is missing"};
      chain::ProvenBlock proven{block->block.header, *cert, {}, {}};
      for (std::size_t b = 0; b < block->block.batches.size(); ++b) {
        if (!HasConfigOp(block->block.batches[b])) continue;
        proven.batches.push_back(chain::ProveBatch(block->block, b));
        EraseAllBut(proven.batches.back().batch, [](std::size_t, const chain::Op& op) {
          return op.kind == static_cast<std::uint8_t>(chain::OpKind::kConfig);
        });
        proposal_found = true;
      }
      for (std::size_t r = 0; r < block->block.records.size(); ++r) {
        if (IsGovernanceRecord(block->block.records[r])) proven.records.push_back(chain::ProveRecord(block->block, r));
      }
      if (!proven.batches.empty() || !proven.records.empty()) found.push_back(std::move(proven));
      if (h == 1) break;
    }
    if (!proposal_found) {
      return Error{Errc::kCorrupt, "the change that began epoch " + std::to_string(epochs[i].config.epoch) + " is not in blocks " +
                                       std::to_string(lowest) + ".." + std::to_string(activation)};
    }
    out.insert(out.end(), std::make_move_iterator(found.rbegin()), std::make_move_iterator(found.rend()));
  }
  return out;
}

}  // namespace peerdb::node
