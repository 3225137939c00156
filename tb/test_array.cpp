// swis_array against its golden model in lock-step: every port before each edge and every
// PE's accumulator after it, on random GEMMs with mixed N, partial tiles, int8 and uint8,
// input bubbles (random data on the idle streams) and output backpressure; layers streamed
// back to back without a reset; final results against a plain GEMM; cycle counts against the
// closed form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>

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
    g.ops = random_gemm(p, g.P, g.K, g.F, shifts, act_signed, rng());
    g.prog = program_gemm(p, g.ops);
    return g;
  }

  // A GEMM of P x (G groups of M) x F on this configuration, with N cycled over its tiles.
  Gemm problem(int64_t P, int64_t G, int64_t F, const std::vector<int>& shifts, bool act_signed,
               uint64_t seed) {
    const ArrayParams& p = GetParam().params;
    Gemm g;
    g.P = P;
    g.K = G * p.group_size;
    g.F = F;
    g.ops = random_gemm(p, g.P, g.K, g.F, shifts, act_signed, seed);
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
  const GemmOperands ops = random_gemm(p, P, 3, F, {1, 2}, true, 5);
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
  const GemmOperands ops = random_gemm(p, P, K, F, {1}, true, 9);
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

TEST_P(Array, RandomDataOnIdleStreamsChangesNoResultAndNoCycle) {
  // Many bubbles, so that every stream spends many cycles with valid low and random data on its
  // inputs: a design that reads one outside its handshake diverges from the model. Then the
  // same kind of GEMM with no bubble: the streams are idle only once they have sent everything
  // (the configuration during the last tile, the activations during the last group, the tokens
  // in the drain) and the cycle count is still the closed form.
  for (uint64_t s = 1; s <= 2ull * soak(); ++s) {
    run_random(700 + s, 0.5, 0.3, s % 2, 4);
    run_random(710 + s, 0.0, 0.0, s % 2, 4);
  }
}

// Records what the driver puts on each stream's data inputs in the cycles its valid is low.
class IdleRecorder final : public ArrayDut {
 public:
  struct Cfg {
    uint64_t cycle;
    int shifts, groups;
    bool act_signed;
  };
  struct Act {
    uint64_t cycle;
    std::vector<ActGroup> act;
  };
  struct Tok {
    uint64_t cycle;
    std::vector<WeightToken> tok;
  };

  explicit IdleRecorder(std::unique_ptr<ArrayDut> dut) : dut_(std::move(dut)) {}
  void reset() override {
    dut_->reset();
    cycle_ = 0;
  }
  std::optional<ArrayMismatch> step(const ArrayInputs& in, ArrayOutputs& seen) override {
    if (!in.cfg_valid) cfg.push_back({cycle_, in.cfg_shifts, in.cfg_groups, in.cfg_act_signed});
    if (!in.act_valid) act.push_back({cycle_, in.act});
    if (!in.tok_valid) tok.push_back({cycle_, in.tok});
    ++cycle_;
    return dut_->step(in, seen);
  }
  const ArrayModel& model() const override { return dut_->model(); }
  void set_checking(bool on) override { dut_->set_checking(on); }
  void trace(const std::string& path, uint64_t from, uint64_t to) override {
    dut_->trace(path, from, to);
  }
  uint64_t cycles() const override { return dut_->cycles(); }

  std::vector<Cfg> cfg;
  std::vector<Act> act;
  std::vector<Tok> tok;

 private:
  std::unique_ptr<ArrayDut> dut_;
  uint64_t cycle_ = 0;
};

TEST_P(Array, IdleStreamsCarryRandomDataOverTheirWholePortWidths) {
  // The driver itself: in the cycles a stream's valid is low its data inputs change from cycle
  // to cycle, stay within their port widths and reach every bit, and the same seed gives the
  // same values (runs stay deterministic).
  const ArrayDutEntry& e = GetParam();
  const ArrayParams& p = e.params;
  const Gemm g = problem(4 * p.rows + 1, 8, 2 * p.cols + 1, {2, 5, 8}, true, 720);
  const int M = p.group_size, S = p.shifts_per_cycle;
  const uint32_t lanes = (1u << M) - 1;
  IdleRecorder rec(e.make());
  const ArrayRunOptions opt{0.4, 0.3, 21};
  const ArrayRunResult r = run_program(rec, g.prog, g.P, g.F, opt);
  ASSERT_TRUE(r.ok()) << (r.mismatch ? r.mismatch->describe(e.name) : r.error);
  EXPECT_EQ(r.y, reference_gemm(g.ops)) << e.name;
  ASSERT_GT(rec.cfg.size(), 100u) << e.name << ": idle cfg cycles";
  ASSERT_GT(rec.act.size(), 100u) << e.name << ": idle act cycles";
  ASSERT_GT(rec.tok.size(), 100u) << e.name << ": idle tok cycles";

  // Every bit of every field set in some idle cycle and clear in another, nothing beyond the
  // port's width, and consecutive idle cycles (nearly always) different.
  const int gw = p.groups_width;
  int shifts_or = 0, shifts_and = 0xf, groups_or = 0, groups_and = (1 << gw) - 1, signed_seen = 0;
  size_t cfg_changes = 0;
  for (size_t i = 0; i < rec.cfg.size(); ++i) {
    const IdleRecorder::Cfg& c = rec.cfg[i];
    ASSERT_TRUE(c.shifts >= 0 && c.shifts < 16)
        << e.name << ": cycle " << c.cycle << ": cfg_shifts_i " << c.shifts << " beyond 4 bits";
    ASSERT_TRUE(c.groups >= 0 && c.groups < (1 << gw))
        << e.name << ": cycle " << c.cycle << ": cfg_groups_i " << c.groups << " beyond " << gw
        << " bits";
    shifts_or |= c.shifts;
    shifts_and &= c.shifts;
    groups_or |= c.groups;
    groups_and &= c.groups;
    signed_seen |= 1 << c.act_signed;
    if (i > 0) {
      const IdleRecorder::Cfg& b = rec.cfg[i - 1];
      cfg_changes += b.shifts != c.shifts || b.groups != c.groups || b.act_signed != c.act_signed;
    }
  }
  EXPECT_EQ(shifts_or, 0xf) << e.name << ": cfg_shifts_i bits never set on an idle cycle";
  EXPECT_EQ(shifts_and, 0) << e.name << ": cfg_shifts_i bits never clear on an idle cycle";
  EXPECT_EQ(groups_or, (1 << gw) - 1) << e.name << ": cfg_groups_i bits never set";
  EXPECT_EQ(groups_and, 0) << e.name << ": cfg_groups_i bits never clear";
  EXPECT_EQ(signed_seen, 3) << e.name << ": cfg_act_signed_i held on idle cycles";
  EXPECT_GT(cfg_changes, rec.cfg.size() * 9 / 10) << e.name << ": idle cfg data held";

  std::vector<int> lane_or(static_cast<size_t>(p.rows * M), 0);
  std::vector<int> lane_and(lane_or.size(), 0xff);
  size_t act_changes = 0;
  for (size_t i = 0; i < rec.act.size(); ++i) {
    ASSERT_EQ(rec.act[i].act.size(), static_cast<size_t>(p.rows));
    for (int row = 0; row < p.rows; ++row) {
      for (int l = 0; l < M; ++l) {
        lane_or[row * M + l] |= rec.act[i].act[row].lane[l];
        lane_and[row * M + l] &= rec.act[i].act[row].lane[l];
      }
    }
    if (i > 0) {
      bool same = true;
      for (int row = 0; row < p.rows; ++row) {
        for (int l = 0; l < M; ++l) {
          same = same && rec.act[i].act[row].lane[l] == rec.act[i - 1].act[row].lane[l];
        }
      }
      act_changes += !same;
    }
  }
  for (int row = 0; row < p.rows; ++row) {
    for (int l = 0; l < M; ++l) {
      EXPECT_EQ(lane_or[row * M + l], 0xff) << e.name << ": act_i row " << row << " lane " << l;
      EXPECT_EQ(lane_and[row * M + l], 0) << e.name << ": act_i row " << row << " lane " << l;
    }
  }
  EXPECT_GT(act_changes, rec.act.size() * 9 / 10) << e.name << ": idle act data held";

  std::vector<uint32_t> sign_or(static_cast<size_t>(p.cols), 0);
  std::vector<uint32_t> mask_or(static_cast<size_t>(p.cols * S), 0);
  std::vector<int> shift_or(static_cast<size_t>(p.cols * S), 0);
  size_t tok_changes = 0;
  for (size_t i = 0; i < rec.tok.size(); ++i) {
    const IdleRecorder::Tok& t = rec.tok[i];
    ASSERT_EQ(t.tok.size(), static_cast<size_t>(p.cols));
    bool same = i > 0;
    for (int c = 0; c < p.cols; ++c) {
      const WeightToken& w = t.tok[c];
      ASSERT_EQ(w.sign & ~lanes, 0u) << e.name << ": cycle " << t.cycle << ": tok_sign_i column "
                                     << c << " is " << w.sign << ", beyond " << M << " bits";
      sign_or[c] |= w.sign;
      for (int j = 0; j < S; ++j) {
        ASSERT_TRUE(w.slot[j].shift >= 0 && w.slot[j].shift < 8)
            << e.name << ": cycle " << t.cycle << ": tok_shift_i column " << c << " slot " << j
            << " is " << w.slot[j].shift;
        ASSERT_EQ(w.slot[j].mask & ~lanes, 0u)
            << e.name << ": cycle " << t.cycle << ": tok_mask_i column " << c << " slot " << j;
        shift_or[c * S + j] |= w.slot[j].shift;
        mask_or[c * S + j] |= w.slot[j].mask;
      }
      if (i > 0) {
        const WeightToken& v = rec.tok[i - 1].tok[c];
        same = same && v.sign == w.sign;
        for (int j = 0; j < S; ++j) {
          same = same && v.slot[j].shift == w.slot[j].shift && v.slot[j].mask == w.slot[j].mask;
        }
      }
    }
    tok_changes += i > 0 && !same;
  }
  for (int c = 0; c < p.cols; ++c) {
    EXPECT_EQ(sign_or[c], lanes) << e.name << ": tok_sign_i column " << c;
    for (int j = 0; j < S; ++j) {
      EXPECT_EQ(shift_or[c * S + j], 7) << e.name << ": tok_shift_i column " << c << " slot " << j;
      EXPECT_EQ(mask_or[c * S + j], lanes)
          << e.name << ": tok_mask_i column " << c << " slot " << j;
    }
  }
  EXPECT_GT(tok_changes, rec.tok.size() * 9 / 10) << e.name << ": idle tok data held";

  // The same seed: the same idle data, cycle for cycle.
  IdleRecorder again(e.make());
  const ArrayRunResult r2 = run_program(again, g.prog, g.P, g.F, opt);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2.cycles, r.cycles) << e.name;
  ASSERT_EQ(again.cfg.size(), rec.cfg.size()) << e.name;
  ASSERT_EQ(again.act.size(), rec.act.size()) << e.name;
  for (size_t i = 0; i < rec.cfg.size(); ++i) {
    ASSERT_TRUE(again.cfg[i].cycle == rec.cfg[i].cycle &&
                again.cfg[i].shifts == rec.cfg[i].shifts &&
                again.cfg[i].groups == rec.cfg[i].groups &&
                again.cfg[i].act_signed == rec.cfg[i].act_signed)
        << e.name << ": cycle " << rec.cfg[i].cycle << ": idle cfg data differs between runs";
  }
  for (size_t i = 0; i < rec.act.size(); ++i) {
    for (int row = 0; row < p.rows; ++row) {
      ASSERT_EQ(again.act[i].act[row].lane, rec.act[i].act[row].lane)
          << e.name << ": cycle " << rec.act[i].cycle << ": idle act_i row " << row
          << " differs between runs";
    }
  }
}

