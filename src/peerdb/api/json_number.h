// Whether a JSON number survives being held as a double.
//
// nlohmann::json keeps integers that fit int64 or uint64 exactly and turns every other number into
// a double, and a put stores that double's shortest round-trip text. The value is kept only when
// that text denotes the same decimal number as the text sent: "0.1", "1.50", "2e3" and
// "100000000000000000000" are kept (stored "0.1", "1.5", "2000.0", "1e+20"); "18446744073709551616",
// "0.1000000000000000000001" and "1e-400" are not. The comparison is done on the decimal digits,
// never with floating-point arithmetic.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace peerdb::api {

// `text` is a JSON number (RFC 8259 grammar; the point may be any single character, as nlohmann's
// lexer hands over the locale's) and `value` the double parsed from it. True when `value` is finite
// and its serialisation denotes the same decimal value as `text` (-0 and 0 count as equal). False
// for text that is not a JSON number.
bool DoubleKeepsValue(std::string_view text, double value);

}  // namespace peerdb::api
