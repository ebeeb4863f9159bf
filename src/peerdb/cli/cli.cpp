#include "peerdb/cli/cli.h"

#include <algorithm>
#include <iostream>
#include <optional>
#include <vector>
#include <spdlog/spdlog.h>

#include "peerdb/cli/commands.h"

namespace peerdb::cli {

int ExitCodeFor(Errc code) {
  switch (code) {
    case Errc::kOk: return kExitOk;
    case Errc::kNotFound:
    case Errc::kErased:
    case Errc::kUnknownNamespace: return kExitNotFound;
    case Errc::kUnavailable: return kExitUnavailable;
    case Errc::kForbidden:
    case Errc::kNotAReader:
    case Errc::kInvalid: return kExitRejected;
    case Errc::kBadSignature:
    case Errc::kCorrupt:
    case Errc::kInternal: return kExitFailed;
    case Errc::kMalformed:
    case Errc::kNotMember:
    case Errc::kTooLarge:
    case Errc::kBadVersion:
    case Errc::kConflict:
    case Errc::kIo:
    case Errc::kConfig: return kExitBadInput;
  }
  return kExitFailed;
}

int Fail(const Error& error) {
  std::cerr << "peerdb: " << error.message << "\n";
  return ExitCodeFor(error.code);
}

namespace {

// Levenshtein distance, for suggesting the command a typo meant.
std::size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "unknown command 'stauts'; did you mean 'status'?" when the first word is no subcommand.
std::optional<std::string> UnknownCommand(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return std::nullopt;
  const std::string word = argv[1];
  std::string best;
  std::size_t best_distance = SIZE_MAX;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == word) return std::nullopt;
    const std::size_t d = EditDistance(word, sub->get_name());
    if (d < best_distance) {
      best_distance = d;
      best = sub->get_name();
    }
  }
  std::string message = "unknown command '" + word.substr(0, 40) + "'";
  if (best_distance <= 2) message += "; did you mean '" + best + "'?";
  return message + " (see peerdb --help)";
}

}  // namespace

int Run(int argc, char** argv, ApiLauncher api_launcher) {
  CLI::App app{"PeerDB: a shared ledger for firms that compete, anchored in Bitcoin"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "peerdb 0.1.0");
  Action chosen;
  Bind bind = [&chosen](CLI::App* sub, Action action) {
    sub->callback([&chosen, action] { chosen = action; });
  };
  AddIdentityCommands(app, bind);
  AddNodeCommand(app, bind, std::move(api_launcher));
  AddClientCommands(app, bind);
  AddAuditCommands(app, bind);
  AddPrivateCommands(app, bind);
  AddOtsCommands(app, bind);
  AddDevchainCommand(app, bind);
  AddStampCommands(app, bind);
  if (auto unknown = UnknownCommand(app, argc, argv)) {
    std::cerr << "peerdb: " << *unknown << "\n";
    return kExitBadInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "peerdb: " << e.what() << " (see peerdb --help)\n";
    return kExitBadInput;
  }
  if (!chosen) return kExitBadInput;
  try {
    return chosen();
  } catch (const std::exception& e) {
    std::cerr << "peerdb: internal error: " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace peerdb::cli
