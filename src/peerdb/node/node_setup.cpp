#include "peerdb/node/node_setup.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "peerdb/net/frame.h"
#include "peerdb/node/anchor_tasks.h"
#include "peerdb/store/store.h"

namespace peerdb::node {
namespace fs = std::filesystem;

namespace {

// Whether this user may create entries in `dir`, or, while it does not exist, in the nearest
// directory above it that does (create_directories starts there). access() asks the kernel, so a
// read-only mount (systemd's ProtectSystem) fails here as the real write would.
Status CheckWritableDir(const fs::path& dir, const std::string& what) {
  fs::path p = dir;
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec) && p.has_relative_path()) p = p.parent_path();
  if (p.empty()) p = ".";
  if (!fs::is_directory(p, ec)) return Error{Errc::kConfig, what + " cannot be created: " + p.string() + " is not a directory"};
  if (::access(p.c_str(), W_OK | X_OK) != 0) {
    return Error{Errc::kIo, what + " is not writable: cannot write in " + p.string() + " (" + std::strerror(errno) + ")"};
  }
  return Status::Ok();
}

}  // namespace

Result<Membership> LoadMembership(const NodeConfig& config) {
  PEERDB_TRY_ASSIGN(Consortium consortium, LoadConsortium(config.consortium_path));
  PEERDB_TRY_ASSIGN(MemberKey key, LoadMemberKey(config.key_path));
  std::optional<MemberKey> next_key;
  if (!config.next_key_path.empty()) {
    PEERDB_TRY_ASSIGN(MemberKey k, LoadMemberKey(config.next_key_path));
    next_key = std::move(k);
  }
  const chain::Config& genesis = consortium.genesis.config;
  const chain::Member* me = genesis.FindMemberByKey(key.signing.public_key());
  if (!me && next_key) me = genesis.FindMemberByKey(next_key->signing.public_key());
  if (me && config.member_id && *config.member_id != me->id) {
    return Error{Errc::kConfig, "node.toml sets member_id = " + std::to_string(*config.member_id) + " but the key is member " +
                                    std::to_string(me->id) + "'s in the consortium file"};
  }
  if (!me && !config.member_id) {
    return Error{Errc::kNotMember, "the key " + config.key_path + " (public key " + Hex(key.signing.public_key()) +
                                       ") is not a member of consortium " + Hex(consortium.chain_id) +
                                       "; a member added by a config change sets member_id = N in node.toml"};
  }
  // member_id naming a genesis member with another key: that member rotated its key since; the
  // node checks the key against the config in force once it has loaded the chain (CheckIdentity).
  const chain::MemberId self = me ? me->id : *config.member_id;
  std::string name = me ? me->name : std::string();
  return Membership{std::move(consortium), std::move(key), std::move(next_key), self, std::move(name)};
}

Status CheckWritablePaths(const NodeConfig& config) {
  PEERDB_TRY(CheckWritableDir(config.data_dir, "data_dir " + config.data_dir));
  // S7's lock on the key lives beside the key file, so the key's directory must be writable too
  // (a key under a read-only /etc is refused here rather than by the lock).
  const std::string lock = config.key_path + ".lock";
  std::error_code ec;
  if (fs::exists(lock, ec)) {
    if (::access(lock.c_str(), R_OK | W_OK) != 0) {
      return Error{Errc::kIo, "the member key's lock file " + lock + " is not writable (" + std::strerror(errno) + ")"};
    }
    return Status::Ok();
  }
  return CheckWritableDir(fs::path(config.key_path).parent_path(), "the member key's lock file " + lock);
}

Status CheckStoredChain(const chain::Genesis& stored, const Hash32& chain_id, const std::string& data_dir) {
  if (chain::ChainId(stored) == chain_id) return Status::Ok();
  return Error{Errc::kConfig, "data_dir " + data_dir + " holds chain " + Hex(chain::ChainId(stored)) +
                                  " but the consortium file defines chain " + Hex(chain_id)};
}

namespace {
std::string AddressOf(const Consortium& consortium, const chain::EpochState& epoch, chain::MemberId id) {
  for (const chain::MemberAddress& a : epoch.addresses) {
    if (a.id == id) return a.address;
  }
  auto it = consortium.addresses.find(id);
  return it == consortium.addresses.end() ? "" : it->second;
}
}  // namespace

