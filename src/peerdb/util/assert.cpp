#include "peerdb/util/assert.h"

#include <cstdio>
#include <cstdlib>

namespace peerdb::util {
void AssertFail(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "peerdb: assertion failed: %s (%s:%d)\n", expr, file, line);
  std::abort();
}
}  // namespace peerdb::util
