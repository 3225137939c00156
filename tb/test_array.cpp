// swis_array against its golden model in lock-step: every port before each edge and every
// PE's accumulator after it, on random GEMMs with mixed N, partial tiles, int8 and uint8,
// input bubbles and output backpressure; final results against a plain GEMM; cycle counts
// against the closed form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "lib/flow/synthetic.h"
#include "tb/array_harness.h"

namespace swis::tb {
namespace {

// make regress sets SWIS_SOAK to repeat the random GEMMs that many times with new seeds.
int soak() {
  const char* v = std::getenv("SWIS_SOAK");
  return v ? std::max(1, std::atoi(v)) : 1;
}

class Array : public testing::TestWithParam<ArrayDutEntry> {
 protected:
  struct Gemm {
    int64_t P = 0, K = 0, F = 0;
    GemmOperands ops;
    ArrayProgram prog;
  };

  // One random GEMM whose sizes are not multiples of the array or of M.
  Gemm random_problem(uint64_t seed, bool act_signed, int max_tiles, int64_t max_k) {
    const ArrayParams& p = GetParam().params;
    std::mt19937_64 rng(seed);
    Gemm g;
    g.P = p.rows * (1 + static_cast<int64_t>(rng() % 2)) + 1 + static_cast<int64_t>(rng() % p.rows);
    g.F = std::min<int64_t>(p.cols * (max_tiles / 2) + 1 + static_cast<int64_t>(rng() % p.cols),
                            p.cols * 3 - 1 + (p.cols == 1 ? 2 : 0));
    g.K = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(max_k));
    std::vector<int> shifts;
    for (int i = 0; i < 4; ++i) shifts.push_back(1 + static_cast<int>(rng() % 8));
    g.ops = random_gemm(g.P, g.K, g.F, p.group_size, p.cols, shifts, act_signed, rng());
    g.prog = program_gemm(p, g.ops);
    return g;
  }

