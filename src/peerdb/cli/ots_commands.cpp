// peerdb info: an OpenTimestamps proof as a readable tree, like the reference client's `ots info`.
// (peerdb verify lives in verify_command.cpp.)
#include <iostream>
#include <memory>
#include <string>

#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/info.h"

namespace peerdb::cli {
namespace {

int Info(const std::string& path) {
  auto file = ots::LoadOtsFile(path);
  if (!file.ok()) {
    const Error& e = file.error();
    return Fail(e.message.find(path) == std::string::npos ? e.Context(path) : e);  // the file named once
  }
  std::cout << ots::InfoString(*file);
  return kExitOk;
}

}  // namespace

void AddOtsCommands(CLI::App& app, const Bind& bind) {
  auto info_path = std::make_shared<std::string>();
  CLI::App* i = app.add_subcommand("info", "Show the contents of an OpenTimestamps proof");
  i->add_option("FILE.ots", *info_path, "The proof")->required();
  bind(i, [info_path] { return Info(*info_path); });
  AddVerifyCommand(app, bind);
}

}  // namespace peerdb::cli
