// swis_pe (single- and double-shift) against the golden model, every output every cycle.
#include <gtest/gtest.h>

#include "tb/pe_test_util.h"

namespace swis::tb {
namespace {

class SwisPe : public testing::TestWithParam<PeDutEntry> {};

TEST_P(SwisPe, ExhaustiveOverFirstAndLastLane) {
  const PeDutEntry& e = GetParam();
  for (int lane : {0, e.params.group_size - 1}) {
    const PeRunResult r = expect_lockstep(e, exhaustive_lane_sequence(e.params, lane, 11));
    ASSERT_EQ(r.cycles, exhaustive_lane_cycles(e.params)) << "lane " << lane;
    EXPECT_EQ(r.results, r.cycles);
  }
}

TEST_P(SwisPe, RandomInt8) {
  const PeRunResult r =
      expect_lockstep(GetParam(), random_sequence(GetParam().params, true, 100000, 21));
  EXPECT_EQ(r.cycles, 100000u);
  EXPECT_GT(r.results, 10000u);
}

TEST_P(SwisPe, RandomUint8) {
  const PeRunResult r =
      expect_lockstep(GetParam(), random_sequence(GetParam().params, false, 100000, 22));
  EXPECT_EQ(r.cycles, 100000u);
  EXPECT_GT(r.results, 10000u);
}

TEST_P(SwisPe, ExtremesAllMasksShiftSevenMinus128And255) {
  expect_lockstep(GetParam(), extreme_sequence(GetParam().params, 31));
}

TEST_P(SwisPe, LongestReductionAtTheAccumulatorBound) {
  const PeDutEntry& e = GetParam();
  const int64_t bound = max_reduction(e.params.acc_width) * kMaxTermMagnitude;
  for (bool negative : {false, true}) {
    auto dut = e.make();
    auto seq = bound_sequence(e.params, negative);
    PeStimulus in;
    for (uint64_t c = 0; seq(c, in); ++c) {
      const auto m = dut->step(in);
      ASSERT_FALSE(m.has_value()) << m->describe(e.name);
    }
    EXPECT_TRUE(dut->model().out().res_valid);
    EXPECT_EQ(dut->model().out().res, negative ? -bound : bound);
  }
  // One weight more leaves the range: the model refuses it rather than wrap.
  EXPECT_THROW(run_lockstep(e, bound_sequence(e.params, false, 1)), AccumulatorOverflow);
}

INSTANTIATE_TEST_SUITE_P(AllConfigs, SwisPe, testing::ValuesIn(duts_of_kind(PeKind::kSwis)),
                         dut_test_name);

}  // namespace
}  // namespace swis::tb
