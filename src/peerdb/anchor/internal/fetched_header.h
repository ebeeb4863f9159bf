// Checks shared by the network header sources: their answers are hostile input. A block hash must
// be 64 hex digits; a header must parse and hash (sha256d, display order) to the block hash the
// same source named for the height. Internal to anchor. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "peerdb/http/client.h"
#include "peerdb/ots/bitcoin_header.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::anchor::internal {

// The lowercase display-order hash from a text body ("<64 hex>" with optional trailing newline).
// kMalformed otherwise.
Result<std::string> ParseBlockHashText(std::string_view body, std::string_view what);

// A block height from a text body ("<decimal>" with optional trailing newline, no sign or leading
// zeros, at most 20 digits and within 64 bits). kMalformed otherwise.
Result<std::uint64_t> ParseHeightText(std::string_view body, std::string_view what);

// Decodes header bytes and checks they hash to expected_hash (display order). kMalformed.
Result<ots::BlockHeader> CheckFetchedHeader(ByteSpan header_bytes, const std::string& expected_hash,
                                            std::uint64_t height);

// 200 -> ok; 404 -> kNotFound; 5xx, 429 -> kUnavailable; any other status (redirects included)
// -> kMalformed. Errors name `what`.
Status CheckStatus(const http::Response& res, std::string_view what);

// GET url with the body capped at max_body; 200 -> the response; 404 -> kNotFound; 5xx, 429 ->
// kUnavailable; any other status (redirects included) -> kMalformed. Errors name `what`.
Result<http::Response> FetchOk(const std::string& url, http::ClientOptions options, std::size_t max_body,
                             std::string_view what);

}  // namespace peerdb::anchor::internal
