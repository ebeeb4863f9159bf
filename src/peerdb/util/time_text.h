// Times for people and programs: seconds since the Unix epoch as "2026-11-24 10:00:00 UTC", the one
// format the CLI and the audit report print, and milliseconds as ISO 8601 UTC
// ("2026-11-24T10:00:00.250Z"), which JSON outputs carry beside their *_ms fields.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace peerdb::util {

std::string UtcTimeText(std::uint64_t seconds);
std::string IsoUtcTime(std::uint64_t milliseconds);

}  // namespace peerdb::util
