#include "peerdb/api/json_number.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace peerdb::api {

namespace {

// A decimal number as digits × 10^exponent, with no leading or trailing zeros in `digits`, so two
// texts denote the same value exactly when their Decimals are equal. Zero has no digits and no sign.
struct Decimal {
  bool negative = false;
  std::string digits;
  std::int64_t exponent = 0;
  bool operator==(const Decimal&) const = default;
};

// Exponents stop growing here: a text may say 1e99999999999999999999, and no double's text has an
// exponent within this distance of it, even after shifting by the length of an 8 MiB body.
constexpr std::int64_t kExponentCap = 1'000'000'000'000'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<Decimal> ParseDecimal(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  Decimal out;
  if (i < n && text[i] == '-') {
    out.negative = true;
    ++i;
  }
  std::string digits;
  const std::size_t int_start = i;
  while (i < n && IsDigit(text[i])) digits.push_back(text[i++]);
  if (i == int_start) return std::nullopt;
  std::int64_t fraction_digits = 0;
  if (i < n && text[i] != 'e' && text[i] != 'E') {  // the decimal point
    ++i;
    const std::size_t frac_start = i;
    while (i < n && IsDigit(text[i])) digits.push_back(text[i++]);
    if (i == frac_start) return std::nullopt;
    fraction_digits = static_cast<std::int64_t>(i - frac_start);
  }
  std::int64_t exponent = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) exponent_negative = text[i++] == '-';
    const std::size_t exp_start = i;
    for (; i < n && IsDigit(text[i]); ++i) {
      if (exponent < kExponentCap) exponent = exponent * 10 + (text[i] - '0');
    }
    if (i == exp_start) return std::nullopt;
    if (exponent_negative) exponent = -exponent;
  }
  if (i != n) return std::nullopt;

  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Decimal{};  // zero, whatever its sign or exponent
  const std::size_t last = digits.find_last_not_of('0');
  out.digits = digits.substr(first, last - first + 1);
  out.exponent = exponent - fraction_digits + static_cast<std::int64_t>(digits.size() - 1 - last);
  return out;
}

}  // namespace

bool DoubleKeepsValue(std::string_view text, double value) {
  if (!std::isfinite(value)) return false;
  const std::optional<Decimal> sent = ParseDecimal(text);
  // What a put stores for this number (DumpJson of the parsed document).
  const std::optional<Decimal> kept = ParseDecimal(nlohmann::json(value).dump());
  return sent && kept && *sent == *kept;
}

}  // namespace peerdb::api
