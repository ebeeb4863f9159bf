// Member key files (round trip, mode 0600, no overwrite, permission and format checks) and member
// cards (JSON round trip and every rejection), on real files in a per-test directory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "node_fixture.h"
#include "peerdb/node/identity.h"
#include "peerdb/util/file.h"

namespace peerdb::node {
namespace {

using test::TempDir;

// Writes `text` as a key file with mode 0600, so only the content is under test.
void WriteKeyText(const std::string& path, const std::string& text) {
  Status s = util::WriteFileDurable(path, AsBytes(text), 0600);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
}

std::string KeyText(const std::string& seed_hex, const std::string& enc_hex) {
  return "peerdb-member-key v1\nsign_seed " + seed_hex + "\nenc_secret " + enc_hex + "\n";
}

TEST(MemberKeyFile, SaveThenLoadGivesTheSameKeys) {
  const std::string path = TempDir() + "/member.key";
  const MemberKey key = GenerateMemberKey();
  ASSERT_EQ(ErrcOf(SaveMemberKey(key, path)), Errc::kOk);
  auto loaded = LoadMemberKey(path);
  ASSERT_EQ(ErrcOf(loaded), Errc::kOk) << MessageOf(loaded);
  EXPECT_EQ(loaded->signing.seed(), key.signing.seed());
  EXPECT_EQ(loaded->signing.public_key(), key.signing.public_key());
  EXPECT_EQ(loaded->encryption.secret_key, key.encryption.secret_key);
  EXPECT_EQ(loaded->encryption.public_key, key.encryption.public_key) << "public key is re-derived from the secret";
  const Bytes msg = ToBytes("same key signs the same");
  EXPECT_EQ(loaded->signing.Sign(msg), key.signing.Sign(msg));
}

TEST(MemberKeyFile, IsWrittenWithMode0600WhateverTheUmask) {
  const std::string dir = TempDir();
  const mode_t old = ::umask(0);
  const Status s = SaveMemberKey(GenerateMemberKey(), dir + "/open-umask.key");
  ::umask(077);
  const Status s2 = SaveMemberKey(GenerateMemberKey(), dir + "/strict-umask.key");
  ::umask(old);
  ASSERT_EQ(ErrcOf(s), Errc::kOk);
  ASSERT_EQ(ErrcOf(s2), Errc::kOk);
  for (const char* name : {"/open-umask.key", "/strict-umask.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir + name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u) << name;
  }
}

TEST(MemberKeyFile, SaveRefusesToOverwriteAnExistingKey) {
  const std::string path = TempDir() + "/member.key";
  const MemberKey first = GenerateMemberKey();
  ASSERT_EQ(ErrcOf(SaveMemberKey(first, path)), Errc::kOk);
  const Status again = SaveMemberKey(GenerateMemberKey(), path);
  EXPECT_EQ(ErrcOf(again), Errc::kConflict);
  EXPECT_NE(MessageOf(again).find(path), std::string::npos) << MessageOf(again);
  auto loaded = LoadMemberKey(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->signing.public_key(), first.signing.public_key()) << "the first key is untouched";
}

TEST(MemberKeyFile, LoadRefusesGroupOrWorldReadableFiles) {
  const std::string path = TempDir() + "/member.key";
  ASSERT_EQ(ErrcOf(SaveMemberKey(GenerateMemberKey(), path)), Errc::kOk);
  for (mode_t mode : {0640, 0604, 0660, 0644, 0610}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto r = LoadMemberKey(path);
    EXPECT_EQ(ErrcOf(r), Errc::kConfig) << std::oct << mode;
    EXPECT_NE(MessageOf(r).find("chmod 600"), std::string::npos) << MessageOf(r);
  }
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    EXPECT_EQ(ErrcOf(LoadMemberKey(path)), Errc::kOk) << std::oct << mode;
  }
}

TEST(MemberKeyFile, LoadRejectsBadMagicAndBadHex) {
  const std::string dir = TempDir();
  const MemberKey key = GenerateMemberKey();
  const std::string seed = Hex(key.signing.seed());
  const std::string enc = Hex(key.encryption.secret_key);

  WriteKeyText(dir + "/good.key", KeyText(seed, enc));
  EXPECT_EQ(ErrcOf(LoadMemberKey(dir + "/good.key")), Errc::kOk);

  struct Case {
    const char* name;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"other magic", "peerdb-member-key v2\nsign_seed " + seed + "\nenc_secret " + enc + "\n"},
      {"json instead", "{\"sign_seed\": \"" + seed + "\"}\n"},
      {"non-hex seed", KeyText(std::string(63, '0') + "g", enc)},
      {"short seed", KeyText(seed.substr(2), enc)},
      {"odd enc", KeyText(seed, enc + "0")},
      {"swapped lines", "peerdb-member-key v1\nenc_secret " + enc + "\nsign_seed " + seed + "\n"},
      {"missing enc line", "peerdb-member-key v1\nsign_seed " + seed + "\n"},
      {"two spaces", "peerdb-member-key v1\nsign_seed  " + seed + "\nenc_secret " + enc + "\n"},
  };
  for (const Case& c : cases) {
    const std::string path = dir + "/bad.key";
    WriteKeyText(path, c.text);
    auto r = LoadMemberKey(path);
    EXPECT_EQ(ErrcOf(r), Errc::kMalformed) << c.name << ": " << MessageOf(r);
  }
  EXPECT_EQ(ErrcOf(LoadMemberKey(dir + "/absent.key")), Errc::kNotFound);
}

TEST(MemberKeyFile, LoadNamesTheMemberCardWhenGivenOneAsTheKey) {
  const std::string path = TempDir() + "/member.json";
  MemberCard card;
  card.name = "Acme";
  const MemberKey key = GenerateMemberKey();
  card.pubkey = key.signing.public_key();
  card.enc_pubkey = key.encryption.public_key;
  test::WriteText(path, EncodeMemberCard(card));  // as keygen writes it: readable by all
  auto r = LoadMemberKey(path);
  EXPECT_EQ(ErrcOf(r), Errc::kConfig);
  EXPECT_NE(MessageOf(r).find("is the public member card, not the private key"), std::string::npos) << MessageOf(r);
  EXPECT_EQ(MessageOf(r).find("chmod"), std::string::npos) << "the card's mode is no secret: " << MessageOf(r);
}

MemberCard SampleCard() {
  const MemberKey key = GenerateMemberKey();
  MemberCard c;
  c.name = "Acme Clinic \"North\"";
  c.contact = "ops@acme.example, +41 44 000 00 00";
  c.pubkey = key.signing.public_key();
  c.enc_pubkey = key.encryption.public_key;
  c.address = "10.0.0.5:7100";
  return c;
}

void ExpectSameCard(const MemberCard& a, const MemberCard& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.contact, b.contact);
  EXPECT_EQ(a.pubkey, b.pubkey);
  EXPECT_EQ(a.enc_pubkey, b.enc_pubkey);
  EXPECT_EQ(a.address, b.address);
}

