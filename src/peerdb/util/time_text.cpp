#include "peerdb/util/time_text.h"

#include <ctime>

namespace peerdb::util {

std::string UtcTimeText(std::uint64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string IsoUtcTime(std::uint64_t milliseconds) {
  const std::time_t t = static_cast<std::time_t>(milliseconds / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03uZ", static_cast<unsigned>(milliseconds % 1000));
  return buf;
}

}  // namespace peerdb::util
