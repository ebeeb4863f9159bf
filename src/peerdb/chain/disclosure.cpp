#include "peerdb/chain/disclosure.h"

#include <algorithm>

#include "peerdb/codec/pce.h"
#include "peerdb/crypto/merkle.h"

namespace peerdb::chain {

Bytes EncodeDisclosureFile(const Disclosure& disclosure) {
  Bytes out(kDisclosureMagic.begin(), kDisclosureMagic.end());
  const Bytes body = codec::Encode(disclosure);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<Disclosure> DecodeDisclosureFile(ByteSpan file) {
  if (file.size() > kMaxDisclosureBytes) {
    return Error{Errc::kTooLarge, "a disclosure file has at most " + std::to_string(kMaxDisclosureBytes) + " bytes"};
  }
  if (file.size() < kDisclosureMagic.size() ||
      !std::equal(kDisclosureMagic.begin(), kDisclosureMagic.end(), file.begin())) {
    return Error{Errc::kMalformed, "not a PeerDB disclosure file (it must start with \"PDBDISC1\")"};
  }
  auto d = codec::Decode<Disclosure>(file.subspan(kDisclosureMagic.size()));
  if (!d.ok()) return Error{d.error().code, "disclosure file: " + d.error().message};
  return d;
}

namespace {

// The committed form: a batch's leaf is BatchLeafBytes; a record carries no erasable value, so
// its committed form is its PCE.
template <class T>
std::vector<Hash32> LeavesOf(const std::vector<T>& items) {
  std::vector<Hash32> leaves;
  leaves.reserve(items.size());
  for (const T& x : items) leaves.push_back(crypto::MerkleLeafHash(codec::EncodeCommitted(x)));
  return leaves;
}

template <class Proven>
bool PathLeadsTo(const Proven& p, const Bytes& item, const Hash32& root) {
  return p.index < p.count && crypto::VerifyMerkleInclusion(crypto::MerkleLeafHash(item), p.index, p.count, p.path, root);
}

}  // namespace

ProvenBatch ProveBatch(const Block& block, std::size_t index) {
  return ProvenBatch{block.batches[index], static_cast<std::uint32_t>(index),
                     static_cast<std::uint32_t>(block.batches.size()),
                     crypto::MerkleInclusionProof(LeavesOf(block.batches), index)};
}

ProvenRecord ProveRecord(const Block& block, std::size_t index) {
  return ProvenRecord{block.records[index], static_cast<std::uint32_t>(index),
                      static_cast<std::uint32_t>(block.records.size()),
                      crypto::MerkleInclusionProof(LeavesOf(block.records), index)};
}

bool IsInBlock(const ProvenBatch& batch, const Header& header) {
  return PathLeadsTo(batch, BatchLeafBytes(batch.batch), header.batches_root);
}

bool IsInBlock(const ProvenRecord& record, const Header& header) {
  return PathLeadsTo(record, codec::Encode(record.record), header.records_root);
}

}  // namespace peerdb::chain
