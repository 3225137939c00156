#include "model/schedule.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <queue>
#include <utility>

namespace swis {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Memory one DP may take (back-pointer bytes plus rows of partial-sum doubles): 256 MiB. A layer
// of 2048 equal-weight filters needs at most 30 MiB.
constexpr int64_t kMaxDpBytes = int64_t{1} << 28;
constexpr int64_t kMaxWeightSum = int64_t{1} << 40;
constexpr int kMaxFractionDigits = 12;
constexpr int kMaxIntegerDigits = 6;
constexpr size_t kMaxMoves = 256;  // tile-level moves tried per round of the local search

// Cost per level k, where level k means N = lowest + step * k; at most 8 levels.
using LevelCosts = std::array<double, kMaxScheduleShifts>;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// num/den * m as an exact decimal, for num/den <= 8 with den dividing 10^12 and m <= 2^40: the
// product can exceed 64 bits, so multiply the decimal digits of num/den by m one at a time.
std::string decimal_product(const TargetRatio& t, int64_t m) {
  int scale_digits = 0;
  int64_t scale = 1;
  while (scale % t.den != 0) {
    scale *= 10;
    ++scale_digits;
  }
  const std::string digits = std::to_string(t.num * (scale / t.den));
  std::string out;
  int64_t carry = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    const int64_t x = (*it - '0') * m + carry;
    out.push_back(static_cast<char>('0' + x % 10));
    carry = x / 10;
  }
  for (; carry != 0; carry /= 10) out.push_back(static_cast<char>('0' + carry % 10));
  while (static_cast<int>(out.size()) <= scale_digits) out.push_back('0');
  std::reverse(out.begin(), out.end());
  std::string whole = out.substr(0, out.size() - scale_digits);
  std::string frac = out.substr(out.size() - scale_digits);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  const auto nz = whole.find_first_not_of('0');
  whole = nz == std::string::npos ? "0" : whole.substr(nz);
  return frac.empty() ? whole : whole + "." + frac;
}

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
  if (c.unit_sum % c.t.den != 0) throw ScheduleError(c.needs_phrase() + ": not a whole number");
  c.target_units = c.t.num * (c.unit_sum / c.t.den);
  if (p.double_shift && c.target_units % 2 != 0) {
    throw ScheduleError(c.needs_phrase() +
                        ": odd, and even (double-shift) N only sum to even totals");
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

void check_size(const std::string& what, int64_t bytes) {
  if (bytes <= kMaxDpBytes) return;
  throw ScheduleError("schedule: the exact DP over " + what + " needs " +
                      std::to_string(bytes >> 20) + " MiB, beyond the limit of " +
                      std::to_string(kMaxDpBytes >> 20) + " MiB (weights too unequal?)");
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

// Filters cut into tiles (in execution order), and each tile's level.
struct Tiling {
  std::vector<std::vector<int>> members;
  std::vector<int> level;
};

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

// Step (b): for fixed tile levels, the best filter for every slot. Filters of equal weight may
// trade places without moving the weighted sum, so within each such class this is a
// transportation problem (filters to levels, as many slots per level as the class holds there).
// Its residual graph collapses onto the <= 8 levels: the edge a -> b costs the cheapest
// cost[f][b] - cost[f][a] over the class's filters now at a, and the assignment is optimal exactly
// when no cycle of these edges is negative. Cancel such cycles (Bellman-Ford) until none is left;
// a simple cycle leaves each level once, so it moves distinct filters. This finds the best
// pairwise swap and every longer rotation a pairwise search would miss.
void reassign(const Ctx& c, Tiling& t) {
  std::vector<int> level = filter_levels(c, t);
  std::vector<int> place(c.filters);  // index of a filter in its level's list
  const int n = c.levels;
  for (const auto& members : c.classes) {
    std::vector<std::vector<int>> at(n);  // the class's filters at each level
    for (int f : members) {
      place[f] = static_cast<int>(at[level[f]].size());
      at[level[f]].push_back(f);
    }
    std::array<std::array<double, kMaxScheduleShifts>, kMaxScheduleShifts> edge;
    std::array<std::array<int, kMaxScheduleShifts>, kMaxScheduleShifts> who;
    auto compute_row = [&](int a) {
      edge[a].fill(kInf);
      who[a].fill(-1);
      for (int f : at[a]) {
        for (int b = 0; b < n; ++b) {
          const double d = c.cost[f][b] - c.cost[f][a];
          if (b != a && d < edge[a][b]) {
            edge[a][b] = d;
            who[a][b] = f;
          }
        }
      }
    };
    for (int a = 0; a < n; ++a) compute_row(a);
    const int max_rounds = 8 * static_cast<int>(members.size()) + 64;
    for (int round = 0; round < max_rounds; ++round) {
      std::array<double, kMaxScheduleShifts> dist{};
      std::array<int, kMaxScheduleShifts> pred{};
      pred.fill(-1);
      int relaxed = -1;
      for (int pass = 0; pass <= n; ++pass) {
        relaxed = -1;
        for (int a = 0; a < n; ++a) {
          for (int b = 0; b < n; ++b) {
            if (edge[a][b] < kInf && dist[a] + edge[a][b] < dist[b] - c.tol) {
              dist[b] = dist[a] + edge[a][b];
              pred[b] = a;
              relaxed = b;
            }
          }
        }
        if (relaxed < 0) break;
      }
      if (relaxed < 0) break;
      int x = relaxed;
      for (int i = 0; i < n && x >= 0; ++i) x = pred[x];  // now on the cycle
      if (x < 0) break;
      std::vector<std::pair<int, int>> cycle;  // edges (from, to)
      double cycle_cost = 0;
      for (int b = x;;) {
        const int a = pred[b];
        cycle.emplace_back(a, b);
        cycle_cost += edge[a][b];
        b = a;
        if (b == x) break;
      }
      if (!(cycle_cost < -c.tol)) break;
      std::vector<int> moving;
      for (const auto& [a, b] : cycle) moving.push_back(who[a][b]);
      for (size_t i = 0; i < cycle.size(); ++i) {
        const int f = moving[i], a = cycle[i].first, b = cycle[i].second;
        const int last = at[a].back();
        at[a][place[f]] = last;
        place[last] = place[f];
        at[a].pop_back();
        place[f] = static_cast<int>(at[b].size());
        at[b].push_back(f);
        level[f] = b;
      }
      // Only the levels on the cycle changed members, so only their rows change.
      for (const auto& edge_ab : cycle) compute_row(edge_ab.first);
    }
  }
  // Refill every slot with a filter of its class from the pool at the slot's level: the cycles
  // kept the count of each class at each level, so the pools empty exactly.
  std::vector<std::vector<int>> pool(c.classes.size() * n);  // (class, level) -> filters
  for (int f = c.filters - 1; f >= 0; --f) pool[c.class_of[f] * n + level[f]].push_back(f);
  for (size_t i = 0; i < t.members.size(); ++i) {
    for (int& f : t.members[i]) {
      auto& from = pool[c.class_of[f] * n + t.level[i]];
      f = from.back();
      from.pop_back();
    }
  }
}

// Alternates (a) and (b) to a fixed point, then tries moves of one tile up and another down that
// keep the weighted sum, with the filters re-placed by (b); takes the first that helps and starts
// again. Every accepted step lowers the error, so this ends; the caps only bound the work.
void improve(const Ctx& c, Tiling& t) {
  double error = tiling_error(c, t);
  for (int outer = 0; outer < 200; ++outer) {
    for (int inner = 0; inner < 200; ++inner) {
      Tiling trial = t;
      if (!optimise_levels(c, trial)) break;
      reassign(c, trial);
      const double e = tiling_error(c, trial);
      if (!(e < error - c.tol)) break;
      t = std::move(trial);
      error = e;
    }
    // Raising one tile by m * W_down / g levels and lowering another by m * W_up / g (g the gcd of
    // their weights W) keeps the weighted sum. Tiles of equal weight at equal level are
    // interchangeable under (b), so one of each such kind stands for all of them. Unequal weights
    // can make hundreds of kinds: then only the kMaxMoves smallest moves are tried.
    const std::vector<int64_t> units = tile_units(c, t);
    std::map<std::pair<int64_t, int>, std::vector<int>> kinds;  // (units, level) -> tiles
    for (int i = 0; i < c.tiles; ++i) {
      auto& same = kinds[{units[i], t.level[i]}];
      if (same.size() < 2) same.push_back(i);
    }
    struct Move {
      int64_t size, up, down, rise, fall;
    };
    std::vector<Move> moves;
    for (const auto& [up_key, up_tiles] : kinds) {
      for (const auto& [down_key, down_tiles] : kinds) {
        const bool same_kind = up_key == down_key;
        if (same_kind && down_tiles.size() < 2) continue;
        const int up = up_tiles[0];
        const int down = same_kind ? down_tiles[1] : down_tiles[0];
        const int64_t g = std::gcd(up_key.first, down_key.first);
        const int64_t rise = down_key.first / g, fall = up_key.first / g;
        for (int64_t m = 1; t.level[up] + m * rise <= c.top() && t.level[down] - m * fall >= 0;
             ++m) {
          moves.push_back({m * (rise + fall), up, down, m * rise, m * fall});
        }
      }
    }
    std::stable_sort(moves.begin(), moves.end(),
                     [](const Move& a, const Move& b) { return a.size < b.size; });
    if (moves.size() > kMaxMoves) moves.resize(kMaxMoves);
    std::optional<Tiling> better;
    double better_error = error - c.tol;
    for (const Move& m : moves) {
      Tiling trial = t;
      trial.level[m.up] += static_cast<int>(m.rise);
      trial.level[m.down] -= static_cast<int>(m.fall);
      reassign(c, trial);
      const double e = tiling_error(c, trial);
      if (e < better_error) {
        better_error = e;
        better = std::move(trial);
        break;
      }
    }
    if (!better) break;
    t = std::move(*better);
    error = better_error;
  }
}

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

Schedule make_schedule(const Ctx& c, const Tiling& t) {
  Schedule s;
  for (size_t i = 0; i < t.members.size(); ++i) {
    std::vector<int> m = t.members[i];
    std::sort(m.begin(), m.end());
    s.order.insert(s.order.end(), m.begin(), m.end());
    s.tile_shifts.push_back(c.shift(t.level[i]));
  }
  s.filter_shifts = to_shifts(c, filter_levels(c, t));
  s.total_error = schedule_error(*c.p, s.filter_shifts);
  return s;
}

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

// Filters sorted by `before` (ties to the lower index), cut into tiles, levels by step (a).
std::optional<Tiling> seed_by(const Ctx& c, const std::function<bool(int, int)>& before) {
  std::vector<int> order(c.filters);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), before);
  Tiling t = cut(c, order);
  if (!optimise_levels(c, t)) return std::nullopt;
  return t;
}

}  // namespace

