// Fuzz target for HTTP request targets (api::ParseTarget, api::PercentDecode, api::ParseMinStatus):
// what any API client puts on the request line. For every input: no crash, hang, exception or
// sanitizer finding; a rejection is kMalformed (kInvalid for a status name); percent-decoding
// never lengthens its input. Any breach aborts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "peerdb/api/router.h"
#include "peerdb/util/assert.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace peerdb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto target = api::ParseTarget(text);
  if (!target.ok()) {
    PEERDB_ASSERT(target.error().code == Errc::kMalformed);
  } else {
    for (const auto& [key, value] : target->query) {
      if (key == "min_status") {
        auto status = api::ParseMinStatus(value);
        PEERDB_ASSERT(status.ok() || status.error().code == Errc::kInvalid);
      }
    }
  }
  auto decoded = api::PercentDecode(text);
  if (!decoded.ok()) {
    PEERDB_ASSERT(decoded.error().code == Errc::kMalformed);
  } else {
    PEERDB_ASSERT(decoded->size() <= size);
  }
  return 0;
}
