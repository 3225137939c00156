// What would work when schedule_filters cannot meet a target: the nearest targets the same tiles
// reach, a fixed number of shifts, and (on double-shift PEs) single-shift tiles. The text is
// appended to the one-line ScheduleError so that a user can pass a suggestion straight back.
#include <cstdint>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/compiler/schedule.h"
#include "lib/compiler/schedule/schedule_internal.h"

namespace swis {
namespace schedule_detail {
namespace {

// T * F can pass 64 bits (T's numerator up to 8 * 10^12, F up to 2^40), so compare in 128.
__extension__ typedef __int128 Wide;

constexpr int64_t kDecimalScale = 1000000000000;  // parse_target takes 12 decimal places

// Of the filter-shift totals equal-weight filters reach on their tiles: the largest below T * F
// and the least above it whose average total / F is a decimal parse_target accepts, and whether
// T * F itself is one.
struct Reach {
  std::optional<int64_t> below, above;
  bool exact = false;
};

// Tiles are `full` of C filters and maybe one of `rest`; each takes an allowed N. The full tiles'
// N sum to every S in [full * lowest, full * 8] in steps of the PE's step (raise one N by one step
// at a time), and they add C * S; the partial tile adds rest * N. So the totals are exactly
// C * S + rest * N, which is at most 8 * 8 * (7 F / C + 1) pairs to try.
Reach reach(int64_t filters, int64_t cols, bool ds, const TargetRatio& t) {
  const int lowest = ds ? 2 : 1, step = ds ? 2 : 1;
  const int64_t full = filters / cols, rest = filters % cols;
  // total / F is a decimal of at most 12 places iff its reduced denominator divides 10^12, i.e.
  // iff total is a multiple of F / gcd(F, 10^12).
  const int64_t q = filters / std::gcd(filters, kDecimalScale);
  const Wide goal = static_cast<Wide>(t.num) * filters;  // compared with total * den
  Reach r;
  for (int64_t s = full * lowest; s <= full * kMaxScheduleShifts; s += step) {
    for (int n = rest > 0 ? lowest : 0; n <= (rest > 0 ? kMaxScheduleShifts : 0); n += step) {
      const int64_t total = cols * s + rest * n;
      const Wide scaled = static_cast<Wide>(total) * t.den;
      if (scaled == goal) r.exact = true;
      if (total % q != 0) continue;
      if (scaled < goal && (!r.below || total > *r.below)) r.below = total;
      if (scaled > goal && (!r.above || total < *r.above)) r.above = total;
    }
  }
  return r;
}

std::string average_text(int64_t total, int64_t filters) {
  const int64_t g = std::gcd(total, filters);
  return decimal_product(TargetRatio{total / g, filters / g}, 1);
}

bool all_equal(const std::vector<int64_t>& w) {
  for (int64_t x : w) {
    if (x != w.front()) return false;
  }
  return true;
}

}  // namespace

std::string unreachable_target_hint(const ScheduleProblem& p) {
  const TargetRatio t = parse_target(p.target);
  const std::string text = trim(p.target);
  const int64_t filters = static_cast<int64_t>(p.error.size());
  // Only with equal weights is the set of reachable averages the simple one `reach` counts; with
  // unequal weights a tile's share depends on which filters it holds.
  const bool equal = all_equal(p.weights);
  std::vector<std::string> options;
  bool named_targets = false;

  if (equal) {
    const Reach r = reach(filters, p.array_cols, p.double_shift, t);
    std::string targets;
    for (const auto& total : {r.below, r.above}) {
      if (!total) continue;
      targets += (targets.empty() ? "" : " or ") + std::string("--target ") +
                 average_text(*total, filters);
    }
    if (!targets.empty()) {
      options.push_back("nearest reachable: " + targets);
      named_targets = true;
    }
  }

  // Every filter at one N needs no tiling: any N in 1..8 runs, an odd one on a double-shift PE
  // with half of its last two-shift slot idle.
  const int64_t floor_t = t.num / t.den, ceil_t = floor_t + (t.num % t.den != 0 ? 1 : 0);
  std::string shifts;
  for (int64_t n = floor_t; n <= ceil_t; ++n) {
    if (n < 1 || n > kMaxScheduleShifts) continue;
    shifts += (shifts.empty() ? "" : " or ") + std::string("--shifts ") + std::to_string(n);
  }
  if (!shifts.empty()) options.push_back(shifts + " for every filter");

  if (p.double_shift) {
    bool single_reaches = false;
    if (equal) {
      // With equal weights schedule_filters succeeds exactly when some per-tile N reach the total
      // (paper_tiling's fallback guarantees it), so the count above decides without a search.
      single_reaches = reach(filters, p.array_cols, false, t).exact;
    } else {
      // No closed form: ask the scheduler itself. Its own failure for single-shift PEs builds no
      // further hint of this kind, so this recurses once at most.
      ScheduleProblem single = p;
      single.double_shift = false;
      try {
        schedule_filters(single);
        single_reaches = true;
      } catch (const ScheduleError&) {
      }
    }
    if (single_reaches) options.push_back("--pe ss, which reaches " + text);
  }

  if (options.empty()) return "";
  std::string s = "; " + std::string(named_targets ? "" : "instead: ") + options[0];
  for (size_t i = 1; i < options.size(); ++i) s += "; or " + options[i];
  return s;
}

}  // namespace schedule_detail

NearTargets nearest_targets(int64_t filters, int array_cols, bool double_shift,
                            const std::string& target) {
  if (filters < 1 || array_cols < 1) throw std::invalid_argument("nearest_targets: no filters");
  const schedule_detail::Reach r =
      schedule_detail::reach(filters, array_cols, double_shift, parse_target(target));
  NearTargets n;
  n.exact = r.exact;
  if (r.below) n.below = schedule_detail::average_text(*r.below, filters);
  if (r.above) n.above = schedule_detail::average_text(*r.above, filters);
  return n;
}

}  // namespace swis
