// The OpenTimestamps proof tree (OTS.md §1.4): a node holds a message, a set of attestations and
// a map op -> child node whose message is op(message). Invariants kept by every mutator:
// attestations sorted and unique, ops sorted by (tag, arg) and unique, every child's message
// computed from its parent's. Duplicates merge: adding an op that exists merges the subtrees.
// Thread-safety: a Timestamp is a value; concurrent reads are safe, writes need external locking.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "peerdb/ots/attestation.h"
#include "peerdb/ots/op.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::ots {

class Timestamp;

struct OpEdge {
  Op op;
  std::unique_ptr<Timestamp> child;
};

// One leaf of the tree: the message the attestation commits to, and the attestation.
struct LeafAttestation {
  Bytes msg;
  Attestation attestation;
};

class Timestamp {
 public:
  explicit Timestamp(Bytes msg) : m_msg(std::move(msg)) {}
  // Iterative, so destroying a deep tree built in code cannot exhaust the stack.
  ~Timestamp();
  Timestamp(Timestamp&&) noexcept = default;
  Timestamp& operator=(Timestamp&& other) noexcept;
  Timestamp(const Timestamp&) = delete;
  Timestamp& operator=(const Timestamp&) = delete;

  const Bytes& msg() const { return m_msg; }
  const std::vector<Attestation>& attestations() const { return m_attestations; }
  const std::vector<OpEdge>& ops() const { return m_ops; }
  bool empty() const { return m_attestations.empty() && m_ops.empty(); }

  // Adds the attestation unless an equal one is present (set semantics, as the reference).
  void AddAttestation(Attestation a);
  // The child reached by op, created with message op(msg) when absent; errors of ApplyOp.
  Result<Timestamp*> AddOp(const Op& op);
  // Adds `child` under op; if op is present, merges child into the existing subtree instead.
  // REQUIRES: child.msg() == op(msg()) (kInvalid otherwise).
  Status AddChild(const Op& op, Timestamp child);
  // Adds every op and attestation of other (as the reference's Timestamp.merge). kInvalid if the
  // messages differ. Iterative.
  Status Merge(const Timestamp& other);
  // Deep copy. Iterative.
  Timestamp Clone() const;

  // Every (leaf message, attestation) in pre-order: a node's attestations, then its ops in order.
  std::vector<LeafAttestation> AllAttestations() const;
  // Number of op edges on the longest root-to-leaf path.
  std::size_t Depth() const;

 private:
  void ReleaseChildren();

  Bytes m_msg;
  std::vector<Attestation> m_attestations;
  std::vector<OpEdge> m_ops;
};

}  // namespace peerdb::ots