TargetRatio parse_target(const std::string& text) {
  const std::string s = trim(text);
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("target '" + text + "' " + why);
  };
  const auto dot = s.find('.');
  std::string whole = s.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  auto digits_only = [](const std::string& d) {
    return std::all_of(d.begin(), d.end(), [](unsigned char ch) { return std::isdigit(ch); });
  };
  if (whole.empty() && frac.empty()) throw bad("is not a decimal number");
  if (!digits_only(whole) || !digits_only(frac)) throw bad("is not a decimal number");
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (static_cast<int>(whole.size()) > kMaxIntegerDigits) throw bad("is out of range");
  if (static_cast<int>(frac.size()) > kMaxFractionDigits) {
    throw bad("has more than 12 decimal places");
  }
  TargetRatio r;
  r.num = whole.empty() ? 0 : std::stoll(whole);
  for (char ch : frac) {
    r.num = r.num * 10 + (ch - '0');
    r.den *= 10;
  }
  const int64_t g = std::gcd(r.num, r.den);
  r.num /= g;
  r.den /= g;
  return r;
}

double schedule_error(const ScheduleProblem& p, const std::vector<int>& filter_shifts) {
  double sum = 0;
  for (size_t f = 0; f < filter_shifts.size(); ++f) sum += p.error[f][filter_shifts[f]];
  return sum;
}

