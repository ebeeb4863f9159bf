#include "peerdb/consensus/internal/round_timer.h"

#include <algorithm>

namespace peerdb::consensus {

std::uint64_t RoundTimer::Timeout(std::uint32_t r) const {
  std::uint64_t t = m_params.round_timeout_ms;
  for (std::uint32_t i = 0; i < r && t < m_params.max_round_timeout_ms; ++i) t *= 2;
  return std::min(t, m_params.max_round_timeout_ms);
}

void RoundTimer::BeginHeight(std::uint64_t now_ms) {
  m_height_start_ms = now_ms;
  m_justified_round = 0;
  m_work_seen_ms = 0;
}

void RoundTimer::EnterRound(std::uint32_t r, std::uint64_t now_ms) {
  m_round = r;
  if (r == 0) {
    m_timer_on = true;
    m_deadline_ms = now_ms + Timeout(0) + m_params.heartbeat_ms;
    return;
  }
  m_timer_on = false;
  m_resend_ms = now_ms + Timeout(r);
}

void RoundTimer::StartTimer(std::uint64_t now_ms) {
  if (m_timer_on) return;
  m_timer_on = true;
  m_deadline_ms = now_ms + Timeout(m_round);
}

bool RoundTimer::NoteJustified(std::uint32_t r) {
  if (r <= m_justified_round) return false;
  m_justified_round = r;
  return true;
}

std::uint64_t RoundTimer::Deadline(std::uint64_t parent_timestamp_ms) const {
  if (m_round != 0 || m_work_seen_ms == 0) return m_deadline_ms;
  const std::uint64_t t0 = parent_timestamp_ms + m_params.block_period_ms;
  return std::min(m_deadline_ms, std::max(t0, m_work_seen_ms) + Timeout(0));
}

}  // namespace peerdb::consensus
