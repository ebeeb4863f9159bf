#include "peerdb/ots/detached_file.h"

#include <algorithm>

#include "peerdb/ots/internal/timestamp_reader.h"
#include "peerdb/ots/internal/wire.h"
#include "peerdb/util/file.h"

namespace peerdb::ots {

Result<DetachedTimestampFile> DecodeOtsFile(ByteSpan in, const DecodeLimits& limits) {
  if (in.size() > kMaxOtsFileSize) return Error{Errc::kTooLarge, ".ots file exceeds 1 MiB"};
  internal::WireReader r(in);
  auto magic = r.Fixed(kOtsMagic.size());
  if (!magic.ok() || !std::equal(magic->begin(), magic->end(), kOtsMagic.begin())) {
    return Error{Errc::kMalformed, "not an OpenTimestamps proof (bad magic)"};
  }
  PEERDB_TRY_ASSIGN(const std::uint8_t version, r.U8());
  if (version != kOtsMajorVersion) {
    return Error{Errc::kBadVersion, "unsupported .ots major version " + std::to_string(version)};
  }
  PEERDB_TRY_ASSIGN(const std::uint8_t op_byte, r.U8());
  const std::optional<OpTag> op = OpTagFromByte(op_byte);
  if (!op || CryptDigestLength(*op) == 0) return r.Fail(Errc::kMalformed, "file hash op is not a crypt op");
  PEERDB_TRY_ASSIGN(const ByteSpan digest, r.Fixed(CryptDigestLength(*op)));
  DetachedTimestampFile file;
  file.file_hash_op = *op;
  PEERDB_TRY_ASSIGN(file.timestamp, internal::ReadTimestamp(r, Bytes(digest.begin(), digest.end()), limits));
  if (!r.AtEnd()) return r.Fail(Errc::kMalformed, "trailing bytes after the timestamp");
  return file;
}

Result<Bytes> EncodeOtsFile(const DetachedTimestampFile& file) {
  const std::size_t digest_len = CryptDigestLength(file.file_hash_op);
  if (digest_len == 0) return Error{Errc::kInvalid, "file hash op is not a crypt op"};
  if (file.file_digest().size() != digest_len) {
    return Error{Errc::kInvalid, "file digest length does not match the file hash op"};
  }
  PEERDB_TRY_ASSIGN(const Bytes tree, EncodeTimestamp(file.timestamp));
  Bytes out(kOtsMagic.begin(), kOtsMagic.end());
  out.push_back(kOtsMajorVersion);
  out.push_back(static_cast<std::uint8_t>(file.file_hash_op));
  internal::PutBytes(out, file.file_digest());
  internal::PutBytes(out, tree);
  return out;
}

Result<DetachedTimestampFile> LoadOtsFile(const std::string& path) {
  PEERDB_TRY_ASSIGN(const Bytes bytes, util::ReadFile(path, kMaxOtsFileSize));
  auto file = DecodeOtsFile(bytes);
  if (!file.ok()) return file.error().Context(path);
  return file;
}

}  // namespace peerdb::ots