ScheduleResult schedule_filters(const ScheduleProblem& p) {
  const Ctx c = make_ctx(p);
  ScheduleResult r;

  auto lb = min_cost_levels(c.units, c.cost, c.levels, c.target_levels, "filters");
  if (!lb) {
    throw ScheduleError("no per-filter shifts in " +
                        std::string(c.step == 2 ? "{2, 4, 6, 8}" : "1..8") + " sum to " +
                        c.sum_phrase(c.target_units));
  }
  r.lower_bound_shifts = to_shifts(c, *lb);
  r.lower_bound = schedule_error(p, r.lower_bound_shifts);

  const Tiling paper = paper_tiling(c);
  r.paper = make_schedule(c, paper);

  // Starting tilings for the local search: the paper's; filters sorted by their N in the
  // unconstrained optimum, then by how much error the top level saves them; by that saving alone.
  std::vector<Tiling> seeds{paper};
  auto saving = [&](int f) { return c.cost[f][0] - c.cost[f][c.top()]; };
  const std::vector<int>& lb_level = *lb;
  if (auto t = seed_by(c, [&](int a, int b) {
        return std::make_pair(lb_level[a], saving(a)) < std::make_pair(lb_level[b], saving(b));
      })) {
    seeds.push_back(*t);
  }
  if (auto t = seed_by(c, [&](int a, int b) { return saving(a) < saving(b); })) {
    seeds.push_back(*t);
  }

  r.best = r.paper;
  for (Tiling& t : seeds) {
    improve(c, t);
    // Present full tiles in ascending N; a partial tile must stay last.
    const int full = c.filters / c.cols;
    std::vector<int> idx(c.tiles);
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.begin() + full,
                     [&](int a, int b) { return t.level[a] < t.level[b]; });
    Tiling sorted;
    for (int i : idx) {
      sorted.members.push_back(t.members[i]);
      sorted.level.push_back(t.level[i]);
    }
    Schedule s = make_schedule(c, sorted);
    if (s.total_error < r.best.total_error) r.best = std::move(s);
  }
  return r;
}

