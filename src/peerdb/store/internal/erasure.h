// Erasing values from a store (BlockCommit::erasures): inside the commit's transaction, and the
// wipe of the WAL after it. Thread-safety: as Store (the node thread).
#pragma once

#include <vector>

#include "peerdb/state/executor.h"
#include "peerdb/store/internal/store_impl.h"

namespace peerdb::store::internal {

// Drops the values and salts of the erasures' versions from state, history, the bodies of the
// blocks that wrote them and the signer candidates; keeps commitments. Versions already erased or
// deletes are skipped. REQUIRES: inside the commit's write transaction.
Status ApplyErasures(StoreCore& impl, const std::vector<state::Erasure>& erasures);

// Checkpoints the WAL into the database file and truncates it, so that no frame holding an erased
// value stays in the -wal file. Sets impl.wipe_pending when a reader kept it from finishing (the
// next commit tries again).
Status WipeWal(StoreCore& impl);

}  // namespace peerdb::store::internal