TEST(MemberCard, EncodeDecodeRoundTripWithAndWithoutAddress) {
  MemberCard card = SampleCard();
  auto back = DecodeMemberCard(EncodeMemberCard(card));
  ASSERT_EQ(ErrcOf(back), Errc::kOk) << MessageOf(back);
  ExpectSameCard(*back, card);
  EXPECT_EQ(EncodeMemberCard(*back), EncodeMemberCard(card));

  card.address.clear();
  const std::string text = EncodeMemberCard(card);
  EXPECT_EQ(text.find("address"), std::string::npos) << "an empty address is left out";
  back = DecodeMemberCard(text);
  ASSERT_EQ(ErrcOf(back), Errc::kOk) << MessageOf(back);
  ExpectSameCard(*back, card);
}

TEST(MemberCard, LoadReadsAFileAndNamesItInErrors) {
  const std::string dir = TempDir();
  const MemberCard card = SampleCard();
  test::WriteText(dir + "/alpha.json", EncodeMemberCard(card));
  auto loaded = LoadMemberCard(dir + "/alpha.json");
  ASSERT_EQ(ErrcOf(loaded), Errc::kOk) << MessageOf(loaded);
  ExpectSameCard(*loaded, card);

  test::WriteText(dir + "/bad.json", "{\"peerdb_member_card\": 1}");
  auto bad = LoadMemberCard(dir + "/bad.json");
  EXPECT_EQ(ErrcOf(bad), Errc::kMalformed);
  EXPECT_NE(MessageOf(bad).find(dir + "/bad.json"), std::string::npos) << MessageOf(bad);
  EXPECT_EQ(ErrcOf(LoadMemberCard(dir + "/absent.json")), Errc::kNotFound);
}

