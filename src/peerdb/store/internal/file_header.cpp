#include "peerdb/store/internal/file_header.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace peerdb::store::internal {
namespace {

constexpr std::size_t kHeaderBytes = 100;
constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with the terminating NUL

std::uint32_t Be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

}  // namespace

Status CheckDatabaseFile(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Status::Ok();  // SQLite reports a missing directory itself
  if (!fs::is_regular_file(st)) return Error{Errc::kIo, path + " is not a regular file"};
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return Error{Errc::kIo, "cannot stat " + path + ": " + ec.message()};
  if (size == 0) return Status::Ok();
  if (size < kHeaderBytes) {
    return Error{Errc::kCorrupt, path + ": " + std::to_string(size) + " bytes is too short for a SQLite database"};
  }

  std::array<std::uint8_t, kHeaderBytes> h{};
  std::ifstream in(path, std::ios::binary);
  if (!in || !in.read(reinterpret_cast<char*>(h.data()), static_cast<std::streamsize>(h.size()))) {
    return Error{Errc::kIo, "cannot read the header of " + path};
  }
  if (std::memcmp(h.data(), kMagic, sizeof(kMagic)) != 0) {
    return Error{Errc::kCorrupt, path + " is not a SQLite database (bad header magic)"};
  }
  // File format write/read versions: 1 = rollback journal, 2 = WAL. Payload fractions are fixed.
  if (h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2 || h[21] != 64 || h[22] != 32 || h[23] != 32) {
    return Error{Errc::kCorrupt, path + ": invalid SQLite header fields"};
  }
  std::uint32_t page_size = (std::uint32_t{h[16]} << 8) | h[17];
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
    return Error{Errc::kCorrupt, path + ": invalid page size " + std::to_string(page_size) + " in header"};
  }

  // The in-header page count is valid only when the change counter (offset 24) equals the
  // version-valid-for number (offset 92). A non-empty -wal file may hold pages the main file does
  // not have yet (an interrupted checkpoint), so the size comparison is only made without one.
  const std::uint32_t pages = Be32(&h[28]);
  if (pages == 0 || Be32(&h[24]) != Be32(&h[92])) return Status::Ok();
  const std::uintmax_t wal_size = fs::file_size(path + "-wal", ec);
  if (!ec && wal_size > 0) return Status::Ok();
  const std::uintmax_t want = std::uintmax_t{pages} * page_size;
  if (size < want) {
    return Error{Errc::kCorrupt, path + " is truncated: its header declares " + std::to_string(pages) + " pages of " +
                                     std::to_string(page_size) + " bytes (" + std::to_string(want) +
                                     " bytes) but the file holds " + std::to_string(size)};
  }
  return Status::Ok();
}

}  // namespace peerdb::store::internal
