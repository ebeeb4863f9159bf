// node.toml: where a node finds its consortium file, key, data directory and API address.
// Relative paths are resolved against the directory holding node.toml.
// Thread-safety: value types and free functions.
#pragma once

#include <string>

#include "peerdb/util/result.h"

namespace peerdb::node {

struct NodeConfig {
  std::string consortium_path;
  std::string key_path;
  std::string data_dir;
  std::string api_listen = "127.0.0.1:7070";
  std::string log_level = "info";
};

Result<NodeConfig> LoadNodeConfig(const std::string& path);
Result<NodeConfig> DecodeNodeConfig(std::string_view text, const std::string& base_dir);

}  // namespace peerdb::node
