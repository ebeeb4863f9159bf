#include "peerdb/ots/headers_file.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "peerdb/util/file.h"

namespace peerdb::ots {

Result<HeadersFile> HeadersFile::Parse(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error{Errc::kMalformed, "headers file is not a JSON object"};
  HeadersFile out;
  for (const auto& [key, entry] : doc.items()) {
    if (!key.empty() && key[0] == '_') continue;
    std::uint64_t height = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), height);
    if (ec != std::errc() || end != key.data() + key.size() || key.empty()) {
      return Error{Errc::kMalformed, "headers file: key '" + key + "' is not a height"};
    }
    if (!entry.is_object()) return Error{Errc::kMalformed, "headers file: entry " + key + " is not an object"};
    const auto header_it = entry.find("header");
    if (header_it == entry.end() || header_it->is_null()) continue;  // height known, header not
    if (!header_it->is_string()) return Error{Errc::kMalformed, "headers file: header " + key + " is not a string"};
    auto bytes = FromHex(header_it->get<std::string>());
    if (!bytes.ok()) return bytes.error().Context("headers file: header " + key);
    auto header = DecodeBlockHeader(*bytes);
    if (!header.ok()) return header.error().Context("headers file: header " + key);
    const auto hash_it = entry.find("hash");
    if (hash_it != entry.end() && hash_it->is_string() && hash_it->get<std::string>() != BlockHashHex(*header)) {
      return Error{Errc::kCorrupt, "headers file: header " + key + " does not hash to its \"hash\""};
    }
    out.m_headers.emplace(height, *header);
  }
  return out;
}

Result<HeadersFile> HeadersFile::Load(const std::string& path) {
  PEERDB_TRY_ASSIGN(const std::string text, util::ReadTextFile(path, kMaxHeadersFileSize));
  auto parsed = Parse(text);
  if (!parsed.ok()) return parsed.error().Context(path);
  return parsed;
}

Result<BlockHeader> HeadersFile::HeaderAt(std::uint64_t height) {
  const auto it = m_headers.find(height);
  if (it == m_headers.end()) return Error{Errc::kNotFound, "no header for height " + std::to_string(height)};
  return it->second;
}

Result<std::uint64_t> HeadersFile::TipHeight() {
  if (m_headers.empty()) return Error{Errc::kNotFound, "the headers file has no headers"};
  return m_headers.rbegin()->first;
}

}  // namespace peerdb::ots
