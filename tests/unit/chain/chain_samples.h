// Deterministic instances of every chain type, for golden vectors, rule tests and fuzz seed corpora.
// Keys come from fixed seeds and Ed25519 signing is deterministic, so every byte here is fixed.
// The golden vectors in golden_test.cpp pin these values: changing a sample means re-pinning them.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/config.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/chain/messages.h"
#include "peerdb/chain/tx.h"
#include "peerdb/crypto/ed25519.h"

namespace peerdb::chain::samples {

inline constexpr std::size_t kMembers = 4;          // members 1..4 of the sample config
inline constexpr std::uint64_t kGenesisTimeMs = 1'700'000'000'000;

Hash32 Filled(std::uint8_t byte);
Sig64 FilledSig(std::uint8_t byte);

// Signing key of member `id`: seed = 32 bytes of value `id`.
crypto::SigningKey Key(MemberId id);

Member MakeMember(MemberId id);
Rule MakeRule();
Params MakeParams();
Config MakeConfig();    // epoch 0, members 1..4, one rule
Genesis MakeGenesis();
Hash32 ChainIdOfSample();

Op MakeOp();
TxBatch MakeBatch(MemberId author = 1, std::uint64_t seq = 1);  // signed by `author`

// Round-0 core (empty justification) signed by `signer`.
ProposalCore MakeProposalCore(std::uint64_t h = 2, std::uint32_t r = 0,
                              const Hash32& block_id = Filled(0xb1), MemberId signer = 1);
Vote MakeVote(MemberId signer = 2, std::uint64_t h = 2, std::uint32_t r = 0,
              const Hash32& block_id = Filled(0xb1));
LastVote MakeLastVote();
// RoundChange(h, r) by `signer`; its last_vote (if any) is signer's vote at (h, 0) for block 0xb1...
RoundChange MakeRoundChange(MemberId signer = 3, std::uint64_t h = 2, std::uint32_t r = 1,
                            bool with_last_vote = true);
Seal MakeSeal(MemberId signer = 2, std::uint64_t h = 2, const Hash32& block_id = Filled(0xb1));
SigEntry MakeSigEntry();
// Votes of `signers` (in the given order) for (h, r, block_id), each correctly signed.
MajorityCert MakeMajorityCert(std::uint64_t h, std::uint32_t r, const Hash32& block_id,
                              const std::vector<MemberId>& signers);
Checkpoint MakeCheckpoint(std::uint64_t h, const Hash32& block_id, const std::vector<MemberId>& signers);
ConfigApprove MakeConfigApprove();
Evidence MakeEvidence();  // E2: member 4 voted for two blocks at (2, 0)
AnchorRecord MakeAnchorRecord();
Header MakeHeader();      // a free-standing header with every field distinct
Record MakeRecord(RecordTag tag);

// Valid blocks of the sample chain: CheckBlockShape accepts them under ChainIdOfSample().
Block MakeBlock1();                       // height 1: one batch, a seal and an anchor record
Block MakeBlock2(const Block& parent);    // height 2: MC of members 1..3 for the parent, one batch
// Recomputes batches_root and records_root after a test edits a block's body.
void FixRoots(Block& block);

Proposal MakeProposal();  // round 1 re-proposal of MakeBlock1() justified by one RoundChange

}  // namespace peerdb::chain::samples
