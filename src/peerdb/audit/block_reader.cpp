#include "peerdb/audit/block_reader.h"

#include "peerdb/codec/pce.h"

namespace peerdb::audit {

BlockReader::BlockReader(Next next, const Hash32& chain_id, const chain::Config& config)
    : m_next(std::move(next)),
      m_chain_id(chain_id),
      m_config(std::make_shared<const chain::Config>(config)),
      m_thread([this] { Run(); }) {}

BlockReader::~BlockReader() {
  m_queue.Close();
  m_thread.join();
}

void BlockReader::Publish(const chain::Config& config) {
  auto next = std::make_shared<const chain::Config>(config);
  std::lock_guard lock(m_config_mutex);
  m_config = std::move(next);
}

Result<std::optional<RawBlock>> BlockReader::Pop() {
  auto item = m_queue.Pop();
  if (!item) return std::optional<RawBlock>{};  // the reader stopped after the last block
  return std::move(*item);
}

void BlockReader::Verify(RawBlock& raw) const {
  std::shared_ptr<const chain::Config> config;
  {
    std::lock_guard lock(m_config_mutex);
    config = m_config;
  }
  const std::vector<chain::TxBatch>& batches = raw.block->batches;
  raw.verified_under.assign(batches.size(), std::nullopt);
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const chain::Member* author = config->FindMember(batches[i].author);
    if (author && chain::VerifySignedBy(author->pubkey, m_chain_id, batches[i])) raw.verified_under[i] = author->pubkey;
  }
}

void BlockReader::Run() {
  for (;;) {
    Result<std::optional<RawBlock>> next = m_next();
    const bool last = !next.ok() || !*next;
    if (next.ok() && *next) {
      RawBlock& raw = **next;
      if (!raw.block) {
        auto decoded = codec::Decode<chain::Block>(raw.bytes);
        if (decoded.ok()) {
          raw.block = std::move(*decoded);
          raw.bytes = Bytes{};  // the checker reads the decoded block: do not hold both
        }
      }
      if (raw.block) Verify(raw);
    }
    if (!m_queue.Push(std::move(next)) || last) break;
  }
  m_queue.Close();  // Pop hands out what is queued, then nullopt
}

}  // namespace peerdb::audit
