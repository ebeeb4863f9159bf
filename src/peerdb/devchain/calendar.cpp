#include "peerdb/devchain/calendar.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "peerdb/devchain/proof.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/util/assert.h"

namespace peerdb::devchain {

namespace {

constexpr std::size_t kMedianTimeSpan = 11;

Bytes CoinbaseExtra(std::uint64_t salt) {
  Bytes extra = ToBytes("/peerdb devchain/");
  for (int i = 0; i < 8; ++i) extra.push_back(static_cast<std::uint8_t>(salt >> (8 * i)));
  return extra;
}

}  // namespace

Result<std::unique_ptr<Calendar>> Calendar::Open(const std::string& data_dir,
                                                                 const CalendarOptions& options,
                                                                 const util::Clock& clock) {
  if (options.min_confirmations < 1) return Error{Errc::kConfig, "min confirmations must be at least 1"};
  if (options.filler_txs > kMaxFillerTxs) {
    return Error{Errc::kConfig, "at most " + std::to_string(kMaxFillerTxs) + " filler transactions per block"};
  }
  PEERDB_TRY_ASSIGN(auto store, Store::Open(data_dir));
  std::unique_ptr<Calendar> cal(new Calendar(std::move(store), options, clock));
  PEERDB_TRY_ASSIGN(cal->m_hmac_key, cal->m_store->HmacKey());
  PEERDB_TRY_ASSIGN(cal->m_reorg_count, cal->m_store->ReorgCount());
  PEERDB_TRY_ASSIGN(cal->m_pending, cal->m_store->PendingCount());
  PEERDB_TRY_ASSIGN(std::vector<BlockMeta> blocks, cal->m_store->LoadBlocks());
  if (blocks.empty()) {
    MinedBlock genesis{.block = RegtestGenesisBlock()};
    PEERDB_TRY(cal->m_store->ReplaceFrom(0, std::span<const MinedBlock>(&genesis, 1)));
    blocks.push_back(MetaOf(genesis.block, std::nullopt));
  }
  if (ots::BlockHashHex(blocks[0].header) != kRegtestGenesisHash) {
    return Error{Errc::kCorrupt, "devchain database " + data_dir + ": block 0 is not the regtest genesis block"};
  }
  for (const BlockMeta& m : blocks) cal->Append(m);
  return cal;
}

void Calendar::Append(const BlockMeta& meta) {
  m_by_hash[meta.hash] = meta.height;
  m_blocks.push_back(meta);
}

Status Calendar::SetPublicUrl(std::string url) {
  PEERDB_TRY(ots::CheckPendingUri(url));
  if (url.empty()) return Error{Errc::kMalformed, "the calendar URL is empty"};
  std::lock_guard lock(m_mu);
  m_public_url = std::move(url);
  return Status::Ok();
}

std::string Calendar::public_url() const {
  std::lock_guard lock(m_mu);
  return m_public_url;
}

Result<Bytes> Calendar::SubmitDigest(ByteSpan digest) {
  if (digest.empty()) return Error{Errc::kMalformed, "digest is empty"};
  if (digest.size() > kMaxCalendarDigest) return Error{Errc::kTooLarge, "digest too long"};
  std::lock_guard lock(m_mu);
  if (m_public_url.empty()) return Error{Errc::kConfig, "the calendar has no public URL yet"};
  if (m_pending >= m_options.max_pending) {
    return Error{Errc::kUnavailable, std::to_string(m_pending) + " commitments are waiting for a block; retry later"};
  }
  const auto now = static_cast<std::uint32_t>(m_clock.NowMs() / 1000);
  // The MAC covers what precedes it: the 4-byte time and the digest.
  Bytes prepended{static_cast<std::uint8_t>(now >> 24), static_cast<std::uint8_t>(now >> 16),
                  static_cast<std::uint8_t>(now >> 8), static_cast<std::uint8_t>(now)};
  prepended.insert(prepended.end(), digest.begin(), digest.end());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), m_hmac_key.data(), static_cast<int>(m_hmac_key.size()), prepended.data(), prepended.size(),
           mac, &mac_len) == nullptr) {
    return Error{Errc::kInternal, "HMAC-SHA256 failed"};
  }
  PEERDB_TRY_ASSIGN(Submission sub, MakeSubmission(digest, now, ByteSpan(mac, kCalendarMacSize), m_public_url));
  PEERDB_TRY_ASSIGN(const bool added, m_store->AddCommitment(sub.commitment));
  if (added) ++m_pending;
  return ots::EncodeTimestamp(sub.timestamp);
}

