#include "peerdb/util/file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace peerdb::util {
namespace {
Error IoError(const std::string& what, const std::string& path) {
  return Error{Errc::kIo, what + " " + path + ": " + std::strerror(errno)};
}

class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() { if (m_fd >= 0) ::close(m_fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  int release() { int f = m_fd; m_fd = -1; return f; }
 private:
  int m_fd;
};
}  // namespace

Result<Bytes> ReadFile(const std::string& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Error{Errc::kNotFound, "no such file: " + path};
    return IoError("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return Error{Errc::kIo, "not a regular file: " + path};
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return Error{Errc::kTooLarge, path + " is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  Bytes out(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read", path);
    if (n == 0) break;  // file shrank while reading
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

Result<std::string> ReadTextFile(const std::string& path, std::size_t max_bytes) {
  PEERDB_TRY_ASSIGN(Bytes b, ReadFile(path, max_bytes));
  return std::string(b.begin(), b.end());
}

Status SyncParentDir(const std::string& path) {
  std::filesystem::path p(path);
  std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return IoError("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) return IoError("cannot fsync directory", dir);
  return Status::Ok();
}

Status WriteFileDurable(const std::string& path, ByteSpan data, mode_t mode, bool exclusive) {
  if (exclusive && ::access(path.c_str(), F_OK) == 0) {
    return Error{Errc::kConflict, "refusing to overwrite existing file " + path};
  }
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (fd.get() < 0) return IoError("cannot create", tmp);
  ::fchmod(fd.get(), mode);  // umask must not widen or narrow the requested mode
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { ::unlink(tmp.c_str()); return IoError("cannot write", tmp); }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) { ::unlink(tmp.c_str()); return IoError("cannot fsync", tmp); }
  ::close(fd.release());
  if (exclusive) {
    // link() fails if the target appeared meanwhile: no overwrite even under a race.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      const int e = errno;
      ::unlink(tmp.c_str());
      errno = e;
      if (e == EEXIST) return Error{Errc::kConflict, "refusing to overwrite existing file " + path};
      return IoError("cannot create", path);
    }
    ::unlink(tmp.c_str());
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return IoError("cannot rename to", path);
  }
  return SyncParentDir(path);
}

}  // namespace peerdb::util
