// Deterministic sample instances of the chain types; see chain_samples.h.
#include "chain_samples.h"

#include <string>

namespace peerdb::chain::samples {

Hash32 Filled(std::uint8_t byte) {
  Hash32 h;
  h.fill(byte);
  return h;
}

Sig64 FilledSig(std::uint8_t byte) {
  Sig64 s;
  s.fill(byte);
  return s;
}

crypto::SigningKey Key(MemberId id) {
  crypto::SecretSeed seed;
  seed.fill(static_cast<std::uint8_t>(id));
  return crypto::SigningKey::FromSeed(seed);
}

Member MakeMember(MemberId id) {
  static const char* const kNames[] = {"alice", "bob", "carol", "dave"};
  Member m;
  m.id = id;
  m.pubkey = Key(id).public_key();
  m.enc_pubkey = Filled(static_cast<std::uint8_t>(0xe0 + id));
  m.name = id >= 1 && id <= 4 ? kNames[id - 1] : "member-" + std::to_string(id);
  m.contact = m.name + "@example.org";
  return m;
}

Rule MakeRule() {
  Rule r;
  r.ns = "ledger";
  r.writers = {1, 2};
  r.editors = {1};
  r.mode = static_cast<std::uint8_t>(RuleMode::kOwnerEdit);
  r.encrypted = false;
  return r;
}

Params MakeParams() { return Params{}; }

Config MakeConfig() {
  Config c;
  c.epoch = 0;
  for (MemberId id = 1; id <= kMembers; ++id) c.members.push_back(MakeMember(id));
  c.params = MakeParams();
  c.rules = {MakeRule()};
  return c;
}

Genesis MakeGenesis() {
  Genesis g;
  g.config = MakeConfig();
  g.genesis_time_ms = kGenesisTimeMs;
  g.initial_state_root = Filled(0x15);
  g.description = "peerdb sample chain";
  return g;
}

Hash32 ChainIdOfSample() { return ChainId(MakeGenesis()); }

Op MakeOp() {
  Op op;
  op.kind = static_cast<std::uint8_t>(OpKind::kPut);
  op.ns = "ledger";
  op.key = "invoice-42";
  op.value = ToBytes("amount=100");
  op.salt.fill(0x5a);
  return op;
}

TxBatch MakeBatch(MemberId author, std::uint64_t seq) {
  TxBatch b;
  b.author = author;
  b.seq = seq;
  b.valid_until_height = 1000;
  b.ops = {MakeOp()};
  SignWith(Key(author), ChainIdOfSample(), b);
  return b;
}

ProposalCore MakeProposalCore(std::uint64_t h, std::uint32_t r, const Hash32& block_id, MemberId signer) {
  ProposalCore c;
  c.h = h;
  c.r = r;
  c.block_id = block_id;
  c.justification_hash = JustificationHash({});
  c.signer = signer;
  SignWith(Key(signer), ChainIdOfSample(), c);
  return c;
}

Vote MakeVote(MemberId signer, std::uint64_t h, std::uint32_t r, const Hash32& block_id) {
  Vote v;
  v.h = h;
  v.r = r;
  v.block_id = block_id;
  v.signer = signer;
  SignWith(Key(signer), ChainIdOfSample(), v);
  return v;
}

LastVote MakeLastVote() { return LastVote{MakeVote(3, 2, 0), MakeProposalCore(2, 0)}; }

RoundChange MakeRoundChange(MemberId signer, std::uint64_t h, std::uint32_t r, bool with_last_vote) {
  RoundChange rc;
  rc.h = h;
  rc.r = r;
  if (with_last_vote) rc.last_vote = LastVote{MakeVote(signer, h, 0), MakeProposalCore(h, 0)};
  rc.signer = signer;
  SignWith(Key(signer), ChainIdOfSample(), rc);
  return rc;
}

Seal MakeSeal(MemberId signer, std::uint64_t h, const Hash32& block_id) {
  Seal s;
  s.h = h;
  s.block_id = block_id;
  s.signer = signer;
  SignWith(Key(signer), ChainIdOfSample(), s);
  return s;
}

SigEntry MakeSigEntry() { return SigEntry{2, MakeVote(2).sig}; }

MajorityCert MakeMajorityCert(std::uint64_t h, std::uint32_t r, const Hash32& block_id,
                              const std::vector<MemberId>& signers) {
  MajorityCert mc;
  mc.h = h;
  mc.r = r;
  mc.block_id = block_id;
  for (MemberId id : signers) mc.votes.push_back(SigEntry{id, MakeVote(id, h, r, block_id).sig});
  return mc;
}

Checkpoint MakeCheckpoint(std::uint64_t h, const Hash32& block_id, const std::vector<MemberId>& signers) {
  Checkpoint cp;
  cp.chain_id = ChainIdOfSample();
  cp.h = h;
  cp.block_id = block_id;
  for (MemberId id : signers) cp.seals.push_back(SigEntry{id, MakeSeal(id, h, block_id).sig});
  return cp;
}

ConfigApprove MakeConfigApprove() {
  ConfigApprove a;
  a.epoch = 0;
  a.change_id = Filled(0xc1);
  a.containing_block_id = Filled(0xb1);
  a.signer = 3;
  SignWith(Key(3), ChainIdOfSample(), a);
  return a;
}

Evidence MakeEvidence() {
  Evidence e;
  e.kind = static_cast<std::uint8_t>(EvidenceKind::kDoubleVote);
  e.msg_a = codec::Encode(MakeVote(4, 2, 0, Filled(0xb1)));
  e.msg_b = codec::Encode(MakeVote(4, 2, 0, Filled(0xb2)));
  return e;
}

AnchorRecord MakeAnchorRecord() {
  AnchorRecord a;
  a.digest = CheckpointDigest(MakeCheckpoint(2, Filled(0xb1), {1, 2, 3, 4}));
  a.method = static_cast<std::uint8_t>(AnchorMethod::kOts);
  a.btc_height = 800'000;
  a.btc_block_hash = Filled(0xbc);
  a.proof = {0x00, 'O', 'p', 'e', 'n'};
  return a;
}

Header MakeHeader() {
  Header h;
  h.chain_id = ChainIdOfSample();
  h.epoch = 1;
  h.height = 7;
  h.parent_id = Filled(0xa7);
  h.author = 3;
  h.timestamp_ms = kGenesisTimeMs + 7000;
  h.config_hash = Filled(0xcf);
  h.parent_cert_hash = Filled(0xce);
  h.batches_root = Filled(0xba);
  h.state_root = Filled(0x5e);
  h.records_root = Filled(0xec);
  return h;
}

Record MakeRecord(RecordTag tag) {
  switch (tag) {
    case RecordTag::kSeal: return Record{MakeSeal()};
    case RecordTag::kEvidence: return Record{MakeEvidence()};
    case RecordTag::kConfigApprove: return Record{MakeConfigApprove()};
    case RecordTag::kAnchor: return Record{MakeAnchorRecord()};
  }
  return Record{};
}

void FixRoots(Block& block) {
  block.header.batches_root = BatchesRoot(block.batches);
  block.header.records_root = RecordsRoot(block.records);
}

Block MakeBlock1() {
  Block b;
  Header& h = b.header;
  h.chain_id = ChainIdOfSample();
  h.epoch = 0;
  h.height = 1;
  h.parent_id = h.chain_id;
  h.author = 1;
  h.timestamp_ms = kGenesisTimeMs + 1000;
  h.config_hash = ConfigHash(MakeConfig());
  h.state_root = Filled(0x51);
  b.batches = {MakeBatch(1, 1)};
  b.records = {MakeRecord(RecordTag::kAnchor), MakeRecord(RecordTag::kSeal)};
  SortRecords(b.records);
  FixRoots(b);
  return b;
}

Block MakeBlock2(const Block& parent) {
  Block b;
  Header& h = b.header;
  h.chain_id = ChainIdOfSample();
  h.epoch = 0;
  h.height = parent.header.height + 1;
  h.parent_id = BlockId(parent.header);
  h.author = 2;
  h.timestamp_ms = parent.header.timestamp_ms + 1000;
  h.config_hash = parent.header.config_hash;
  h.state_root = Filled(0x52);
  b.parent_cert = MakeMajorityCert(parent.header.height, 0, h.parent_id, {1, 2, 3});
  h.parent_cert_hash = MajorityCertHash(*b.parent_cert);
  b.batches = {MakeBatch(2, 1)};
  FixRoots(b);
  return b;
}

Proposal MakeProposal() {
  Proposal p;
  p.block = MakeBlock1();
  p.justification = {MakeRoundChange(3, 1, 1, /*with_last_vote=*/true)};
  p.core.h = 1;
  p.core.r = 1;
  p.core.block_id = BlockId(p.block.header);
  p.core.justification_hash = JustificationHash(p.justification);
  p.core.signer = 2;
  SignWith(Key(2), ChainIdOfSample(), p.core);
  return p;
}

}  // namespace peerdb::chain::samples