Result<TimestampLookup> Calendar::GetTimestamp(ByteSpan commitment) {
  TimestampLookup out;
  if (commitment.empty() || commitment.size() > kMaxCommitmentSize) return out;  // kUnknown
  std::lock_guard lock(m_mu);
  PEERDB_TRY_ASSIGN(std::optional<StoredCommitment> found, m_store->FindCommitment(commitment));
  if (!found) return out;
  if (!found->height) {
    out.state = TimestampLookup::State::kPending;
    return out;
  }
  const std::uint64_t tip = m_blocks.back().height;
  const std::uint64_t confirmations = tip >= *found->height ? tip - *found->height + 1 : 0;
  if (confirmations < m_options.min_confirmations) {
    out.state = TimestampLookup::State::kWaiting;
    out.txid = found->txid;
    out.confirmations_needed = m_options.min_confirmations - confirmations;
    return out;
  }
  out.state = TimestampLookup::State::kConfirmed;
  out.proof = std::move(found->proof);
  return out;
}

std::optional<Hash32> Calendar::LatestRoot() const {
  std::lock_guard lock(m_mu);
  for (auto it = m_blocks.rbegin(); it != m_blocks.rend(); ++it) {
    if (it->commitment_root) return it->commitment_root;
  }
  return std::nullopt;
}

