// Parses a timestamp tree from a WireReader that is positioned at it (shared by the bare timestamp
// and the detached file decoders). Private to the ots module. Thread-safety: pure.
#pragma once

#include "peerdb/ots/internal/wire.h"
#include "peerdb/ots/timestamp_codec.h"

namespace peerdb::ots::internal {

Result<Timestamp> ReadTimestamp(WireReader& r, Bytes msg, const DecodeLimits& limits);

}  // namespace peerdb::ots::internal
