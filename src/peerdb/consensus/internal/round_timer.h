// The round being run at the height being decided and its timers (PROTOCOL.md §2.2, §2.3):
//   the round number, and when the height started;
//   the round timer: round 0 runs it from entering the height (heartbeat_ms + timeout(0)); a round
//     r > 0 waits until MAJ members are known to have promised r or above (the machine decides
//     when: RoundSynced), re-sending its RoundChange every timeout(r) meanwhile, then runs timeout(r);
//   the highest round of a proposal at this height whose justification verified (it proves MAJ
//     promises), and when pending work was first held (it shortens round 0 for an idle proposer).
// timeout(r) = round_timeout_ms doubled r times, capped at max_round_timeout_ms.
// Time is always an argument: the timer reads no clock. Timers affect liveness only, never safety.
// Thread-safety: a value type; not thread-safe, like the Machine that owns it.
#pragma once

#include <cstdint>

#include "peerdb/chain/config.h"

namespace peerdb::consensus {

class RoundTimer {
 public:
  explicit RoundTimer(const chain::Params& params) : m_params(params) {}
  // A new epoch's parameters (§5.3), from the next height on.
  void SetParams(const chain::Params& params) { m_params = params; }

  std::uint64_t Timeout(std::uint32_t r) const;

  std::uint32_t round() const { return m_round; }
  // Sets the round without starting its timer: a restarted member resumes its promised round, and
  // the first step starts it (EnterRound).
  void Resume(std::uint32_t r) { m_round = r; }

  // A new height at `now_ms`: no justified round, no pending work seen yet.
  void BeginHeight(std::uint64_t now_ms);
  std::uint64_t height_start_ms() const { return m_height_start_ms; }

  // Enters round `r` at `now_ms`. Round 0: the timer runs, due at now + heartbeat_ms + timeout(0).
  // Round r > 0: the timer waits (timer_on() false) and the RoundChange re-send is due at
  // now + timeout(r); the caller starts the timer when the round is synchronised (StartTimer).
  void EnterRound(std::uint32_t r, std::uint64_t now_ms);
  // Starts the waiting round's timer at `now_ms`: due at now + timeout(round). No-op if it runs.
  void StartTimer(std::uint64_t now_ms);
  bool timer_on() const { return m_timer_on; }

  // While waiting: when the member's RoundChange for this round goes out again.
  std::uint64_t resend_ms() const { return m_resend_ms; }
  void ScheduleResend(std::uint64_t at_ms) { m_resend_ms = at_ms; }

  // A proposal for round `r` with a verified justification was seen. True if `r` is above every
  // such round before (the round may now be synchronised).
  bool NoteJustified(std::uint32_t r);
  std::uint32_t justified_round() const { return m_justified_round; }

  // Pending work (batches, unrecorded evidence) is held at `now_ms`; only the first time counts.
  void NoteWork(std::uint64_t now_ms) {
    if (m_work_seen_ms == 0) m_work_seen_ms = now_ms;
  }
  std::uint64_t work_seen_ms() const { return m_work_seen_ms; }

  // When the running timer expires. In round 0 with pending work it is earlier: an idle proposer
  // is then a silent one and gets timeout(0) after its earliest proposal time (parent timestamp +
  // block_period_ms), like any later round. Only earlier liveness, never a different safety rule.
  // REQUIRES: timer_on().
  std::uint64_t Deadline(std::uint64_t parent_timestamp_ms) const;
  // The next time the round needs the member: the deadline of a running timer, else the re-send.
  std::uint64_t NextWakeupMs(std::uint64_t parent_timestamp_ms) const {
    return m_timer_on ? Deadline(parent_timestamp_ms) : m_resend_ms;
  }

 private:
  chain::Params m_params;
  std::uint32_t m_round = 0;
  std::uint64_t m_height_start_ms = 0;
  std::uint64_t m_deadline_ms = 0;   // valid while m_timer_on
  bool m_timer_on = true;            // false: waiting in m_round > 0 for MAJ promises >= m_round
  std::uint64_t m_resend_ms = 0;     // valid while !m_timer_on
  std::uint32_t m_justified_round = 0;
  std::uint64_t m_work_seen_ms = 0;  // 0: no pending work seen at this height yet
};

}  // namespace peerdb::consensus
