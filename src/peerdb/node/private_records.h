// Private records at this member's node (PROTOCOL.md §1.4, chain/envelope.h): the writer's side
// seals the plaintext of each PUT into an encrypted namespace before its batch is signed, so the
// plaintext never leaves this node except inside envelopes; the reader's side opens the envelopes
// of a read in memory, never writing a data key or a plaintext to disk.
// Thread-safety: pure functions (sealing draws randomness).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/chain/envelope.h"
#include "peerdb/chain/tx.h"
#include "peerdb/node/identity.h"
#include "peerdb/node/service.h"
#include "peerdb/state/executor.h"

namespace peerdb::node {

// Replaces the value of every PUT into an encrypted namespace of `config` by its envelope, sealed
// for the key's next version over `view` (counting earlier ops of the same request). Other ops are
// returned unchanged. Errors: kUnknownNamespace, kTooLarge (the sealed value would not fit),
// kInvalid (a reader without an encryption key).
Result<std::vector<chain::Op>> SealPrivateOps(const chain::Config& config, const Hash32& chain_id, chain::MemberId author,
                                              const state::StateView& view, std::vector<chain::Op> ops);

// Test networks only (node.toml testing_byzantine = "omit-reader"): the rules as a writer that
// leaves one reader out of every envelope believes them (its mempool seals and checks under them).
// Each encrypted namespace's readers lose the highest-numbered member other than `self`.
chain::EpochState OmitOneReader(const chain::EpochState& state, chain::MemberId self);

// Test networks only (testing_byzantine = "bad-ciphertext"): flips a bit of the ciphertext of every
// envelope in `ops` (PUTs into encrypted namespaces of `config`), leaving its shape valid.
void CorruptCiphertexts(const chain::Config& config, std::vector<chain::Op>& ops);

// Opens `value` (written by `author` at `key_version` into `ns`, whose rule at that height is
// `rule`) for member `self` with its encryption keys (`keys`: the key file, then a rotation's next
// key file). Plain namespaces and deletions pass through. On success `value` holds the plaintext.
// Errors: kCorrupt (an envelope this member is a reader of that does not open: the writer's fault).
Result<PrivateView> OpenForMember(const chain::Rule& rule, const Hash32& chain_id, const std::string& ns,
                                  const std::string& key, chain::MemberId author, chain::MemberId self,
                                  const std::vector<const MemberKey*>& keys, bool deleted, Bytes& value);

// The data key of `envelope` for member `self`, trying each of its encryption keys (as
// OpenForMember). Errors: kNotAReader, kCorrupt (sealed to this member but does not open).
Result<crypto::DataKey> DataKeyForMember(const chain::Envelope& envelope, chain::MemberId self,
                                         const std::vector<const MemberKey*>& keys);

}  // namespace peerdb::node
