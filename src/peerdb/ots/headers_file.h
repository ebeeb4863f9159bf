// A HeaderSource backed by a JSON file of Bitcoin headers, in the format of the project's test
// data (testdata/ots/headers.json): an object keyed by decimal height; each entry has "header"
// (80-byte hex, or null when unknown) and optionally "hash" (display order), which must match.
// Keys starting with '_' are comments. Thread-safety: immutable after Load; HeaderAt is const-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "peerdb/ots/verify.h"

namespace peerdb::ots {

constexpr std::size_t kMaxHeadersFileSize = 256u << 20;

class HeadersFile : public HeaderSource {
 public:
  // kMalformed for bad JSON or entries, kCorrupt when a header does not hash to its "hash".
  static Result<HeadersFile> Parse(std::string_view json);
  static Result<HeadersFile> Load(const std::string& path);

  Result<BlockHeader> HeaderAt(std::uint64_t height) override;
  // The highest height with a header in the file; kNotFound for a file without headers.
  Result<std::uint64_t> TipHeight() override;
  std::size_t size() const { return m_headers.size(); }

 private:
  std::map<std::uint64_t, BlockHeader> m_headers;
};

}  // namespace peerdb::ots
