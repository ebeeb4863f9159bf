#include "peerdb/anchor/anchor_status.h"

#include <algorithm>
#include <tuple>

namespace peerdb::anchor {
namespace {

bool Earlier(const CoveringAnchor& a, const CoveringAnchor& b) {
  return std::tie(a.btc_height, a.digest) < std::tie(b.btc_height, b.digest);
}

}  // namespace

chain::StatusHeights HeightsOf(const std::vector<CoveringAnchor>& confirmed) {
  std::vector<chain::AnchorCoverage> coverage;
  for (const CoveringAnchor& a : confirmed) coverage.push_back(chain::AnchorCoverage{a.height, a.unanimous});
  return chain::HeightsFromAnchors(coverage);
}

std::vector<FixedRange> FixedRanges(const std::vector<CoveringAnchor>& confirmed, std::uint64_t head) {
  std::vector<FixedRange> out;
  if (head == 0) return out;
  std::vector<CoveringAnchor> by_height;
  for (const CoveringAnchor& a : confirmed) {
    if (a.height >= 1 && a.height <= head) by_height.push_back(a);
  }
  std::sort(by_height.begin(), by_height.end(), [](const CoveringAnchor& a, const CoveringAnchor& b) {
    return a.height < b.height;
  });
  // best[i] = the earliest anchor among by_height[i..]: it fixes the blocks up to by_height[i].height.
  std::vector<CoveringAnchor> best(by_height.size());
  for (std::size_t i = by_height.size(); i-- > 0;) {
    best[i] = (i + 1 < by_height.size() && Earlier(best[i + 1], by_height[i])) ? best[i + 1] : by_height[i];
  }
  std::uint64_t next = 1;
  for (std::size_t i = 0; i < by_height.size(); ++i) {
    const std::uint64_t last = by_height[i].height;
    if (last < next) continue;
    if (!out.empty() && out.back().by && out.back().by->digest == best[i].digest &&
        out.back().by->btc_block_hash == best[i].btc_block_hash) {
      out.back().last = last;
    } else {
      out.push_back(FixedRange{next, last, best[i]});
    }
    next = last + 1;
  }
  if (next <= head) out.push_back(FixedRange{next, head, std::nullopt});
  return out;
}

}  // namespace peerdb::anchor
