// The context: input validation and the problem in level units (make_ctx); tilings, their per-tile
// weights, costs and error, and step (a), the exact per-tile levels for fixed tiles.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/compiler/schedule.h"
#include "lib/compiler/schedule/schedule_internal.h"

namespace swis {
namespace schedule_detail {
namespace {

constexpr int64_t kMaxWeightSum = int64_t{1} << 40;

}  // namespace

void validate(const ScheduleProblem& p) {
  if (p.error.empty()) throw std::invalid_argument("schedule: no filters");
  if (p.error.size() != p.weights.size()) {
    throw std::invalid_argument("schedule: " + std::to_string(p.error.size()) +
                                " filters of errors but " + std::to_string(p.weights.size()) +
                                " of weights");
  }
  if (p.array_cols < 1) {
    throw std::invalid_argument("schedule: array_cols must be >= 1, got " +
                                std::to_string(p.array_cols));
  }
  int64_t sum = 0;
  for (size_t f = 0; f < p.error.size(); ++f) {
    for (int n = 1; n <= kMaxScheduleShifts; ++n) {
      if (!std::isfinite(p.error[f][n])) {
        throw std::invalid_argument("schedule: error[" + std::to_string(f) + "][" +
                                    std::to_string(n) + "] is not finite");
      }
    }
    if (p.weights[f] <= 0 || p.weights[f] > kMaxWeightSum) {
      throw std::invalid_argument("schedule: weights[" + std::to_string(f) +
                                  "] = " + std::to_string(p.weights[f]) + " is not in [1, 2^40]");
    }
    sum += p.weights[f];
    if (sum > kMaxWeightSum) throw std::invalid_argument("schedule: weights sum beyond 2^40");
  }
}

Ctx make_ctx(const ScheduleProblem& p) {
  validate(p);
  Ctx c;
  c.p = &p;
  c.t = parse_target(p.target);
  c.target_text = trim(p.target);
  c.filters = static_cast<int>(p.error.size());
  c.cols = p.array_cols;
  c.tiles = (c.filters + c.cols - 1) / c.cols;
  c.lowest = p.double_shift ? 2 : 1;
  c.step = p.double_shift ? 2 : 1;
  c.levels = p.double_shift ? 4 : 8;
  if (c.t.num > kMaxScheduleShifts * c.t.den) {
    throw ScheduleError("target " + c.target_text + " is above 8, the most a tile can take");
  }
  if (c.t.num < c.lowest * c.t.den) {
    throw ScheduleError("target " + c.target_text + " is below " + std::to_string(c.lowest) +
                        (p.double_shift ? ", the least a double-shift tile can take"
                                        : ", the least a tile can take"));
  }
  c.gcd = 0;
  for (int64_t w : p.weights) c.gcd = std::gcd(c.gcd, w);
  for (int64_t w : p.weights) {
    c.units.push_back(w / c.gcd);
    c.unit_sum += w / c.gcd;
    c.equal_weights = c.equal_weights && w == c.gcd;
  }
  // num/den is in lowest terms, so T * unit_sum is whole exactly when den divides unit_sum.
  if (c.unit_sum % c.t.den != 0) {
    throw ScheduleError(c.needs_phrase() + ": not a whole number" + unreachable_target_hint(p));
  }
  c.target_units = c.t.num * (c.unit_sum / c.t.den);
  if (p.double_shift && c.target_units % 2 != 0) {
    throw ScheduleError(c.needs_phrase() +
                        ": odd, and even (double-shift) N only sum to even totals" +
                        unreachable_target_hint(p));
  }
  c.target_levels = (c.target_units - c.lowest * c.unit_sum) / c.step;
  double largest = 0;
  c.cost.resize(c.filters);
  for (int f = 0; f < c.filters; ++f) {
    for (int k = 0; k < c.levels; ++k) {
      c.cost[f][k] = p.error[f][c.shift(k)];
      largest = std::max(largest, std::fabs(c.cost[f][k]));
    }
  }
  c.tol = 1e-12 * largest;
  std::map<int64_t, int> class_index;
  for (int f = 0; f < c.filters; ++f) {
    const auto [it, fresh] = class_index.emplace(c.units[f], static_cast<int>(c.classes.size()));
    if (fresh) c.classes.emplace_back();
    c.classes[it->second].push_back(f);
    c.class_of.push_back(it->second);
  }
  return c;
}

Tiling cut(const Ctx& c, const std::vector<int>& order) {
  Tiling t;
  t.members.resize(c.tiles);
  for (int i = 0; i < c.filters; ++i) t.members[i / c.cols].push_back(order[i]);
  t.level.assign(c.tiles, 0);
  return t;
}

std::vector<int64_t> tile_units(const Ctx& c, const Tiling& t) {
  std::vector<int64_t> w;
  for (const auto& m : t.members) {
    int64_t sum = 0;
    for (int f : m) sum += c.units[f];
    w.push_back(sum);
  }
  return w;
}

std::vector<LevelCosts> tile_costs(const Ctx& c, const Tiling& t) {
  std::vector<LevelCosts> costs;
  for (const auto& m : t.members) {
    LevelCosts sum{};
    for (int f : m) {
      for (int k = 0; k < c.levels; ++k) sum[k] += c.cost[f][k];
    }
    costs.push_back(sum);
  }
  return costs;
}

std::vector<int> filter_levels(const Ctx& c, const Tiling& t) {
  std::vector<int> level(c.filters);
  for (size_t i = 0; i < t.members.size(); ++i) {
    for (int f : t.members[i]) level[f] = t.level[i];
  }
  return level;
}

std::vector<int> to_shifts(const Ctx& c, const std::vector<int>& level) {
  std::vector<int> shifts(level.size());
  for (size_t f = 0; f < level.size(); ++f) shifts[f] = c.shift(level[f]);
  return shifts;
}

double tiling_error(const Ctx& c, const Tiling& t) {
  return schedule_error(*c.p, to_shifts(c, filter_levels(c, t)));
}

// Step (a): the exact best level per tile for fixed membership. False if none meets the target.
bool optimise_levels(const Ctx& c, Tiling& t) {
  auto levels =
      min_cost_levels(tile_units(c, t), tile_costs(c, t), c.levels, c.target_levels, "tiles");
  if (!levels) return false;
  t.level = *levels;
  return true;
}

}  // namespace schedule_detail
}  // namespace swis
