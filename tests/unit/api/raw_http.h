// Raw TCP connections for the API server tests: send arbitrary bytes (garbage, partial requests)
// and observe what comes back and whether the server closes the connection.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace peerdb::api::testing {

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Reset();
  }
  ~RawConnection() { Reset(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return m_fd >= 0; }

  // Sends everything it can; false once the peer has closed or reset.
  bool Send(std::string_view data) {
    while (!data.empty() && m_fd >= 0) {
      const ssize_t n = ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return m_fd >= 0;
  }

  // Reads until the peer closes, `stop_at` appears in the input, or `wait` passes.
  std::string Read(std::chrono::milliseconds wait, std::string_view stop_at = {}) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::string out;
    while (m_fd >= 0 && !m_closed) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[65536];
      const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
      if (n <= 0) {
        m_closed = true;  // orderly close or reset
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
      if (!stop_at.empty() && out.find(stop_at) != std::string::npos) break;
    }
    return out;
  }

  bool closed_by_peer() const { return m_closed; }
  void Close() { Reset(); }

 private:
  void Reset() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }
  int m_fd = -1;
  bool m_closed = false;
};

// "HTTP/1.1 404 Not Found..." -> 404; 0 if there is no status line.
inline int StatusOf(std::string_view response) {
  if (response.size() < 12 || response.substr(0, 5) != "HTTP/") return 0;
  return std::stoi(std::string(response.substr(9, 3)));
}

inline std::string BodyOf(std::string_view response) {
  const auto p = response.find("\r\n\r\n");
  return p == std::string_view::npos ? std::string() : std::string(response.substr(p + 4));
}

}  // namespace peerdb::api::testing
