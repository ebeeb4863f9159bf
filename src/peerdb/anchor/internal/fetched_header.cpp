#include "peerdb/anchor/internal/fetched_header.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace peerdb::anchor::internal {

Result<std::string> ParseBlockHashText(std::string_view body, std::string_view what) {
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  const bool hex = body.size() == 64 && std::all_of(body.begin(), body.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
  if (!hex) return Error{Errc::kMalformed, std::string(what) + ": answer is not a 64-digit hex block hash"};
  std::string out(body);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

Result<std::uint64_t> ParseHeightText(std::string_view body, std::string_view what) {
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  std::uint64_t height = 0;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), height);
  if (body.empty() || body.size() > 20 || (body.size() > 1 && body[0] == '0') || ec != std::errc() ||
      end != body.data() + body.size()) {
    return Error{Errc::kMalformed, std::string(what) + ": answer is not a block height"};
  }
  return height;
}

Result<ots::BlockHeader> CheckFetchedHeader(ByteSpan header_bytes, const std::string& expected_hash,
                                            std::uint64_t height) {
  auto header = ots::DecodeBlockHeader(header_bytes);
  if (!header.ok()) {
    return Error{Errc::kMalformed, "header of block " + std::to_string(height) + ": " + header.error().message};
  }
  if (ots::BlockHashHex(*header) != expected_hash) {
    return Error{Errc::kMalformed, "header served for block " + std::to_string(height) + " hashes to " +
                                       ots::BlockHashHex(*header) + ", not to the block hash " + expected_hash +
                                       " the source gave for that height"};
  }
  return header;
}

Status CheckStatus(const http::Response& res, std::string_view what) {
  if (res.status == 200) return Status::Ok();
  const std::string status = "HTTP " + std::to_string(res.status);
  if (res.status == 404) return Error{Errc::kNotFound, std::string(what) + ": not found (" + status + ")"};
  if (res.status >= 500 || res.status == 429) {
    return Error{Errc::kUnavailable, std::string(what) + ": server answered " + status};
  }
  return Error{Errc::kMalformed, std::string(what) + ": unexpected " + status};
}

Result<http::Response> FetchOk(const std::string& url, http::ClientOptions options, std::size_t max_body,
                             std::string_view what) {
  options.max_body = max_body;
  auto res = http::Get(url, options);
  if (!res.ok()) return res.error().Context(what);
  PEERDB_TRY(CheckStatus(*res, what));
  return res;
}

}  // namespace peerdb::anchor::internal
