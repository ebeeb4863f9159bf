// Chain export file (`peerdb export`): everything an outside auditor needs to re-verify a chain
// from genesis without the node's database. Format (docs/formats.md):
//   magic "PDB1EX2\n" (8 bytes)
//   frame: u32 big-endian length || payload; the first frame's payload is PCE(Genesis); every later
//   one is a u8 kind || PCE: kind 1 an ExportedBlock (heights 1, 2, ... in order), then kind 2 an
//   ExportedAnchor (after the last block). No trailing bytes after the last frame.
// Files of the first version (magic "PDB1EXP\n": untagged ExportedBlock frames, no anchors) are
// still read.
// Thread-safety: readers and writers are single-thread objects.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/util/result.h"

namespace peerdb::audit {

inline constexpr std::string_view kExportMagic = "PDB1EX2\n";
inline constexpr std::string_view kExportMagicV1 = "PDB1EXP\n";
inline constexpr std::uint8_t kExportBlockFrame = 1;
inline constexpr std::uint8_t kExportAnchorFrame = 2;
inline constexpr std::size_t kMaxExportFrameBytes = chain::kMaxBlockBytesHardCap + (1 << 20);

struct ExportedBlock {
  chain::Block block;
  std::optional<chain::MajorityCert> cert;  // MC of this block
  std::vector<chain::Seal> seals;           // seals on this block
  template <class V> void Pce(V& v) { v.item(block); v.opt(cert); v.list(seals, chain::kMaxMembers); }
};

// An anchor record with the checkpoint its digest commits to (PROTOCOL.md §1.8).
struct ExportedAnchor {
  chain::Checkpoint checkpoint;
  chain::AnchorRecord anchor;
  template <class V> void Pce(V& v) { v.item(checkpoint); v.item(anchor); }
};

class ExportWriter {
 public:
  static Result<std::unique_ptr<ExportWriter>> Create(const std::string& path, const chain::Genesis& genesis);
  ~ExportWriter();
  Status Append(const ExportedBlock& block);
  Status AppendAnchor(const ExportedAnchor& anchor);  // after the last block
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
  // The same reader over an export held in memory (a copy is kept); `name` stands for the path in
  // error messages. For the fuzz target and tests.
  static Result<std::unique_ptr<ExportReader>> FromBytes(ByteSpan bytes, const std::string& name = "export");
  ~ExportReader();
  const chain::Genesis& genesis() const { return m_genesis; }
  // Next block, or nullopt after the last one (at the first anchor frame or a clean end of file).
  // Truncated or oversize frames are kMalformed.
  Result<std::optional<ExportedBlock>> Next();
  // Next anchor, or nullopt at a clean end of file. REQUIRES: Next() returned nullopt. A block
  // frame after an anchor frame is kMalformed.
  Result<std::optional<ExportedAnchor>> NextAnchor();

 private:
  ExportReader(std::FILE* f, Bytes buffer) : m_buffer(std::move(buffer)), m_file(f) {}
  static Result<std::unique_ptr<ExportReader>> Start(std::unique_ptr<ExportReader> r, const std::string& path);
  Result<std::optional<Bytes>> ReadFrame();
  Bytes m_buffer;  // what m_file reads from, for FromBytes
  std::FILE* m_file;
  chain::Genesis m_genesis;
  std::uint64_t m_frames = 0;
  bool m_v1 = false;
  std::optional<Bytes> m_anchor_frame;  // an anchor frame read while looking for a block
};

}  // namespace peerdb::audit
