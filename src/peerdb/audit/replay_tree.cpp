#include "peerdb/audit/replay_tree.h"

#include <algorithm>

#include "peerdb/util/assert.h"

namespace peerdb::audit {
namespace {

using state::StoredStateTree;

constexpr std::size_t kHalfRowsInMemory = ReplayTree::kRowsInMemory / 2;

bool IsRootRow(const state::TreeRow& row) { return row.key.size() == 1 && row.key[0] == 0; }

}  // namespace

Result<std::unique_ptr<ReplayTree>> ReplayTree::Create() {
  std::unique_ptr<ReplayTree> out(new ReplayTree());
  for (Half& half : out->m_half) {
    PEERDB_TRY_ASSIGN(half.store, ReplayStore::Create(kCacheBytesPerHalf));
    half.tree = std::make_unique<StoredStateTree>(*half.store);
    half.worker = std::make_unique<SerialWorker>();
  }
  return out;
}

ReplayTree::~ReplayTree() {
  for (Half& half : m_half) half.worker.reset();  // before the work they do goes (m_find)
}

std::string ReplayTree::LeafName(std::string_view ns, std::string_view key) {
  std::string name;
  name.reserve(ns.size() + 1 + key.size());
  name.append(ns).push_back('\0');  // a namespace never holds a NUL (codec::IsValidName)
  name.append(key);
  return name;
}

std::future<Status> ReplayTree::Run(std::size_t i, std::function<Status(Half&)> work) {
  auto done = std::make_shared<std::promise<Status>>();
  std::future<Status> out = done->get_future();
  Half& half = m_half[i];
  half.worker->Post([&half, work = std::move(work), done] {
    if (half.failed.ok()) half.failed = work(half);
    done->set_value(half.failed);
  });
  return out;
}

Status ReplayTree::Both(std::future<Status> (&done)[2]) {
  Status first = done[0].get();
  Status second = done[1].get();
  return first.ok() ? second : first;
}

void ReplayTree::StartFind(const std::vector<KeyRef>& keys) {
  PEERDB_ASSERT(!m_find);
  m_find = std::make_unique<PendingFind>();
  PendingFind& find = *m_find;
  for (const KeyRef& k : keys) {
    auto [it, fresh] = find.leaves.try_emplace(LeafName(k.ns, k.key));
    if (!fresh) continue;
    const std::string_view name = it->first;
    find.wanted[HalfOf(state::StatePath(k.ns, k.key))].push_back(
        Lookup{name.substr(0, k.ns.size()), name.substr(k.ns.size() + 1), &it->second});
  }
  for (std::size_t i = 0; i < 2; ++i) {
    find.done[i] = Run(i, [&wanted = find.wanted[i]](Half& half) -> Status {
      for (const Lookup& l : wanted) {
        PEERDB_TRY_ASSIGN(*l.leaf, half.tree->Find(l.ns, l.key));
      }
      return Status::Ok();
    });
  }
}

Result<ReplayTree::Leaves> ReplayTree::TakeFound() {
  PEERDB_ASSERT(m_find);
  std::unique_ptr<PendingFind> find = std::move(m_find);
  PEERDB_TRY(Both(find->done));
  return std::move(find->leaves);
}

void ReplayTree::StartPut(const std::vector<state::StateLeaf>& leaves) {
  auto mine = std::make_shared<std::vector<state::StateLeaf>[]>(2);
  for (const state::StateLeaf& leaf : leaves) mine[HalfOf(state::StatePath(leaf.ns, leaf.key))].push_back(leaf);
  for (std::size_t i = 0; i < 2; ++i) {
    if (mine[i].empty()) continue;
    (void)Run(i, [mine, i](Half& half) -> Status {
      for (const state::StateLeaf& leaf : mine[i]) PEERDB_TRY(half.tree->Put(leaf));
      return Status::Ok();
    });  // an error shows in the next Take
  }
}

void ReplayTree::StartRoot() {
  for (std::size_t i = 0; i < 2; ++i) {
    PEERDB_ASSERT(!m_root[i]);
    m_root[i] = Run(i, [](Half& half) -> Status {
      if (half.tree->pending_rows() >= kHalfRowsInMemory) PEERDB_TRY(WriteHalf(half));
      PEERDB_TRY_ASSIGN(half.root, half.tree->RootPage());
      return Status::Ok();
    });
  }
}

Result<Hash32> ReplayTree::TakeRoot() {
  PEERDB_ASSERT(m_root[0] && m_root[1]);
  std::future<Status> done[2] = {std::move(*m_root[0]), std::move(*m_root[1])};
  m_root[0].reset();
  m_root[1].reset();
  PEERDB_TRY(Both(done));
  return StoredStateTree::PageHash(WholeRootPage());
}

Status ReplayTree::WriteHalf(Half& half) {
  PEERDB_TRY_ASSIGN(const std::vector<state::TreeRow> rows, half.tree->ChangedRows());
  PEERDB_TRY(half.store->WriteTreeRows(rows));
  half.tree->MarkCommitted();
  return half.store->Flush();
}

Result<std::optional<state::StateLeaf>> ReplayTree::Find(std::string_view ns, std::string_view key) {
  Result<std::optional<state::StateLeaf>> out = std::optional<state::StateLeaf>{};
  std::future<Status> done = Run(HalfOf(state::StatePath(ns, key)), [&](Half& half) -> Status {
    out = half.tree->Find(ns, key);
    return Status::Ok();  // the half's own error stays the caller's, not the half's
  });
  PEERDB_TRY(done.get());
  return out;
}

Status ReplayTree::WriteAll() {
  std::future<Status> done[2] = {Run(0, &ReplayTree::WriteHalf), Run(1, &ReplayTree::WriteHalf)};
  return Both(done);
}

StoredStateTree::Page ReplayTree::WholeRootPage() const {
  StoredStateTree::Page whole = m_half[0].root;
  std::copy(m_half[1].root.slot + 8, m_half[1].root.slot + 16, whole.slot + 8);
  return whole;
}

Status ReplayTree::ForEachLeaf(const std::function<bool(const state::StateLeaf&)>& fn) const {
  bool go_on = true;
  const auto visit = [&](const state::StateLeaf& leaf) { return go_on = fn(leaf); };
  // Every path of the first half sorts before every path of the second.
  PEERDB_TRY(m_half[0].store->ForEachLeaf(visit));
  if (!go_on) return Status::Ok();
  return m_half[1].store->ForEachLeaf(visit);
}

Result<ReplayTree::RowCursor> ReplayTree::Rows() const {
  PEERDB_TRY_ASSIGN(ReplayStore::RowCursor first, m_half[0].store->Rows());
  PEERDB_TRY_ASSIGN(ReplayStore::RowCursor second, m_half[1].store->Rows());
  return RowCursor(std::move(first), std::move(second), StoredStateTree::RootRow(WholeRootPage()));
}

ReplayTree::RowCursor::RowCursor(ReplayStore::RowCursor first, ReplayStore::RowCursor second, state::TreeRow root)
    : m_root(std::move(root)) {
  m_rows[0].emplace(std::move(first));
  m_rows[1].emplace(std::move(second));
}

Status ReplayTree::RowCursor::Fill(std::size_t half) {
  PEERDB_TRY_ASSIGN(m_head[half], m_rows[half]->Next());
  return Status::Ok();
}

Result<std::optional<state::TreeRow>> ReplayTree::RowCursor::Next() {
  if (!m_started) {
    m_started = true;
    PEERDB_TRY(Fill(0));
    PEERDB_TRY(Fill(1));
    // The root row (key 00, the first of all) of either half stands for the whole tree's.
    bool any_root = false;
    for (std::size_t i = 0; i < 2; ++i) {
      if (m_head[i] && IsRootRow(*m_head[i])) {
        any_root = true;
        PEERDB_TRY(Fill(i));
      }
    }
    if (any_root) return std::optional<state::TreeRow>{std::move(m_root)};
  }
  if (!m_head[0] && !m_head[1]) return std::optional<state::TreeRow>{};
  const std::size_t next = !m_head[1] ? 0 : !m_head[0] ? 1 : (m_head[1]->key < m_head[0]->key ? 1 : 0);
  std::optional<state::TreeRow> out = std::move(m_head[next]);
  PEERDB_TRY(Fill(next));
  return out;
}

}  // namespace peerdb::audit
