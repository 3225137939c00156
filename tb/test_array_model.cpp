// The array's golden model and GEMM mapping on their own (no RTL): results equal a plain
// GEMM, cycle counts equal the closed form, the counters add up.
#include <gtest/gtest.h>

#include <random>

#include "lib/flow/synthetic.h"
#include "lib/golden/array_model.h"
#include "lib/mapping/array_program.h"

namespace swis {
namespace {

struct ModelRun {
  uint64_t cycles = 0;
  std::vector<int64_t> y;
  ArrayOutputs last;
};

// Drives the model alone, inputs always valid and results always taken.
ModelRun run_model(const ArrayParams& p, const ArrayProgram& prog, int64_t rows, int64_t filters) {
  ArrayModel m(p);
  ResultCollector col(p, prog, rows, filters);
  size_t ci = 0, ai = 0, ti = 0;
  ArrayInputs in;
  ModelRun run;
  const std::vector<ActGroup> no_act(static_cast<size_t>(p.rows));
  const std::vector<WeightToken> no_tok(static_cast<size_t>(p.cols));
  for (uint64_t cycle = 0; cycle < 10'000'000; ++cycle) {
    in.cfg_valid = ci < prog.cfg.size();
    if (in.cfg_valid) {
      in.cfg_shifts = prog.cfg[ci].shifts;
      in.cfg_groups = prog.cfg[ci].groups;
      in.cfg_act_signed = prog.cfg[ci].act_signed;
    }
    in.act_valid = ai < prog.act.size();
    if (in.act_valid) {
      in.act.assign(prog.act[ai], prog.act[ai] + p.rows);
    } else {
      in.act = no_act;
    }
    in.tok_valid = ti < prog.tok.size();
    if (in.tok_valid) {
      in.tok.assign(prog.tok[ti], prog.tok[ti] + p.cols);
    } else {
      in.tok = no_tok;
    }
    in.res_ready = true;
    const ArrayOutputs o = m.outputs(in);
    m.clock(in);
    ci += in.cfg_valid && o.cfg_ready;
    ai += in.act_valid && o.act_ready;
    ti += in.tok_valid && o.tok_ready;
    run.last = o;
    if (o.res_valid) {
      col.take(o.res);
      if (col.beats() == static_cast<int64_t>(prog.tiles.size()) * p.beats_per_tile()) {
        run.cycles = cycle + 1;
        run.y = col.result();
        return run;
      }
    }
  }
  ADD_FAILURE() << "model did not finish";
  return run;
}

TEST(ArrayModel, ResultsEqualAPlainGemmAndCyclesTheClosedForm) {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 40; ++trial) {
    ArrayParams p;
    p.rows = 1 + static_cast<int>(rng() % 6);
    p.cols = 1 + static_cast<int>(rng() % 6);
    p.shifts_per_cycle = 1 + static_cast<int>(rng() % 2);
    const int64_t P = 1 + static_cast<int64_t>(rng() % 13),
                  K = 1 + static_cast<int64_t>(rng() % 30),
                  F = 1 + static_cast<int64_t>(rng() % 13);
    const std::vector<int> shifts = {1 + static_cast<int>(rng() % 8),
                                     1 + static_cast<int>(rng() % 8), 8};
    const GemmOperands ops = random_gemm(P, K, F, p.group_size, p.cols, shifts, rng() % 2, rng());
    const ArrayProgram prog = program_gemm(p, ops);
    const ModelRun run = run_model(p, prog, P, F);
    ASSERT_EQ(run.y, reference_gemm(ops)) << "trial " << trial;
    ASSERT_EQ(run.cycles, closed_form_cycles(p, prog.tile_steps()))
        << "trial " << trial << " " << p.describe() << " P=" << P << " K=" << K << " F=" << F;
    uint64_t steps = 0;
    for (uint64_t s : prog.tile_steps()) steps += s;
    EXPECT_EQ(run.last.busy, steps);
  }
}

TEST(ArrayModel, ShortTilesStallForTheDrain) {
  // G = 1 and N = 1: one step per tile, far shorter than the drain (Rows + Cols = 16 cycles
  // from one tile's last step to the next's).
  ArrayParams p;
  p.shifts_per_cycle = 1;
  const GemmOperands ops = random_gemm(40, 4, 8, 4, 8, {1}, true, 3);
  const ArrayProgram prog = program_gemm(p, ops);
  ASSERT_EQ(prog.tiles.size(), 5u);
  const ModelRun run = run_model(p, prog, 40, 8);
  EXPECT_EQ(run.y, reference_gemm(ops));
  EXPECT_EQ(run.cycles, closed_form_cycles(p, prog.tile_steps()));
  EXPECT_EQ(run.last.stall, 4u * (16 - 1));  // each later tile waits 15 cycles for the drain
}

TEST(ArrayProgram, TokensCarryTheGroupsShiftsInOrderAndAnEmptySlotForOddN) {
  ArrayParams p;
  p.rows = 1;
  p.cols = 1;
  GemmOperands ops;
  ops.rows = 1;
  ops.groups = 1;
  ops.group_size = 4;
  ops.act.assign(4, 1);
  ops.filters = 1;
  ops.q = {0b1001'0001, -0b0001'0001, 0b1000'0000, 0};  // shifts {0, 4, 7}
  ops.set = {0b1001'0001};
  ops.filter_shifts = {3};
  ops.order = {0};
  const ArrayProgram prog = program_gemm(p, ops);
  ASSERT_EQ(prog.tok.size(), 2u);  // ceil(3 / 2) steps
  const WeightToken& a = prog.tok[0][0];
  const WeightToken& b = prog.tok[1][0];
  EXPECT_EQ(a.sign, 0b0010u);
  EXPECT_EQ(a.slot[0].shift, 0);
  EXPECT_EQ(a.slot[0].mask, 0b0011u);
  EXPECT_EQ(a.slot[1].shift, 4);
  EXPECT_EQ(a.slot[1].mask, 0b0011u);
  EXPECT_EQ(b.slot[0].shift, 7);
  EXPECT_EQ(b.slot[0].mask, 0b0101u);
  EXPECT_EQ(b.slot[1].mask, 0u);  // empty
}

TEST(ArrayProgram, AFixedPointArrayTakesOneTokenOfInt8WeightsPerGroupAndRefusesWiderOnes) {
  ArrayParams p;
  p.rows = 1;
  p.cols = 2;
  p.fixed_point = true;
  p.shifts_per_cycle = 1;
  GemmOperands ops;
  ops.rows = 1;
  ops.groups = 2;
  ops.group_size = 4;
  ops.act.assign(8, 3);
  ops.filters = 2;
  ops.q = {1, -2, 127, -128, 0, 5, 6, 7, 9, 8, 7, 6, -1, -1, -1, -1};
  ops.set.assign(4, 0);
  ops.filter_shifts = {8, 3};  // N does not apply: the filters may differ
  ops.order = {0, 1};
  const ArrayProgram prog = program_gemm(p, ops);
  ASSERT_EQ(prog.tiles.size(), 1u);
  EXPECT_EQ(prog.tiles[0].steps, 2u);  // one step per group
  EXPECT_EQ(prog.cfg[0].shifts, 1);
  ASSERT_EQ(prog.tok.size(), 2u);
  for (int g = 0; g < 2; ++g) {
    for (int c = 0; c < 2; ++c) {
      for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(prog.tok[static_cast<size_t>(g)][c].weight[i],
                  ops.q[static_cast<size_t>((c * 2 + g) * 4 + i)])
            << "group " << g << " column " << c << " lane " << i;
      }
    }
  }
  // The model engine's array of the same shape computes the same GEMM.
  const ModelRun run = run_model(p, prog, 1, 2);
  EXPECT_EQ(run.y, reference_gemm(ops));
  ops.q[3] = -129;  // a SWIS magnitude, not an int8
  EXPECT_THROW(program_gemm(p, ops), std::invalid_argument);
}

TEST(ArrayProgram, RefusesMixedNInATileAndReductionsPastTheBound) {
  ArrayParams p;
  GemmOperands ops = random_gemm(3, 8, 4, 4, 8, {2}, true, 1);
  ops.filter_shifts[1] = 3;
  EXPECT_THROW(program_gemm(p, ops), std::invalid_argument);
  GemmOperands big = random_gemm(1, 4 * 8257, 1, 4, 8, {1}, true, 1);
  EXPECT_THROW(program_gemm(p, big), std::invalid_argument);  // 8257 groups of 4 > 33025 weights
}

}  // namespace
}  // namespace swis
