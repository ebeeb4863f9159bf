// A node's setup as node.toml describes it, checked: the consortium file, the member key and its
// membership, whether data_dir and the key's lock file can be created, whether a stored chain is
// the consortium's, the peer transport's addresses and TLS identity, the anchoring settings.
// Node::Open and Node::Start make these checks through the functions below, and
// `peerdb node --check` makes them all through CheckNodeSetup, so both refuse a bad setup with the
// same message.
// Thread-safety: free functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "peerdb/chain/config.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/net/peer_network.h"
#include "peerdb/node/consortium_file.h"
#include "peerdb/node/identity.h"
#include "peerdb/node/node_config.h"
#include "peerdb/util/result.h"

namespace peerdb::node {

// The node's SQLite store inside data_dir.
std::string StoreFileOf(const NodeConfig& config);

// The member a node runs as.
struct Membership {
  Consortium consortium;
  MemberKey key;
  std::optional<MemberKey> next_key;  // node.toml next_key (key rotation)
  chain::MemberId self = 0;
  std::string name;                   // "" for a member that joined after the genesis
};

// Loads the consortium file and the key file(s). The key is a genesis member's, or node.toml names
// the member_id a config change added it as, or a genesis member whose key rotated since (checked
// against the chain once the node has it). kNotMember when the key is no genesis member's and no
// member_id is set; kConfig when member_id contradicts the genesis member the key belongs to.
Result<Membership> LoadMembership(const NodeConfig& config);

// Whether this user could create (or write) data_dir and the lock file beside the key file; kIo
// naming the path otherwise. Creates nothing.
Status CheckWritablePaths(const NodeConfig& config);

// kConfig when the store in data_dir holds another chain than the consortium file defines.
Status CheckStoredChain(const chain::Genesis& stored, const Hash32& chain_id, const std::string& data_dir);

// The other members of `epoch`'s config with their keys and addresses: an address announced on
// chain (ADD, RESET) wins over the consortium file's.
std::vector<net::PeerEndpoint> PeerEndpointsFor(const Consortium& consortium, const chain::EpochState& epoch,
                                                chain::MemberId self);

// The peer transport's frame limit under `params`: a block, or a sync response of at most
// max_block_bytes of blocks, plus room for the message around it (PROTOCOL.md §1.1 item 8).
std::size_t MaxFrameBytesFor(const chain::Params& params);
// The limit for a chain: the largest of its epochs', so that a member catching up still receives
// blocks built before max_block_bytes was lowered. Set at start and at every epoch change.
std::size_t MaxFrameBytesFor(const chain::EpochHistory& epochs);

// The peer transport's settings for this member: where it listens (peer_listen, else its address
// in the consortium file or on chain) and every other member of the config in force (`epoch`;
// absent: the genesis config). nullopt for a consortium of one, which has no transport.
Result<std::optional<net::NetworkConfig>> PeerNetworkConfigFor(const NodeConfig& config, const Consortium& consortium,
                                                              chain::MemberId self,
                                                              const chain::EpochState* epoch = nullptr);

// What CheckNodeSetup found, for its one-line summary.
struct SetupReport {
  chain::MemberId self = 0;
  std::string name;
  Hash32 chain_id{};
  std::size_t members = 0;
  bool stored_chain = false;   // data_dir already holds this chain (else a start initialises it)
  std::string peer_listen;     // empty for a consortium of one
  bool anchoring = false;
};

// Every check a start makes before it binds a port, without writing, locking or binding anything,
// so it may run beside a running node: a port in use is found only by the start itself.
Result<SetupReport> CheckNodeSetup(const NodeConfig& config);

}  // namespace peerdb::node
