// Parsing of `POST /v1/tx` bodies into chain operations (docs/api.md "Submit operations").
//
//   {"ops":[{"op":"put","ns":"books","key":"inv-1","value":<any JSON>},
//           {"op":"delete","ns":"books","key":"inv-2"},
//           {"op":"erase","ns":"books","key":"inv-3","versions":[1,2]}]}   (versions: default all)
//   {"op":"put","ns":"books","key":"inv-1","value":...}          (one op, for convenience)
//
// A put stores the compact serialisation of `value` (nlohmann dump()). Unknown fields are
// rejected so that a misspelt field is not silently dropped. The checks here are syntactic
// (names, keys, sizes, counts); namespaces, rules and authorisation are the node's.
// Pure and total: never throws, any input gives a value or an Error (a fuzz target calls it).
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "peerdb/chain/tx.h"
#include "peerdb/util/result.h"

namespace peerdb::api {

// Largest request body the API accepts (HTTP 413 above it).
inline constexpr std::size_t kMaxTxBodyBytes = 8 * 1024 * 1024;

// Errors: kTooLarge (body over kMaxTxBodyBytes, more than node::kMaxOpsPerSubmit ops, a value over
// node::kMaxValueBytes once serialised); kInvalid (empty op list); kMalformed (everything else:
// bad JSON with its position, nesting deeper than kMaxJsonDepth, wrong types, missing or unknown
// fields, unknown op, bad namespace or key). Messages name the op, e.g. "ops[2].key: ...".
Result<std::vector<chain::Op>> ParseTxRequest(std::string_view body);

// The erase op of `POST /v1/kv/{ns}/{key}/erase`: an empty body or {} erases every version,
// {"versions":[1,3]} those versions. Errors as ParseTxRequest.
Result<chain::Op> ParseEraseRequest(const std::string& ns, const std::string& key, std::string_view body);

}  // namespace peerdb::api