  void run_random(uint64_t seed, double bubble, double backpressure, bool act_signed, int max_tiles,
                  int64_t max_k = 23) {
    const ArrayDutEntry& e = GetParam();
    const ArrayParams& p = e.params;
    const Gemm g = random_problem(seed, act_signed, max_tiles, max_k);
    const int64_t P = g.P, K = g.K, F = g.F;
    const GemmOperands& ops = g.ops;
    const ArrayProgram& prog = g.prog;
    auto dut = e.make();
    const ArrayRunResult r = run_program(*dut, prog, P, F, {bubble, backpressure, seed});
    ASSERT_FALSE(r.mismatch.has_value()) << r.mismatch->describe(e.name);
    ASSERT_TRUE(r.error.empty()) << e.name << ": " << r.error;
    ASSERT_TRUE(r.complete);
    EXPECT_EQ(r.y, reference_gemm(ops)) << e.name << " P=" << P << " K=" << K << " F=" << F;
    if (bubble == 0 && backpressure == 0) {
      EXPECT_EQ(r.cycles, closed_form_cycles(p, prog.tile_steps())) << e.name;
    }
  }
};

TEST_P(Array, NoBubblesInt8MatchesTheClosedForm) {
  for (uint64_t s = 1; s <= 3ull * soak(); ++s) run_random(100 + s, 0, 0, true, 4);
}

TEST_P(Array, NoBubblesUint8MatchesTheClosedForm) {
  for (uint64_t s = 1; s <= 3ull * soak(); ++s) run_random(200 + s, 0, 0, false, 4);
}

TEST_P(Array, InputBubblesAndOutputBackpressure) {
  for (uint64_t s = 1; s <= 3ull * soak(); ++s) run_random(300 + s, 0.3, 0.5, s % 2, 4);
}

TEST_P(Array, LongReductionsWithMixedN) {
  for (uint64_t s = 1; s <= 1ull * soak(); ++s) run_random(500 + s, 0.1, 0.2, s % 2, 4, 400);
}

TEST_P(Array, HeavyBackpressureLosesNothing) { run_random(400, 0.0, 0.9, true, 6); }

TEST_P(Array, ShortTilesStallForTheDrain) {
  // One group, one shift: every tile is a single step, far shorter than the drain.
  const ArrayDutEntry& e = GetParam();
  const ArrayParams& p = e.params;
  const int64_t P = 3 * p.rows + 1, F = p.cols + 1;
  const GemmOperands ops = random_gemm(P, 3, F, p.group_size, p.cols, {1, 2}, true, 5);
  const ArrayProgram prog = program_gemm(p, ops);
  auto dut = e.make();
  const ArrayRunResult r = run_program(*dut, prog, P, F, {});
  ASSERT_TRUE(r.ok()) << (r.mismatch ? r.mismatch->describe(e.name) : r.error);
  EXPECT_EQ(r.y, reference_gemm(ops));
  EXPECT_EQ(r.cycles, closed_form_cycles(p, prog.tile_steps()));
  if (p.rows > 2) {
    EXPECT_GT(r.stall, 0u);
  }
}

TEST_P(Array, MostGroupsATileCanHold) {
  // G = max_groups(): the widest group count the configuration field and the accumulator bound
  // allow, in one tile of one shift per group; every bit of the group counter is used.
  const ArrayDutEntry& e = GetParam();
  const ArrayParams& p = e.params;
  const int64_t P = p.rows, F = p.cols, K = static_cast<int64_t>(p.max_groups()) * p.group_size;
  const GemmOperands ops = random_gemm(P, K, F, p.group_size, p.cols, {1}, true, 9);
  const ArrayProgram prog = program_gemm(p, ops);
  ASSERT_EQ(prog.tiles.size(), 1u);
  auto dut = e.make();
  const ArrayRunResult r = run_program(*dut, prog, P, F, {});
  ASSERT_TRUE(r.ok()) << (r.mismatch ? r.mismatch->describe(e.name) : r.error);
  EXPECT_EQ(r.y, reference_gemm(ops)) << e.name;
  EXPECT_EQ(r.cycles, closed_form_cycles(p, prog.tile_steps())) << e.name;
}

TEST_P(Array, ResetAnywhereThenAFreshLayerIsExact) {
  // A layer cut short by an asynchronous reset at points spread over its run (the first
  // cycles, inside tiles, in the drain, with results queued under backpressure), then a
  // different layer on the same model: it must run exactly as on a model fresh from reset.
  const ArrayDutEntry& e = GetParam();
  const ArrayParams& p = e.params;
  const Gemm a = random_problem(600, true, 4, 23);
  const Gemm b = random_problem(601, false, 4, 23);
  auto dut = e.make();
  const ArrayRunOptions slow{0.2, 0.6, 7};
  const ArrayRunResult whole = run_program(*dut, a.prog, a.P, a.F, slow);
  ASSERT_TRUE(whole.ok()) << (whole.mismatch ? whole.mismatch->describe(e.name) : whole.error);
  for (const uint64_t cut : {uint64_t{1}, uint64_t{3}, whole.cycles / 5, whole.cycles / 2,
                             whole.cycles * 4 / 5, whole.cycles - 2}) {
    ArrayRunOptions partial = slow;
    partial.max_cycles = cut;
    const ArrayRunResult r = run_program(*dut, a.prog, a.P, a.F, partial);
    ASSERT_FALSE(r.mismatch.has_value()) << r.mismatch->describe(e.name);
    ASSERT_FALSE(r.complete) << e.name << ": cut at " << cut;
    const ArrayRunResult next = run_program(*dut, b.prog, b.P, b.F, {});
    ASSERT_TRUE(next.ok()) << e.name << ": after a reset at cycle " << cut << ": "
                           << (next.mismatch ? next.mismatch->describe(e.name) : next.error);
    EXPECT_EQ(next.y, reference_gemm(b.ops)) << e.name << ": after a reset at cycle " << cut;
    EXPECT_EQ(next.cycles, closed_form_cycles(p, b.prog.tile_steps())) << e.name;
  }
}

INSTANTIATE_TEST_SUITE_P(AllConfigs, Array, testing::ValuesIn(array_duts()),
                         [](const testing::TestParamInfo<ArrayDutEntry>& i) {
                           return i.param.name;
                         });

}  // namespace
}  // namespace swis::tb
