// Result<T>, Error and Errc: expected failures as values (never exceptions).
// Thread-safety: value types; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace peerdb {

// Errc numbers are protocol and documented in docs/errors.md: append, never renumber.
enum class Errc : std::uint16_t {
  kOk = 0,
  kMalformed = 100,      // bytes or text that do not parse or are not canonical
  kBadSignature = 101,   // a signature that does not verify
  kNotMember = 102,      // signer or peer is not a member of the consortium
  kInvalid = 103,        // well-formed but breaks a rule (link, root, seq, ...)
  kTooLarge = 104,       // a size limit was exceeded
  kBadVersion = 105,     // unknown version number
  kForbidden = 200,      // not authorised by the namespace rules
  kUnknownNamespace = 201,
  kNotAReader = 202,     // an encrypted record this member is not a reader of (§1.4)
  kNotFound = 300,
  kConflict = 301,       // e.g. output file exists, double signing attempt
  kUnavailable = 302,    // temporarily cannot serve (shutting down, not ready)
  kErased = 303,         // the value was erased by an erase op; its commitment remains (§1.4)
  kIo = 400,             // filesystem or database failure
  kCorrupt = 401,        // stored data fails verification
  kConfig = 402,         // a configuration file or flag is wrong
  kInternal = 500,
};

std::string_view ErrcName(Errc code);

struct Error {
  Errc code = Errc::kInternal;
  std::string message;

  Error() = default;
  Error(Errc c, std::string msg) : code(c), message(std::move(msg)) {}
  // Prepends context, e.g. "block 12: " + message.
  Error Context(std::string_view what) const;
  std::string ToString() const;
};

// A value or an Error. Cheap to move; checking ok() before value() is the caller's duty.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Error error) : m_v(std::move(error)) {}      // NOLINT
  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T* operator->() { return &std::get<0>(m_v); }
  const T* operator->() const { return &std::get<0>(m_v); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(m_v); }
  Error&& take_error() { return std::get<1>(std::move(m_v)); }

 private:
  std::variant<T, Error> m_v;
};

// Status: a Result without a value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : m_error(std::move(error)), m_failed(true) {}  // NOLINT
  static Status Ok() { return {}; }
  bool ok() const { return !m_failed; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return m_error; }
  Error&& take_error() { return std::move(m_error); }

 private:
  Error m_error;
  bool m_failed = false;
};

}  // namespace peerdb

#define PEERDB_CONCAT_INNER(a, b) a##b
#define PEERDB_CONCAT(a, b) PEERDB_CONCAT_INNER(a, b)

// PEERDB_TRY(expr): return the error of a Status/Result expression.
#define PEERDB_TRY(expr)                                          \
  do {                                                            \
    auto&& peerdb_try_r = (expr);                                 \
    if (!peerdb_try_r.ok()) return peerdb_try_r.take_error();     \
  } while (0)

// PEERDB_TRY_ASSIGN(decl, expr): decl = value of a Result, or return its error.
#define PEERDB_TRY_ASSIGN(decl, expr) \
  PEERDB_TRY_ASSIGN_IMPL(PEERDB_CONCAT(peerdb_try_tmp_, __LINE__), decl, expr)
#define PEERDB_TRY_ASSIGN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                            \
  if (!tmp.ok()) return tmp.take_error();       \
  decl = std::move(tmp).value()