std::uint32_t Calendar::MedianTimePastLocked(const std::vector<BlockMeta>& chain, std::uint64_t height) const {
  PEERDB_ASSERT(height < chain.size());
  std::vector<std::uint32_t> times;
  for (std::uint64_t h = height + 1; h-- > 0 && times.size() < kMedianTimeSpan;) times.push_back(chain[h].header.time);
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::uint32_t Calendar::MedianTimePast(std::uint64_t height) const {
  std::lock_guard lock(m_mu);
  return MedianTimePastLocked(m_blocks, std::min<std::uint64_t>(height, m_blocks.size() - 1));
}

Result<MinedBlock> Calendar::BuildBlock(const std::vector<BlockMeta>& chain,
                                                const std::vector<Bytes>& commitments, std::uint64_t salt) {
  const BlockMeta& parent = chain.back();
  BlockTemplate tmpl;
  tmpl.height = parent.height + 1;
  tmpl.prev_hash = parent.hash;
  // Bitcoin requires a time above the median of the last 11 blocks; follow the clock otherwise.
  const auto now = static_cast<std::uint32_t>(m_clock.NowMs() / 1000);
  tmpl.time = std::max(now, MedianTimePastLocked(chain, parent.height) + 1);
  tmpl.coinbase_extra = CoinbaseExtra(salt);

  MinedBlock mined;
  std::optional<CommitmentTx> ctx;
  CalendarTree tree;
  if (!commitments.empty()) {
    tree = BuildCalendarTree(commitments);
    // Spends the parent's coinbase output, as a calendar spends its own wallet's coins.
    PEERDB_TRY_ASSIGN(const std::vector<Bytes> parent_txs, m_store->BlockTxs(parent.height));
    if (parent_txs.empty()) return Error{Errc::kCorrupt, "block " + std::to_string(parent.height) + " has no transactions"};
    ctx = MakeCommitmentTx(OutPoint{Txid(parent_txs[0]), 0}, BlockSubsidy(parent.height), tree.root, tmpl.height);
    tmpl.txs.push_back(ctx->bytes);
    mined.commitment_root = tree.root;
    mined.commitment_txid = Txid(ctx->bytes);
  }
  for (unsigned i = 0; i < m_options.filler_txs; ++i) tmpl.txs.push_back(EncodeTx(MakeFillerTx(tmpl.height, i, salt)));
  PEERDB_TRY_ASSIGN(mined.block, MineBlock(tmpl));
  if (ctx) {
    const std::vector<Hash32> txids = mined.block.Txids();
    const std::vector<ots::Op> tx_ops = TxToBlockOps(*ctx, txids, 1);
    mined.proofs.reserve(commitments.size());
    for (std::size_t i = 0; i < commitments.size(); ++i) {
      std::vector<ots::Op> ops = tree.paths[i];
      ops.insert(ops.end(), tx_ops.begin(), tx_ops.end());
      PEERDB_TRY_ASSIGN(Bytes proof, EncodePathProof(commitments[i], ops, tmpl.height));
      mined.proofs.push_back(MinedBlock::Proof{commitments[i], std::move(proof)});
    }
  }
  return mined;
}

Result<std::vector<BlockMeta>> Calendar::Mine(std::uint64_t blocks) {
  if (blocks < 1 || blocks > kMaxMinePerCall) {
    return Error{Errc::kInvalid, "blocks must be 1.." + std::to_string(kMaxMinePerCall)};
  }
  std::lock_guard lock(m_mu);
  std::vector<BlockMeta> out;
  for (std::uint64_t n = 0; n < blocks; ++n) {
    PEERDB_TRY_ASSIGN(const std::vector<Bytes> pending, m_store->Pending(kMaxCommitmentsPerBlock));
    PEERDB_TRY_ASSIGN(MinedBlock mined, BuildBlock(m_blocks, pending, m_reorg_count));
    PEERDB_TRY(m_store->ReplaceFrom(mined.block.height, std::span<const MinedBlock>(&mined, 1)));
    m_pending -= std::min<std::uint64_t>(m_pending, pending.size());
    Append(MetaOf(mined.block, mined.commitment_root));
    out.push_back(m_blocks.back());
  }
  return out;
}

Result<ReorgResult> Calendar::Reorg(std::uint64_t depth) {
  std::lock_guard lock(m_mu);
  const std::uint64_t tip = m_blocks.back().height;
  if (depth < 1 || depth > tip || depth > kMaxReorgDepth) {
    return Error{Errc::kInvalid, "reorg depth must be 1.." + std::to_string(std::min(tip, kMaxReorgDepth)) +
                                     " (the genesis block stays)"};
  }
  const std::uint64_t first = tip - depth + 1;
  const std::uint64_t salt = m_reorg_count + 1;
  std::vector<BlockMeta> chain(m_blocks.begin(), m_blocks.begin() + static_cast<std::ptrdiff_t>(first));
  std::vector<MinedBlock> replacement;
  // Without commitments BuildBlock needs nothing from the store, so the unsaved chain suffices.
  for (std::uint64_t n = 0; n <= depth; ++n) {
    PEERDB_TRY_ASSIGN(MinedBlock mined, BuildBlock(chain, {}, salt));
    chain.push_back(MetaOf(mined.block, std::nullopt));
    replacement.push_back(std::move(mined));
  }
  PEERDB_TRY_ASSIGN(const std::uint64_t returned, m_store->ReplaceFrom(first, replacement, salt));
  m_reorg_count = salt;
  m_pending += returned;
  for (std::uint64_t h = first; h <= tip; ++h) m_by_hash.erase(m_blocks[h].hash);
  m_blocks.resize(first);
  ReorgResult out;
  out.dropped_blocks = depth;
  out.returned_commitments = returned;
  for (std::size_t i = first; i < chain.size(); ++i) {
    Append(chain[i]);
    out.new_blocks.push_back(chain[i]);
  }
  return out;
}

BlockMeta Calendar::Tip() const {
  std::lock_guard lock(m_mu);
  return m_blocks.back();
}

std::optional<BlockMeta> Calendar::BlockAt(std::uint64_t height) const {
  std::lock_guard lock(m_mu);
  if (height >= m_blocks.size()) return std::nullopt;
  return m_blocks[height];
}

std::optional<BlockMeta> Calendar::BlockByHash(const Hash32& hash) const {
  std::lock_guard lock(m_mu);
  const auto it = m_by_hash.find(hash);
  if (it == m_by_hash.end()) return std::nullopt;
  return m_blocks[it->second];
}

Result<Block> Calendar::FullBlock(const Hash32& hash) {
  std::lock_guard lock(m_mu);
  const auto it = m_by_hash.find(hash);
  if (it == m_by_hash.end()) return Error{Errc::kNotFound, "block not found"};
  Block block;
  block.height = it->second;
  block.header = m_blocks[it->second].header;
  PEERDB_TRY_ASSIGN(block.txs, m_store->BlockTxs(block.height));
  return block;
}

}  // namespace peerdb::devchain
