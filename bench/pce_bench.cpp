// Canonical encoding of a realistic block (bench/sample_block.h) against moving and hashing the
// same number of bytes:
//   BM_PceEncode/PeerDB           codec::Encode(block)
//   BM_PceDecode/PeerDB           codec::Decode<Block>, which also checks record order and
//                                 re-encodes to prove canonical form
//   BM_Pce{Encode,Decode}/RawMemcpy  memcpy of the encoded size into a ready buffer
//   BM_Pce{Encode,Decode}/RawSha256  raw SHA-256 of the encoded bytes
// and the header id:
//   BM_BlockId/PeerDB             chain::BlockId(header): encode + tagged hash
//   BM_TaggedHashBytes/PeerDB     chain::TaggedHashBytes over the already encoded header
//   BM_{BlockId,TaggedHashBytes}/RawReusedCtx  raw SHA-256 of the encoded header (EVP_sha256())
//   BM_{BlockId,TaggedHashBytes}/RawFetchedMd  the same with a digest fetched once
// and the ids of the block's 10 batches (1000 ops):
//   BM_BatchIds/PeerDB            chain::BatchId of each batch: every op's value commitment, then
//                                 the tagged hash of the batch's committed form
//   BM_BatchIds/RawSha256         the same hashes over preimages built beforehand, with a digest
//                                 fetched once (the floor)
#include <benchmark/benchmark.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "bench/raw_sha256.h"
#include "bench/sample_block.h"
#include "peerdb/chain/block.h"
#include "peerdb/codec/pce.h"
#include "peerdb/util/assert.h"

