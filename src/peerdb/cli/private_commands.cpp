// Private records beyond reads (docs/user-guide.md "Private tables"): `reshare` seals a key's
// newest version again for the readers in force; `disclose` writes a disclosure file of one version
// for an outsider; `verify-disclosure` checks such a file offline against the genesis consortium;
// `erase` drops the values of versions of a key from every node, keeping their commitments.
#include <iostream>
#include <memory>
#include <vector>
#include <nlohmann/json.hpp>

#include "peerdb/audit/disclosure_check.h"
#include "peerdb/chain/disclosure.h"
#include "peerdb/cli/api_client.h"
#include "peerdb/cli/bitcoin_flags.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/cli/node_target.h"
#include "peerdb/node/consortium_file.h"
#include "peerdb/util/file.h"

namespace peerdb::cli {
namespace {

std::string KeyPath(const std::string& ns, const std::string& key) {
  return "/v1/kv/" + EncodePathSegment(ns) + "/" + EncodePathSegment(key);
}

std::string IdList(const nlohmann::json& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id.get<std::uint64_t>());
  return out;
}

int Reshare(const std::string& api, const std::string& ns, const std::string& key) {
  auto r = ApiClient(api).Post(KeyPath(ns, key) + "/reshare", nlohmann::json::object());
  if (!r.ok()) return Fail(r.error());
  const nlohmann::json committed = r->value("committed", nlohmann::json::object());
  std::cout << "reshared " << ns << "/" << key << " as version " << r->value("version", 0) << " in block "
            << committed.value("height", 0) << " (" << committed.value("block_status", std::string())
            << "), readable by members " << IdList(r->value("readers", nlohmann::json::array())) << "\n";
  return kExitOk;
}

int Erase(const std::string& api, const std::string& ns, const std::string& key, const std::vector<std::uint64_t>& versions) {
  nlohmann::json body = nlohmann::json::object();
  if (!versions.empty()) body["versions"] = versions;
  auto r = ApiClient(api).Post(KeyPath(ns, key) + "/erase", body);
  if (!r.ok()) return Fail(r.error());
  std::string which = "every version";
  if (!versions.empty()) which = (versions.size() == 1 ? "version " : "versions ") + IdList(nlohmann::json(versions));
  std::cout << "erased " << which << " of " << ns << "/" << key << " in block " << r->value("height", 0) << " ("
            << r->value("block_status", std::string()) << "); every member drops the values, the commitments stay\n";
  return kExitOk;
}

int Disclose(const std::string& api, const std::string& ns, const std::string& key, std::uint64_t version,
             const std::string& out) {
  ClientOptions options;
  options.max_response_bytes = 2 * chain::kMaxDisclosureBytes + 64 * 1024;
  std::string path = KeyPath(ns, key) + "/disclosure";
  if (version != 0) path += "?version=" + std::to_string(version);
  auto r = ApiClient(api, options).Get(path);
  if (!r.ok()) return Fail(r.error());
  auto file = FromHex(r->value("file_hex", std::string()));
  if (!file.ok()) return Fail(Error{Errc::kMalformed, "the node's disclosure is not hex: " + file.error().message});
  if (Status s = util::WriteFileDurable(out, ByteSpan(*file), 0600, /*exclusive=*/true); !s.ok()) return Fail(s.error());
  std::cout << "wrote the disclosure of " << ns << "/" << key << (version ? " version " + std::to_string(version) : "")
            << " to " << out << " (" << file->size() << " bytes; it holds the plaintext: hand it only to whom it is for)\n";
  return kExitOk;
}

int VerifyDisclosure(const std::string& path, const std::string& consortium_path, const BitcoinFlags& flags) {
  auto bitcoin = OpenBitcoinSource(flags);
  if (!bitcoin.ok()) return Fail(bitcoin.error());
  auto consortium = node::LoadConsortium(consortium_path);
  if (!consortium.ok()) return Fail(consortium.error());
  auto bytes = util::ReadFile(path, chain::kMaxDisclosureBytes);
  if (!bytes.ok()) return Fail(bytes.error());
  auto disclosure = chain::DecodeDisclosureFile(ByteSpan(*bytes));
  if (!disclosure.ok()) return Fail(Error{Errc::kMalformed, path + ": " + disclosure.error().message});
  auto report = audit::VerifyDisclosure(consortium->genesis, *disclosure, (*bitcoin)->view);
  if (!report.ok() && (report.error().code == Errc::kUnavailable || report.error().code == Errc::kIo)) {
    return Fail(report.error().Context("cannot get Bitcoin block headers"));
  }
  if (!report.ok()) {
    std::cerr << "peerdb: disclosure verification failed: " << report.error().message << "\n";
    return kExitFailed;
  }
  for (const std::string& line : audit::FormatDisclosureReport(*report)) std::cout << line << "\n";
  std::cout << "disclosure verified\n";
  return kExitOk;
}

}  // namespace

void AddPrivateCommands(CLI::App& app, const Bind& bind) {
  auto target = std::make_shared<NodeTarget>();
  struct Args {
    std::string ns, key, out, file, consortium;
    std::uint64_t version = 0;
    std::vector<std::uint64_t> versions;
    BitcoinFlags bitcoin;
  };
  auto args = std::make_shared<Args>();

  CLI::App* reshare = app.add_subcommand(
      "reshare", "Seal a private key's newest version again for the readers in force now (a new version)");
  reshare->add_option("namespace", args->ns)->required();
  reshare->add_option("key", args->key)->required();
  AddNodeTargetOptions(reshare, *target);
  bind(reshare, WithApi(target, [args](const std::string& api) { return Reshare(api, args->ns, args->key); }));

  CLI::App* erase = app.add_subcommand(
      "erase", "Erase the values of versions of a key from every member's node, keeping their commitments");
  erase->add_option("namespace", args->ns)->required();
  erase->add_option("key", args->key)->required();
  erase->add_option("--version", args->versions, "A version to erase (repeat for more; default: every version)")
      ->check(CLI::Range(1ull, ~0ull))
      ->take_all()
      ->allow_extra_args(false);
  AddNodeTargetOptions(erase, *target);
  bind(erase, WithApi(target, [args](const std::string& api) { return Erase(api, args->ns, args->key, args->versions); }));

  CLI::App* disclose = app.add_subcommand(
      "disclose", "Write a file proving one version of a record to an outsider (plaintext, data key, proof)");
  disclose->add_option("namespace", args->ns)->required();
  disclose->add_option("key", args->key)->required();
  disclose->add_option("--version", args->version, "The version (default: the newest)")->check(CLI::Range(1ull, ~0ull));
  disclose->add_option("--out", args->out, "Output file (never overwritten)")->required();
  AddNodeTargetOptions(disclose, *target);
  bind(disclose, WithApi(target, [args](const std::string& api) {
         return Disclose(api, args->ns, args->key, args->version, args->out);
       }));

  CLI::App* verify = app.add_subcommand("verify-disclosure", "Check a disclosure file offline");
  verify->add_option("file", args->file, "The disclosure file")->required();
  verify->add_option("--consortium", args->consortium, "The consortium's genesis file (consortium.toml)")->required();
  AddBitcoinFlags(verify, args->bitcoin);
  bind(verify, [args] { return VerifyDisclosure(args->file, args->consortium, args->bitcoin); });
}

}  // namespace peerdb::cli