TEST_P(Array, ThreeLayersBackToBackWithoutAResetAreExact) {
  // A network's layers on one array: int8, then uint8, then int8, each with its own G and its
  // own N per tile, one stream with no reset between them. The second layer's tiles are one
  // step each (G = 1, N <= 2 slots), so its first tile waits out the drain of the first
  // layer's last tile (Rows + Cols cycles from one last step to the next).
  const ArrayDutEntry& e = GetParam();
  const ArrayParams& p = e.params;
  const int64_t R = p.rows, C = p.cols;
  const std::vector<Gemm> layers = {problem(2 * R + 1, 6, 2 * C + 1, {3, 7, 2}, true, 801),
                                    problem(R + 2, 1, C + 1, {p.shifts_per_cycle, 1}, false, 802),
                                    problem(R, 9, 2 * C, {8, 5}, true, 803)};
  std::vector<ArrayStreamItem> stream;
  std::vector<uint64_t> all_steps;
  for (const Gemm& g : layers) {
    stream.push_back({&g.prog, g.P, g.F});
    const std::vector<uint64_t> s = g.prog.tile_steps();
    all_steps.insert(all_steps.end(), s.begin(), s.end());
  }
  ASSERT_EQ(layers[1].prog.tile_steps().front(), 1u);
  auto dut = e.make();
  const std::vector<ArrayRunResult> rs = run_programs(*dut, stream, {});
  ASSERT_EQ(rs.size(), layers.size());
  uint64_t prev_end = 0;
  for (size_t k = 0; k < rs.size(); ++k) {
    const ArrayRunResult& r = rs[k];
    const Gemm& g = layers[k];
    ASSERT_TRUE(r.ok()) << e.name << ": layer " << k << " (tiles from " << r.first_tile
                        << "): " << (r.mismatch ? r.mismatch->describe(e.name) : r.error);
    EXPECT_EQ(
        r.first_tile,
        k == 0 ? 0 : rs[k - 1].first_tile + static_cast<int64_t>(layers[k - 1].prog.tiles.size()))
        << e.name << ": layer " << k;
    EXPECT_EQ(r.y, reference_gemm(g.ops))
        << e.name << ": layer " << k << " P=" << g.P << " K=" << g.K << " F=" << g.F;
    // Measured against the closed form of the layer alone (from reset): the first layer takes
    // exactly that; a later one, from the cycle its first configuration is taken, that plus
    // the drain wait of its first tile; and each layer adds at most its closed form to the
    // stream (the fill and drain of consecutive layers overlap).
    const uint64_t alone = closed_form_cycles(p, g.prog.tile_steps());
    const uint64_t first_steps = g.prog.tile_steps().front();
    const uint64_t drain = static_cast<uint64_t>(p.drain_cycles());
    const uint64_t wait = k == 0 ? 0 : std::max<uint64_t>(drain, first_steps) - first_steps;
    EXPECT_EQ(r.cycles, alone + wait)
        << e.name << ": layer " << k << " from cycle " << r.first_cycle << ", alone " << alone;
    EXPECT_EQ(r.busy + r.stall + r.idle, r.cycles - 1) << e.name << ": layer " << k;
    const uint64_t end = r.first_cycle + r.cycles;
    EXPECT_LE(end - prev_end, alone) << e.name << ": layer " << k << " ends at cycle " << end;
    if (k > 0) {
      // The layer's first configuration is taken as the previous layer's last step goes in:
      // the two overlap by that step's fill and drain, Rows + Cols cycles.
      EXPECT_EQ(prev_end - r.first_cycle, static_cast<uint64_t>(R + C))
          << e.name << ": layer " << k << " starts at cycle " << r.first_cycle
          << ", the previous one ends at cycle " << prev_end;
    }
    prev_end = end;
  }
  // The whole stream: the closed form of all the tiles in order, as one program from reset.
  EXPECT_EQ(prev_end, closed_form_cycles(p, all_steps)) << e.name;
  EXPECT_GT(rs[1].cycles, closed_form_cycles(p, layers[1].prog.tile_steps())) << e.name;
}

