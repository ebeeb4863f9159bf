// Chain export file (`peerdb export`): everything an outside auditor needs to re-verify a chain
// from genesis without the node's database. Format (docs/formats.md):
//   magic "PDB1EXP\n" (8 bytes)
//   frame: u32 big-endian length || PCE bytes; the first frame is the Genesis, every later frame
//   an ExportedBlock for heights 1, 2, ... in order. No trailing bytes after the last frame.
// Thread-safety: readers and writers are single-thread objects.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/util/result.h"

namespace peerdb::node {

inline constexpr std::string_view kExportMagic = "PDB1EXP\n";
inline constexpr std::size_t kMaxExportFrameBytes = chain::kMaxBlockBytesHardCap + (1 << 20);

struct ExportedBlock {
  chain::Block block;
  std::optional<chain::MajorityCert> cert;  // MC of this block
  std::vector<chain::Seal> seals;           // seals on this block
  template <class V> void Pce(V& v) { v.item(block); v.opt(cert); v.list(seals, chain::kMaxMembers); }
};

class ExportWriter {
 public:
  static Result<std::unique_ptr<ExportWriter>> Create(const std::string& path, const chain::Genesis& genesis);
  ~ExportWriter();
  Status Append(const ExportedBlock& block);
  Status Finish();  // fsync + close

 private:
  ExportWriter(std::FILE* f, std::string path) : m_file(f), m_path(std::move(path)) {}
  Status WriteFrame(const Bytes& pce);
  std::FILE* m_file;
  std::string m_path;
};

class ExportReader {
 public:
  static Result<std::unique_ptr<ExportReader>> Open(const std::string& path);
  ~ExportReader();
  const chain::Genesis& genesis() const { return m_genesis; }
  // Next block, or nullopt at a clean end of file. Truncated or oversize frames are kMalformed.
  Result<std::optional<ExportedBlock>> Next();

 private:
  explicit ExportReader(std::FILE* f) : m_file(f) {}
  Result<std::optional<Bytes>> ReadFrame();
  std::FILE* m_file;
  chain::Genesis m_genesis;
  std::uint64_t m_frames = 0;
};

}  // namespace peerdb::node
