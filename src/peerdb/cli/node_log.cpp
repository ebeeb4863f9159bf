#include "peerdb/cli/node_log.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

namespace peerdb::cli {
namespace {

Error CannotOpen(const std::string& path, int err) {
  return Error{Errc::kIo, "cannot open log_file " + path + ": " + std::strerror(err)};
}

// Appends each formatted record with one write(2) on an O_APPEND descriptor: lines from several
// processes (or a copytruncate rotation) never interleave within a line, and nothing is buffered
// that a crash could lose.
class AppendFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit AppendFileSink(int fd) : m_fd(fd) {}
  ~AppendFileSink() override { ::close(m_fd); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t n = ::write(m_fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // a full disk loses log lines, never the node
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  void flush_() override {}

 private:
  int m_fd;
};

class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string line = JsonLogLine(msg.time, msg.level, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLineFormatter>(); }
};

std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

// "2026-01-31T09:00:00.123Z"
std::string IsoUtc(std::chrono::system_clock::time_point time) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(time).time_since_epoch().count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(ms % 1000));
  return text;
}

}  // namespace

std::string JsonLogLine(std::chrono::system_clock::time_point time, spdlog::level::level_enum level,
                        std::string_view message) {
  nlohmann::ordered_json line;  // ordered: time first, as people read it
  line["time"] = IsoUtc(time);
  line["level"] = LevelName(level);
  line["message"] = message;
  return line.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

Result<std::shared_ptr<spdlog::logger>> MakeNodeLogger(const node::NodeConfig& config) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (config.log_file.empty()) {
    // Text to stderr keeps spdlog's colour sink (colour only on a terminal), as before.
    if (config.log_format == node::LogFormat::kText) {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    }
  } else {
    const int fd = ::open(config.log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return CannotOpen(config.log_file, errno);
    sink = std::make_shared<AppendFileSink>(fd);
  }
  if (config.log_format == node::LogFormat::kJson) sink->set_formatter(std::make_unique<JsonLineFormatter>());
  return std::make_shared<spdlog::logger>("peerdb", std::move(sink));
}

Status CheckNodeLog(const node::NodeConfig& config) {
  if (config.log_file.empty()) return Status::Ok();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(config.log_file, ec)) return CannotOpen(config.log_file, EISDIR);
  if (fs::exists(config.log_file, ec)) {
    if (::access(config.log_file.c_str(), W_OK) != 0) return CannotOpen(config.log_file, errno);
    return Status::Ok();
  }
  // Not there yet: the start creates it, which takes a directory this user may write in.
  fs::path dir = fs::path(config.log_file).parent_path();
  if (dir.empty()) dir = ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return CannotOpen(config.log_file, errno);
  return Status::Ok();
}

}  // namespace peerdb::cli
