// Registration of the subcommand groups; each lives in its own file. Internal to cli.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "peerdb/cli/cli.h"
#include "peerdb/util/result.h"

namespace peerdb::cli {

// The action a subcommand runs after parsing; returns the exit code.
using Action = std::function<int()>;
// Callback each Add* function uses to bind a parsed subcommand to its action.
using Bind = std::function<void(CLI::App*, Action)>;

void AddIdentityCommands(CLI::App& app, const Bind& bind);  // keygen, consortium create/show
void AddNodeCommand(CLI::App& app, const Bind& bind, ApiLauncher launcher);  // node
void AddClientCommands(CLI::App& app, const Bind& bind);    // put, delete, get, history, block (+ status, change)
struct NodeTarget;
// status, evidence, wait; called by AddClientCommands with the options those commands share.
void AddStatusCommands(CLI::App& app, const Bind& bind, const std::shared_ptr<NodeTarget>& target);
// change propose/list/approve; called by AddClientCommands too.
void AddChangeCommands(CLI::App& app, const Bind& bind, const std::shared_ptr<NodeTarget>& target);
void AddAuditCommands(CLI::App& app, const Bind& bind);     // audit, export
void AddPrivateCommands(CLI::App& app, const Bind& bind);   // reshare, erase, disclose, verify-disclosure
void AddOtsCommands(CLI::App& app, const Bind& bind);       // info (+ verify)
void AddVerifyCommand(CLI::App& app, const Bind& bind);     // verify, called by AddOtsCommands
void AddDevchainCommand(CLI::App& app, const Bind& bind);   // devchain, devchain mine/reorg
void AddStampCommands(CLI::App& app, const Bind& bind);     // stamp, upgrade

// Prints "peerdb: <message>" to stderr and returns ExitCodeFor(error.code).
int Fail(const Error& error);

}  // namespace peerdb::cli
