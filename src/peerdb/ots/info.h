// Human-readable dump of a proof, the text `ots info` prints (the reference's Timestamp.str_tree at
// verbosity 0): one op per line with arguments in hex, forks as " -> " with 4 more spaces of
// indent, "verify <attestation>" leaves, "# Bitcoin block merkle root <display hex>" after Bitcoin
// (and Litecoin) attestations, and "# Transaction id <txid>" where a message parses as a whole
// Bitcoin transaction. Thread-safety: pure functions.
#pragma once

#include <string>

#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/timestamp.h"
#include "peerdb/util/bytes.h"

namespace peerdb::ots {

// The tree only, every line ending in '\n'.
std::string TimestampToString(const Timestamp& timestamp);
// "File sha256 hash: <hex>\nTimestamp:\n" followed by the tree.
std::string InfoString(const DetachedTimestampFile& file);
// True when msg is exactly one serialized Bitcoin transaction (legacy or segwit), the test the
// reference's info output applies (python-bitcoinlib CTransaction.deserialize without padding).
bool IsBitcoinTransaction(ByteSpan msg);

}  // namespace peerdb::ots
