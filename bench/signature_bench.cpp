// Ed25519: PeerDB's wrappers against raw libsodium on the same key and message.
//   BM_{Sign,Verify}/{PeerDB,Raw}/<bytes>  SigningKey::Sign / VerifySignature against
//                                         crypto_sign_detached / crypto_sign_verify_detached
//   BM_{VoteSign,VoteVerify}/PeerDB        chain::SignWith / VerifySignedBy on a Vote: builds the
//                                         sign-bytes SB("PDB1/vote", m) on every call
//   BM_{BatchSign,BatchVerify}/PeerDB      the same on a 100-op TxBatch (~20 KB of sign-bytes)
//   BM_{Vote,Batch}{Sign,Verify}/Raw       libsodium over sign-bytes built once in setup
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdint>
#include <vector>

#include "bench/sample_block.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/chain/messages.h"
#include "peerdb/chain/tx.h"
#include "peerdb/crypto/ed25519.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

namespace peerdb::bench {
namespace {

const std::vector<std::int64_t> kMessageSizes = {64, 1 << 10};

// The same key twice: PeerDB's SigningKey and libsodium's seed || pk secret key.
struct KeyPair {
  crypto::SigningKey key;
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> raw_sk{};
  crypto::PublicKey pk{};
};

KeyPair MakeKeyPair() {
  crypto::SecretSeed seed{};
  seed.fill(0x42);
  KeyPair kp{crypto::SigningKey::FromSeed(seed), {}, {}};
  PEERDB_ASSERT(crypto_sign_seed_keypair(kp.pk.data(), kp.raw_sk.data(), seed.data()) == 0);
  PEERDB_ASSERT(kp.pk == kp.key.public_key());
  return kp;
}

Bytes MessageOf(std::size_t size) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 17 + 3);
  return out;
}

Hash32 ChainId() { return crypto::Sha256(AsBytes("peerdb-bench-chain")); }

chain::Vote MakeVote() {
  chain::Vote vote;
  vote.h = 1000;
  vote.r = 2;
  vote.block_id = crypto::Sha256(AsBytes("peerdb-bench-block"));
  vote.signer = 3;
  return vote;
}

chain::TxBatch MakeBatch() { return MakeSampleBlock().block.batches.front(); }

void SignPeerDB(benchmark::State& state) {
  const KeyPair kp = MakeKeyPair();
  const Bytes msg = MessageOf(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Sig64 sig = kp.key.Sign(msg);
    benchmark::DoNotOptimize(sig);
  }
}

void SignRaw(benchmark::State& state) {
  const KeyPair kp = MakeKeyPair();
  const Bytes msg = MessageOf(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Sig64 sig;
    PEERDB_ASSERT(crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), kp.raw_sk.data()) == 0);
    benchmark::DoNotOptimize(sig);
  }
}

void VerifyPeerDB(benchmark::State& state) {
  const KeyPair kp = MakeKeyPair();
  const Bytes msg = MessageOf(static_cast<std::size_t>(state.range(0)));
  const Sig64 sig = kp.key.Sign(msg);
  for (auto _ : state) {
    bool ok = crypto::VerifySignature(kp.pk, msg, sig);
    PEERDB_ASSERT(ok);
  }
}

void VerifyRaw(benchmark::State& state) {
  const KeyPair kp = MakeKeyPair();
  const Bytes msg = MessageOf(static_cast<std::size_t>(state.range(0)));
  const Sig64 sig = kp.key.Sign(msg);
  for (auto _ : state) {
    bool ok = crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), kp.pk.data()) == 0;
    PEERDB_ASSERT(ok);
  }
}

// Signed-message benchmarks, generic over the message type M.
template <class M>
void SignedPeerDBSign(benchmark::State& state, M m) {
  const KeyPair kp = MakeKeyPair();
  const Hash32 chain_id = ChainId();
  for (auto _ : state) {
    chain::SignWith(kp.key, chain_id, m);
    benchmark::DoNotOptimize(m.sig);
  }
  state.counters["sign_bytes"] = static_cast<double>(chain::SignBytes(chain_id, m).size());
}

template <class M>
void SignedRawSign(benchmark::State& state, M m) {
  const KeyPair kp = MakeKeyPair();
  const Bytes sign_bytes = chain::SignBytes(ChainId(), m);
  for (auto _ : state) {
    PEERDB_ASSERT(crypto_sign_detached(m.sig.data(), nullptr, sign_bytes.data(), sign_bytes.size(),
                                       kp.raw_sk.data()) == 0);
    benchmark::DoNotOptimize(m.sig);
  }
  state.counters["sign_bytes"] = static_cast<double>(sign_bytes.size());
}

template <class M>
void SignedPeerDBVerify(benchmark::State& state, M m) {
  const KeyPair kp = MakeKeyPair();
  const Hash32 chain_id = ChainId();
  chain::SignWith(kp.key, chain_id, m);
  for (auto _ : state) {
    bool ok = chain::VerifySignedBy(kp.pk, chain_id, m);
    PEERDB_ASSERT(ok);
  }
}

template <class M>
void SignedRawVerify(benchmark::State& state, M m) {
  const KeyPair kp = MakeKeyPair();
  const Hash32 chain_id = ChainId();
  chain::SignWith(kp.key, chain_id, m);
  const Bytes sign_bytes = chain::SignBytes(chain_id, m);
  for (auto _ : state) {
    bool ok = crypto_sign_verify_detached(m.sig.data(), sign_bytes.data(), sign_bytes.size(), kp.pk.data()) == 0;
    PEERDB_ASSERT(ok);
  }
}

BENCHMARK(SignPeerDB)->Name("BM_Sign/PeerDB")->ArgsProduct({kMessageSizes});
BENCHMARK(SignRaw)->Name("BM_Sign/Raw")->ArgsProduct({kMessageSizes});
BENCHMARK(VerifyPeerDB)->Name("BM_Verify/PeerDB")->ArgsProduct({kMessageSizes});
BENCHMARK(VerifyRaw)->Name("BM_Verify/Raw")->ArgsProduct({kMessageSizes});
BENCHMARK_CAPTURE(SignedPeerDBSign, vote, MakeVote())->Name("BM_VoteSign/PeerDB");
BENCHMARK_CAPTURE(SignedRawSign, vote, MakeVote())->Name("BM_VoteSign/Raw");
BENCHMARK_CAPTURE(SignedPeerDBVerify, vote, MakeVote())->Name("BM_VoteVerify/PeerDB");
BENCHMARK_CAPTURE(SignedRawVerify, vote, MakeVote())->Name("BM_VoteVerify/Raw");
BENCHMARK_CAPTURE(SignedPeerDBSign, batch, MakeBatch())->Name("BM_BatchSign/PeerDB");
BENCHMARK_CAPTURE(SignedRawSign, batch, MakeBatch())->Name("BM_BatchSign/Raw");
BENCHMARK_CAPTURE(SignedPeerDBVerify, batch, MakeBatch())->Name("BM_BatchVerify/PeerDB");
BENCHMARK_CAPTURE(SignedRawVerify, batch, MakeBatch())->Name("BM_BatchVerify/Raw");

}  // namespace
}  // namespace peerdb::bench
