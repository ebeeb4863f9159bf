#include "peerdb/ots/timestamp.h"

#include <algorithm>
#include <utility>

namespace peerdb::ots {

void Timestamp::ReleaseChildren() {
  std::vector<std::unique_ptr<Timestamp>> stack;
  for (OpEdge& e : m_ops) stack.push_back(std::move(e.child));
  m_ops.clear();
  while (!stack.empty()) {
    std::unique_ptr<Timestamp> node = std::move(stack.back());
    stack.pop_back();
    for (OpEdge& e : node->m_ops) stack.push_back(std::move(e.child));
    node->m_ops.clear();
  }  // each node is destroyed childless
}

Timestamp::~Timestamp() { ReleaseChildren(); }

Timestamp& Timestamp::operator=(Timestamp&& other) noexcept {
  if (this != &other) {
    ReleaseChildren();
    m_msg = std::move(other.m_msg);
    m_attestations = std::move(other.m_attestations);
    m_ops = std::move(other.m_ops);
  }
  return *this;
}

void Timestamp::AddAttestation(Attestation a) {
  auto it = std::lower_bound(m_attestations.begin(), m_attestations.end(), a);
  if (it != m_attestations.end() && *it == a) return;
  m_attestations.insert(it, std::move(a));
}

namespace {
std::vector<OpEdge>::iterator FindOp(std::vector<OpEdge>& ops, const Op& op) {
  return std::lower_bound(ops.begin(), ops.end(), op, [](const OpEdge& e, const Op& o) { return e.op < o; });
}
}  // namespace

Result<Timestamp*> Timestamp::AddOp(const Op& op) {
  auto it = FindOp(m_ops, op);
  if (it != m_ops.end() && it->op == op) return it->child.get();
  PEERDB_TRY_ASSIGN(Bytes result, ApplyOp(op, m_msg));
  it = m_ops.insert(it, OpEdge{op, std::make_unique<Timestamp>(std::move(result))});
  return it->child.get();
}

Status Timestamp::AddChild(const Op& op, Timestamp child) {
  auto it = FindOp(m_ops, op);
  if (it != m_ops.end() && it->op == op) {
    if (it->child->msg() != child.msg()) return Error{Errc::kInvalid, "child message does not match the op result"};
    return it->child->Merge(child);
  }
  PEERDB_TRY_ASSIGN(const Bytes result, ApplyOp(op, m_msg));
  if (result != child.msg()) return Error{Errc::kInvalid, "child message does not match the op result"};
  m_ops.insert(it, OpEdge{op, std::make_unique<Timestamp>(std::move(child))});
  return Status::Ok();
}

Status Timestamp::Merge(const Timestamp& other) {
  if (other.m_msg != m_msg) return Error{Errc::kInvalid, "cannot merge timestamps for different messages"};
  std::vector<std::pair<Timestamp*, const Timestamp*>> stack = {{this, &other}};
  while (!stack.empty()) {
    auto [dst, src] = stack.back();
    stack.pop_back();
    for (const Attestation& a : src->m_attestations) dst->AddAttestation(a);
    for (const OpEdge& e : src->m_ops) {
      PEERDB_TRY_ASSIGN(Timestamp* child, dst->AddOp(e.op));
      stack.emplace_back(child, e.child.get());
    }
  }
  return Status::Ok();
}

Timestamp Timestamp::Clone() const {
  Timestamp copy(m_msg);
  const Status s = copy.Merge(*this);  // cannot fail: same message, ops already valid
  (void)s;
  return copy;
}

std::vector<LeafAttestation> Timestamp::AllAttestations() const {
  std::vector<LeafAttestation> out;
  std::vector<const Timestamp*> stack = {this};
  while (!stack.empty()) {
    const Timestamp* node = stack.back();
    stack.pop_back();
    for (const Attestation& a : node->m_attestations) out.push_back({node->m_msg, a});
    for (auto it = node->m_ops.rbegin(); it != node->m_ops.rend(); ++it) stack.push_back(it->child.get());
  }
  return out;
}

std::size_t Timestamp::Depth() const {
  std::size_t deepest = 0;
  std::vector<std::pair<const Timestamp*, std::size_t>> stack = {{this, 0}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, depth);
    for (const OpEdge& e : node->m_ops) stack.emplace_back(e.child.get(), depth + 1);
  }
  return deepest;
}

}  // namespace peerdb::ots
