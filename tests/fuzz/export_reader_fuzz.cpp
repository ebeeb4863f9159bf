// Fuzz target for the chain export reader (audit::ExportReader, the file `peerdb audit --chain`
// reads from an outsider): the input as a whole export file (docs/formats.md), read with
// ExportReader::FromBytes: genesis, every block, then every anchor. For every input: no crash, hang
// or sanitizer finding, and no allocation beyond what the input holds; a rejection carries a
// decoder error code; a file read to its end without error re-encodes, frame by frame, to exactly
// the input (magic, u32 lengths, kind bytes, PCE). Such files are then audited (AuditExport via a
// scratch file), which must give a report or an error, never a crash. Any breach aborts.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "peerdb/codec/pce.h"
#include "peerdb/audit/chain_audit.h"
#include "peerdb/audit/report.h"
#include "peerdb/audit/chain_export.h"
#include "peerdb/util/assert.h"

namespace {

using namespace peerdb;

bool IsDecoderError(Errc code) {
  return code == Errc::kMalformed || code == Errc::kTooLarge || code == Errc::kBadVersion;
}

// One frame as ExportWriter writes it: u32 big-endian length || [kind] || pce.
void AppendFrame(Bytes& out, std::optional<std::uint8_t> kind, const Bytes& pce) {
  const std::uint32_t n = static_cast<std::uint32_t>(pce.size() + (kind ? 1 : 0));
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(n >> shift));
  if (kind) out.push_back(*kind);
  out.insert(out.end(), pce.begin(), pce.end());
}

// Where accepted files are written for the auditor: one per process, overwritten each time and
// removed at exit.
// (Never destroyed, so the exit handler can still read it.)
const std::string& ScratchPath() {
  static const std::string* const path = [] {
    auto* p = new std::string(
        (std::filesystem::temp_directory_path() / ("peerdb_fuzz_export_" + std::to_string(::getpid()))).string());
    std::atexit([] { std::remove(ScratchPath().c_str()); });
    return p;
  }();
  return *path;
}

void Audit(ByteSpan in) {
  std::FILE* f = std::fopen(ScratchPath().c_str(), "wb");
  if (!f) return;
  const bool written = std::fwrite(in.data(), 1, in.size(), f) == in.size();
  std::fclose(f);
  if (!written) return;
  auto report = audit::AuditExport(ScratchPath(), std::nullopt);
  // A failure is reported with what failed and its kind, and the report text says so.
  if (report.ok()) PEERDB_ASSERT(report->ok || (!report->failure.empty() && report->failure_code != Errc::kOk && !audit::FormatReport(*report).empty()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan in(data, size);
  auto reader = audit::ExportReader::FromBytes(in);
  if (!reader.ok()) {
    PEERDB_ASSERT(IsDecoderError(reader.error().code));
    return 0;
  }
  audit::ExportReader& r = **reader;
  std::vector<audit::ExportedBlock> blocks;
  for (;;) {
    auto next = r.Next();
    if (!next.ok()) {
      PEERDB_ASSERT(IsDecoderError(next.error().code));
      return 0;
    }
    if (!*next) break;
    blocks.push_back(std::move(**next));
  }
  std::vector<audit::ExportedAnchor> anchors;
  for (;;) {
    auto next = r.NextAnchor();
    if (!next.ok()) {
      PEERDB_ASSERT(IsDecoderError(next.error().code));
      return 0;
    }
    if (!*next) break;
    anchors.push_back(std::move(**next));
  }

  // Read to the end: the file is canonical, so writing what was read gives the input back.
  PEERDB_ASSERT(size >= audit::kExportMagic.size());
  const std::string_view magic(reinterpret_cast<const char*>(data), audit::kExportMagic.size());
  const bool v1 = magic == audit::kExportMagicV1;
  PEERDB_ASSERT(v1 || magic == audit::kExportMagic);
  PEERDB_ASSERT(!v1 || anchors.empty());
  Bytes again(magic.begin(), magic.end());
  AppendFrame(again, std::nullopt, codec::Encode(r.genesis()));
  for (const audit::ExportedBlock& b : blocks) {
    AppendFrame(again, v1 ? std::nullopt : std::optional<std::uint8_t>(audit::kExportBlockFrame), codec::Encode(b));
  }
  for (const audit::ExportedAnchor& a : anchors) AppendFrame(again, audit::kExportAnchorFrame, codec::Encode(a));
  PEERDB_ASSERT(Bytes(in.begin(), in.end()) == again);

  Audit(in);
  return 0;
}
