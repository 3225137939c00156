// Filter scheduler (lib/compiler/schedule.h) on hand-worked cases: target parsing, malformed
// input, unreachable targets, the paper's heuristic step by step and check_schedule's messages.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/compiler/schedule.h"
#include "tb/schedule_test_util.h"

namespace swis {
namespace {

TEST(ScheduleTarget, ParsesDecimalsToExactFractions) {
  auto expect = [](const std::string& text, int64_t num, int64_t den) {
    const TargetRatio r = parse_target(text);
    EXPECT_EQ(r.num, num) << "'" << text << "'";
    EXPECT_EQ(r.den, den) << "'" << text << "'";
  };
  expect("2.5", 5, 2);
  expect("2.333", 2333, 1000);
  expect("3", 3, 1);
  expect("03.50", 7, 2);
  expect(" 2.25 ", 9, 4);
  expect("8.", 8, 1);
  expect(".5", 1, 2);
  expect("0.000000000001", 1, 1000000000000);
}

TEST(ScheduleTarget, RejectsWhatIsNotAPlainDecimal) {
  for (const char* text : {"", " ", ".", "abc", "2.5.1", "-1", "+2", "1e3", "2,5", "0x2",
                           "2.0000000000001", "1234567"}) {
    EXPECT_THROW(parse_target(text), std::invalid_argument) << "'" << text << "'";
  }
}

TEST(ScheduleInput, RejectsMalformedProblems) {
  const auto good = make_problem(std::vector<Curve>(4, geometric(1)), {9, 9, 9, 9}, "3", 2, true);
  ASSERT_NO_THROW(schedule_filters(good));
  auto p = good;
  p.error.clear();
  p.weights.clear();
  EXPECT_THROW(schedule_filters(p), std::invalid_argument) << "no filters";
  p = good;
  p.weights.pop_back();
  EXPECT_THROW(schedule_filters(p), std::invalid_argument) << "sizes differ";
  p = good;
  p.array_cols = 0;
  EXPECT_THROW(schedule_filters(p), std::invalid_argument) << "C = 0";
  p = good;
  p.error[2][5] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(schedule_filters(p), std::invalid_argument) << "NaN error";
  p = good;
  p.error[1][3] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(schedule_filters(p), std::invalid_argument) << "infinite error";
  p = good;
  p.weights[3] = 0;
  EXPECT_THROW(schedule_filters(p), std::invalid_argument) << "zero weight";
  p = good;
  p.target = "three";
  EXPECT_THROW(schedule_filters(p), std::invalid_argument) << "target text";
  EXPECT_THROW(check_schedule(p, Schedule{}), std::invalid_argument) << "check, target text";
}

TEST(ScheduleTarget, UnreachableTargetsThrowOneLineSayingWhy) {
  struct Case {
    int filters, cols;
    int64_t weight;
    bool ds;
    const char* target;
    const char* says;
  };
  const Case cases[] = {
      {64, 8, 9, true, "2.3",
       "target 2.3 needs 147.2 filter-shifts on 64 filters of 9 weights: not a whole number"},
      {18, 8, 9, true, "2.5", "needs 45 filter-shifts"},  // odd: DS filters sum to even
      {64, 8, 9, true, "1.5", "target 1.5 is below 2, the least a double-shift tile can take"},
      {64, 8, 9, false, "0.5", "target 0.5 is below 1"},
      {64, 8, 9, false, "9", "target 9 is above 8"},
      {64, 8, 9, true, "8.25", "target 8.25 is above 8"},
      {16, 8, 9, true, "2.5",
       "no even per-tile shifts of 2 tiles of 8 filters sum to 40 filter-shifts"},
      {10, 8, 9, false, "2.1",
       "no per-tile shifts of 1 tile of 8 filters and 1 of 2 filters sum to 21 filter-shifts"},
  };
  for (const Case& k : cases) {
    const auto p = make_problem(std::vector<Curve>(k.filters, geometric(1)),
                                std::vector<int64_t>(k.filters, k.weight), k.target, k.cols, k.ds);
    const std::string msg = schedule_error_message(p);
    EXPECT_NE(msg.find(k.says), std::string::npos) << describe(p) << ": got '" << msg << "'";
    EXPECT_EQ(msg.find('\n'), std::string::npos) << describe(p) << ": '" << msg << "'";
  }
}

TEST(ScheduleTarget, NearestTargetsAreTheReachableDecimalsAroundIt) {
  NearTargets t = nearest_targets(16, 8, false, "2.5");  // SS tiles 2 and 3
  EXPECT_TRUE(t.exact);
  t = nearest_targets(16, 8, true, "2.5");  // DS: 2 + 2 or 2 + 4
  EXPECT_FALSE(t.exact);
  EXPECT_EQ(t.below, "2");
  EXPECT_EQ(t.above, "3");
  // 24 filters on DS tiles: 64 / 24 is no decimal, so above 2.5 the nearest is 4.
  t = nearest_targets(24, 8, true, "2.5");
  EXPECT_EQ(t.below, "2");
  EXPECT_EQ(t.above, "4");
  t = nearest_targets(10, 8, false, "1");  // the lowest: nothing below
  EXPECT_TRUE(t.exact);
  EXPECT_EQ(t.below, "");
  t = nearest_targets(20, 8, true, "2.1");  // tiles 8, 8, 4: (8a + 8b + 4c) / 20
  EXPECT_EQ(t.below, "2");
  EXPECT_EQ(t.above, "2.4");
  EXPECT_THROW(nearest_targets(0, 8, true, "2"), std::invalid_argument);
  EXPECT_THROW(nearest_targets(8, 8, true, "two"), std::invalid_argument);
}

TEST(ScheduleTarget, WholeTargetOnIdenticalFiltersGivesEveryFilterThatN) {
  for (int n = 1; n <= 8; ++n) {
    const auto p = make_problem(std::vector<Curve>(20, geometric(3)), std::vector<int64_t>(20, 36),
                                std::to_string(n), 8, false);
    const ScheduleResult r = schedule_filters(p);
    expect_consistent(p, r);
    const std::vector<int> all_n(20, n);
    EXPECT_EQ(r.paper.filter_shifts, all_n) << "T=" << n;
    EXPECT_EQ(r.best.filter_shifts, all_n) << "T=" << n;
    EXPECT_EQ(r.lower_bound_shifts, all_n) << "T=" << n;
  }
}

TEST(ScheduleDoubleShift, OddTargetPutsSensitiveFiltersInTheFourShiftTile) {
  // Section 3.1's example: half the filters at 2 shifts, half at 4, is 3 on average. The odd
  // filters are 100x more sensitive, so they must get the 4-shift tile.
  std::vector<Curve> e;
  for (int f = 0; f < 16; ++f) e.push_back(geometric(f % 2 ? 100 : 1));
  const auto p = make_problem(e, std::vector<int64_t>(16, 36), "3", 8, true);
  const ScheduleResult r = schedule_filters(p);
  expect_consistent(p, r);
  for (const Schedule* s : {&r.paper, &r.best}) {
    EXPECT_EQ(s->tile_shifts, (std::vector<int>{2, 4}));
    for (int f = 0; f < 16; ++f) EXPECT_EQ(s->filter_shifts[f], f % 2 ? 4 : 2) << "filter " << f;
  }
  EXPECT_NEAR(r.lower_bound, r.best.total_error, 1e-12);
}

TEST(SchedulePaper, PhaseOneMovesTheCheapestFilterAndBreaksTiesByIndex) {
  // SS, T = 1.5, C = 2: every filter starts at 2 and two of them move down to 1.
  // Filters 1 and 3 are 8x cheaper to move, so they go, and sorting by N puts them first.
  std::vector<Curve> e = {geometric(8), geometric(1), geometric(8), geometric(1)};
  auto p = make_problem(e, {5, 5, 5, 5}, "1.5", 2, false);
  ScheduleResult r = schedule_filters(p);
  expect_consistent(p, r);
  EXPECT_EQ(r.paper.order, (std::vector<int>{1, 3, 0, 2}));
  EXPECT_EQ(r.paper.tile_shifts, (std::vector<int>{1, 2}));
  EXPECT_EQ(r.paper.filter_shifts, (std::vector<int>{2, 1, 2, 1}));
  // Identical filters tie on every cost: the lower indices move.
  p.error.assign(4, geometric(1));
  r = schedule_filters(p);
  expect_consistent(p, r);
  EXPECT_EQ(r.paper.order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(r.paper.filter_shifts, (std::vector<int>{1, 1, 2, 2}));
}

TEST(SchedulePaper, PartialLastTileTakesTheHighestShifts) {
  // F = 10, C = 4, DS, T = 2.4: 24 filter-shifts split only as tiles 2, 2, 4 (the partial tile of
  // two filters at 4). Phase 1 leaves the most sensitive filters, 8 and 9, highest.
  std::vector<Curve> e;
  for (int f = 0; f < 10; ++f) e.push_back(geometric(1 + f));
  const auto p = make_problem(e, std::vector<int64_t>(10, 4), "2.4", 4, true);
  const ScheduleResult r = schedule_filters(p);
  expect_consistent(p, r);
  EXPECT_EQ(r.paper.tile_shifts, (std::vector<int>{2, 2, 4}));
  EXPECT_EQ(std::vector<int>(r.paper.order.end() - 2, r.paper.order.end()),
            (std::vector<int>{8, 9}));
}

TEST(ScheduleCheck, NamesTheFirstViolation) {
  const auto p =
      make_problem(std::vector<Curve>(5, geometric(2)), std::vector<int64_t>(5, 9), "3.2", 2, true);
  // Tiles {0,1} {2,3} {4} at 2, 4, 4: (2*2 + 4*3) / 5 = 3.2.
  Schedule ok;
  ok.order = {0, 1, 2, 3, 4};
  ok.tile_shifts = {2, 4, 4};
  ok.filter_shifts = {2, 2, 4, 4, 4};
  ok.total_error = schedule_error(p, ok.filter_shifts);
  ASSERT_EQ(check_schedule(p, ok), "");
  auto expect_says = [&](const Schedule& s, const std::string& says) {
    const std::string msg = check_schedule(p, s);
    EXPECT_NE(msg.find(says), std::string::npos) << "got '" << msg << "'";
  };
  Schedule s = ok;
  s.order = {0, 1, 2, 3, 3};
  expect_says(s, "appears twice");
  s = ok;
  s.order.pop_back();
  expect_says(s, "order has 4 entries");
  s = ok;
  s.tile_shifts = {2, 4};
  expect_says(s, "2 tile shifts for 3 tiles");
  s = ok;
  s.tile_shifts = {2, 3, 4};
  s.filter_shifts = {2, 2, 3, 3, 4};
  expect_says(s, "tile 1 has N = 3, not allowed on double-shift");
  s = ok;
  s.filter_shifts = {2, 4, 2, 4, 4};
  expect_says(s, "filter 1 in tile 0 has N = 4 but its tile 2");
  s = ok;
  s.tile_shifts = {2, 4, 6};
  s.filter_shifts = {2, 2, 4, 4, 6};
  s.total_error = schedule_error(p, s.filter_shifts);
  expect_says(s, "weighted average N is 18/5, not the target 3.2");
  s = ok;
  s.total_error += 1;
  expect_says(s, "total_error");
}

}  // namespace
}  // namespace swis
