// fxp_pe (the 8-bit fixed-point baseline) against the golden model, every output every cycle.
#include <gtest/gtest.h>

#include "tb/pe_test_util.h"

namespace swis::tb {
namespace {

class FxpPe : public testing::TestWithParam<PeDutEntry> {};

TEST_P(FxpPe, ExhaustiveActivationTimesWeightOnFirstAndLastLane) {
  const PeDutEntry& e = GetParam();
  for (int lane : {0, e.params.group_size - 1}) {
    const PeRunResult r = expect_lockstep(e, exhaustive_lane_sequence(e.params, lane, 12));
    ASSERT_EQ(r.cycles, exhaustive_lane_cycles(e.params)) << "lane " << lane;
  }
}

TEST_P(FxpPe, RandomInt8) {
  const PeRunResult r =
      expect_lockstep(GetParam(), random_sequence(GetParam().params, true, 100000, 41));
  EXPECT_EQ(r.cycles, 100000u);
}

TEST_P(FxpPe, RandomUint8) {
  const PeRunResult r =
      expect_lockstep(GetParam(), random_sequence(GetParam().params, false, 100000, 42));
  EXPECT_EQ(r.cycles, 100000u);
}

TEST_P(FxpPe, ExtremesMinus128TimesMinus128And255) {
  expect_lockstep(GetParam(), extreme_sequence(GetParam().params, 51));
}

TEST_P(FxpPe, LongestReductionAtTheAccumulatorBound) {
  const PeDutEntry& e = GetParam();
  for (bool negative : {false, true}) {
    const PeRunResult r = expect_lockstep(e, bound_sequence(e.params, negative));
    EXPECT_EQ(r.results, 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(AllConfigs, FxpPe, testing::ValuesIn(duts_of_kind(PeKind::kFixedPoint)),
                         dut_test_name);

}  // namespace
}  // namespace swis::tb
