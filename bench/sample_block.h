// A realistic block for the codec and hashing benchmarks: 10 signed batches of 100 ops each
// (1000 ops of about 200 encoded bytes), a parent certificate of 4 votes and 4 seal records.
// Deterministic: fixed seeds, so every run encodes the same bytes.
// Thread-safety: pure function.
#pragma once

#include "peerdb/chain/block.h"

namespace peerdb::bench {

struct SampleBlock {
  Hash32 chain_id{};
  chain::Block block;
  Bytes encoded;  // codec::Encode(block)
};

SampleBlock MakeSampleBlock();

}  // namespace peerdb::bench
