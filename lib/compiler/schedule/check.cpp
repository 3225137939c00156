// check_schedule: validates a schedule against its problem independently of how it was found, and
// names the first violation.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "lib/compiler/schedule.h"
#include "lib/compiler/schedule/schedule_internal.h"

namespace swis {

using schedule_detail::trim;
using schedule_detail::validate;

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
