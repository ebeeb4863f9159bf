#include "peerdb/node/block_producer.h"

#include <algorithm>

#include "peerdb/codec/pce.h"
#include "peerdb/util/assert.h"

namespace peerdb::node {

std::size_t SoloBlockBatchBytes(const chain::Params& params) {
  static const std::size_t overhead = [] {
    chain::Block block;  // every field left is fixed-size, so default values encode at full length
    block.parent_cert.emplace().votes.push_back(chain::SigEntry{});
    block.records.push_back(chain::Record{chain::Seal{}});
    return codec::EncodedSize(block);
  }();
  return params.max_block_bytes > overhead ? params.max_block_bytes - overhead : 0;
}

Result<ProducedBlock> ProduceSoloBlock(const chain::Config& config, const Hash32& chain_id, const ChainTip& tip,
                                       std::vector<chain::TxBatch> batches, const state::StateView& view,
                                       state::StateTree& tree, const crypto::SigningKey& key, chain::MemberId self,
                                       std::uint64_t now_ms) {
  const std::uint64_t height = tip.height + 1;
  ProducedBlock out;
  PEERDB_TRY_ASSIGN(out.exec, state::ExecuteBatches(config, chain_id, view, batches, height));

  chain::Block& block = out.block;
  chain::Header& h = block.header;
  h.chain_id = chain_id;
  h.epoch = config.epoch;
  h.height = height;
  h.parent_id = tip.id;
  h.author = self;
  h.timestamp_ms = std::max(now_ms, tip.timestamp_ms + config.params.block_period_ms);
  h.config_hash = chain::ConfigHash(config);
  if (tip.height > 0) {
    PEERDB_ASSERT(tip.cert.has_value());
    block.parent_cert = tip.cert;
    h.parent_cert_hash = chain::MajorityCertHash(*tip.cert);
  }
  block.batches = std::move(batches);
  // Copy the parent's seals into the chain: the chain itself then proves who sealed what.
  for (const chain::Seal& s : tip.seals) block.records.push_back(chain::Record{s});
  chain::SortRecords(block.records);
  h.batches_root = chain::BatchesRoot(block.batches);
  h.records_root = chain::RecordsRoot(block.records);
  state::ApplyWrites(out.exec.writes, tree);
  h.state_root = tree.Root();
  out.id = chain::BlockId(h);

  // The proposer "signs first" (its vote), MAJ = 1 forms the certificate, then the seal (S1).
  chain::Vote vote;
  vote.h = height;
  vote.r = 0;
  vote.block_id = out.id;
  vote.signer = self;
  chain::SignWith(key, chain_id, vote);
  out.cert.h = height;
  out.cert.r = 0;
  out.cert.block_id = out.id;
  out.cert.votes.push_back(chain::SigEntry{self, vote.sig});
  out.seal.h = height;
  out.seal.block_id = out.id;
  out.seal.signer = self;
  chain::SignWith(key, chain_id, out.seal);
  return out;
}

}  // namespace peerdb::node
