// Golden PE model against hand-worked values and the paper's equations.
#include <gtest/gtest.h>

#include <random>

#include "lib/golden/pe_model.h"

namespace swis {
namespace {

TEST(PeModel, MaxReductionIsTheLargestExactWorstCaseLength) {
  EXPECT_EQ(max_reduction(32), 33025);
  const int64_t acc_max = (int64_t{1} << 31) - 1;
  EXPECT_LE(max_reduction(32) * kMaxTermMagnitude, acc_max);
  EXPECT_GT((max_reduction(32) + 1) * kMaxTermMagnitude, acc_max);
  EXPECT_THROW(max_reduction(8), std::invalid_argument);
}

TEST(PeModel, ActivationFormatSelectsInt8OrUint8) {
  ActGroup a;
  a.lane[0] = 0xff;
  a.lane[1] = 0x80;
  a.is_signed = true;
  EXPECT_EQ(a.value(0), -1);
  EXPECT_EQ(a.value(1), -128);
  a.is_signed = false;
  EXPECT_EQ(a.value(0), 255);
  EXPECT_EQ(a.value(1), 128);
}

TEST(PeModel, Equation7OnAHandWorkedToken) {
  // Lanes 3 and -5; weight 1 negative. Slot 0: shift 2, both lanes; slot 1: shift 0, lane 1.
  ActGroup a;
  a.lane[0] = 3;
  a.lane[1] = static_cast<uint8_t>(-5);
  WeightToken t;
  t.sign = 0b10;
  t.slot[0] = ShiftSlot{2, 0b11};
  t.slot[1] = ShiftSlot{0, 0b10};
  EXPECT_EQ(swis_contribution(2, 1, a, t), (3 + 5) * 4);
  EXPECT_EQ(swis_contribution(2, 2, a, t), (3 + 5) * 4 + 5);
}

TEST(PeModel, AllEightShiftsOfTheBitsOfWReproduceTheDotProduct) {
  // Equation 2 into Equation 7: with S = {0..7} and m_i[j] = bit j of |w_i|, the tokens of a
  // group add up to sum_i w_i * a_i (Equation 1).
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const int m = 1 + static_cast<int>(rng() % kMaxGroupSize);
    ActGroup a;
    a.is_signed = rng() % 2;
    int w[kMaxGroupSize];
    WeightToken t;
    int64_t dot = 0;
    for (int i = 0; i < m; ++i) {
      a.lane[i] = static_cast<uint8_t>(rng());
      w[i] = static_cast<int>(rng() % 511) - 255;
      if (w[i] < 0) t.sign |= 1u << i;
      dot += int64_t{w[i]} * a.value(i);
    }
    int64_t sum = 0;
    for (int j = 0; j < 8; ++j) {
      t.slot[0].shift = j;
      t.slot[0].mask = 0;
      for (int i = 0; i < m; ++i)
        t.slot[0].mask |= static_cast<uint32_t>((std::abs(w[i]) >> j) & 1) << i;
      sum += swis_contribution(m, 1, a, t);
    }
    ASSERT_EQ(sum, dot) << "trial " << trial;
  }
}

TEST(PeModel, FixedPointIsTheDotProduct) {
  ActGroup a;
  a.is_signed = false;
  a.lane[0] = 255;
  a.lane[1] = 2;
  WeightToken t;
  t.weight[0] = -128;
  t.weight[1] = 127;
  EXPECT_EQ(fxp_contribution(2, a, t), -128 * 255 + 127 * 2);
}

TEST(PeModel, RegistersForwardOneCycleLaterAndFirstLastFrameAnOutput) {
  PeModel pe(PeParams{PeKind::kSwis, 1, 1, 32});
  ActGroup a;
  a.lane[0] = 10;
  WeightToken t;
  t.valid = true;
  t.first = true;
  t.slot[0] = ShiftSlot{1, 1};
  pe.clock(a, t);
  EXPECT_EQ(pe.out().acc, 20);
  EXPECT_FALSE(pe.out().res_valid);
  EXPECT_EQ(pe.out().act.lane[0], 10);
  EXPECT_TRUE(pe.out().tok.first);
  t.first = false;
  t.last = true;
  t.slot[0] = ShiftSlot{0, 1};
  pe.clock(a, t);
  EXPECT_EQ(pe.out().acc, 30);
  EXPECT_TRUE(pe.out().res_valid);
  EXPECT_EQ(pe.out().res, 30);
  WeightToken bubble;
  pe.clock(a, bubble);
  EXPECT_FALSE(pe.out().res_valid);
  EXPECT_EQ(pe.out().res, 30);  // holds
  EXPECT_EQ(pe.out().acc, 30);  // a bubble adds nothing
}

TEST(PeModel, RefusesAReductionPastTheBound) {
  PeModel pe(PeParams{PeKind::kSwis, 1, 1, 18});  // small accumulator: bound is 2
  ActGroup a;
  a.is_signed = false;
  a.lane[0] = 255;
  WeightToken t;
  t.valid = true;
  t.slot[0].mask = 1;
  for (int weight = 0; weight < max_reduction(18); ++weight) {
    for (int j = 0; j < 8; ++j) {
      t.first = weight == 0 && j == 0;
      t.slot[0].shift = j;
      pe.clock(a, t);
    }
  }
  EXPECT_EQ(pe.out().acc, max_reduction(18) * kMaxTermMagnitude);
  t.first = false;
  t.slot[0].shift = 7;
  EXPECT_THROW(pe.clock(a, t), AccumulatorOverflow);
}

TEST(PeModel, ParamsOutOfRangeAreRefused) {
  EXPECT_THROW((PeParams{PeKind::kSwis, 0, 1, 32}.validate()), std::invalid_argument);
  EXPECT_THROW((PeParams{PeKind::kSwis, 17, 1, 32}.validate()), std::invalid_argument);
  EXPECT_THROW((PeParams{PeKind::kSwis, 4, 3, 32}.validate()), std::invalid_argument);
  EXPECT_THROW((PeParams{PeKind::kFixedPoint, 4, 2, 32}.validate()), std::invalid_argument);
  EXPECT_THROW((PeParams{PeKind::kSwis, 4, 2, 8}.validate()), std::invalid_argument);
}

TEST(PeModel, EveryPeConfigurationOfTheTableIsValid) {
  int pes = 0;
  for (const auto& c : hw_configs()) {
    if (c.top != "swis_pe" && c.top != "fxp_pe") continue;
    EXPECT_NO_THROW(PeParams::from_config(c)) << c.name;
    ++pes;
  }
  EXPECT_GE(pes, 15);
}

}  // namespace
}  // namespace swis
