// Fuzz target: POST /v1/tx bodies (api::ParseTxRequest). Any input must give a value or an Error,
// never a crash, hang or exception; an accepted body must respect every documented limit, and
// each put value must be compact JSON that parses back to itself.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "peerdb/api/json_parse.h"
#include "peerdb/api/tx_request.h"
#include "peerdb/chain/tx.h"
#include "peerdb/codec/pce.h"
#include "peerdb/node/service.h"
#include "peerdb/util/assert.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace peerdb;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto ops = api::ParseTxRequest(body);
  if (!ops.ok()) {
    PEERDB_ASSERT(ops.error().code != Errc::kOk && ops.error().code != Errc::kInternal);
    return 0;
  }
  PEERDB_ASSERT(!ops->empty() && ops->size() <= node::kMaxOpsPerSubmit);
  for (const chain::Op& op : *ops) {
    PEERDB_ASSERT(codec::IsValidName(op.ns) && chain::IsValidKey(op.key));
    if (op.kind == static_cast<std::uint8_t>(chain::OpKind::kDel)) {
      PEERDB_ASSERT(op.value.empty());
      continue;
    }
    PEERDB_ASSERT(op.kind == static_cast<std::uint8_t>(chain::OpKind::kPut));
    PEERDB_ASSERT(op.value.size() <= node::kMaxValueBytes);
    const std::string_view stored(reinterpret_cast<const char*>(op.value.data()), op.value.size());
    auto reparsed = api::ParseJsonBounded(stored);
    PEERDB_ASSERT(reparsed.ok());
    PEERDB_ASSERT(api::DumpJson(*reparsed) == stored);
  }
  return 0;
}