TEST_P(Array, ThreeLayersBackToBackUnderBubblesAndBackpressureAreExact) {
  const ArrayDutEntry& e = GetParam();
  const ArrayParams& p = e.params;
  const int64_t R = p.rows, C = p.cols;
  for (uint64_t s = 1; s <= 2ull * soak(); ++s) {
    const std::vector<Gemm> layers = {
        problem(R + 1 + static_cast<int64_t>(s), 1 + static_cast<int64_t>(s % 4), C + 1, {1, 8, 4},
                true, 810 + s),
        problem(2 * R - 1 + (R == 1), 7, 2 * C + 1, {5, 2}, false, 820 + s),
        problem(R, 3, C, {6}, true, 830 + s)};
    std::vector<ArrayStreamItem> stream;
    for (const Gemm& g : layers) stream.push_back({&g.prog, g.P, g.F});
    auto dut = e.make();
    const std::vector<ArrayRunResult> rs = run_programs(*dut, stream, {0.3, 0.5, 840 + s});
    ASSERT_EQ(rs.size(), layers.size());
    for (size_t k = 0; k < rs.size(); ++k) {
      const ArrayRunResult& r = rs[k];
      ASSERT_TRUE(r.ok()) << e.name << ": seed " << s << ", layer " << k << " (tiles from "
                          << r.first_tile
                          << "): " << (r.mismatch ? r.mismatch->describe(e.name) : r.error);
      EXPECT_EQ(r.y, reference_gemm(layers[k].ops)) << e.name << ": seed " << s << ", layer " << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllConfigs, Array, testing::ValuesIn(array_duts()),
                         [](const testing::TestParamInfo<ArrayDutEntry>& i) {
                           return i.param.name;
                         });

TEST(ArrayStream, TileNumbersContinueAcrossLayersAndWrap) {
  // Result beats number tiles since reset, modulo 2^tile_width, on across layers: the second
  // layer's tiles here are numbered 2^16 - 2, 2^16 - 1, 0, 1, 2. On the smallest array, where
  // a one-step tile takes a cycle per row.
  const ArrayDutEntry* e = &array_duts().front();
  for (const ArrayDutEntry& d : array_duts()) {
    if (d.params.rows * d.params.cols < e->params.rows * e->params.cols) e = &d;
  }
  const ArrayParams& p = e->params;
  const int64_t wrap = int64_t{1} << p.tile_width;
  const GemmOperands a = random_gemm(p, (wrap - 2) * p.rows, 1, p.cols, {1}, true, 901);
  const GemmOperands b = random_gemm(p, 5 * p.rows, 3 * p.group_size, p.cols, {4}, false, 902);
  const ArrayProgram pa = program_gemm(p, a), pb = program_gemm(p, b);
  ASSERT_EQ(static_cast<int64_t>(pa.tiles.size()), wrap - 2);
  ASSERT_EQ(pb.tiles.size(), 5u);
  auto dut = e->make();
  const std::vector<ArrayRunResult> rs =
      run_programs(*dut, {{&pa, a.rows, a.filters}, {&pb, b.rows, b.filters}}, {});
  ASSERT_EQ(rs.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    ASSERT_TRUE(rs[k].ok()) << e->name << ": layer " << k << " (tiles from " << rs[k].first_tile
                            << "): "
                            << (rs[k].mismatch ? rs[k].mismatch->describe(e->name) : rs[k].error);
  }
  EXPECT_EQ(rs[1].first_tile, wrap - 2) << e->name;
  EXPECT_EQ(rs[0].y, reference_gemm(a)) << e->name;
  EXPECT_EQ(rs[1].y, reference_gemm(b)) << e->name;
  EXPECT_THROW(run_programs(*dut, {{nullptr, 1, 1}}, {}), std::invalid_argument);
  EXPECT_THROW(run_programs(*dut, {{&pa, a.rows, a.filters}, {nullptr, 1, 1}}, {}),
               std::invalid_argument);
}

}  // namespace
}  // namespace swis::tb
