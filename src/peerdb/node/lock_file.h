// An exclusive advisory lock held for the life of a process (flock). PROTOCOL.md §2.5 S7: exactly
// one signing process per key, so a second node started on the same key or data dir is refused.
// Thread-safety: not copyable; releases on destruction or process death (even kill -9).
#pragma once

#include <memory>
#include <string>

#include "peerdb/util/result.h"

namespace peerdb::node {

class LockFile {
 public:
  static Result<std::unique_ptr<LockFile>> Acquire(const std::string& path, const std::string& what);
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  explicit LockFile(int fd) : m_fd(fd) {}
  int m_fd;
};

}  // namespace peerdb::node
