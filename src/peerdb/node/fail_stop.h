// Fail-stop on a local store failure. A write the node acknowledged or signed for, or a read of
// the state it executes blocks over, that fails is this machine's fault, never a peer's: the node
// stops (exit code 70) instead of refusing a valid block or answering from a damaged state.
// Thread-safety: any thread; it never returns.
#pragma once

#include <string>

#include "peerdb/util/result.h"

namespace peerdb::node {

// Logs "node: cannot <what>: <error>; stopping" at critical level, flushes and exits with 70.
[[noreturn]] void StopOnStoreFailure(const std::string& what, const Error& e);

}  // namespace peerdb::node