std::vector<net::PeerEndpoint> PeerEndpointsFor(const Consortium& consortium, const chain::EpochState& epoch,
                                                chain::MemberId self) {
  std::vector<net::PeerEndpoint> out;
  for (const chain::Member& m : epoch.config.members) {
    if (m.id != self) out.push_back(net::PeerEndpoint{m.id, m.pubkey, AddressOf(consortium, epoch, m.id)});
  }
  return out;
}

std::size_t MaxFrameBytesFor(const chain::Params& params) { return std::size_t{params.max_block_bytes} + (64u << 10); }

std::size_t MaxFrameBytesFor(const chain::EpochHistory& epochs) {
  std::size_t out = 0;
  for (const chain::EpochInfo& e : epochs.all()) out = std::max(out, MaxFrameBytesFor(e.config.params));
  return out;
}

Result<std::optional<net::NetworkConfig>> PeerNetworkConfigFor(const NodeConfig& config, const Consortium& consortium,
                                                              chain::MemberId self, const chain::EpochState* epoch) {
  const chain::EpochState genesis_epoch = chain::GenesisEpochState(consortium.genesis);
  const chain::EpochState& in_force = epoch ? *epoch : genesis_epoch;
  const chain::Config& cfg = in_force.config;
  // One member alone has no peers, unless it is a newcomer not yet in the config it knows.
  if (cfg.members.size() <= 1 && cfg.FindMember(self)) return std::optional<net::NetworkConfig>{};
  net::NetworkConfig nc;
  nc.chain_id = consortium.chain_id;
  nc.self = self;
  nc.listen = config.peer_listen;
  if (nc.listen.empty()) {
    nc.listen = AddressOf(consortium, in_force, self);
    if (nc.listen.empty()) {
      return Error{Errc::kConfig, "member " + std::to_string(self) +
                                      " has no address in the consortium file or on chain, and node.toml sets no peer_listen"};
    }
  }
  nc.members = PeerEndpointsFor(consortium, in_force, self);
  nc.max_frame_bytes = MaxFrameBytesFor(cfg.params);
  // A block of the largest max_block_bytes (64 MiB) must fit the outbound queue, as SetMaxFrameBytes
  // ensures later.
  nc.max_queue_bytes = std::max(nc.max_queue_bytes, nc.max_frame_bytes + net::kFrameHeaderBytes);
  return std::optional<net::NetworkConfig>{std::move(nc)};
}

Result<SetupReport> CheckNodeSetup(const NodeConfig& config) {
  PEERDB_TRY_ASSIGN(Membership m, LoadMembership(config));
  PEERDB_TRY(CheckWritablePaths(config));
  SetupReport r;
  r.self = m.self;
  r.name = m.name;
  r.chain_id = m.consortium.chain_id;
  r.members = m.consortium.genesis.config.members.size();
  // Read-only, and without migrating: a running node's store is left as it is.
  PEERDB_TRY_ASSIGN(std::optional<chain::Genesis> stored, store::PeekGenesis(StoreFileOf(config)));
  if (stored) {
    PEERDB_TRY(CheckStoredChain(*stored, r.chain_id, config.data_dir));
    r.stored_chain = true;
  }
  PEERDB_TRY_ASSIGN(std::optional<net::NetworkConfig> nc, PeerNetworkConfigFor(config, m.consortium, m.self));
  if (nc) {
    // Create checks the addresses and builds the TLS identity from the key; only Start binds.
    boost::asio::io_context io;
    PEERDB_TRY_ASSIGN(std::unique_ptr<net::PeerNetwork> network, net::PeerNetwork::Create(io, *nc, m.key.signing, {}));
    r.peer_listen = nc->listen;
  }
  if (config.anchor.enabled) {
    PEERDB_TRY_ASSIGN(std::unique_ptr<AnchorNet> anchor_net,
                      MakeAnchorNet(config.anchor, m.consortium.genesis.config.params.k_anchor));
    r.anchoring = true;
  }
  return r;
}

std::string StoreFileOf(const NodeConfig& config) { return config.data_dir + "/peerdb.sqlite"; }

}  // namespace peerdb::node
