// main(): wires the HTTP API into the command line (both are level 6, so neither includes the other).
#include "peerdb/api/http_server.h"
#include "peerdb/cli/cli.h"

namespace {
class ApiHandle final : public peerdb::cli::RunningApi {
 public:
  explicit ApiHandle(std::unique_ptr<peerdb::api::ApiServer> server) : m_server(std::move(server)) {}
  std::uint16_t port() const override { return m_server->port(); }
  void Stop() override { m_server->Stop(); }

 private:
  std::unique_ptr<peerdb::api::ApiServer> m_server;
};
}  // namespace

int main(int argc, char** argv) {
  auto launcher = [](peerdb::node::Service& service,
                     const std::string& listen) -> peerdb::Result<std::unique_ptr<peerdb::cli::RunningApi>> {
    auto server = peerdb::api::ApiServer::Start(service, listen);
    if (!server.ok()) return server.error();
    return std::unique_ptr<peerdb::cli::RunningApi>(new ApiHandle(std::move(*server)));
  };
  return peerdb::cli::Run(argc, argv, launcher);
}
