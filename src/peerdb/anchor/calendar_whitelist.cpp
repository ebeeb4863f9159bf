// CalendarWhitelist: which calendar URLs a pending attestation may send the client to.
// The reference (PY calendar.py UrlWhitelist) fnmatch-es the whole netloc, user info and port
// included, case-sensitively. Here both sides are parsed with ParseUrl first, so user info,
// fragments and control characters never match, the port is compared as a number, the host
// case-insensitively, and '*' may only stand for whole leading DNS labels.
#include <algorithm>
#include <cctype>
#include <string>

#include "peerdb/anchor/calendar_client.h"
#include "peerdb/http/url.h"

namespace peerdb::anchor {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The path without trailing slashes ("" for "/").
std::string_view TrimPath(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

// One or more non-empty labels of [a-z0-9-] separated by single dots (already lower case).
bool IsLabels(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

// Host of a pattern against the host of a URL; both lower case.
bool HostMatches(std::string_view pattern, std::string_view host) {
  if (pattern.starts_with("*.")) {
    const std::string_view suffix = pattern.substr(1);  // ".calendar.example.org"
    if (suffix.find('*') != std::string_view::npos || !IsLabels(suffix.substr(1))) return false;
    if (host.size() <= suffix.size() || !host.ends_with(suffix)) return false;
    return IsLabels(host.substr(0, host.size() - suffix.size()));
  }
  if (pattern.find('*') != std::string_view::npos) return false;
  return pattern == host;
}

bool Matches(const http::Url& pattern, const http::Url& url) {
  return pattern.tls == url.tls && pattern.port == url.port && TrimPath(pattern.target) == TrimPath(url.target) &&
         HostMatches(Lower(pattern.host), Lower(url.host));
}

// The parsed forms of a pattern: a pattern without a scheme stands for http:// and https://
// (as the reference's UrlWhitelist.add).
std::vector<http::Url> ParsePattern(std::string_view pattern) {
  std::vector<http::Url> out;
  if (pattern.find("://") == std::string_view::npos) {
    for (const char* scheme : {"http://", "https://"}) {
      auto u = http::ParseUrl(scheme + std::string(pattern));
      if (u.ok()) out.push_back(std::move(*u));
    }
  } else if (auto u = http::ParseUrl(pattern); u.ok()) {
    out.push_back(std::move(*u));
  }
  return out;
}

}  // namespace

Status CalendarWhitelist::CheckPattern(std::string_view pattern) {
  const std::string p(pattern);
  const std::vector<http::Url> parsed = ParsePattern(pattern);
  if (parsed.empty()) {
    auto why = http::ParseUrl(pattern.find("://") == std::string_view::npos ? "https://" + p : p);
    return Error{Errc::kConfig, "whitelist pattern \"" + p + "\": " + (why.ok() ? "invalid" : why.error().message)};
  }
  for (const http::Url& u : parsed) {
    if (u.target.find('?') != std::string::npos) {
      return Error{Errc::kConfig, "whitelist pattern \"" + p + "\": a query is not allowed"};
    }
    const std::string host = Lower(u.host);
    const std::size_t star = host.find('*');
    if (star == std::string::npos) continue;
    if (star != 0 || !host.starts_with("*.") || host.find('*', 1) != std::string::npos || !IsLabels(host.substr(2))) {
      return Error{Errc::kConfig, "whitelist pattern \"" + p + "\": '*' may only be the first label, as in "
                                  "https://*.calendar.example.org"};
    }
  }
  return Status::Ok();
}

bool CalendarWhitelist::Allows(std::string_view url_text) const {
  auto url = http::ParseUrl(url_text);  // rejects user info, fragments, spaces and control characters
  if (!url.ok() || url->target.find('?') != std::string::npos) return false;
  if (url->host.find('*') != std::string::npos) return false;  // a URL is never a pattern
  return std::any_of(m_patterns.begin(), m_patterns.end(), [&](const std::string& pattern) {
    const std::vector<http::Url> forms = ParsePattern(pattern);
    return std::any_of(forms.begin(), forms.end(), [&](const http::Url& p) {
      return p.target.find('?') == std::string::npos && Matches(p, *url);
    });
  });
}

}  // namespace peerdb::anchor