namespace peerdb::bench {
namespace {

const SampleBlock& Sample() {
  static const SampleBlock sample = MakeSampleBlock();
  return sample;
}

std::int64_t EncodedSize() { return static_cast<std::int64_t>(Sample().encoded.size()); }

void PceEncodePeerDB(benchmark::State& state) {
  const chain::Block& block = Sample().block;
  for (auto _ : state) {
    Bytes out = codec::Encode(block);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * EncodedSize());
}

void PceDecodePeerDB(benchmark::State& state) {
  const Bytes& encoded = Sample().encoded;
  PEERDB_ASSERT(codec::Decode<chain::Block>(encoded).ok());
  for (auto _ : state) {
    Result<chain::Block> block = codec::Decode<chain::Block>(encoded);
    benchmark::DoNotOptimize(block.ok());
  }
  state.SetBytesProcessed(state.iterations() * EncodedSize());
}

void PceRawMemcpy(benchmark::State& state) {
  const Bytes& encoded = Sample().encoded;
  Bytes out(encoded.size());
  for (auto _ : state) {
    std::memcpy(out.data(), encoded.data(), encoded.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * EncodedSize());
}

void PceRawSha256(benchmark::State& state) {
  const Bytes& encoded = Sample().encoded;
  RawSha256 hasher;
  for (auto _ : state) {
    Hash32 h = hasher.Hash(encoded);
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(state.iterations() * EncodedSize());
}

void BlockIdPeerDB(benchmark::State& state) {
  const chain::Header& header = Sample().block.header;
  for (auto _ : state) {
    Hash32 id = chain::BlockId(header);
    benchmark::DoNotOptimize(id);
  }
}

void TaggedHashBytesPeerDB(benchmark::State& state) {
  const Bytes header_bytes = codec::Encode(Sample().block.header);
  for (auto _ : state) {
    Hash32 id = chain::TaggedHashBytes(chain::tag::kHeader, header_bytes);
    benchmark::DoNotOptimize(id);
  }
}

void BatchIdsPeerDB(benchmark::State& state) {
  const chain::Block& block = Sample().block;
  for (auto _ : state) {
    for (const chain::TxBatch& batch : block.batches) {
      Hash32 id = chain::BatchId(batch);
      benchmark::DoNotOptimize(id);
    }
  }
}

// Tagged preimage: u8 len(tag) || tag || body.
Bytes Tagged(std::string_view tag, ByteSpan body) {
  Bytes out(1 + tag.size() + body.size());
  out[0] = static_cast<std::uint8_t>(tag.size());
  std::memcpy(out.data() + 1, tag.data(), tag.size());
  if (!body.empty()) std::memcpy(out.data() + 1 + tag.size(), body.data(), body.size());
  return out;
}

void BatchIdsRawSha256(benchmark::State& state) {
  const chain::Block& block = Sample().block;
  std::vector<Bytes> value_preimages;
  std::vector<Bytes> batch_preimages;
  for (const chain::TxBatch& batch : block.batches) {
    for (const chain::Op& op : batch.ops) {
      codec::Writer w;
      w.fixed(op.salt);
      w.bytes(op.value, chain::kMaxValueBytes);
      value_preimages.push_back(Tagged(chain::tag::kValue, w.out()));
    }
    batch_preimages.push_back(Tagged(chain::tag::kBatchId, codec::EncodeCommitted(batch)));
  }
  RawSha256 hasher(EvpMd::kFetched);  // the fastest raw path for short messages
  PEERDB_ASSERT(hasher.Hash(batch_preimages[0]) == chain::BatchId(block.batches[0]));
  PEERDB_ASSERT(hasher.Hash(value_preimages[0]) == chain::ValueCommitment(block.batches[0].ops[0]));
  for (auto _ : state) {
    for (const Bytes& p : value_preimages) benchmark::DoNotOptimize(hasher.Hash(p));
    for (const Bytes& p : batch_preimages) benchmark::DoNotOptimize(hasher.Hash(p));
  }
}

void HeaderRawSha256(benchmark::State& state, EvpMd md) {
  const Bytes header_bytes = codec::Encode(Sample().block.header);
  RawSha256 hasher(md);
  for (auto _ : state) {
    Hash32 h = hasher.Hash(header_bytes);
    benchmark::DoNotOptimize(h);
  }
}

BENCHMARK(PceEncodePeerDB)->Name("BM_PceEncode/PeerDB")->Unit(benchmark::kMicrosecond);
BENCHMARK(PceRawMemcpy)->Name("BM_PceEncode/RawMemcpy")->Unit(benchmark::kMicrosecond);
BENCHMARK(PceRawSha256)->Name("BM_PceEncode/RawSha256")->Unit(benchmark::kMicrosecond);
BENCHMARK(PceDecodePeerDB)->Name("BM_PceDecode/PeerDB")->Unit(benchmark::kMicrosecond);
BENCHMARK(PceRawMemcpy)->Name("BM_PceDecode/RawMemcpy")->Unit(benchmark::kMicrosecond);
BENCHMARK(PceRawSha256)->Name("BM_PceDecode/RawSha256")->Unit(benchmark::kMicrosecond);
BENCHMARK(BlockIdPeerDB)->Name("BM_BlockId/PeerDB");
BENCHMARK_CAPTURE(HeaderRawSha256, legacy, EvpMd::kLegacy)->Name("BM_BlockId/RawReusedCtx");
BENCHMARK_CAPTURE(HeaderRawSha256, fetched, EvpMd::kFetched)->Name("BM_BlockId/RawFetchedMd");
BENCHMARK(BatchIdsPeerDB)->Name("BM_BatchIds/PeerDB")->Unit(benchmark::kMicrosecond);
BENCHMARK(BatchIdsRawSha256)->Name("BM_BatchIds/RawSha256")->Unit(benchmark::kMicrosecond);
BENCHMARK(TaggedHashBytesPeerDB)->Name("BM_TaggedHashBytes/PeerDB");
BENCHMARK_CAPTURE(HeaderRawSha256, legacy, EvpMd::kLegacy)->Name("BM_TaggedHashBytes/RawReusedCtx");
BENCHMARK_CAPTURE(HeaderRawSha256, fetched, EvpMd::kFetched)->Name("BM_TaggedHashBytes/RawFetchedMd");

}  // namespace
}  // namespace peerdb::bench
