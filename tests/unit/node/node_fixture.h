// Shared helpers for the node tests: a temp directory per test, a one-member consortium with a real
// key, the files a node needs (key, consortium.toml, data dir), and a way to wait for a Service
// callback (which runs on the node thread) with a timeout.
// Thread-safety: Reply<T> may be completed from any thread; the rest is for the test thread.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/chain/tx.h"
#include "peerdb/node/consortium_file.h"
#include "peerdb/node/identity.h"
#include "peerdb/node/node_config.h"
#include "peerdb/node/service.h"
#include "peerdb/util/result.h"
#include "../common/errc_of.h"

namespace peerdb::node::test {

inline constexpr std::chrono::milliseconds kWait{10'000};

// A fresh, empty directory named after the running test.
std::string TempDir();

void WriteText(const std::string& path, const std::string& text);
std::string ReadText(const std::string& path);

// The member card of `key` as a consortium member.
chain::Member MemberOf(const MemberKey& key, chain::MemberId id, std::string name);

// One member (id 1, "alpha") and two namespaces: "app" (owner-edit) and "log" (append-only).
// A heartbeat far above the block period keeps an idle test chain from growing.
chain::Genesis OneMemberGenesis(const MemberKey& key, std::uint64_t block_period_ms = 5,
                                std::uint64_t heartbeat_ms = 60'000, std::string description = "node test chain");

// Writes `dir`/member.key (unless it exists) and `dir`/consortium.toml; data_dir is `dir`/data.
NodeConfig WriteNodeFiles(const std::string& dir, const chain::Genesis& genesis, const MemberKey& key);

chain::Op Put(std::string ns, std::string key, std::string_view value);
chain::Op Del(std::string ns, std::string key);

// A Service callback that fulfils a future, so the test thread can wait for it with a timeout.
template <class T>
class Reply {
 public:
  Reply() : m_promise(std::make_shared<std::promise<Result<T>>>()), m_future(m_promise->get_future()) {}
  Callback<T> Sink() const {
    return [promise = m_promise](Result<T> r) { promise->set_value(std::move(r)); };
  }
  bool ready() const { return m_future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
  // The result, or kInternal "timed out" when the callback did not run within `timeout`.
  Result<T> Wait(std::chrono::milliseconds timeout = kWait) {
    if (m_future.wait_for(timeout) != std::future_status::ready) return Error{Errc::kInternal, "timed out"};
    return m_future.get();
  }

 private:
  std::shared_ptr<std::promise<Result<T>>> m_promise;
  std::future<Result<T>> m_future;
};

// Calls `call(callback)` and waits for the callback.
template <class T, class F>
Result<T> Await(F&& call, std::chrono::milliseconds timeout = kWait) {
  Reply<T> reply;
  call(reply.Sink());
  return reply.Wait(timeout);
}

inline Result<SubmitReceipt> SubmitAndWait(Service& service, std::vector<chain::Op> ops,
                                           std::chrono::milliseconds timeout = kWait) {
  return Await<SubmitReceipt>([&](Callback<SubmitReceipt> cb) { service.Submit(std::move(ops), std::move(cb)); },
                              timeout);
}

}  // namespace peerdb::node::test
