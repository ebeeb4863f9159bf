// Fixed identities for the simulation: member keys from fixed seeds, the genesis of a simulated
// consortium, and members' signed batches (real Ed25519 signatures over real TxBatch sign-bytes).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "peerdb/chain/block.h"
#include "peerdb/chain/config_change.h"
#include "peerdb/crypto/ed25519.h"

namespace peerdb::sim {

// Member `id`'s signing key: seed = 32 bytes of `id` xor a constant (never a real key).
crypto::SigningKey KeyOf(chain::MemberId id);

// Short timing parameters so that a run of a few simulated minutes covers hundreds of rounds.
chain::Params SimParams();

// N members with ids 1..n, one namespace "ledger" writable by all.
chain::Genesis MakeGenesis(std::size_t n, const chain::Params& params);

// A one-PUT batch of `author`, signed for `chain_id` (pass another chain's id to forge a replay).
chain::TxBatch MakeBatch(const Hash32& chain_id, chain::MemberId author, std::uint64_t seq);
// The same, signed with `key` (a member whose key was rotated).
chain::TxBatch MakeBatch(const Hash32& chain_id, const crypto::SigningKey& key, chain::MemberId author, std::uint64_t seq);

// The key member `id` rotates to (another fixed seed).
crypto::SigningKey RotatedKeyOf(chain::MemberId id);
// Member `id`'s entry in a config, with `key`'s public key.
chain::Member MemberCard(chain::MemberId id, const crypto::SigningKey& key);
// A batch of `author` carrying one `_config` op proposing `change` (PROTOCOL.md §5.3).
chain::TxBatch MakeChangeBatch(const Hash32& chain_id, const crypto::SigningKey& key, chain::MemberId author,
                               std::uint64_t seq, const chain::ConfigChange& change);

}  // namespace peerdb::sim
