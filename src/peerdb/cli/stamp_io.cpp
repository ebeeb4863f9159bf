#include "peerdb/cli/stamp_io.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <unistd.h>

#include "peerdb/crypto/sha256.h"

namespace peerdb::cli {
namespace {

constexpr std::size_t kChunk = 1u << 20;  // files up to this size are read in one go

Error IoError(const std::string& what, const std::string& path, int err) {
  if (err == ENOENT) return Error{Errc::kNotFound, "no such file: " + path};
  return Error{Errc::kIo, what + " " + path + ": " + std::strerror(err)};
}

class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  void Reset(int fd) {
    Close();
    m_fd = fd;
  }
  int Close() {
    const int r = m_fd >= 0 ? ::close(m_fd) : 0;
    m_fd = -1;
    return r;
  }

 private:
  int m_fd;
};

Status WriteAll(int fd, ByteSpan data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot write", path, errno);
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

std::string TempName(const std::string& path) { return path + "." + std::to_string(::getpid()) + ".tmp"; }

constexpr std::size_t kScanDirMin = 64;  // ExistingNames reads a directory once it holds this many

// The directory part of a path as written ("." for a bare name).
std::string DirPart(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}


}  // namespace

unsigned WorkerThreads() { return std::clamp(std::thread::hardware_concurrency(), 1u, 4u); }

void ParallelFor(std::size_t n, unsigned threads, Progress& progress, const std::function<void(std::size_t)>& fn) {
  constexpr std::size_t kBatch = 64;
  std::atomic<std::size_t> next{0};
  std::atomic<unsigned> running{0};
  std::mutex mu;
  std::condition_variable cv;
  auto worker = [&] {
    for (std::size_t start = next.fetch_add(kBatch); start < n; start = next.fetch_add(kBatch)) {
      const std::size_t end = std::min(n, start + kBatch);
      for (std::size_t i = start; i < end; ++i) fn(i);
      progress.Add(end - start);
    }
    std::lock_guard lock(mu);
    --running;
    cv.notify_all();
  };
  std::vector<std::thread> pool;
  const unsigned count = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, threads), n / kBatch + 1));
  running = count;
  for (unsigned t = 1; t < count; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      std::lock_guard lock(mu);
      --running;
    }
  }
  // The calling thread works too; progress is redrawn between its batches and while it waits.
  for (std::size_t start = next.fetch_add(kBatch); start < n; start = next.fetch_add(kBatch)) {
    const std::size_t end = std::min(n, start + kBatch);
    for (std::size_t i = start; i < end; ++i) fn(i);
    progress.Add(end - start);
    progress.Tick();
  }
  {
    std::unique_lock lock(mu);
    --running;
    while (running > 0) {
      cv.wait_for(lock, std::chrono::milliseconds(100));
      progress.Tick();
    }
  }
  for (std::thread& t : pool) t.join();
}

Result<FileDigest> HashFile(const std::string& path) {
  // O_NOATIME spares the filesystem an inode update per file read; it is only allowed on one's own
  // files (EPERM otherwise), so after the first refusal it is no longer tried.
  static std::atomic<bool> noatime{true};
  const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
  Fd fd(::open(path.c_str(), flags | (noatime.load(std::memory_order_relaxed) ? O_NOATIME : 0)));
  if (fd.get() < 0 && errno == EPERM) {
    noatime.store(false, std::memory_order_relaxed);
    fd.Reset(::open(path.c_str(), flags));
  }
  if (fd.get() < 0) return IoError("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) return Error{Errc::kIo, path + " is a directory"};
  if (!S_ISREG(st.st_mode)) return Error{Errc::kIo, path + " is not a regular file"};
  FileDigest out;
  out.device = st.st_dev;
  out.inode = st.st_ino;
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  // Small files in one read of the size fstat reported (a file that grows meanwhile is hashed as it
  // was then; an empty-looking one, e.g. in /proc, is read to its end); larger ones in chunks to
  // their end. One uninitialised buffer per thread.
  thread_local const std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[kChunk]);
  thread_local crypto::Sha256Hasher hasher;
  const bool whole = size > 0 && size <= kChunk;
  bool streaming = false;
  std::size_t filled = 0;
  while (!(whole && filled == size)) {
    if (filled == kChunk) {
      hasher.Update(ByteSpan(buffer.get(), filled));
      streaming = true;
      filled = 0;
    }
    const ssize_t n = ::read(fd.get(), buffer.get() + filled, kChunk - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (streaming) (void)hasher.Finish();  // reset for the next file
      return IoError("cannot read", path, errno);
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  const ByteSpan rest(buffer.get(), filled);
  out.sha256 = streaming ? hasher.Update(rest).Finish() : crypto::Sha256(rest);
  return out;
}

Status CreateNewFile(const std::string& path, ByteSpan data) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    if (errno == EEXIST) return Error{Errc::kConflict, path + " already exists"};
    return IoError("cannot create", path, errno);
  }
  Status s = WriteAll(fd.get(), data, path);
  if (s.ok() && fd.Close() != 0) s = IoError("cannot write", path, errno);
  if (!s.ok()) ::unlink(path.c_str());  // ours: O_EXCL created it
  return s;
}

ExistingNames::ExistingNames(const std::vector<std::string>& paths) {
  std::unordered_map<std::string, std::size_t> per_dir;
  for (const std::string& p : paths) ++per_dir[DirPart(p)];
  for (const auto& [dir, count] : per_dir) {
    if (count < kScanDirMin) continue;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) continue;  // those paths are checked one by one
    std::unordered_set<std::string>& names = m_dirs[dir];
    while (const dirent* e = ::readdir(d)) names.insert(e->d_name);
    ::closedir(d);
  }
}

bool ExistingNames::Exists(const std::string& path) const {
  const auto it = m_dirs.find(DirPart(path));
  if (it == m_dirs.end()) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
  }
  const std::size_t slash = path.rfind('/');
  return it->second.contains(slash == std::string::npos ? path : path.substr(slash + 1));
}

Status SyncFilesystems(const std::vector<std::string>& paths) {
  std::set<std::string> dirs;
  for (const std::string& p : paths) dirs.insert(DirPart(p));
  std::set<dev_t> synced;
  for (const std::string& dir : dirs) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return IoError("cannot open directory", dir, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", dir, errno);
    if (!synced.insert(st.st_dev).second) continue;
    if (::syncfs(fd.get()) != 0) return IoError("cannot sync the filesystem of", dir, errno);
  }
  return Status::Ok();
}

Status ReplaceProof(const std::string& path, ByteSpan data, bool keep_backup) {
  const std::string backup = path + ".bak";
  if (keep_backup && ::access(backup.c_str(), F_OK) == 0) {
    return Error{Errc::kConflict, backup + " already exists; move it away first"};
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return IoError("cannot stat", path, errno);
  const std::string tmp = TempName(path);
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0777));
    if (fd.get() < 0) return IoError("cannot create", tmp, errno);
    Status s = WriteAll(fd.get(), data, tmp);
    if (s.ok() && fd.Close() != 0) s = IoError("cannot write", tmp, errno);
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (keep_backup && ::link(path.c_str(), backup.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) return Error{Errc::kConflict, backup + " already exists; move it away first"};
    return IoError("cannot keep the old proof as", backup, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    if (keep_backup) ::unlink(backup.c_str());
    return IoError("cannot replace", path, err);
  }
  return Status::Ok();
}

}  // namespace peerdb::cli
