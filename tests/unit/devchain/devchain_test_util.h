// Shared pieces of the devchain tests: a settable clock, a temporary data directory, and a header
// source reading a Calendar directly (the HTTP tests use EsploraHeaderSource instead).
#pragma once

#include <atomic>
#include <filesystem>
#include <random>
#include <string>

#include "peerdb/devchain/calendar.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/verify.h"
#include "peerdb/util/clock.h"

namespace peerdb::devchain::testing {

class FakeClock final : public util::Clock {
 public:
  explicit FakeClock(std::uint64_t now_ms = 1'700'000'000'000ULL) : m_now(now_ms) {}
  std::uint64_t NowMs() const override { return m_now.load(); }
  std::uint64_t MonotonicMs() const override { return m_now.load(); }
  void Advance(std::uint64_t ms) { m_now += ms; }

 private:
  std::atomic<std::uint64_t> m_now;
};

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() / ("peerdb-devchain-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return m_path.string(); }

 private:
  std::filesystem::path m_path;
};

class CalendarHeaderSource final : public ots::HeaderSource {
 public:
  explicit CalendarHeaderSource(Calendar& cal) : m_cal(cal) {}
  Result<ots::BlockHeader> HeaderAt(std::uint64_t height) override {
    auto meta = m_cal.BlockAt(height);
    if (!meta) return Error{Errc::kNotFound, "no block " + std::to_string(height)};
    return meta->header;
  }
  Result<std::uint64_t> TipHeight() override { return m_cal.Tip().height; }

 private:
  Calendar& m_cal;
};

inline Hash32 DigestOf(const std::string& text) { return crypto::Sha256(AsBytes(text)); }

}  // namespace peerdb::devchain::testing
