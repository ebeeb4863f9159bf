// Fuzz target: POST /v1/changes bodies (api::ParseChangeRequest, then api::ResolveChange against a
// fixed config in force). Any input must give a value or an Error, never a crash, hang or
// exception; an accepted body must respect the documented limits, and each resolved op's JSON view
// must parse and resolve again to the same op.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "peerdb/api/change_request.h"
#include "peerdb/api/json_parse.h"
#include "peerdb/api/json_views.h"
#include "peerdb/util/assert.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace peerdb;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto draft = api::ParseChangeRequest(body);
  if (!draft.ok()) {
    PEERDB_ASSERT(draft.error().code != Errc::kOk && draft.error().code != Errc::kInternal);
    return 0;
  }
  PEERDB_ASSERT(!draft->ops.empty() && draft->ops.size() <= chain::kMaxConfigOps);
  node::ChangesView in_force;
  in_force.next_member_id = 4;
  in_force.members = {chain::Member{1, {}, {}, "a", ""}, chain::Member{2, {}, {}, "b", ""}, chain::Member{3, {}, {}, "c", ""}};
  auto request = api::ResolveChange(*draft, in_force);
  if (!request.ok()) {
    PEERDB_ASSERT(request.error().code == Errc::kInvalid);
    return 0;
  }
  PEERDB_ASSERT(request->ops.size() == draft->ops.size());
  nlohmann::json ops = nlohmann::json::array();
  for (const chain::ConfigOp& op : request->ops) ops.push_back(api::ConfigOpJson(op));
  auto again = api::ParseChangeRequest(api::DumpJson(nlohmann::json{{"ops", ops}}));
  PEERDB_ASSERT(again.ok());
  auto resolved = api::ResolveChange(*again, in_force);
  PEERDB_ASSERT(resolved.ok() && resolved->ops == request->ops);
  return 0;
}
