// The exact dynamic programs over levels: the least-error level per item (filter or tile) for an
// exact weighted sum, free or non-decreasing along the items.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/compiler/schedule.h"
#include "lib/compiler/schedule/schedule_internal.h"

namespace swis {
namespace schedule_detail {
namespace {

// Memory one DP may take (back-pointer bytes plus rows of partial-sum doubles): 256 MiB. A layer
// of 2048 equal-weight filters needs at most 30 MiB.
constexpr int64_t kMaxDpBytes = int64_t{1} << 28;

void check_size(const std::string& what, int64_t bytes) {
  if (bytes <= kMaxDpBytes) return;
  throw DpTooLarge("schedule: the exact DP over " + what + " needs " + std::to_string(bytes >> 20) +
                   " MiB, beyond the limit of " + std::to_string(kMaxDpBytes >> 20) +
                   " MiB (weights too unequal?)");
}

// Divides item weights and the target by the weights' gcd; false if the target is then not whole.
bool reduce_by_gcd(std::vector<int64_t>& w, int64_t& target) {
  int64_t g = 0;
  for (int64_t x : w) g = std::gcd(g, x);
  if (target % g != 0) return false;
  for (int64_t& x : w) x /= g;
  target /= g;
  return true;
}

}  // namespace

// Minimum of sum_i cost[i][k_i] subject to sum_i k_i * w[i] == target, k_i < levels: a
// multiple-choice knapsack solved exactly by a DP over items and the partial sum, with one
// back-pointer byte per reachable state. The partial sum after item i is confined to the window
// the items so far can reach and the items left can complete. Empty if the target is unreachable.
std::optional<std::vector<int>> min_cost_levels(std::vector<int64_t> w,
                                                const std::vector<LevelCosts>& cost, int levels,
                                                int64_t target, const std::string& what) {
  if (!reduce_by_gcd(w, target)) return std::nullopt;
  const int n = static_cast<int>(w.size());
  const int64_t top = levels - 1;
  std::vector<int64_t> after(n + 1, 0);  // most the items from i on can add
  for (int i = n - 1; i >= 0; --i) after[i] = after[i + 1] + w[i] * top;
  if (target > after[0]) return std::nullopt;
  std::vector<int64_t> lo(n), hi(n);
  check_size(what, 2 * sizeof(double) * (target + 1));
  int64_t before = 0, cells = 2 * sizeof(double) * (target + 1);
  for (int i = 0; i < n; ++i) {
    before += w[i] * top;
    lo[i] = std::max<int64_t>(0, target - after[i + 1]);
    hi[i] = std::min(target, before);
    if (lo[i] > hi[i]) return std::nullopt;
    cells += hi[i] - lo[i] + 1;
  }
  check_size(what, cells);

  std::vector<double> cur(target + 1, kInf), next(target + 1, kInf);
  std::vector<std::vector<uint8_t>> back(n);
  cur[0] = 0;
  int64_t prev_lo = 0, prev_hi = 0;
  for (int i = 0; i < n; ++i) {
    back[i].assign(hi[i] - lo[i] + 1, 0);
    for (int64_t s = lo[i]; s <= hi[i]; ++s) {
      double best = kInf;
      int arg = 0;
      for (int k = 0; k < levels; ++k) {
        const int64_t from = s - k * w[i];
        if (from < prev_lo) break;
        if (from > prev_hi) continue;
        const double v = cur[from] + cost[i][k];
        if (v < best) {
          best = v;
          arg = k;
        }
      }
      next[s] = best;
      back[i][s - lo[i]] = static_cast<uint8_t>(arg);
    }
    std::swap(cur, next);
    prev_lo = lo[i];
    prev_hi = hi[i];
  }
  if (cur[target] == kInf) return std::nullopt;
  std::vector<int> chosen(n);
  for (int64_t i = n - 1, s = target; i >= 0; --i) {
    chosen[i] = back[i][s - lo[i]];
    s -= chosen[i] * w[i];
  }
  return chosen;
}

// As min_cost_levels, with the levels non-decreasing along the items (the paper's phase 2). With
// `free_last` the last item is exempt (it may sit below the others). State: (item, its level,
// partial sum); a running minimum over the previous item's levels makes each state O(1).
std::optional<std::vector<int>> min_cost_nondecreasing_levels(std::vector<int64_t> w,
                                                              const std::vector<LevelCosts>& cost,
                                                              int levels, int64_t target,
                                                              bool free_last) {
  if (!reduce_by_gcd(w, target)) return std::nullopt;
  const int n = static_cast<int>(w.size());
  const int64_t top = levels - 1;
  std::vector<int64_t> weight_after(n + 1, 0);  // sum of w over the constrained items after i
  for (int i = n - 1; i >= 0; --i) {
    weight_after[i] = weight_after[i + 1] + ((free_last && i == n - 1) ? 0 : w[i]);
  }
  std::vector<int64_t> rest_max(n + 1, 0);  // most the items after i can add
  for (int i = n - 1; i >= 0; --i) rest_max[i] = rest_max[i + 1] + w[i] * top;
  if (target > rest_max[0]) return std::nullopt;
  const int64_t row_bytes = (2 * levels + 1) * sizeof(double) * (target + 1) + (target + 1);
  check_size("tiles in order", row_bytes);
  // Window of the partial sum after item i at level k.
  std::vector<int64_t> lo(static_cast<size_t>(n) * levels), hi(lo.size());
  int64_t cells = row_bytes, weight_before = 0;
  for (int i = 0; i < n; ++i) {
    weight_before += w[i];
    for (int k = 0; k < levels; ++k) {
      const size_t at = static_cast<size_t>(i) * levels + k;
      lo[at] = std::max(k * w[i], target - rest_max[i + 1]);
      hi[at] = std::min(target - k * weight_after[i + 1],
                        (free_last && i == n - 1) ? target : k * weight_before);
      if (lo[at] <= hi[at]) cells += hi[at] - lo[at] + 1;
    }
  }
  check_size("tiles in order", cells);

  const size_t width = static_cast<size_t>(target) + 1;
  std::vector<double> cur(width * levels, kInf), next(width * levels, kInf);
  std::vector<double> best(width, kInf);
  std::vector<uint8_t> best_level(width, 0);
  std::vector<std::vector<uint8_t>> back(lo.size());
  std::vector<int64_t> prev_lo(levels, 1), prev_hi(levels, 0);  // empty but level 0's {0}
  cur[0] = 0;
  prev_lo[0] = prev_hi[0] = 0;
  for (int i = 0; i < n; ++i) {
    int64_t any_lo = target, any_hi = 0;
    for (int k = 0; k < levels; ++k) {
      if (prev_lo[k] > prev_hi[k]) continue;
      any_lo = std::min(any_lo, prev_lo[k]);
      any_hi = std::max(any_hi, prev_hi[k]);
    }
    std::fill(best.begin() + any_lo, best.begin() + std::max(any_lo, any_hi + 1), kInf);
    auto fold = [&](int k) {
      for (int64_t s = prev_lo[k]; s <= prev_hi[k]; ++s) {
        if (cur[k * width + s] < best[s]) {
          best[s] = cur[k * width + s];
          best_level[s] = static_cast<uint8_t>(k);
        }
      }
    };
    const bool unconstrained = free_last && i == n - 1;
    if (unconstrained) {
      for (int k = 0; k < levels; ++k) fold(k);
    }
    for (int k = 0; k < levels; ++k) {
      if (!unconstrained) fold(k);
      const size_t at = static_cast<size_t>(i) * levels + k;
      if (lo[at] > hi[at]) continue;
      back[at].assign(hi[at] - lo[at] + 1, 0);
      for (int64_t s = lo[at]; s <= hi[at]; ++s) {
        const int64_t from = s - k * w[i];
        const bool ok = from >= any_lo && from <= any_hi;
        next[k * width + s] = ok ? best[from] + cost[i][k] : kInf;
        back[at][s - lo[at]] = ok ? best_level[from] : 0;
      }
    }
    std::swap(cur, next);
    for (int k = 0; k < levels; ++k) {
      const size_t at = static_cast<size_t>(i) * levels + k;
      prev_lo[k] = lo[at];
      prev_hi[k] = hi[at];
    }
  }
  int last = -1;
  double least = kInf;
  for (int k = 0; k < levels; ++k) {
    if (prev_lo[k] <= target && target <= prev_hi[k] && cur[k * width + target] < least) {
      least = cur[k * width + target];
      last = k;
    }
  }
  if (last < 0) return std::nullopt;
  std::vector<int> chosen(n);
  int64_t s = target;
  for (int i = n - 1, k = last; i >= 0; --i) {
    const size_t at = static_cast<size_t>(i) * levels + k;
    chosen[i] = k;
    const int from_level = back[at][s - lo[at]];
    s -= k * w[i];
    k = from_level;
  }
  return chosen;
}

}  // namespace schedule_detail
}  // namespace swis
