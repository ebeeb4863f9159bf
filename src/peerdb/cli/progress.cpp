#include "peerdb/cli/progress.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace peerdb::cli {
namespace {
constexpr std::size_t kAutoMinItems = 1000;
constexpr int kBarWidth = 30;
}  // namespace

Progress::Progress(bool enabled, std::string label, std::size_t total)
    : m_enabled(enabled), m_label(std::move(label)), m_total(total) {}

bool Progress::ShouldShow(int flag, std::size_t items) {
  if (flag >= 0) return flag == 1;
  return items >= kAutoMinItems && ::isatty(STDERR_FILENO) == 1;
}

void Progress::Tick() {
  if (!m_enabled || m_finished) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - m_last < std::chrono::milliseconds(100)) return;
  m_last = now;
  Draw();
}

void Progress::Finish() {
  if (!m_enabled || m_finished) return;
  Draw();
  std::fputc('\n', stderr);
  std::fflush(stderr);
  m_finished = true;
}

void Progress::Draw() {
  const std::size_t done = std::min(m_done.load(std::memory_order_relaxed), m_total);
  const int filled = m_total == 0 ? kBarWidth : static_cast<int>(done * kBarWidth / m_total);
  const int percent = m_total == 0 ? 100 : static_cast<int>(done * 100 / m_total);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kBarWidth, ' ');
  std::fprintf(stderr, "\r%s [%s] %3d%% %zu/%zu", m_label.c_str(), bar.c_str(), percent, done, m_total);
  std::fflush(stderr);
}

}  // namespace peerdb::cli
