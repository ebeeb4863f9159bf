#include "peerdb/node/identity.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>

#include "peerdb/chain/limits.h"
#include "peerdb/util/file.h"

namespace peerdb::node {
namespace {
constexpr std::string_view kKeyMagic = "peerdb-member-key v1";
constexpr std::size_t kMaxKeyFileBytes = 4096;
constexpr std::size_t kMaxCardBytes = 64 * 1024;

Result<Hash32> FieldHex(const std::string& line, std::string_view name) {
  const std::string prefix = std::string(name) + " ";
  if (line.rfind(prefix, 0) != 0) return Error{Errc::kMalformed, "expected '" + std::string(name) + "' line"};
  return Hash32FromHex(line.substr(prefix.size()));
}
}  // namespace

MemberKey GenerateMemberKey() {
  return MemberKey{crypto::SigningKey::Generate(), crypto::EncryptionKeyPair::Generate()};
}

Status SaveMemberKey(const MemberKey& key, const std::string& path) {
  std::string text = std::string(kKeyMagic) + "\nsign_seed " + Hex(key.signing.seed()) + "\nenc_secret " +
                     Hex(key.encryption.secret_key) + "\n";
  return util::WriteFileDurable(path, AsBytes(text), 0600, /*exclusive=*/true);
}

Result<MemberKey> LoadMemberKey(const std::string& path) {
  PEERDB_TRY_ASSIGN(std::string text, util::ReadTextFile(path, kMaxKeyFileBytes));
  // The card and the key sit side by side; naming the card is the usual slip (and the card is
  // world-readable, so say which file it is before complaining about its mode).
  if (text.find("\"peerdb_member_card\"") != std::string::npos) {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
    return Error{Errc::kConfig, path + " is the public member card, not the private key; the key is " + dir +
                                    "member.key (key = \"" + dir + "member.key\" in node.toml)"};
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return Error{Errc::kConfig, "key file " + path + " is readable by others; run chmod 600 " + path};
  }
  std::istringstream in(text);
  std::string magic, seed_line, enc_line;
  std::getline(in, magic);
  std::getline(in, seed_line);
  std::getline(in, enc_line);
  if (magic != kKeyMagic) return Error{Errc::kMalformed, path + " is not a PeerDB member key file"};
  auto seed = FieldHex(seed_line, "sign_seed");
  if (!seed.ok()) return seed.error().Context(path);
  auto enc = FieldHex(enc_line, "enc_secret");
  if (!enc.ok()) return enc.error().Context(path);
  crypto::EncryptionKeyPair kp;
  kp.secret_key = *enc;
  kp.public_key = crypto::X25519PublicFromSecret(kp.secret_key);
  return MemberKey{crypto::SigningKey::FromSeed(*seed), kp};
}

std::string EncodeMemberCard(const MemberCard& card) {
  nlohmann::json j = {{"peerdb_member_card", 1}, {"name", card.name}, {"contact", card.contact},
                      {"pubkey", Hex(card.pubkey)}, {"enc_pubkey", Hex(card.enc_pubkey)}};
  if (!card.address.empty()) j["address"] = card.address;
  return j.dump(2) + "\n";
}

Result<MemberCard> DecodeMemberCard(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Error{Errc::kMalformed, "member card is not a JSON object"};
  // Checked by type first: json::value() throws when the field holds a string, null or array.
  const auto version = j.find("peerdb_member_card");
  if (version == j.end() || !version->is_number_integer() || version->get<std::int64_t>() != 1) {
    return Error{Errc::kMalformed, "not a PeerDB member card (v1)"};
  }
  MemberCard card;
  for (auto [field, out] : {std::pair<const char*, std::string*>{"name", &card.name}, {"contact", &card.contact}}) {
    if (!j.contains(field) || !j[field].is_string()) return Error{Errc::kMalformed, std::string("member card needs a string '") + field + "'"};
    *out = j[field].get<std::string>();
  }
  if (card.name.empty() || card.name.size() > chain::kMaxNameBytes) return Error{Errc::kMalformed, "name must be 1..64 bytes"};
  if (card.contact.size() > chain::kMaxContactBytes) return Error{Errc::kMalformed, "contact must be at most 256 bytes"};
  for (auto [field, out] : {std::pair<const char*, Hash32*>{"pubkey", &card.pubkey}, {"enc_pubkey", &card.enc_pubkey}}) {
    if (!j.contains(field) || !j[field].is_string()) return Error{Errc::kMalformed, std::string("member card needs '") + field + "'"};
    auto h = Hash32FromHex(j[field].get<std::string>());
    if (!h.ok()) return Error{Errc::kMalformed, std::string(field) + ": " + h.error().message};
    *out = *h;
  }
  if (j.contains("address")) {
    if (!j["address"].is_string()) return Error{Errc::kMalformed, "address must be a string"};
    card.address = j["address"].get<std::string>();
  }
  return card;
}

Result<MemberCard> LoadMemberCard(const std::string& path) {
  PEERDB_TRY_ASSIGN(std::string text, util::ReadTextFile(path, kMaxCardBytes));
  auto card = DecodeMemberCard(text);
  if (!card.ok()) return card.error().Context(path);
  return card;
}

}  // namespace peerdb::node
