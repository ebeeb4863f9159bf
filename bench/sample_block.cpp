#include "bench/sample_block.h"

#include <string>
#include <vector>

#include "peerdb/chain/rules.h"
#include "peerdb/crypto/ed25519.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

namespace peerdb::bench {
namespace {

constexpr std::size_t kMembers = 4;
constexpr std::size_t kBatches = 10;
constexpr std::size_t kOpsPerBatch = 100;
constexpr std::size_t kValueBytes = 170;  // + kind, ns, key and length prefixes = ~200 bytes per op
constexpr std::uint64_t kHeight = 1000;

std::vector<crypto::SigningKey> MemberKeys() {
  std::vector<crypto::SigningKey> keys;
  for (std::size_t i = 0; i < kMembers; ++i) {
    crypto::SecretSeed seed{};
    seed[0] = static_cast<std::uint8_t>(i + 1);
    keys.push_back(crypto::SigningKey::FromSeed(seed));
  }
  return keys;
}

chain::MemberId MemberOf(std::size_t i) { return static_cast<chain::MemberId>(i % kMembers + 1); }

chain::TxBatch MakeBatch(std::size_t b, const crypto::SigningKey& key, const Hash32& chain_id) {
  chain::TxBatch batch;
  batch.author = MemberOf(b);
  batch.seq = b + 1;
  batch.valid_until_height = kHeight + 100;
  for (std::size_t i = 0; i < kOpsPerBatch; ++i) {
    chain::Op op;
    op.ns = "payments";
    op.key = "acct-" + std::to_string(b * kOpsPerBatch + i);
    op.value.resize(kValueBytes);
    for (std::size_t j = 0; j < kValueBytes; ++j) op.value[j] = static_cast<std::uint8_t>(i * 13 + j);
    batch.ops.push_back(std::move(op));
  }
  chain::SignWith(key, chain_id, batch);
  return batch;
}

}  // namespace

SampleBlock MakeSampleBlock() {
  const std::vector<crypto::SigningKey> keys = MemberKeys();
  SampleBlock s;
  s.chain_id = crypto::Sha256(AsBytes("peerdb-bench-chain"));
  const Hash32 parent_id = crypto::Sha256(AsBytes("peerdb-bench-parent"));

  chain::MajorityCert cert;
  cert.h = kHeight - 1;
  cert.block_id = parent_id;
  for (std::size_t i = 0; i < kMembers; ++i) {
    chain::Vote vote;
    vote.h = cert.h;
    vote.block_id = parent_id;
    vote.signer = MemberOf(i);
    chain::SignWith(keys[i], s.chain_id, vote);
    cert.votes.push_back(chain::SigEntry{vote.signer, vote.sig});
  }

  chain::Block& block = s.block;
  for (std::size_t b = 0; b < kBatches; ++b) block.batches.push_back(MakeBatch(b, keys[b % kMembers], s.chain_id));
  for (std::size_t i = 0; i < kMembers; ++i) {
    chain::Seal seal;
    seal.h = kHeight - 1;
    seal.block_id = parent_id;
    seal.signer = MemberOf(i);
    chain::SignWith(keys[i], s.chain_id, seal);
    block.records.push_back(chain::Record{seal});
  }
  chain::SortRecords(block.records);

  chain::Header& h = block.header;
  h.chain_id = s.chain_id;
  h.epoch = 1;
  h.height = kHeight;
  h.parent_id = parent_id;
  h.author = MemberOf(kHeight);
  h.timestamp_ms = 1'700'000'000'000;
  h.config_hash = crypto::Sha256(AsBytes("peerdb-bench-config"));
  h.parent_cert_hash = chain::MajorityCertHash(cert);
  h.batches_root = chain::BatchesRoot(block.batches);
  h.state_root = crypto::Sha256(AsBytes("peerdb-bench-state"));
  h.records_root = chain::RecordsRoot(block.records);
  block.parent_cert = std::move(cert);

  PEERDB_ASSERT(chain::CheckBlockShape(block, chain::Params{}).ok());
  s.encoded = codec::Encode(block);
  return s;
}

}  // namespace peerdb::bench
