// Helpers shared by the filter-scheduler tests: error curves, problems and the result invariants.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "lib/compiler/schedule.h"

namespace swis {

using Curve = std::array<double, 9>;

// a * 4^-n: each extra shift removes about three quarters of the error.
inline Curve geometric(double a, double ratio = 4.0) {
  Curve e{};
  for (int n = 1; n <= 8; ++n) e[n] = a * std::pow(ratio, -n);
  return e;
}

inline ScheduleProblem make_problem(std::vector<Curve> error, std::vector<int64_t> weights,
                                    std::string target, int cols, bool ds) {
  ScheduleProblem p;
  p.error = std::move(error);
  p.weights = std::move(weights);
  p.target = std::move(target);
  p.array_cols = cols;
  p.double_shift = ds;
  return p;
}

inline std::string describe(const ScheduleProblem& p) {
  std::ostringstream os;
  os << "F=" << p.error.size() << " C=" << p.array_cols << (p.double_shift ? " DS" : " SS")
     << " T=" << p.target << " weights[0]=" << p.weights[0];
  return os.str();
}

inline bool meets_target(const ScheduleProblem& p, const TargetRatio& t,
                         const std::vector<int>& shifts) {
  int64_t sum = 0, w = 0;
  for (size_t f = 0; f < shifts.size(); ++f) {
    sum += shifts[f] * p.weights[f];
    w += p.weights[f];
  }
  return sum * t.den == t.num * w;
}

inline double tolerance(double x) { return 1e-9 * std::max(1.0, std::fabs(x)); }

// Every promise of ScheduleResult, with the problem in every failure message.
inline void expect_consistent(const ScheduleProblem& p, const ScheduleResult& r) {
  const std::string where = describe(p);
  EXPECT_EQ(check_schedule(p, r.paper), "") << where << " (paper)";
  EXPECT_EQ(check_schedule(p, r.best), "") << where << " (best)";
  EXPECT_LE(r.best.total_error, r.paper.total_error) << where;
  EXPECT_LE(r.lower_bound, r.best.total_error + tolerance(r.best.total_error)) << where;
  ASSERT_EQ(r.lower_bound_shifts.size(), p.error.size()) << where;
  EXPECT_TRUE(meets_target(p, parse_target(p.target), r.lower_bound_shifts))
      << where << " (lower bound)";
  for (int n : r.lower_bound_shifts) {
    EXPECT_TRUE(n >= 1 && n <= 8 && (!p.double_shift || n % 2 == 0)) << where << " N=" << n;
  }
  EXPECT_DOUBLE_EQ(r.lower_bound, schedule_error(p, r.lower_bound_shifts)) << where;
  const size_t full = p.error.size() / p.array_cols;
  for (const Schedule* s : {&r.paper, &r.best}) {
    if (s->tile_shifts.size() < full) continue;  // check_schedule has said why
    EXPECT_TRUE(std::is_sorted(s->tile_shifts.begin(), s->tile_shifts.begin() + full))
        << where << ": full tiles not in ascending N";
  }
}

inline std::string schedule_error_message(const ScheduleProblem& p) {
  try {
    schedule_filters(p);
  } catch (const ScheduleError& e) {
    return e.what();
  }
  return "(no ScheduleError)";
}

}  // namespace swis
