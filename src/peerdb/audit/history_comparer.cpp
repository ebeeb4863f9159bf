#include "peerdb/audit/history_comparer.h"

namespace peerdb::audit {

Result<std::unique_ptr<HistoryComparer>> HistoryComparer::Open(const std::string& db_path) {
  PEERDB_TRY_ASSIGN(std::unique_ptr<store::Store> db, store::Store::Open(db_path, store::OpenMode::kReadOnly));
  return std::unique_ptr<HistoryComparer>(new HistoryComparer(std::move(db)));
}

HistoryComparer::HistoryComparer(std::unique_ptr<store::Store> db)
    : m_db(std::move(db)), m_thread([this] { Run(); }) {}

HistoryComparer::~HistoryComparer() {
  m_queue.Close();
  if (m_thread.joinable()) m_thread.join();
}

void HistoryComparer::Push(std::uint64_t h, const Hash32& id, std::vector<state::Write> writes) {
  m_queue.Push(Block{h, id, std::move(writes)});
}

CheckOutcome HistoryComparer::Finish() {
  m_queue.Close();
  if (m_thread.joinable()) m_thread.join();
  return m_failure;
}

void HistoryComparer::Run() {
  while (auto b = m_queue.Pop()) {
    if (m_failure) continue;  // drain: the first failure is the one reported
    m_failure = Compare(*b);
  }
}

CheckOutcome HistoryComparer::Compare(const Block& b) const {
  for (const state::Write& w : b.writes) {
    auto stored = m_db->LoadHistoryVersion(w.ns, w.key, w.state.version);
    if (!stored.ok()) return AuditFailure{std::nullopt, stored.error().Context("reading history")};
    const std::string row = "history row " + w.ns + "/" + w.key + " v" + std::to_string(w.state.version);
    const std::string block = "block " + std::to_string(b.height);
    if (!*stored) return AuditFailure{b.height, Error{Errc::kCorrupt, row + " from " + block + " is missing"}};
    const store::HistoryEntry& e = **stored;
    if (e.state != w.state || e.height != b.height || e.block_id != b.id || e.author != w.author || e.seq != w.seq ||
        e.op_index != w.op_index) {
      return AuditFailure{b.height, Error{Errc::kCorrupt, row + " differs from " + block}};
    }
  }
  return std::nullopt;
}

}  // namespace peerdb::audit
