// Private to lib/compiler/schedule/: not part of the library's API (lib/compiler/schedule.h is).
// What the scheduler's files share: the problem context, tilings and the helpers' prototypes.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "lib/compiler/schedule.h"

namespace swis {
namespace schedule_detail {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Cost per level k, where level k means N = lowest + step * k; at most 8 levels.
using LevelCosts = std::array<double, kMaxScheduleShifts>;

// target.cpp
std::string trim(const std::string& s);
std::string decimal_product(const TargetRatio& t, int64_t m);

// Everything the algorithms need, in the units the DPs count in. Shifts become levels
// k = (N - lowest) / step, so an allowed N is lowest + step * k for k < levels on either PE kind,
// and weights are divided by their gcd (all 1 when a layer's filters are the same size).
struct Ctx {
  const ScheduleProblem* p = nullptr;
  int filters = 0;
  int cols = 0;
  int tiles = 0;
  int lowest = 1;  // least N: 1 (SS) or 2 (DS)
  int step = 1;    // 1 (SS) or 2 (DS)
  int levels = 8;  // 8 (SS) or 4 (DS)
  std::vector<int64_t> units;
  int64_t gcd = 1;
  int64_t unit_sum = 0;
  bool equal_weights = true;
  TargetRatio t;
  std::string target_text;
  int64_t target_units = 0;               // sum_f N_f * units_f must equal this: T * unit_sum
  int64_t target_levels = 0;              // the same in levels: sum_f k_f * units_f
  std::vector<LevelCosts> cost;           // cost[f][k] = error[f][shift(k)]
  std::vector<std::vector<int>> classes;  // filters of equal weight, ascending
  std::vector<int> class_of;              // index into classes, per filter
  double tol = 0;                         // improvements smaller than this are rounding

  int shift(int k) const { return lowest + step * k; }
  int top() const { return levels - 1; }

  std::string sum_phrase(int64_t amount_units) const {
    return std::to_string(amount_units) +
           (equal_weights ? " filter-shifts"
                          : " shift-units (shift x " + std::to_string(gcd) + " weights)");
  }
  std::string needs_phrase() const {
    std::string s = "target " + target_text + " needs " + decimal_product(t, unit_sum);
    if (equal_weights) {
      return s + " filter-shifts on " + std::to_string(filters) + " filters of " +
             std::to_string(gcd) + " weights";
    }
    return s + " shift-units (shift x " + std::to_string(gcd) + " weights) on " +
           std::to_string(filters) + " filters";
  }
};

// tiling.cpp
void validate(const ScheduleProblem& p);
Ctx make_ctx(const ScheduleProblem& p);

// levels.cpp
// A DP that would pass its memory limit: "problem too large", which the driver must not mistake
// for an unreachable target (only those get unreachable_target_hint).
class DpTooLarge : public ScheduleError {
 public:
  using ScheduleError::ScheduleError;
};
std::optional<std::vector<int>> min_cost_levels(std::vector<int64_t> w,
                                                const std::vector<LevelCosts>& cost, int levels,
                                                int64_t target, const std::string& what);
std::optional<std::vector<int>> min_cost_nondecreasing_levels(std::vector<int64_t> w,
                                                              const std::vector<LevelCosts>& cost,
                                                              int levels, int64_t target,
                                                              bool free_last);

// Filters cut into tiles (in execution order), and each tile's level.
struct Tiling {
  std::vector<std::vector<int>> members;
  std::vector<int> level;
};

// tiling.cpp
Tiling cut(const Ctx& c, const std::vector<int>& order);
std::vector<int64_t> tile_units(const Ctx& c, const Tiling& t);
std::vector<LevelCosts> tile_costs(const Ctx& c, const Tiling& t);
std::vector<int> filter_levels(const Ctx& c, const Tiling& t);
std::vector<int> to_shifts(const Ctx& c, const std::vector<int>& level);
double tiling_error(const Ctx& c, const Tiling& t);
bool optimise_levels(const Ctx& c, Tiling& t);

// reassign.cpp
void reassign(const Ctx& c, Tiling& t);

// local_search.cpp
void improve(const Ctx& c, Tiling& t);

// paper.cpp
Tiling paper_tiling(const Ctx& c);

// alternatives.cpp
// For a validated `p` whose target in range cannot be met: "; " and what would (the nearest
// reachable --target values on the same tiles when all filters weigh the same, --shifts with the
// integers around T, and --pe ss when p is double-shift and single-shift tiles reach T), to append
// to the one-line ScheduleError. Empty if there is nothing to offer.
std::string unreachable_target_hint(const ScheduleProblem& p);

}  // namespace schedule_detail
}  // namespace swis
