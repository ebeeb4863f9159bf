// PEERDB_ASSERT: always compiled in; for states that bad input cannot reach. Never for input checks.
#pragma once

namespace peerdb::util {
[[noreturn]] void AssertFail(const char* expr, const char* file, int line);
}

#define PEERDB_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : ::peerdb::util::AssertFail(#cond, __FILE__, __LINE__))
