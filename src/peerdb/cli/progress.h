// A one-line progress bar on stderr for long CLI runs ("stamp" over many files). It redraws with
// '\r' at most ten times a second and ends with a newline, so nothing else may be printed to
// stderr while it is active. Disabled, it prints nothing.
// Thread-safety: Add() may be called from any thread; Tick()/Finish() from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

namespace peerdb::cli {

class Progress {
 public:
  Progress(bool enabled, std::string label, std::size_t total);
  ~Progress() { Finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(std::size_t n = 1) { m_done.fetch_add(n, std::memory_order_relaxed); }
  // Redraws if at least 100 ms passed since the last drawing.
  void Tick();
  // Draws the final state and ends the line (once).
  void Finish();

  // Whether a progress bar should be shown: forced by --progress / --no-progress, otherwise only
  // when stderr is a terminal and the run is large.
  static bool ShouldShow(int flag, std::size_t items);  // flag: 1 on, 0 off, -1 auto

 private:
  void Draw();

  const bool m_enabled;
  const std::string m_label;
  const std::size_t m_total;
  std::atomic<std::size_t> m_done{0};
  std::chrono::steady_clock::time_point m_last{};
  bool m_finished = false;
};

}  // namespace peerdb::cli
