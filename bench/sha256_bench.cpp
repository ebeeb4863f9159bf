// SHA-256: peerdb::crypto::Sha256 against raw OpenSSL EVP on the same buffer, as
//   BM_Sha256/PeerDB/<bytes>        the wrapper (a thread-local reused context)
//   BM_Sha256/RawOneShot/<bytes>    EVP_Digest: a new context per call, as a naive caller would
//   BM_Sha256/RawReusedCtx/<bytes>  one EVP_MD_CTX re-initialised with EVP_sha256() per message
//   BM_Sha256/RawFetchedMd/<bytes>  the same with a digest fetched once (EVP_MD_fetch)
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdint>
#include <vector>

#include "bench/raw_sha256.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

namespace peerdb::bench {
namespace {

const std::vector<std::int64_t> kSizes = {64, 1 << 10, 64 << 10, 1 << 20};

Bytes PatternBytes(std::size_t size) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return out;
}

void Sha256PeerDB(benchmark::State& state) {
  const Bytes data = PatternBytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Hash32 h = crypto::Sha256(data);
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void Sha256RawOneShot(benchmark::State& state) {
  const Bytes data = PatternBytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Hash32 h;
    unsigned int len = 0;
    PEERDB_ASSERT(EVP_Digest(data.data(), data.size(), h.data(), &len, EVP_sha256(), nullptr) == 1);
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void Sha256RawReusedCtx(benchmark::State& state, EvpMd md) {
  const Bytes data = PatternBytes(static_cast<std::size_t>(state.range(0)));
  RawSha256 hasher(md);
  PEERDB_ASSERT(hasher.Hash(data) == crypto::Sha256(data));
  for (auto _ : state) {
    Hash32 h = hasher.Hash(data);
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

BENCHMARK(Sha256PeerDB)->Name("BM_Sha256/PeerDB")->ArgsProduct({kSizes});
BENCHMARK(Sha256RawOneShot)->Name("BM_Sha256/RawOneShot")->ArgsProduct({kSizes});
BENCHMARK_CAPTURE(Sha256RawReusedCtx, legacy, EvpMd::kLegacy)->Name("BM_Sha256/RawReusedCtx")->ArgsProduct({kSizes});
BENCHMARK_CAPTURE(Sha256RawReusedCtx, fetched, EvpMd::kFetched)->Name("BM_Sha256/RawFetchedMd")->ArgsProduct({kSizes});

}  // namespace
}  // namespace peerdb::bench
