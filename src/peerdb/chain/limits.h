// Decoder bounds for chain types. These cap allocation on hostile input; the consensus limits
// that members agree on (max_block_bytes, max_batch_bytes) live in Params and are checked statefully.
#pragma once

#include <cstddef>

namespace peerdb::chain {

inline constexpr std::size_t kMaxMembers = 256;
inline constexpr std::size_t kMaxRules = 1024;
inline constexpr std::size_t kMaxNameBytes = 64;        // member names and namespaces
inline constexpr std::size_t kMaxContactBytes = 256;
inline constexpr std::size_t kMaxKeyBytes = 256;
inline constexpr std::size_t kMaxValueBytes = 1 << 20;  // = default max_batch_bytes
inline constexpr std::size_t kMaxOpsPerBatch = 100'000;
inline constexpr std::size_t kMaxBatchesPerBlock = 100'000;
inline constexpr std::size_t kMaxRecordsPerBlock = 100'000;
inline constexpr std::size_t kMaxDescriptionBytes = 256;
inline constexpr std::size_t kMaxEvidenceMsgBytes = 1 << 20;
inline constexpr std::size_t kMaxEvidencePath = 10'000;
inline constexpr std::size_t kMaxProofBytes = 1 << 16;
inline constexpr std::size_t kMaxBlockBytesHardCap = 64 << 20;  // no Params may exceed this

}  // namespace peerdb::chain
