// Filesystem helpers with explicit size limits and durable writes.
// Thread-safety: free functions; concurrent writers to one path must be serialised by the caller.
#pragma once

#include <cstddef>
#include <string>
#include <sys/types.h>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::util {

// Reads a whole file; kTooLarge above max_bytes (checked before reading), kNotFound if absent.
Result<Bytes> ReadFile(const std::string& path, std::size_t max_bytes);
Result<std::string> ReadTextFile(const std::string& path, std::size_t max_bytes);

// Writes temp file, fsync, rename, fsync directory: after return the content survives power loss.
// With exclusive=true, fails with kConflict if path exists (never overwrites).
Status WriteFileDurable(const std::string& path, ByteSpan data, mode_t mode, bool exclusive = false);

// fsyncs the directory holding path, so a rename or create inside it is durable.
Status SyncParentDir(const std::string& path);

}  // namespace peerdb::util
