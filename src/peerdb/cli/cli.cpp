#include "peerdb/cli/cli.h"

#include <iostream>
#include <spdlog/spdlog.h>

#include "peerdb/cli/commands.h"

namespace peerdb::cli {

int ExitCodeFor(Errc code) {
  switch (code) {
    case Errc::kOk: return kExitOk;
    case Errc::kNotFound:
    case Errc::kUnknownNamespace: return kExitNotFound;
    case Errc::kUnavailable: return kExitUnavailable;
    case Errc::kForbidden:
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
  AddOtsCommands(app, bind);
  AddDevchainCommand(app, bind);
  AddStampCommands(app, bind);
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
