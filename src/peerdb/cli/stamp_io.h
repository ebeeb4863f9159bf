// File work for `peerdb stamp` and `peerdb upgrade`: hashing many files on several threads,
// checking which output names exist, creating .ots files without ever replacing one, making them
// durable with one syncfs() per filesystem at the end (not an fsync per file: 100,000 fsyncs would
// take minutes), and replacing proofs while keeping the old ones as FILE.ots.bak.
// Thread-safety: free functions; ParallelFor runs fn concurrently (fn must be thread-safe);
// ExistingNames is immutable after construction.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "peerdb/cli/progress.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::cli {

// Calls fn(i) for every i in [0, n) on up to `threads` threads (at least the calling one), adding
// 1 to progress per item and redrawing it from the calling thread.
void ParallelFor(std::size_t n, unsigned threads, Progress& progress, const std::function<void(std::size_t)>& fn);

// The number of hashing/writing threads to use: the CPUs available, 1..4.
unsigned WorkerThreads();

struct FileDigest {
  Hash32 sha256{};
  std::uint64_t device = 0, inode = 0;  // to find one file named twice
};

// SHA-256 of a regular file: read whole when small, streamed otherwise. kNotFound, kIo (unreadable,
// a directory or not a regular file).
Result<FileDigest> HashFile(const std::string& path);

// Which of a set of paths exist (as lstat sees them), answered from one readdir() of each
// directory that holds many of them, and by lstat() for the others. A snapshot: CreateNewFile
// still refuses a file that appears later.
class ExistingNames {
 public:
  explicit ExistingNames(const std::vector<std::string>& paths);
  bool Exists(const std::string& path) const;

 private:
  std::unordered_map<std::string, std::unordered_set<std::string>> m_dirs;  // scanned dir -> names
};

// Creates path with data; never replaces anything: O_CREAT|O_EXCL, kConflict if path exists (the
// reference client's open(..., 'xb') does the same). Mode 0644 minus the umask. A file that cannot
// be written completely is removed again. No fsync: see SyncFilesystems.
Status CreateNewFile(const std::string& path, ByteSpan data);

// One syncfs() per filesystem holding the given files' directories: after it returns, everything
// written there (the files and their directory entries) survives a crash.
Status SyncFilesystems(const std::vector<std::string>& paths);

// Replaces path with data: the new content goes to a temp file in the same directory, then (with
// keep_backup) the old file is hard-linked to path + ".bak" (kConflict, nothing changed, if that
// exists), then the temp file is renamed over path. path always holds either the old or the new
// proof. No fsync: see SyncFilesystems.
Status ReplaceProof(const std::string& path, ByteSpan data, bool keep_backup);

}  // namespace peerdb::cli
