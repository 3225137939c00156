// The driver: schedule_filters runs the lower bound, the paper's heuristic and the local search
// from several seeds and keeps the best; schedule_error sums a schedule's error.
#include "lib/compiler/schedule.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/compiler/schedule/schedule_internal.h"

namespace swis {

using schedule_detail::Ctx;
using schedule_detail::cut;
using schedule_detail::DpTooLarge;
using schedule_detail::filter_levels;
using schedule_detail::improve;
using schedule_detail::make_ctx;
using schedule_detail::min_cost_levels;
using schedule_detail::optimise_levels;
using schedule_detail::paper_tiling;
using schedule_detail::Tiling;
using schedule_detail::to_shifts;
using schedule_detail::unreachable_target_hint;

namespace {

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
                        c.sum_phrase(c.target_units) + unreachable_target_hint(p));
  }
  r.lower_bound_shifts = to_shifts(c, *lb);
  r.lower_bound = schedule_error(p, r.lower_bound_shifts);

  // paper_tiling throws when no tiling meets the target (with equal weights none exists; with
  // unequal ones its filter order has none) or when its DP is too large; only the first is about
  // the target, so only it says what would work instead.
  const Tiling paper = [&] {
    try {
      return paper_tiling(c);
    } catch (const DpTooLarge&) {
      throw;
    } catch (const ScheduleError& e) {
      throw ScheduleError(e.what() + unreachable_target_hint(p));
    }
  }();
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

}  // namespace swis