std::string check_schedule(const ScheduleProblem& p, const Schedule& s) {
  validate(p);
  const TargetRatio t = parse_target(p.target);
  const int f_count = static_cast<int>(p.error.size());
  const int cols = p.array_cols;
  const int tiles = (f_count + cols - 1) / cols;
  if (static_cast<int>(s.order.size()) != f_count) {
    return "order has " + std::to_string(s.order.size()) + " entries for " +
           std::to_string(f_count) + " filters";
  }
  std::vector<bool> seen(f_count, false);
  for (int i = 0; i < f_count; ++i) {
    const int f = s.order[i];
    if (f < 0 || f >= f_count) {
      return "order[" + std::to_string(i) + "] = " + std::to_string(f) + " is not a filter";
    }
    if (seen[f]) return "filter " + std::to_string(f) + " appears twice in order";
    seen[f] = true;
  }
  if (static_cast<int>(s.tile_shifts.size()) != tiles) {
    return std::to_string(s.tile_shifts.size()) + " tile shifts for " + std::to_string(tiles) +
           " tiles";
  }
  for (int i = 0; i < tiles; ++i) {
    const int n = s.tile_shifts[i];
    if (n < 1 || n > kMaxScheduleShifts || (p.double_shift && n % 2 != 0)) {
      return "tile " + std::to_string(i) + " has N = " + std::to_string(n) + ", not allowed on " +
             (p.double_shift ? "double-shift PEs" : "single-shift PEs");
    }
  }
  if (static_cast<int>(s.filter_shifts.size()) != f_count) {
    return "filter_shifts has " + std::to_string(s.filter_shifts.size()) + " entries for " +
           std::to_string(f_count) + " filters";
  }
  for (int i = 0; i < f_count; ++i) {
    const int f = s.order[i];
    if (s.filter_shifts[f] != s.tile_shifts[i / cols]) {
      return "filter " + std::to_string(f) + " in tile " + std::to_string(i / cols) +
             " has N = " + std::to_string(s.filter_shifts[f]) + " but its tile " +
             std::to_string(s.tile_shifts[i / cols]);
    }
  }
  // sum N_f w_f == T * sum w_f, in weights / gcd so that nothing overflows.
  int64_t g = 0, unit_sum = 0, shift_sum = 0;
  for (int64_t w : p.weights) g = std::gcd(g, w);
  for (int f = 0; f < f_count; ++f) {
    unit_sum += p.weights[f] / g;
    shift_sum += s.filter_shifts[f] * (p.weights[f] / g);
  }
  if (unit_sum % t.den != 0 || t.num > 8 * t.den || shift_sum != t.num * (unit_sum / t.den)) {
    return "weighted average N is " + std::to_string(shift_sum) + "/" + std::to_string(unit_sum) +
           ", not the target " + trim(p.target);
  }
  const double e = schedule_error(p, s.filter_shifts);
  if (std::fabs(e - s.total_error) > 1e-9 * std::max(1.0, std::fabs(e))) {
    return "total_error " + std::to_string(s.total_error) + " but the filters sum to " +
           std::to_string(e);
  }
  return "";
}

}  // namespace swis
