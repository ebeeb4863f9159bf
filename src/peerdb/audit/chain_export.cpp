#include "peerdb/audit/chain_export.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "peerdb/codec/pce.h"
#include "peerdb/util/file.h"

namespace peerdb::audit {

Result<std::unique_ptr<ExportWriter>> ExportWriter::Create(const std::string& path, const chain::Genesis& genesis) {
  std::FILE* f = std::fopen(path.c_str(), "wbx");  // x: never overwrite an existing export
  if (!f) {
    if (errno == EEXIST) return Error{Errc::kConflict, "refusing to overwrite existing file " + path};
    return Error{Errc::kIo, "cannot create " + path + ": " + std::strerror(errno)};
  }
  std::unique_ptr<ExportWriter> w(new ExportWriter(f, path));
  if (std::fwrite(kExportMagic.data(), 1, kExportMagic.size(), f) != kExportMagic.size()) {
    return Error{Errc::kIo, "cannot write " + path};
  }
  PEERDB_TRY(w->WriteFrame(codec::Encode(genesis)));
  return w;
}

ExportWriter::~ExportWriter() {
  if (m_file) std::fclose(m_file);
}

Status ExportWriter::WriteFrame(const Bytes& pce) {
  const std::uint32_t n = static_cast<std::uint32_t>(pce.size());
  const std::uint8_t len[4] = {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                               static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  if (std::fwrite(len, 1, 4, m_file) != 4 || std::fwrite(pce.data(), 1, pce.size(), m_file) != pce.size()) {
    return Error{Errc::kIo, "cannot write " + m_path + ": " + std::strerror(errno)};
  }
  return Status::Ok();
}

Status ExportWriter::Append(const ExportedBlock& block) {
  Bytes frame{kExportBlockFrame};
  const Bytes body = codec::Encode(block);
  frame.insert(frame.end(), body.begin(), body.end());
  return WriteFrame(frame);
}

Status ExportWriter::AppendAnchor(const ExportedAnchor& anchor) {
  Bytes frame{kExportAnchorFrame};
  const Bytes body = codec::Encode(anchor);
  frame.insert(frame.end(), body.begin(), body.end());
  return WriteFrame(frame);
}

Status ExportWriter::Finish() {
  if (std::fflush(m_file) != 0 || ::fsync(::fileno(m_file)) != 0) return Error{Errc::kIo, "cannot flush " + m_path};
  std::fclose(m_file);
  m_file = nullptr;
  return util::SyncParentDir(m_path);
}

Result<std::unique_ptr<ExportReader>> ExportReader::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Error{errno == ENOENT ? Errc::kNotFound : Errc::kIo, "cannot open " + path + ": " + std::strerror(errno)};
  return Start(std::unique_ptr<ExportReader>(new ExportReader(f, {})), path);
}

Result<std::unique_ptr<ExportReader>> ExportReader::FromBytes(ByteSpan bytes, const std::string& name) {
  // One spare byte of capacity, so that data() is a real buffer even for empty input; moving the
  // vector into the reader keeps data() where fmemopen saw it.
  Bytes buffer;
  buffer.reserve(bytes.size() + 1);
  buffer.assign(bytes.begin(), bytes.end());
  std::FILE* f = ::fmemopen(buffer.data(), buffer.size(), "rb");
  if (!f) return Error{Errc::kIo, "cannot read " + name + ": " + std::strerror(errno)};
  std::unique_ptr<ExportReader> r(new ExportReader(f, std::move(buffer)));
  return Start(std::move(r), name);
}

Result<std::unique_ptr<ExportReader>> ExportReader::Start(std::unique_ptr<ExportReader> r, const std::string& path) {
  std::FILE* f = r->m_file;
  char magic[8] = {};
  const bool read = std::fread(magic, 1, 8, f) == 8;
  if (!read || (std::string_view(magic, 8) != kExportMagic && std::string_view(magic, 8) != kExportMagicV1)) {
    return Error{Errc::kMalformed, path + " is not a PeerDB chain export"};
  }
  r->m_v1 = std::string_view(magic, 8) == kExportMagicV1;
  PEERDB_TRY_ASSIGN(std::optional<Bytes> g, r->ReadFrame());
  if (!g) return Error{Errc::kMalformed, path + ": export holds no genesis"};
  auto genesis = codec::Decode<chain::Genesis>(*g);
  if (!genesis.ok()) return genesis.error().Context(path + ": genesis");
  r->m_genesis = std::move(*genesis);
  return r;
}

ExportReader::~ExportReader() { std::fclose(m_file); }

Result<std::optional<Bytes>> ExportReader::ReadFrame() {
  std::uint8_t len[4];
  const std::size_t got = std::fread(len, 1, 4, m_file);
  if (got == 0 && std::feof(m_file)) return std::optional<Bytes>();
  if (got != 4) return Error{Errc::kMalformed, "truncated frame length after frame " + std::to_string(m_frames)};
  const std::uint32_t n = (std::uint32_t{len[0]} << 24) | (std::uint32_t{len[1]} << 16) | (std::uint32_t{len[2]} << 8) | len[3];
  if (n > kMaxExportFrameBytes) return Error{Errc::kTooLarge, "frame of " + std::to_string(n) + " bytes is too large"};
  // Read in chunks, so that a forged length costs no more memory than the file holds.
  constexpr std::size_t kChunk = 1 << 20;
  Bytes out;
  while (out.size() < n) {
    const std::size_t have = out.size();
    const std::size_t want = std::min<std::size_t>(n - have, kChunk);
    out.resize(have + want);
    if (std::fread(out.data() + have, 1, want, m_file) != want) {
      return Error{Errc::kMalformed, "truncated frame " + std::to_string(m_frames)};
    }
  }
  ++m_frames;
  return std::optional<Bytes>(std::move(out));
}

Result<std::optional<ExportedBlock>> ExportReader::Next() {
  if (m_anchor_frame) return std::optional<ExportedBlock>();
  PEERDB_TRY_ASSIGN(std::optional<Bytes> frame, ReadFrame());
  if (!frame) return std::optional<ExportedBlock>();
  const std::string where = "export frame " + std::to_string(m_frames - 1);
  ByteSpan body(*frame);
  if (!m_v1) {
    if (body.empty()) return Error{Errc::kMalformed, where + " is empty"};
    if (body[0] == kExportAnchorFrame) {
      m_anchor_frame = std::move(frame);
      return std::optional<ExportedBlock>();
    }
    if (body[0] != kExportBlockFrame) return Error{Errc::kMalformed, where + " has unknown kind " + std::to_string(body[0])};
    body = body.subspan(1);
  }
  auto b = codec::Decode<ExportedBlock>(body);
  if (!b.ok()) return b.error().Context(where);
  return std::optional<ExportedBlock>(std::move(*b));
}

Result<std::optional<ExportedAnchor>> ExportReader::NextAnchor() {
  std::optional<Bytes> frame = std::move(m_anchor_frame);
  m_anchor_frame.reset();
  if (!frame) {
    PEERDB_TRY_ASSIGN(frame, ReadFrame());
    if (!frame) return std::optional<ExportedAnchor>();
  }
  const std::string where = "export frame " + std::to_string(m_frames - 1);
  if (m_v1 || frame->empty() || (*frame)[0] != kExportAnchorFrame) {
    return Error{Errc::kMalformed, where + " is not an anchor frame (blocks must come before anchors)"};
  }
  auto a = codec::Decode<ExportedAnchor>(ByteSpan(*frame).subspan(1));
  if (!a.ok()) return a.error().Context(where);
  return std::optional<ExportedAnchor>(std::move(*a));
}

}  // namespace peerdb::audit