TEST(MemberCard, DecodeRejectsMissingWrongAndOversizeFields) {
  const nlohmann::json good = nlohmann::json::parse(EncodeMemberCard(SampleCard()));
  ASSERT_EQ(ErrcOf(DecodeMemberCard(good.dump())), Errc::kOk);

  struct Case {
    const char* name;
    std::function<void(nlohmann::json&)> edit;
  };
  const std::vector<Case> cases = {
      {"no version", [](nlohmann::json& j) { j.erase("peerdb_member_card"); }},
      {"version 2", [](nlohmann::json& j) { j["peerdb_member_card"] = 2; }},
      {"no name", [](nlohmann::json& j) { j.erase("name"); }},
      {"numeric name", [](nlohmann::json& j) { j["name"] = 7; }},
      {"empty name", [](nlohmann::json& j) { j["name"] = ""; }},
      {"65-byte name", [](nlohmann::json& j) { j["name"] = std::string(65, 'n'); }},
      {"no contact", [](nlohmann::json& j) { j.erase("contact"); }},
      {"257-byte contact", [](nlohmann::json& j) { j["contact"] = std::string(257, 'c'); }},
      {"no pubkey", [](nlohmann::json& j) { j.erase("pubkey"); }},
      {"no enc_pubkey", [](nlohmann::json& j) { j.erase("enc_pubkey"); }},
      {"non-hex pubkey", [](nlohmann::json& j) { j["pubkey"] = std::string(64, 'z'); }},
      {"short enc_pubkey", [](nlohmann::json& j) { j["enc_pubkey"] = std::string(62, 'a'); }},
      {"pubkey as array", [](nlohmann::json& j) { j["pubkey"] = nlohmann::json::array({1, 2}); }},
      {"numeric address", [](nlohmann::json& j) { j["address"] = 7100; }},
  };
  for (const Case& c : cases) {
    nlohmann::json j = good;
    c.edit(j);
    auto r = DecodeMemberCard(j.dump());
    EXPECT_EQ(ErrcOf(r), Errc::kMalformed) << c.name << ": " << MessageOf(r);
  }
  // The longest name and contact are accepted.
  nlohmann::json j = good;
  j["name"] = std::string(64, 'n');
  j["contact"] = std::string(256, 'c');
  EXPECT_EQ(ErrcOf(DecodeMemberCard(j.dump())), Errc::kOk);

  for (const char* text : {"", "not json", "[1, 2]", "\"card\"", "{\"peerdb_member_card\": 1", "null"}) {
    EXPECT_EQ(ErrcOf(DecodeMemberCard(text)), Errc::kMalformed) << text;
  }
}

TEST(MemberCard, DecodeRejectsAVersionFieldOfTheWrongTypeWithoutThrowing) {
  const nlohmann::json good = nlohmann::json::parse(EncodeMemberCard(SampleCard()));
  for (const nlohmann::json& version : {nlohmann::json("1"), nlohmann::json(nullptr), nlohmann::json::array({1}),
                                        nlohmann::json::object(), nlohmann::json(true)}) {
    nlohmann::json j = good;
    j["peerdb_member_card"] = version;
    Result<MemberCard> r = Error{Errc::kInternal, "not run"};
    EXPECT_NO_THROW(r = DecodeMemberCard(j.dump())) << version.dump();
    EXPECT_EQ(ErrcOf(r), Errc::kMalformed) << version.dump() << ": " << MessageOf(r);
  }
}

}  // namespace
}  // namespace peerdb::node
