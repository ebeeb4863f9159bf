// Executor (PROTOCOL.md §1.4, C5): namespace rules, seq, signatures, expiry and the overlay view.
// Every rule has an accepting and a rejecting case that checks the specific Errc.
#include "peerdb/state/executor.h"

#include <gtest/gtest.h>

#include "peerdb/chain/envelope.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/crypto/ed25519.h"

namespace peerdb::state {
namespace {

using chain::MemberId;
using chain::Op;
using chain::OpKind;
using chain::RuleMode;
using chain::TxBatch;

template <class R>
::testing::AssertionResult HasErrc(const R& r, Errc code) {
  if (r.ok()) return ::testing::AssertionFailure() << "succeeded; expected " << ErrcName(code);
  if (r.error().code != code) return ::testing::AssertionFailure() << "got " << r.error().ToString() << "; expected " << ErrcName(code);
  return ::testing::AssertionSuccess();
}

template <class R>
::testing::AssertionResult IsOk(const R& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.error().ToString();
}

crypto::SigningKey KeyOf(MemberId id) {
  crypto::SecretSeed seed{};
  seed[0] = static_cast<std::uint8_t>(id);
  seed[31] = 0x5a;
  return crypto::SigningKey::FromSeed(seed);
}

chain::Rule MakeRule(std::string ns, RuleMode mode, std::vector<MemberId> writers = {},
                     std::vector<MemberId> editors = {}, bool encrypted = false) {
  chain::Rule r;
  r.ns = std::move(ns);
  r.mode = static_cast<std::uint8_t>(mode);
  r.writers = std::move(writers);
  r.editors = std::move(editors);
  r.encrypted = encrypted;
  return r;
}

crypto::EncryptionKeyPair EncKeyOf(MemberId id) {
  crypto::EncryptionKeyPair k;
  k.secret_key.fill(static_cast<std::uint8_t>(0x30 + id));
  k.public_key = crypto::X25519PublicFromSecret(k.secret_key);
  return k;
}

// Members 1, 2, 3. Rules sorted by namespace.
chain::Config TestConfig() {
  chain::Config c;
  for (MemberId id : {1u, 2u, 3u}) {
    chain::Member m;
    m.id = id;
    m.pubkey = KeyOf(id).public_key();
    m.enc_pubkey = EncKeyOf(id).public_key;
    m.name = "member" + std::to_string(id);
    c.members.push_back(m);
  }
  c.rules.push_back(MakeRule("books", RuleMode::kAppendOnly, {1, 2}));
  c.rules.push_back(MakeRule("docs", RuleMode::kOwnerEdit, {}, {3}));
  c.rules.push_back(MakeRule("exposures", RuleMode::kOwnerEdit, {}, {}, /*encrypted=*/true));
  c.rules.back().readers = {1, 3};
  c.rules.push_back(MakeRule("log", RuleMode::kAppendOnly));
  c.rules.push_back(MakeRule("mine", RuleMode::kOwnerEdit));
  c.rules.push_back(MakeRule("restricted", RuleMode::kOwnerEdit, {1}));
  c.rules.push_back(MakeRule("secret", RuleMode::kOwnerEdit, {}, {}, /*encrypted=*/true));
  c.rules.push_back(MakeRule("wiki", RuleMode::kEditorsEdit, {}, {2}));
  return c;
}

Op Put(std::string ns, std::string key, std::string value) {
  Op op;
  op.kind = static_cast<std::uint8_t>(OpKind::kPut);
  op.ns = std::move(ns);
  op.key = std::move(key);
  op.value = ToBytes(value);
  return op;
}

Op Del(std::string ns, std::string key) {
  Op op;
  op.kind = static_cast<std::uint8_t>(OpKind::kDel);
  op.ns = std::move(ns);
  op.key = std::move(key);
  return op;
}

Op Erase(std::string ns, std::string key, std::vector<std::uint64_t> versions = {}) {
  Op op;
  op.kind = static_cast<std::uint8_t>(OpKind::kErase);
  op.ns = std::move(ns);
  op.key = std::move(key);
  op.value = codec::Encode(chain::EraseSpec{std::move(versions)});
  return op;
}

// A state without its commitment, for comparing the fields a test spells out.
KeyState NoCommit(KeyState s) {
  s.commit = Hash32{};
  return s;
}

KeyState Existing(MemberId owner, std::uint64_t version = 1, bool deleted = false) {
  KeyState s;
  s.owner = owner;
  s.version = version;
  s.deleted = deleted;
  if (!deleted) s.value = ToBytes("old");
  return s;
}

class FakeView final : public StateView {
 public:
  Result<std::optional<KeyState>> GetKey(const std::string& ns, const std::string& key) const override {
    if (fail_reads) return Error{Errc::kIo, "disk on fire"};
    auto it = keys.find({ns, key});
    if (it == keys.end()) return std::optional<KeyState>();
    return std::optional<KeyState>(it->second);
  }
  Result<std::uint64_t> LastSeq(MemberId author) const override {
    auto it = seqs.find(author);
    return it == seqs.end() ? 0 : it->second;
  }
  std::map<std::pair<std::string, std::string>, KeyState> keys;
  std::map<MemberId, std::uint64_t> seqs;
  bool fail_reads = false;
};

class ExecutorTest : public ::testing::Test {
 protected:
  TxBatch Batch(MemberId author, std::uint64_t seq, std::vector<Op> ops, std::uint64_t valid_until = 100) {
    TxBatch b;
    b.author = author;
    b.seq = seq;
    b.valid_until_height = valid_until;
    b.ops = std::move(ops);
    chain::SignWith(KeyOf(author), m_chain_id, b);
    return b;
  }
  Result<ExecResult> Run(const std::vector<TxBatch>& batches, std::uint64_t height = 10) {
    return ExecuteBatches(m_config, m_chain_id, m_view, batches, height);
  }
  Status Check(MemberId author, const Op& op, std::optional<KeyState> existing = std::nullopt) {
    return CheckOpAuthorised(m_config, author, op, existing);
  }

