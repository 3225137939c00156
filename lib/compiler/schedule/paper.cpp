// The paper's two-phase heuristic (Section 4.3) as written, with what it leaves open settled as
// described at paper_tiling.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "lib/compiler/schedule.h"
#include "lib/compiler/schedule/schedule_internal.h"

namespace swis {
namespace schedule_detail {
namespace {

std::string tiles_phrase(const Ctx& c) {
  const int full = c.filters / c.cols, rest = c.filters % c.cols;
  auto plural = [](int n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  std::string s;
  if (full > 0) s = plural(full, "tile") + " of " + plural(c.cols, "filter");
  if (rest > 0) s += (full > 0 ? " and 1 of " : "1 tile of ") + plural(rest, "filter");
  return s;
}

}  // namespace

// The paper's heuristic (Section 4.3), with the choices it leaves open made as follows.
// Phase 1: every filter starts at the least allowed N above T (SS: floor(T) + 1; DS: the next
// even number; both capped at 8). One filter (n = 1) at a time, the one whose move down one shift
// costs least (error[N-1] - error[N], which may be negative; ties to the lower index) moves down
// one shift, until the weighted sum reaches the target. Phase 1 lets a filter take any N from the
// PE kind's least (1 or 2) to 8, odd ones on DS too: evenness binds tiles, not filters, and is
// enforced in phase 2. With unequal weights a filter whose move would undershoot is skipped, so
// phase 1 ends at the closest sum reachable from above. Phase 2: filters sorted by phase-1 N (ties
// to the lower index), cut into tiles of C, and the non-decreasing per-tile N with the exact
// average and least error, found by DP (the paper's enumeration, exactly). A partial last tile is
// outside the paper's description; if no non-decreasing sequence exists it is exempted from the
// ordering (with equal weights that is then always feasible when any per-tile N is).
Tiling paper_tiling(const Ctx& c) {
  int start = static_cast<int>(c.t.num / c.t.den) + 1;
  if (c.step == 2 && start % 2 != 0) ++start;
  start = std::min(start, kMaxScheduleShifts);
  std::vector<int> n(c.filters, start);
  int64_t excess = start * c.unit_sum - c.target_units;
  const auto& err = c.p->error;
  using Move = std::pair<double, int>;  // (cost of moving down one shift, filter)
  std::priority_queue<Move, std::vector<Move>, std::greater<Move>> moves;
  for (int f = 0; f < c.filters; ++f) {
    if (start > c.lowest) moves.emplace(err[f][start - 1] - err[f][start], f);
  }
  while (excess > 0 && !moves.empty()) {
    const int f = moves.top().second;
    moves.pop();
    if (c.units[f] > excess) continue;  // would undershoot, now and for good
    --n[f];
    excess -= c.units[f];
    if (n[f] > c.lowest) moves.emplace(err[f][n[f] - 1] - err[f][n[f]], f);
  }
  std::vector<int> order(c.filters);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return n[a] < n[b]; });
  Tiling t = cut(c, order);
  const auto w = tile_units(c, t);
  const auto costs = tile_costs(c, t);
  auto levels = min_cost_nondecreasing_levels(w, costs, c.levels, c.target_levels, false);
  if (!levels && c.filters % c.cols != 0) {
    levels = min_cost_nondecreasing_levels(w, costs, c.levels, c.target_levels, true);
  }
  if (!levels) {
    const std::string what = std::string(c.step == 2 ? "even " : "") + "per-tile shifts of " +
                             tiles_phrase(c) + " sum to " + c.sum_phrase(c.target_units);
    // With equal weights every order cuts the same tile sizes: no order can do better.
    if (c.equal_weights) throw ScheduleError("no " + what);
    const bool any = min_cost_levels(w, costs, c.levels, c.target_levels, "tiles").has_value();
    throw ScheduleError("the paper's heuristic finds no " +
                        std::string(any ? "non-decreasing " : "") + what + " in its filter order");
  }
  t.level = *levels;
  return t;
}

}  // namespace schedule_detail
}  // namespace swis
