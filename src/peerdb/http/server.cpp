#include "peerdb/http/server.h"

#include <exception>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "peerdb/http/internal/session.h"

namespace peerdb::http {

namespace {

namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

}  // namespace

struct Server::Impl {
  Impl(Handler& handler, const ServerOptions& options)
      : shared(std::make_shared<internal::Shared>(
            handler, options,
            internal::RawClosingAnswer(handler.Refuse(Refusal::kTooManyConnections, ""), options.server_header))) {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // E.g. out of file descriptors: try again shortly instead of spinning.
        spdlog::warn("{}: accept failed: {}", shared->options.log_name, ec.message());
        retry_timer.expires_after(kAcceptRetryDelay);
        retry_timer.async_wait([this](error_code wec) {
          if (!wec) Accept();
        });
        return;
      }
      if (shared->connections.load() >= shared->options.limits.max_connections) {
        internal::Reject(std::move(socket), shared);
      } else {
        internal::Serve(std::move(socket), shared);
      }
      Accept();
    });
  }

  void ScheduleTick() {
    tick_timer.expires_after(shared->options.tick_interval);
    tick_timer.async_wait([this](error_code ec) {
      if (ec) return;
      shared->handler.OnTick();
      ScheduleTick();
    });
  }

  void RunLoop() {
    while (true) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("{}: unexpected exception in the server loop: {}", shared->options.log_name, e.what());
      }
    }
  }

  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry_timer{ioc};
  net::steady_timer tick_timer{ioc};
  std::shared_ptr<internal::Shared> shared;
  std::thread thread;
  std::uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;
};

Result<std::unique_ptr<Server>> Server::Bind(Handler& handler, const ListenAddress& listen, const ServerOptions& options) {
  error_code ec;
  const net::ip::address address = net::ip::make_address(listen.host, ec);
  if (ec) return Error{Errc::kConfig, "listen address \"" + listen.text + "\": host must be an IP address"};
  const tcp::endpoint endpoint(address, listen.port);
  auto impl = std::make_unique<Impl>(handler, options);
  auto fail = [&](const char* step) {
    return Error{Errc::kIo, "cannot listen on " + listen.text + " (" + step + "): " + ec.message()};
  };
  impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("reuse_address");
  impl->acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  impl->port = impl->acceptor.local_endpoint(ec).port();
  if (ec) return fail("local_endpoint");
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Result<std::unique_ptr<Server>> Server::Start(Handler& handler, const ListenAddress& listen, const ServerOptions& options) {
  PEERDB_TRY_ASSIGN(std::unique_ptr<Server> server, Bind(handler, listen, options));
  server->Run();
  return server;
}

void Server::Run() {
  m_impl->Accept();
  if (m_impl->shared->options.tick_interval.count() > 0) m_impl->ScheduleTick();
  Impl* raw = m_impl.get();
  m_impl->thread = std::thread([raw] { raw->RunLoop(); });
}

Server::Server(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Server::~Server() { Stop(); }

std::uint16_t Server::port() const { return m_impl->port; }

void Server::Stop() {
  {
    std::lock_guard lock(m_impl->stop_mu);
    if (m_impl->stopped) return;
    m_impl->stopped = true;
  }
  {
    std::lock_guard lock(m_impl->shared->gate_mu);
    m_impl->shared->open = false;
  }
  m_impl->ioc.stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
  error_code ignored;
  m_impl->acceptor.close(ignored);
  // Sessions still queued in the io_context are destroyed with it, in ~Impl.
}

}  // namespace peerdb::http
