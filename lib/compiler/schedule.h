// Filter scheduling (paper Section 4.3): choose a number of shifts N for every filter of a layer so
// that the weight-weighted average of N is exactly a fractional target T, every tile of C filters
// that the systolic array runs side by side shares one N, and on double-shift PEs every tile's N is
// even (Section 3.1: an odd N would leave half of a two-shift slot idle). Minimises the summed
// quantization error that the quantizer reports per filter and per N.
//
// Three answers for one problem:
//   paper        the paper's two-phase heuristic, as written (schedule/paper.cpp says how it
//                settles what the paper leaves open);
//   best         ours: from several starting tilings, alternate the exact per-tile N for fixed
//                tiles with the exact filter-to-tile reassignment for fixed per-tile N, and move
//                pairs of tiles up and down; never worse than `paper`;
//   lower_bound  the exact optimum without tiles (each filter its own N), which no tiled schedule
//                can beat.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace swis {

constexpr int kMaxScheduleShifts = 8;  // N = 1..8 shifts per filter

// The target cannot be met (out of range, not a whole number of shifts, no tiling reaches it) or
// the problem is too large for the exact dynamic programs. The message is one line.
class ScheduleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ScheduleProblem {
  std::vector<std::array<double, 9>>
      error;                     // error[f][n]: filter f at n = 1..8 shifts ([0] unused)
  std::vector<int64_t> weights;  // real weights per filter, > 0
  std::string target;            // T as decimal text, e.g. "2.5"
  int array_cols = 8;            // C: filters per tile
  bool double_shift = true;      // DS: every tile's N is even
};

// Full tiles are listed in ascending N; a partial tile (F mod C filters) is always the last.
struct Schedule {
  std::vector<int> order;          // filter indices; tile t holds order[t*C, min(F, (t+1)*C))
  std::vector<int> tile_shifts;    // N of each tile
  std::vector<int> filter_shifts;  // N of each filter, by original filter index
  double total_error = 0;          // sum_f error[f][filter_shifts[f]], summed in filter order
};

struct ScheduleResult {
  Schedule paper;                       // the paper's heuristic
  Schedule best;                        // ours; `paper` itself when we find nothing better
  double lower_bound = 0;               // exact optimum without the tile constraint
  std::vector<int> lower_bound_shifts;  // per-filter N that achieves it
};

// A decimal target as an exact fraction num / den in lowest terms.
struct TargetRatio {
  int64_t num = 0;
  int64_t den = 1;
};

// Parses "2.5", "3", "02.250", " 2.333 ". Throws std::invalid_argument on anything else (signs,
// exponents, more than 12 decimal places, an integer part beyond 6 digits).
TargetRatio parse_target(const std::string& text);

// sum_f error[f][filter_shifts[f]] in filter order: the one summation every total here uses.
double schedule_error(const ScheduleProblem& p, const std::vector<int>& filter_shifts);

// Throws std::invalid_argument on malformed input (no filters, sizes differ, C < 1, non-finite
// errors, weights <= 0, an unparsable target) and ScheduleError when no schedule meets the target.
ScheduleResult schedule_filters(const ScheduleProblem& p);

// For `filters` filters of equal size on tiles of `array_cols` (double_shift: even N per tile),
// the averages nearest to `target` that tiles reach, below and above it, as decimal text that
// parse_target accepts ("" when there is none on that side); `exact` when the target itself is
// reached. Throws std::invalid_argument for a malformed target.
struct NearTargets {
  std::string below, above;
  bool exact = false;
};
NearTargets nearest_targets(int64_t filters, int array_cols, bool double_shift,
                            const std::string& target);

// "" if `s` is a valid schedule for `p` (order a permutation, tiles cut as above, one allowed N per
// tile, filter_shifts consistent, exact weighted average, total_error as recomputed), else the
// first violation found. Throws std::invalid_argument only if `p` itself is malformed.
std::string check_schedule(const ScheduleProblem& p, const Schedule& s);

}  // namespace swis
