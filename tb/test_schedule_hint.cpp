// Filter scheduler (lib/compiler/schedule.h): when a target cannot be met, the one-line
// ScheduleError ends with what would work (issue 13). Every suggestion is checked against the
// scheduler itself and the nearest targets against an exhaustive count of per-tile N.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lib/compiler/schedule.h"
#include "tb/schedule_test_util.h"

namespace swis {
namespace {

std::vector<int> tile_sizes(int filters, int cols) {
  std::vector<int> sizes;
  for (int f = 0; f < filters; f += cols) sizes.push_back(std::min(cols, filters - f));
  return sizes;
}

// sum_t N_t * |tile t| for every assignment of an allowed N to every tile, one by one.
std::set<int64_t> enumerated_totals(int filters, int cols, bool ds) {
  const std::vector<int> sizes = tile_sizes(filters, cols);
  std::set<int64_t> totals;
  std::function<void(size_t, int64_t)> go = [&](size_t t, int64_t sum) {
    if (t == sizes.size()) {
      totals.insert(sum);
      return;
    }
    for (int n = ds ? 2 : 1; n <= 8; n += ds ? 2 : 1) go(t + 1, sum + int64_t{n} * sizes[t]);
  };
  go(0, 0);
  return totals;
}

// The same set for layers too large to enumerate: which totals the tiles so far can make.
std::set<int64_t> dp_totals(int filters, int cols, bool ds) {
  std::vector<char> can(8 * filters + 1, 0);
  can[0] = 1;
  for (int size : tile_sizes(filters, cols)) {
    std::vector<char> next(can.size(), 0);
    for (size_t s = 0; s < can.size(); ++s) {
      if (!can[s]) continue;
      for (int n = ds ? 2 : 1; n <= 8; n += ds ? 2 : 1) next[s + n * size] = 1;
    }
    can.swap(next);
  }
  std::set<int64_t> totals;
  for (size_t s = 0; s < can.size(); ++s) {
    if (can[s]) totals.insert(static_cast<int64_t>(s));
  }
  return totals;
}

// num / den has at most 12 decimal places (what --target accepts).
bool finite_decimal(int64_t num, int64_t den) {
  den /= std::gcd(num, den);
  int twos = 0, fives = 0;
  for (; den % 2 == 0; den /= 2) ++twos;
  for (; den % 5 == 0; den /= 5) ++fives;
  return den == 1 && twos <= 12 && fives <= 12;
}

// The values that follow each `flag` in `msg`, in order.
std::vector<std::string> values_after(const std::string& msg, const std::string& flag) {
  std::vector<std::string> out;
  for (auto at = msg.find(flag); at != std::string::npos; at = msg.find(flag, at + 1)) {
    const auto b = at + flag.size();
    const auto e = msg.find_first_of(" ;,", b);
    out.push_back(msg.substr(b, e == std::string::npos ? std::string::npos : e - b));
  }
  return out;
}

bool schedules(const ScheduleProblem& p) {
  try {
    schedule_filters(p);
    return true;
  } catch (const ScheduleError&) {
    return false;
  }
}

bool single_shift_schedules(ScheduleProblem p) {
  p.double_shift = false;
  return schedules(p);
}

// --shifts names floor(T) and ceil(T), once when T is whole.
void expect_shifts_named(const ScheduleProblem& p, const std::string& msg) {
  const TargetRatio t = parse_target(p.target);
  std::vector<std::string> want{std::to_string(t.num / t.den)};
  if (t.den != 1) want.push_back(std::to_string(t.num / t.den + 1));
  EXPECT_EQ(values_after(msg, "--shifts "), want) << describe(p) << ": '" << msg << "'";
}

// `p` (equal weights) cannot be scheduled; `totals` are what its tiles reach. The message must
// name exactly the nearest expressible totals / F below and above T, each of which schedules, and
// --pe ss exactly when single-shift tiles schedule.
void expect_hint(const ScheduleProblem& p, const std::set<int64_t>& totals) {
  const std::string where = describe(p);
  const std::string msg = schedule_error_message(p);
  ASSERT_NE(msg, "(no ScheduleError)") << where;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << where << ": '" << msg << "'";
  const TargetRatio t = parse_target(p.target);
  const int64_t f_count = static_cast<int64_t>(p.error.size());
  std::optional<int64_t> below, above;
  for (int64_t total : totals) {
    if (!finite_decimal(total, f_count)) continue;
    if (total * t.den < t.num * f_count) below = total;  // ascending: the last one wins
    if (total * t.den > t.num * f_count && !above) above = total;
  }
  std::vector<std::optional<int64_t>> want;
  for (const auto& x : {below, above}) {
    if (x) want.push_back(x);
  }
  const std::vector<std::string> got = values_after(msg, "--target ");
  ASSERT_EQ(got.size(), want.size()) << where << ": '" << msg << "'";
  for (size_t i = 0; i < got.size(); ++i) {
    const TargetRatio r = parse_target(got[i]);
    const int64_t g = std::gcd(*want[i], f_count);
    EXPECT_EQ(r.num, *want[i] / g) << where << ": '" << got[i] << "' in '" << msg << "'";
    EXPECT_EQ(r.den, f_count / g) << where << ": '" << got[i] << "' in '" << msg << "'";
    ScheduleProblem q = p;
    q.target = got[i];
    EXPECT_TRUE(schedules(q)) << where << ": suggested --target " << got[i] << " fails";
  }
  expect_shifts_named(p, msg);
  EXPECT_EQ(msg.find("--pe ss") != std::string::npos, p.double_shift && single_shift_schedules(p))
      << where << ": '" << msg << "'";
}

std::vector<Curve> curves(int filters) {
  std::vector<Curve> e;
  for (int f = 0; f < filters; ++f) e.push_back(geometric(1 + f % 5));
  return e;
}

TEST(ScheduleHint, ExampleLayersSayWhatWorks) {
  struct Case {
    int filters;
    int64_t weight;
    const char* says;
  };
  // (10, 16, 3, 3), (13, 50) and (1000, 16, 3, 3) layers, --target 3 --pe ds, 8 columns.
  const Case cases[] = {
      {10, 144,
       "no even per-tile shifts of 1 tile of 8 filters and 1 of 2 filters sum to 30 "
       "filter-shifts; nearest reachable: --target 2.8 or --target 3.2; or --shifts 3 for every "
       "filter; or --pe ss, which reaches 3"},
      {13, 50,
       "target 3 needs 39 filter-shifts on 13 filters of 50 weights: odd, and even (double-shift) "
       "N only sum to even totals; nearest reachable: --target 2 or --target 4; or --shifts 3 for "
       "every filter; or --pe ss, which reaches 3"},
      {1000, 144,
       "no even per-tile shifts of 125 tiles of 8 filters sum to 3000 filter-shifts; nearest "
       "reachable: --target 2.992 or --target 3.008; or --shifts 3 for every filter; or --pe ss, "
       "which reaches 3"},
  };
  for (const Case& k : cases) {
    const auto p =
        make_problem(curves(k.filters), std::vector<int64_t>(k.filters, k.weight), "3", 8, true);
    EXPECT_EQ(schedule_error_message(p), k.says) << describe(p);
    expect_hint(
        p, k.filters <= 32 ? enumerated_totals(k.filters, 8, true) : dp_totals(k.filters, 8, true));
  }
}

TEST(ScheduleHint, OnlyTargetsOfAtMostTwelveDecimalPlacesAreOffered) {
  // 8192 = 2^13 filters, one per tile, SS: every total in [F, 8F] is reachable. T = 1.0001 needs
  // 8192.8192; 8193 / 8192 has 13 decimal places, which --target refuses, so above comes
  // 8194 / 8192 = 1.000244140625 (12 places).
  const int f_count = 8192;
  const auto p =
      make_problem(curves(f_count), std::vector<int64_t>(f_count, 9), "1.0001", 1, false);
  EXPECT_NE(schedule_error_message(p).find("; nearest reachable: --target 1 or --target "
                                           "1.000244140625; or --shifts 1 or --shifts 2"),
            std::string::npos)
      << schedule_error_message(p);
  std::set<int64_t> totals;
  for (int64_t s = f_count; s <= 8 * f_count; ++s) totals.insert(s);
  expect_hint(p, totals);
}

TEST(ScheduleHint, NearestTargetsMatchExhaustiveSearch) {
  // Every per-tile N assignment of up to 4 tiles (4^4 on DS, 8^4 on SS), partial tiles included.
  const char* targets[] = {"1.3", "1.5",  "2.1", "2.3",   "2.5", "2.75", "3",
                           "3.3", "3.55", "4.2", "5.125", "6.9", "7",    "7.99"};
  int hinted = 0, with_ss = 0;
  for (const bool ds : {true, false}) {
    for (const int cols : {2, 3, 8}) {
      for (int f_count = 1; f_count <= 4 * cols; ++f_count) {
        const std::set<int64_t> totals = enumerated_totals(f_count, cols, ds);
        for (const char* target : targets) {
          const auto p =
              make_problem(curves(f_count), std::vector<int64_t>(f_count, 9), target, cols, ds);
          const TargetRatio t = parse_target(target);
          if (t.num < (ds ? 2 : 1) * t.den) continue;  // below the range: not about tiles
          if (schedules(p)) {
            // The other half of "exactly": whatever schedules is in the enumerated set.
            EXPECT_TRUE(f_count % t.den == 0 && totals.count(t.num * (f_count / t.den)))
                << describe(p);
            continue;
          }
          expect_hint(p, totals);
          ++hinted;
          with_ss += schedule_error_message(p).find("--pe ss") != std::string::npos;
        }
      }
    }
  }
  EXPECT_GT(hinted, 200);
  EXPECT_GT(with_ss, 20);
}

TEST(ScheduleHint, UnequalWeightsGetNoTargetButShiftsAndMaybeSingleShift) {
  std::mt19937 rng(13);
  const char* targets[] = {"2.2", "2.5", "3", "3.25", "3.5", "4.5", "5", "6.1"};
  int hinted = 0, with_ss = 0, without_ss = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int cols = 1 + static_cast<int>(rng() % 4);
    const bool ds = rng() % 4 != 0;
    const int f_count = 2 + static_cast<int>(rng() % 10);
    std::vector<int64_t> w(f_count);
    for (auto& x : w) x = 1 + rng() % 3;
    w[0] = 1;
    w[1] = 2;  // never all equal
    const auto p = make_problem(curves(f_count), w, targets[rng() % std::size(targets)], cols, ds);
    if (schedules(p)) continue;
    const std::string msg = schedule_error_message(p);
    ++hinted;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << describe(p) << ": '" << msg << "'";
    EXPECT_EQ(msg.find("--target"), std::string::npos) << describe(p) << ": '" << msg << "'";
    EXPECT_NE(msg.find("; instead: --shifts "), std::string::npos)
        << describe(p) << ": '" << msg << "'";
    expect_shifts_named(p, msg);
    const bool ss = ds && single_shift_schedules(p);
    EXPECT_EQ(msg.find("--pe ss") != std::string::npos, ss) << describe(p) << ": '" << msg << "'";
    with_ss += ss;
    without_ss += !ss;
  }
  EXPECT_GT(hinted, 50);
  EXPECT_GT(with_ss, 5);
  EXPECT_GT(without_ss, 5);
}

TEST(ScheduleHint, IntegerTargetsNeverFailOnSingleShift) {
  // Every tile at N is always a schedule, so a whole T on SS never needs a hint.
  std::mt19937 rng(14);
  for (const int cols : {1, 3, 8, 16}) {
    for (int f_count = 1; f_count <= 40; ++f_count) {
      for (int n = 1; n <= 8; ++n) {
        for (const bool equal : {true, false}) {
          std::vector<int64_t> w(f_count, 9);
          if (!equal) {
            for (auto& x : w) x = 1 + rng() % 7;
          }
          const auto p = make_problem(curves(f_count), w, std::to_string(n), cols, false);
          EXPECT_TRUE(schedules(p)) << describe(p) << ": '" << schedule_error_message(p) << "'";
        }
      }
    }
  }
}

TEST(ScheduleHint, RangeAndSizeErrorsOfferNothing) {
  // Out of range: the message already names the limit, and no tiling is at fault.
  for (const char* target : {"9", "8.25", "1.5"}) {
    const auto p = make_problem(curves(16), std::vector<int64_t>(16, 9), target, 8, true);
    const std::string msg = schedule_error_message(p);
    EXPECT_EQ(msg.find("--"), std::string::npos) << describe(p) << ": '" << msg << "'";
  }
  // The lower bound's DP fits but the paper's ordered DP over 2.4M shift-units does not: too
  // large is not unreachable (T = 3 is every filter at 3), so no hint.
  const auto p = make_problem(curves(4), {300007, 300011, 300017, 300023}, "3", 1, false);
  const std::string msg = schedule_error_message(p);
  EXPECT_NE(msg.find("MiB, beyond the limit"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("--"), std::string::npos) << msg;
}

}  // namespace
}  // namespace swis