  chain::Config m_config = TestConfig();
  Hash32 m_chain_id = Hash32{0xc4, 0x1a};
  FakeView m_view;
};

// --- CheckOpAuthorised ---------------------------------------------------------------------

TEST_F(ExecutorTest, NamespaceNeedsARule) {
  EXPECT_TRUE(IsOk(Check(1, Put("docs", "a", "v"))));
  EXPECT_TRUE(HasErrc(Check(1, Put("nope", "a", "v")), Errc::kUnknownNamespace));
  EXPECT_TRUE(HasErrc(Check(1, Del("nope", "a"), Existing(1)), Errc::kUnknownNamespace));
}

TEST_F(ExecutorTest, WritersListRestrictsWriting) {
  EXPECT_TRUE(IsOk(Check(1, Put("restricted", "a", "v"))));
  EXPECT_TRUE(HasErrc(Check(2, Put("restricted", "a", "v")), Errc::kForbidden));
  EXPECT_TRUE(HasErrc(Check(2, Del("restricted", "a"), Existing(2)), Errc::kForbidden));
}

TEST_F(ExecutorTest, EmptyWritersMeansEveryMemberButNotOutsiders) {
  for (MemberId id : {1u, 2u, 3u}) EXPECT_TRUE(IsOk(Check(id, Put("docs", "a", "v")))) << id;
  EXPECT_TRUE(HasErrc(Check(9, Put("docs", "a", "v")), Errc::kForbidden));
}

TEST_F(ExecutorTest, AppendOnlyAllowsNewKeysOnly) {
  EXPECT_TRUE(IsOk(Check(1, Put("log", "a", "v"))));
  EXPECT_TRUE(HasErrc(Check(1, Put("log", "a", "v2"), Existing(1)), Errc::kForbidden));
  EXPECT_TRUE(HasErrc(Check(1, Del("log", "a"), Existing(1)), Errc::kForbidden));
  // A tombstone is an existing key: it cannot be rewritten either.
  EXPECT_TRUE(HasErrc(Check(1, Put("log", "a", "v"), Existing(1, 2, /*deleted=*/true)), Errc::kForbidden));
}

TEST_F(ExecutorTest, OwnerEditAllowsOwnerAndEditors) {
  EXPECT_TRUE(IsOk(Check(1, Put("docs", "a", "v2"), Existing(1))));   // owner
  EXPECT_TRUE(IsOk(Check(3, Put("docs", "a", "v2"), Existing(1))));   // editor
  EXPECT_TRUE(IsOk(Check(1, Del("docs", "a"), Existing(1))));
  EXPECT_TRUE(IsOk(Check(3, Del("docs", "a"), Existing(1))));
  EXPECT_TRUE(HasErrc(Check(2, Put("docs", "a", "v2"), Existing(1)), Errc::kForbidden));
  EXPECT_TRUE(HasErrc(Check(2, Del("docs", "a"), Existing(1)), Errc::kForbidden));
  // Rewriting a tombstone is still an overwrite of someone's key.
  EXPECT_TRUE(IsOk(Check(1, Put("docs", "a", "v3"), Existing(1, 2, true))));
  EXPECT_TRUE(HasErrc(Check(2, Put("docs", "a", "v3"), Existing(1, 2, true)), Errc::kForbidden));
}

TEST_F(ExecutorTest, EditorsEditAllowsOnlyEditorsToChangeKeys) {
  EXPECT_TRUE(IsOk(Check(1, Put("wiki", "a", "v"))));                 // a new key: any writer
  EXPECT_TRUE(IsOk(Check(2, Put("wiki", "a", "v2"), Existing(1))));   // editor
  EXPECT_TRUE(IsOk(Check(2, Del("wiki", "a"), Existing(1))));
  EXPECT_TRUE(HasErrc(Check(1, Put("wiki", "a", "v2"), Existing(1)), Errc::kForbidden));  // owner, not editor
  EXPECT_TRUE(HasErrc(Check(3, Del("wiki", "a"), Existing(1)), Errc::kForbidden));
}

// A writer refused learns which part of the consortium's rule refused it, on one line.
TEST_F(ExecutorTest, RefusalsNameTheRuleThatRefuses) {
  auto message = [](const Status& s) { return s.ok() ? std::string("accepted") : s.error().message; };
  EXPECT_EQ(message(Check(3, Put("books", "a", "v"))), "member 3 may not write to 'books' (rule: writers 1, 2)");
  EXPECT_EQ(message(Check(2, Del("restricted", "a"), Existing(2))),
            "member 2 may not write to 'restricted' (rule: writers 1)");
  EXPECT_EQ(message(Check(1, Put("books", "a", "v2"), Existing(1))),
            "member 1 may not change key 'a' in 'books' (rule: append-only, a key is written once)");
  EXPECT_EQ(message(Check(1, Del("log", "a"), Existing(1))),
            "member 1 may not delete key 'a' in 'log' (rule: append-only, a key is written once)");
  EXPECT_EQ(message(Check(2, Put("docs", "a", "v2"), Existing(1))),
            "member 2 may not change key 'a' in 'docs', owned by member 1 (rule: owner-edit, editors 3)");
  EXPECT_EQ(message(Check(2, Del("mine", "a"), Existing(1))),
            "member 2 may not delete key 'a' in 'mine', owned by member 1 (rule: owner-edit, no editors)");
  EXPECT_EQ(message(Check(1, Put("wiki", "a", "v2"), Existing(1))),
            "member 1 may not change key 'a' in 'wiki' (rule: editors-edit, editors 2)");
  EXPECT_EQ(message(Check(9, Put("docs", "a", "v"))), "member 9 may not write to 'docs': not a member of the consortium");
  for (const Status& s : {Check(3, Put("books", "a", "v")), Check(1, Put("wiki", "a", "v2"), Existing(1))}) {
    ASSERT_TRUE(HasErrc(s, Errc::kForbidden));
    EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
  }
}

TEST_F(ExecutorTest, DeleteNeedsALiveKey) {
  EXPECT_TRUE(IsOk(Check(1, Del("docs", "a"), Existing(1))));
  EXPECT_TRUE(HasErrc(Check(1, Del("docs", "a")), Errc::kInvalid));
  EXPECT_TRUE(HasErrc(Check(1, Del("docs", "a"), Existing(1, 2, /*deleted=*/true)), Errc::kInvalid));
}

// A config op is not a key write: the namespace rules never authorise it (ExecuteBatches judges it
// by the epoch rules; executor_config_test.cpp), and a malformed one fails the block.
TEST_F(ExecutorTest, ConfigOpsAreNotNamespaceWrites) {
  Op op;
  op.kind = static_cast<std::uint8_t>(OpKind::kConfig);
  op.ns = "_config";
  op.value = ToBytes("change");
  ASSERT_TRUE(HasErrc(Check(1, op), Errc::kInvalid));
  EXPECT_TRUE(HasErrc(Run({Batch(1, 1, {op})}), Errc::kMalformed));
}

// --- Private records (§1.4 Envelope) --------------------------------------------------------

Op Sealed(const chain::Config& config, const Hash32& chain_id, const std::string& ns, const std::string& key,
          MemberId author, std::uint64_t version, const std::string& plaintext, const chain::Rule* as_rule = nullptr) {
  const chain::Rule& rule = as_rule ? *as_rule : **config.RuleOf(ns);
  crypto::KeyWrapper wrapper;
  auto value = chain::SealValue(config, rule, chain_id, ns, key, author, version, AsBytes(plaintext), wrapper);
  EXPECT_TRUE(value.ok()) << value.error().ToString();
  Op op = Put(ns, key, "");
  op.value = value.ok() ? *value : Bytes{};
  return op;
}

TEST_F(ExecutorTest, AnEnvelopeSealedToTheRulesReadersIsAcceptedAndOnlyTheyOpenIt) {
  const Op op = Sealed(m_config, m_chain_id, "exposures", "bank-c", 1, 1, "exposure 120000000");
  auto r = Run({Batch(1, 1, {op})});
  ASSERT_TRUE(IsOk(r));
  ASSERT_EQ(r->writes.size(), 1u);
  EXPECT_EQ(r->writes[0].state.value, op.value);  // every member holds the envelope, not the plaintext
  auto envelope = codec::Decode<chain::Envelope>(op.value);
  ASSERT_TRUE(envelope.ok());
  for (MemberId reader : {1u, 3u}) {
    auto plain = chain::OpenValue(*envelope, m_chain_id, "exposures", "bank-c", 1, reader, EncKeyOf(reader).public_key,
                                  EncKeyOf(reader).secret_key);
    ASSERT_TRUE(IsOk(plain)) << reader;
    EXPECT_EQ(AsString(ByteSpan(*plain)), "exposure 120000000");
  }
  EXPECT_TRUE(HasErrc(chain::OpenValue(*envelope, m_chain_id, "exposures", "bank-c", 1, 2, EncKeyOf(2).public_key,
                                       EncKeyOf(2).secret_key),
                      Errc::kNotAReader));
  // Copied to another key, the envelope does not decrypt (the associated data binds it).
  EXPECT_TRUE(HasErrc(chain::OpenValue(*envelope, m_chain_id, "exposures", "bank-b", 1, 3, EncKeyOf(3).public_key,
                                       EncKeyOf(3).secret_key),
                      Errc::kBadSignature));
}

TEST_F(ExecutorTest, AnEnvelopeThatLeavesOutAReaderRefusesTheBlock) {
  chain::Rule narrower = **m_config.RuleOf("exposures");
  narrower.readers = {1};  // the writer "forgets" member 3
  const Op op = Sealed(m_config, m_chain_id, "exposures", "bank-c", 1, 1, "exposure", &narrower);
  const Status s = Check(1, op);
  ASSERT_TRUE(HasErrc(s, Errc::kInvalid));
  EXPECT_EQ(s.error().message, "envelope in 'exposures' is sealed to members 1 but the rule's readers and the author are 1, 3");
  EXPECT_TRUE(HasErrc(Run({Batch(1, 1, {op})}), Errc::kInvalid));
  chain::Rule wider = narrower;
  wider.readers = {1, 2, 3};  // or adds a member who is not a reader
  EXPECT_TRUE(HasErrc(Check(1, Sealed(m_config, m_chain_id, "exposures", "bank-c", 1, 1, "exposure", &wider)), Errc::kInvalid));
}

TEST_F(ExecutorTest, AnEnvelopeForAnotherVersionIsAConflictAndPlaintextIsRefused) {
  const Op v1 = Sealed(m_config, m_chain_id, "exposures", "bank-c", 1, 1, "exposure");
  EXPECT_TRUE(HasErrc(Check(1, v1, Existing(1, 1)), Errc::kConflict));  // the key is at version 1 already
  EXPECT_TRUE(IsOk(Check(1, Sealed(m_config, m_chain_id, "exposures", "bank-c", 1, 2, "exposure"), Existing(1, 1))));
  const Status plain = Check(1, Put("secret", "a", "plaintext"));
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().message.rfind("encrypted value in 'secret' is not an envelope: ", 0), 0u) << plain.error().message;
  EXPECT_TRUE(IsOk(Check(1, Put("docs", "a", "plaintext"))));  // not encrypted: any value
}

// --- Erasure (chain format 2) ----------------------------------------------------------------

TEST_F(ExecutorTest, AnEraseIsForTheOwnerOrAnEditorWhateverTheMode) {
  EXPECT_TRUE(IsOk(Check(1, Erase("docs", "a"), Existing(1))));        // owner
  EXPECT_TRUE(IsOk(Check(3, Erase("docs", "a"), Existing(1))));        // editor of docs
  EXPECT_TRUE(HasErrc(Check(2, Erase("docs", "a"), Existing(1)), Errc::kForbidden));
  // Append-only: nobody may change the key, but its owner may still erase its values.
  EXPECT_TRUE(IsOk(Check(1, Erase("log", "a"), Existing(1))));
  EXPECT_TRUE(HasErrc(Check(2, Erase("log", "a"), Existing(1)), Errc::kForbidden));
  // The owner erases even when no longer among the writers.
  EXPECT_TRUE(IsOk(Check(1, Erase("restricted", "a"), Existing(1))));
  const Status refused = Check(2, Erase("docs", "a"), Existing(1));
  EXPECT_EQ(refused.error().message,
            "member 2 may not erase key 'a' in 'docs', owned by member 1 (erasure: the owner or an editor, editors 3)");
  // Outsiders never.
  EXPECT_TRUE(HasErrc(Check(9, Erase("docs", "a"), Existing(9)), Errc::kForbidden));
}

TEST_F(ExecutorTest, AnEraseNamesAKeyAndVersionsThatExist) {
  EXPECT_TRUE(HasErrc(Check(1, Erase("docs", "a")), Errc::kNotFound));
  EXPECT_TRUE(IsOk(Check(1, Erase("docs", "a", {1, 3}), Existing(1, 3))));
  const Status missing = Check(1, Erase("docs", "a", {2, 4}), Existing(1, 3));
  ASSERT_TRUE(HasErrc(missing, Errc::kNotFound));
  EXPECT_EQ(missing.error().message, "key 'a' in 'docs' has no version 4 (versions 1..3)");
  EXPECT_TRUE(HasErrc(Check(1, Erase("docs", "a", {0}), Existing(1, 3)), Errc::kNotFound));
}

TEST_F(ExecutorTest, AnEraseWritesNoStateAndResolvesEveryVersion) {
  auto r = Run({Batch(1, 1, {Put("docs", "a", "v1"), Put("docs", "a", "v2"), Erase("docs", "a")}),
                Batch(3, 1, {Erase("docs", "a", {2})})});
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(r->writes.size(), 2u);  // the erase ops wrote no version
  ASSERT_EQ(r->erasures.size(), 2u);
  EXPECT_EQ(r->erasures[0].versions, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(r->erasures[0].author, 1u);
  EXPECT_EQ(r->erasures[0].op_index, 2u);
  EXPECT_EQ(r->erasures[1].versions, (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(r->erasures[1].author, 3u);
  EXPECT_EQ(r->last_seq, (std::map<MemberId, std::uint64_t>{{1, 1}, {3, 1}}));
}

TEST_F(ExecutorTest, AWriteCommitsToItsSaltedValue) {
  Op put = Put("docs", "a", "v1");
  put.salt.fill(0x33);
  auto r = Run({Batch(1, 1, {put})});
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(r->writes[0].state.commit, chain::ValueCommitment(put));
  EXPECT_FALSE(r->writes[0].state.erased);
}

TEST_F(ExecutorTest, AnErasedPutExecutesFromItsCommitment) {
  // A block received by catch-up after the erasure: the envelope is gone, the commitment decides.
  Op sealed = Sealed(m_config, m_chain_id, "exposures", "bank-c", 1, 1, "exposure 1");
  const Hash32 commitment = chain::ValueCommitment(sealed);
  TxBatch b = Batch(1, 1, {sealed});
  chain::EraseValue(b.ops[0]);
  auto r = Run({b});
  ASSERT_TRUE(IsOk(r));
  EXPECT_TRUE(r->writes[0].state.erased);
  EXPECT_TRUE(r->writes[0].state.value.empty());
  EXPECT_EQ(r->writes[0].state.commit, commitment);
}

// --- ExecuteBatches ------------------------------------------------------------------------

TEST_F(ExecutorTest, FirstWriteOwnsAtVersionOneAndLaterWritesCountUp) {
  auto r = Run({Batch(1, 1, {Put("docs", "a", "v1")}), Batch(3, 1, {Put("docs", "a", "v2")}),
                Batch(3, 2, {Del("docs", "a")}), Batch(1, 2, {Put("docs", "a", "v4")})});
  ASSERT_TRUE(IsOk(r));
  ASSERT_EQ(r->writes.size(), 4u);
  const std::vector<Write>& w = r->writes;
  EXPECT_EQ(NoCommit(w[0].state), (KeyState{ToBytes("v1"), false, 1, 1}));
  EXPECT_EQ(NoCommit(w[1].state), (KeyState{ToBytes("v2"), false, 1, 2}));  // an editor's write keeps the owner
  EXPECT_EQ(NoCommit(w[2].state), (KeyState{{}, true, 1, 3}));               // tombstone: no value
  EXPECT_EQ(NoCommit(w[3].state), (KeyState{ToBytes("v4"), false, 1, 4}));
  EXPECT_EQ(w[1].author, 3u);
  EXPECT_EQ(w[1].seq, 1u);
  EXPECT_EQ(w[2].seq, 2u);
  EXPECT_EQ(r->last_seq, (std::map<MemberId, std::uint64_t>{{1, 2}, {3, 2}}));
}

TEST_F(ExecutorTest, ExistingParentStateIsHonoured) {
  m_view.keys[{"docs", "a"}] = Existing(2, 5);
  m_view.seqs[1] = 7;
  auto ok = Run({Batch(3, 1, {Put("docs", "a", "v")})});
  ASSERT_TRUE(IsOk(ok));
  EXPECT_EQ(ok->writes[0].state.owner, 2u);
  EXPECT_EQ(ok->writes[0].state.version, 6u);
  EXPECT_TRUE(HasErrc(Run({Batch(1, 8, {Put("docs", "a", "v")})}), Errc::kForbidden));
  EXPECT_TRUE(IsOk(Run({Batch(1, 8, {Put("docs", "b", "v")})})));
}

TEST_F(ExecutorTest, LaterOpsSeeEarlierWritesInTheSameBatch) {
  auto r = Run({Batch(1, 1, {Put("docs", "a", "v1"), Put("docs", "a", "v2"), Del("docs", "a")})});
  ASSERT_TRUE(IsOk(r));
  ASSERT_EQ(r->writes.size(), 3u);
  EXPECT_EQ(NoCommit(r->writes[2].state), (KeyState{{}, true, 1, 3}));
  EXPECT_EQ(r->writes[2].op_index, 2u);
  // The second PUT to an append-only key in one batch is an overwrite.
  EXPECT_TRUE(HasErrc(Run({Batch(1, 1, {Put("log", "a", "v1"), Put("log", "a", "v2")})}), Errc::kForbidden));
  // Deleting twice: the second finds a tombstone.
  EXPECT_TRUE(HasErrc(Run({Batch(1, 1, {Put("docs", "a", "v"), Del("docs", "a"), Del("docs", "a")})}), Errc::kInvalid));
}

TEST_F(ExecutorTest, LaterBatchesSeeEarlierBatches) {
  EXPECT_TRUE(IsOk(Run({Batch(1, 1, {Put("docs", "a", "v")}), Batch(2, 1, {Put("docs", "b", "v")})})));
  auto r = Run({Batch(1, 1, {Put("docs", "a", "v")}), Batch(2, 1, {Put("docs", "a", "mine")})});
  ASSERT_TRUE(HasErrc(r, Errc::kForbidden));
  EXPECT_EQ(r.error().message.rfind("batch 1 (author 2 seq 1) op 0: ", 0), 0u) << r.error().message;
}

TEST_F(ExecutorTest, ErrorsNameBatchAndOp) {
  auto r = Run({Batch(1, 1, {Put("docs", "a", "v")}), Batch(1, 2, {Put("docs", "b", "v"), Put("nope", "c", "v")})});
  ASSERT_TRUE(HasErrc(r, Errc::kUnknownNamespace));
  EXPECT_EQ(r.error().message.rfind("batch 1 (author 1 seq 2) op 1: ", 0), 0u) << r.error().message;
}

TEST_F(ExecutorTest, SeqMustBeConsecutive) {
  EXPECT_TRUE(IsOk(Run({Batch(1, 1, {Put("docs", "a", "v")}), Batch(1, 2, {Put("docs", "b", "v")})})));
  EXPECT_TRUE(HasErrc(Run({Batch(1, 2, {Put("docs", "a", "v")})}), Errc::kInvalid));  // gap
  auto replay = Run({Batch(1, 1, {Put("docs", "a", "v")}), Batch(1, 1, {Put("docs", "b", "v")})});
  ASSERT_TRUE(HasErrc(replay, Errc::kInvalid));
  EXPECT_NE(replay.error().message.find("seq"), std::string::npos);
  EXPECT_EQ(replay.error().message.rfind("batch 1 ", 0), 0u);
  m_view.seqs[1] = 4;
  EXPECT_TRUE(HasErrc(Run({Batch(1, 4, {Put("docs", "a", "v")})}), Errc::kInvalid));  // replay of committed
  EXPECT_TRUE(HasErrc(Run({Batch(1, 1, {Put("docs", "a", "v")})}), Errc::kInvalid));
  EXPECT_TRUE(IsOk(Run({Batch(1, 5, {Put("docs", "a", "v")})})));
}

TEST_F(ExecutorTest, SignatureMustVerify) {
  EXPECT_TRUE(IsOk(Run({Batch(1, 1, {Put("docs", "a", "v")})})));
  TxBatch altered = Batch(1, 1, {Put("docs", "a", "v")});
  altered.ops[0].value = ToBytes("w");
  altered.ops[0].ForgetCommitment();  // as a member receiving the altered value decodes it
  EXPECT_TRUE(HasErrc(Run({altered}), Errc::kBadSignature));
  TxBatch forged = Batch(1, 1, {Put("docs", "a", "v")});
  chain::SignWith(KeyOf(2), m_chain_id, forged);  // signed by someone else
  EXPECT_TRUE(HasErrc(Run({forged}), Errc::kBadSignature));
  TxBatch other_chain = Batch(1, 1, {Put("docs", "a", "v")});
  chain::SignWith(KeyOf(1), Hash32{0x01}, other_chain);
  EXPECT_TRUE(HasErrc(Run({other_chain}), Errc::kBadSignature));
}

// C5: every member executes a block's batches before voting for it; one op by a member the rule
// does not name as a writer rejects the whole block, whoever proposed it.
TEST_F(ExecutorTest, ABatchByANonWriterRejectsTheBlock) {
  EXPECT_TRUE(IsOk(Run({Batch(1, 1, {Put("restricted", "a", "v")}), Batch(2, 1, {Put("docs", "b", "v")})})));
  auto r = Run({Batch(1, 1, {Put("restricted", "a", "v")}),
                Batch(2, 1, {Put("docs", "b", "v"), Put("restricted", "c", "v")})});
  ASSERT_TRUE(HasErrc(r, Errc::kForbidden));
  EXPECT_EQ(r.error().message, "batch 1 (author 2 seq 1) op 1: member 2 may not write to 'restricted' (rule: writers 1)");
  // A delete is a write too: a non-writer cannot delete a key, even one it owns.
  m_view.keys[{"restricted", "k"}] = Existing(2);
  EXPECT_TRUE(HasErrc(Run({Batch(2, 1, {Del("restricted", "k")})}), Errc::kForbidden));
}

TEST_F(ExecutorTest, AuthorMustBeAMember) {
  EXPECT_TRUE(IsOk(Run({Batch(3, 1, {Put("docs", "a", "v")})})));
  EXPECT_TRUE(HasErrc(Run({Batch(9, 1, {Put("docs", "a", "v")})}), Errc::kNotMember));
}

TEST_F(ExecutorTest, ExpiredBatchIsRejected) {
  EXPECT_TRUE(IsOk(Run({Batch(1, 1, {Put("docs", "a", "v")}, /*valid_until=*/10)}, /*height=*/10)));
  EXPECT_TRUE(HasErrc(Run({Batch(1, 1, {Put("docs", "a", "v")}, /*valid_until=*/9)}, /*height=*/10), Errc::kInvalid));
}

TEST_F(ExecutorTest, BatchShapeIsChecked) {
  EXPECT_TRUE(HasErrc(Run({Batch(1, 1, {})}), Errc::kInvalid));                       // no ops
  EXPECT_TRUE(HasErrc(Run({Batch(1, 1, {Put("docs", "bad key", "v")})}), Errc::kMalformed));
  TxBatch zero = Batch(1, 0, {Put("docs", "a", "v")});
  EXPECT_TRUE(HasErrc(Run({zero}), Errc::kInvalid));
}

TEST_F(ExecutorTest, ParentReadErrorsPropagate) {
  m_view.fail_reads = true;
  auto r = Run({Batch(1, 1, {Put("docs", "a", "v")})});
  ASSERT_TRUE(HasErrc(r, Errc::kIo));
  EXPECT_EQ(r.error().message.rfind("batch 0 (author 1 seq 1) op 0: ", 0), 0u);
}

TEST_F(ExecutorTest, SameInputsGiveSameWrites) {
  m_view.keys[{"wiki", "page"}] = Existing(1);
  const std::vector<TxBatch> batches = {
      Batch(2, 1, {Put("wiki", "page", "edit"), Put("docs", "x", "1")}),
      Batch(1, 1, {Put("log", "e1", "entry"), Put("docs", "y", "2")}),
      Batch(2, 2, {Del("docs", "x"), Put("wiki", "new", "n")})};
  auto a = Run(batches);
  auto b = Run(batches);
  ASSERT_TRUE(IsOk(a));
  ASSERT_TRUE(IsOk(b));
  ASSERT_EQ(a->writes.size(), b->writes.size());
  for (std::size_t i = 0; i < a->writes.size(); ++i) {
    const Write& x = a->writes[i];
    const Write& y = b->writes[i];
    EXPECT_TRUE(x.ns == y.ns && x.key == y.key && x.state == y.state && x.author == y.author && x.seq == y.seq &&
                x.op_index == y.op_index)
        << i;
  }
  EXPECT_EQ(a->last_seq, b->last_seq);
}

// The auditor verifies batch signatures ahead on another thread and tells the executor under which
// key: only a batch verified under its author's key in force here skips the check.
TEST_F(ExecutorTest, ABatchVerifiedAheadSkipsTheCheckOnlyUnderItsAuthorsKey) {
  chain::EpochState epoch;
  epoch.config = m_config;
  ExecRules rules{&epoch, {}};
  TxBatch forged = Batch(1, 1, {Put("docs", "a", "v")});
  chain::SignWith(KeyOf(2), m_chain_id, forged);
  const std::vector<std::optional<crypto::PublicKey>> under_other_key{KeyOf(2).public_key()};
  rules.verified_under = &under_other_key;
  EXPECT_TRUE(HasErrc(ExecuteBatches(rules, m_chain_id, m_view, {forged}, 10), Errc::kBadSignature));
  const std::vector<std::optional<crypto::PublicKey>> none{std::nullopt};
  rules.verified_under = &none;
  EXPECT_TRUE(HasErrc(ExecuteBatches(rules, m_chain_id, m_view, {forged}, 10), Errc::kBadSignature));
  const std::vector<std::optional<crypto::PublicKey>> empty;
  rules.verified_under = &empty;
  EXPECT_TRUE(HasErrc(ExecuteBatches(rules, m_chain_id, m_view, {forged}, 10), Errc::kBadSignature));
  // Claimed verified under the author's own key: trusted (the caller made that same check).
  const std::vector<std::optional<crypto::PublicKey>> under_author{KeyOf(1).public_key()};
  rules.verified_under = &under_author;
  EXPECT_TRUE(IsOk(ExecuteBatches(rules, m_chain_id, m_view, {forged}, 10)));
}

// --- ExecuteOwnUnsigned (a member checking its own ops before it signs them) ----------------

TEST_F(ExecutorTest, OwnUnsignedBatchesSkipOnlyTheSignatureCheck) {
  chain::EpochState epoch;
  epoch.config = m_config;
  const ExecRules rules{&epoch, {}};
  TxBatch unsigned_batch = Batch(1, 1, {Put("docs", "a", "v")});
  unsigned_batch.sig = {};
  EXPECT_TRUE(HasErrc(Run({unsigned_batch}), Errc::kBadSignature)) << "a block never skips it";
  auto own = ExecuteOwnUnsigned(rules, m_view, unsigned_batch, 10);
  ASSERT_TRUE(IsOk(own));
  ASSERT_EQ(own->writes.size(), 1u);
  EXPECT_EQ(own->last_seq.at(1), 1u);
  // Every other rule still holds: seq, expiry, writers, mode, membership.
  TxBatch wrong_seq = unsigned_batch;
  wrong_seq.seq = 2;
  EXPECT_TRUE(HasErrc(ExecuteOwnUnsigned(rules, m_view, wrong_seq, 10), Errc::kInvalid));
  EXPECT_TRUE(HasErrc(ExecuteOwnUnsigned(rules, m_view, unsigned_batch, 101), Errc::kInvalid));
  TxBatch forbidden = unsigned_batch;
  forbidden.author = 3;
  forbidden.ops = {Put("restricted", "a", "v")};
  EXPECT_TRUE(HasErrc(ExecuteOwnUnsigned(rules, m_view, forbidden, 10), Errc::kForbidden));
  TxBatch stranger = unsigned_batch;
  stranger.author = 9;
  EXPECT_TRUE(HasErrc(ExecuteOwnUnsigned(rules, m_view, stranger, 10), Errc::kNotMember));
}

// --- OverlayView ---------------------------------------------------------------------------

TEST_F(ExecutorTest, OverlayLayersPendingWritesOverTheBase) {
  m_view.keys[{"docs", "base"}] = Existing(3, 2);
  m_view.seqs[3] = 2;
  OverlayView overlay(m_view);
  auto first = ExecuteBatches(m_config, m_chain_id, overlay, {Batch(1, 1, {Put("docs", "a", "v")})}, 10);
  ASSERT_TRUE(IsOk(first));
  overlay.Apply(*first);

  auto a = overlay.GetKey("docs", "a");
  ASSERT_TRUE(IsOk(a));
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ(NoCommit(**a), (KeyState{ToBytes("v"), false, 1, 1}));
  auto base = overlay.GetKey("docs", "base");
  ASSERT_TRUE(IsOk(base));
  EXPECT_EQ(**base, Existing(3, 2));
  auto missing = overlay.GetKey("docs", "zzz");
  ASSERT_TRUE(IsOk(missing));
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(*overlay.LastSeq(1), 1u);
  EXPECT_EQ(*overlay.LastSeq(3), 2u);
  EXPECT_EQ(*overlay.LastSeq(2), 0u);

  // The next batch is checked against base + pending: seq continues and the key now exists.
  EXPECT_TRUE(HasErrc(ExecuteBatches(m_config, m_chain_id, overlay, {Batch(1, 1, {Put("docs", "b", "v")})}, 10),
                      Errc::kInvalid));
  EXPECT_TRUE(HasErrc(ExecuteBatches(m_config, m_chain_id, overlay, {Batch(2, 1, {Put("docs", "a", "w")})}, 10),
                      Errc::kForbidden));
  auto second = ExecuteBatches(m_config, m_chain_id, overlay, {Batch(1, 2, {Del("docs", "a")})}, 10);
  ASSERT_TRUE(IsOk(second));
  overlay.Apply(*second);
  EXPECT_EQ(NoCommit(**overlay.GetKey("docs", "a")), (KeyState{{}, true, 1, 2}));
  EXPECT_EQ(*overlay.LastSeq(1), 2u);
  // The base is untouched.
  EXPECT_FALSE(m_view.GetKey("docs", "a")->has_value());
}

}  // namespace
}  // namespace peerdb::state
