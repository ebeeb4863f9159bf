// Times for people: seconds since the Unix epoch as "2026-11-24 10:00:00 UTC", the one format the
// CLI and the audit report print. Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <string>

namespace peerdb::util {

std::string UtcTimeText(std::uint64_t seconds);

}  // namespace peerdb::util
