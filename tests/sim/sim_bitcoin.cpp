#include "sim_bitcoin.h"

#include "peerdb/crypto/sha256.h"

namespace peerdb::sim {

BitcoinSim::BitcoinSim() { m_chain.push_back(NewHash()); }

Hash32 BitcoinSim::NewHash() {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(m_counter >> (8 * i));
  ++m_counter;
  return crypto::Sha256(b);
}

void BitcoinSim::Mine(std::uint64_t now_ms) {
  m_chain.push_back(NewHash());
  for (SimAnchor& a : m_anchors) {
    if (a.btc_height == 0 && a.ready_ms <= now_ms) {
      a.btc_height = tip();
      a.btc_hash = m_chain.back();
    }
  }
}

void BitcoinSim::Reorg(std::uint32_t depth, std::uint64_t now_ms) {
  if (depth >= m_chain.size()) depth = static_cast<std::uint32_t>(m_chain.size() - 1);
  const std::uint32_t fork = tip() - depth;  // last common block
  for (SimAnchor& a : m_anchors) {
    if (a.btc_height > fork) {
      if (tip() - a.btc_height + 1 >= m_k) ++m_deep_reorgs;  // a confirmed anchor is lost
      a.btc_height = 0;
      a.btc_hash = Hash32{};
    }
  }
  m_chain.resize(fork + 1);
  for (std::uint32_t i = 0; i <= depth; ++i) Mine(now_ms);
}

std::uint32_t BitcoinSim::Confirmations(const SimAnchor& a) const { return ConfirmationsAt(a.btc_height, a.btc_hash); }

std::uint32_t BitcoinSim::ConfirmationsAt(std::uint32_t height, const Hash32& hash) const {
  if (height == 0 || height >= m_chain.size() || m_chain[height] != hash) return 0;
  return tip() - height + 1;
}

const SimAnchor* BitcoinSim::Find(chain::MemberId owner, const Hash32& digest) const {
  for (auto it = m_anchors.rbegin(); it != m_anchors.rend(); ++it) {
    if (it->owner == owner && it->digest == digest) return &*it;
  }
  return nullptr;
}

}  // namespace peerdb::sim
