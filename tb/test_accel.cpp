// The accelerator (rtl/swis_accel.v) end to end: random layers from packed weights in memory,
// through the AXI master with latency, gaps and backpressure, against the reference GEMM; the
// bus traffic equal to the traffic model's, byte for byte and burst for burst; the array inside
// in lock-step with its golden model all along; descriptors the hardware refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "lib/compiler/packed.h"
#include "lib/compiler/quantize.h"
#include "lib/mapping/accel.h"
#include "tb/accel_harness.h"

namespace swis::tb {
namespace {

struct Case {
  GemmOperands ops;
  AccelWeights weights;  // the packed file (version 2), or int8 records for fixed point
};

// P x K times K x F, weights quantized by `method` with tiles of the array's columns at the
// N of `shifts` (cycled; trunc takes the first for the whole layer), a shuffled order.
Case make_case(const AccelParams& p, int64_t P, int64_t K, int64_t F, Method method,
               const std::vector<int>& shifts, bool act_signed, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(0.0, 60.0);
  std::vector<double> w(static_cast<size_t>(F * K));
  for (auto& x : w) x = std::clamp(std::round(d(rng)), -255.0, 255.0);
  const int C = p.array.cols, M = p.array.group_size;
  const Layer layer = make_layer({F, K}, w, true, M);
  std::vector<uint32_t> order(static_cast<size_t>(F));
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<uint8_t> fs(static_cast<size_t>(F));
  for (int64_t pos = 0; pos < F; ++pos) {
    fs[order[static_cast<size_t>(pos)]] = static_cast<uint8_t>(
        method == Method::kTrunc ? shifts[0] : shifts[static_cast<size_t>(pos / C) % shifts.size()]);
  }
  const Quantized qz = method == Method::kTrunc ? quantize(layer, shifts[0], {method})
                                                : quantize(layer, fs, {method});
  PackedLayer packed = make_packed(layer, qz, method, order, C);
  packed.version = 2;
  Case c;
  const std::vector<uint8_t> bytes = pack(packed);
  c.ops = GemmOperands::from_packed(unpack(bytes));
  if (p.array.fixed_point) {
    // Uniform int8 weights in the same order; the tiles' N are 1.
    for (auto& q : c.ops.q) q = 0;
    const int64_t G = c.ops.groups;
    for (int64_t f = 0; f < F; ++f) {
      for (int64_t k = 0; k < K; ++k) {
        c.ops.q[static_cast<size_t>(f * G * M + k)] = static_cast<int16_t>(static_cast<int>(rng() % 256) - 128);
      }
    }
    c.weights = fxp_accel_weights(c.ops, C);
  } else {
    c.weights = accel_weights(bytes);
  }
  c.ops.rows = P;
  c.ops.act_signed = act_signed;
  c.ops.act.assign(static_cast<size_t>(P * c.ops.groups * M), 0);
  for (int64_t row = 0; row < P; ++row) {
    for (int64_t k = 0; k < K; ++k) {
      c.ops.act[static_cast<size_t>(row * c.ops.groups * M + k)] = static_cast<uint8_t>(rng());
    }
  }
  return c;
}

void expect_traffic_equal(const AccelTraffic& got, const AccelTraffic& want) {
  EXPECT_EQ(got.act_read, want.act_read);
  EXPECT_EQ(got.weight_read, want.weight_read);
  EXPECT_EQ(got.out_write, want.out_write);
  EXPECT_EQ(got.read_bursts, want.read_bursts);
  EXPECT_EQ(got.write_bursts, want.write_bursts);
}

class Accel : public testing::TestWithParam<AccelDutEntry> {};

TEST_P(Accel, RandomLayersMatchTheReferenceAndTheTrafficModel) {
  const AccelParams& p = GetParam().params;
  auto dut = GetParam().make();
  struct Shape {
    int64_t P, K, F;
    Method method;
    std::vector<int> shifts;
    bool act_signed;
  };
  // Several passes (more row blocks than the activation buffer holds, more tiles than the
  // descriptor takes), short last blocks and tiles, odd N, all three methods, both formats.
  const std::vector<Shape> shapes = {
      {5, 16, 7, Method::kSwis, {2, 3, 1}, true},
      {9, 36, 10, Method::kSwisC, {4, 1}, false},
      {3, 13, 4, Method::kTrunc, {3}, true},
      {300, 8, 5, Method::kSwis, {5}, false},
      {4, 24, 28, Method::kSwis, {8, 2, 6, 7}, true},
  };
  uint64_t seed = 7;
  for (const Shape& s : shapes) {
    for (double stress : {0.0, 0.4}) {
      const Case c = make_case(p, s.P, s.K, s.F, s.method, s.shifts, s.act_signed, ++seed);
      AxiMemoryOptions mo;
      mo.read_latency = stress > 0 ? 37 : 5;
      mo.read_gap = stress;
      mo.backpressure = stress;
      mo.max_burst = p.max_burst;
      mo.seed = seed;
      SCOPED_TRACE(std::string(method_name(s.method)) + " P=" + std::to_string(s.P) +
                   " K=" + std::to_string(s.K) + " F=" + std::to_string(s.F) +
                   " stress=" + std::to_string(stress));
      const AccelLayerResult r = run_layer_on_accel(*dut, c.ops, c.weights, mo, {});
      EXPECT_EQ(r.y, reference_gemm(c.ops));
      expect_traffic_equal(r.measured, r.predicted);
      EXPECT_GT(r.passes, 0u);
      if (s.P == 300 || s.F == 28) EXPECT_GT(r.passes, 1u);  // passes of both kinds
    }
  }
}

// Regions that straddle 4 KB pages: the page boundary in the middle of the activations, of the
// weights, then of the results. Reads split at the page (the memory refuses a burst across
// one), result columns are written in two bursts; the results start 4 bytes into a word, so
// half the columns start on a high half.
TEST_P(Accel, BurstsSplitAtPagesAndOddAddresses) {
  const AccelParams& p = GetParam().params;
  auto dut = GetParam().make();
  uint64_t seed = 40;
  for (uint32_t page : {1u, 2u, 3u}) {
    const Case c = make_case(p, 23, 20, 13, Method::kSwis, {2, 3}, true, ++seed);
    // The layout of run_layer_on_accel: each region 8-byte aligned after the previous, the
    // results + 4.
    const uint64_t act = accel_activations(p, c.ops).size();
    const uint64_t w = c.weights.bytes.size();
    for (int region = 0; region < 3; ++region) {
      const uint64_t into = region == 0 ? act / 2 : region == 1 ? act + w / 2 : act + w + 16 + 8 * page;
      const auto base = static_cast<uint32_t>(4096 * (page + 1) - into / 8 * 8);
      AxiMemoryOptions mo;
      mo.read_gap = 0.3;
      mo.backpressure = 0.3;
      mo.max_burst = p.max_burst;
      mo.seed = seed;
      const AccelLayerResult r = run_layer_on_accel(*dut, c.ops, c.weights, mo, {}, base);
      EXPECT_EQ(r.y, reference_gemm(c.ops)) << "base " << base;
      expect_traffic_equal(r.measured, r.predicted);
      if (region == 2) {
        const uint64_t columns = 13 * static_cast<uint64_t>((23 + p.array.rows - 1) / p.array.rows);
        EXPECT_GT(r.measured.write_bursts, columns) << "no result column crossed a page";
      }
    }
  }
}

TEST_P(Accel, EveryNOfEveryMethod) {
  const AccelParams& p = GetParam().params;
  auto dut = GetParam().make();
  uint64_t seed = 100;
  for (Method m : {Method::kSwis, Method::kSwisC, Method::kTrunc}) {
    for (int n = 1; n <= 8; ++n) {
      const Case c = make_case(p, 3, 12, 4, m, {n}, n % 2 == 0, ++seed);
      AxiMemoryOptions mo;
      mo.read_gap = 0.2;
      mo.backpressure = 0.2;
      mo.max_burst = p.max_burst;
      mo.seed = seed;
      const AccelLayerResult r = run_layer_on_accel(*dut, c.ops, c.weights, mo, {});
      EXPECT_EQ(r.y, reference_gemm(c.ops)) << method_name(m) << " N=" << n;
      expect_traffic_equal(r.measured, r.predicted);
    }
  }
}

// Tiles larger than a weight buffer half: the layer runs single-buffered, same results and
// traffic.
TEST_P(Accel, TilesLargerThanAHalfRunSingleBuffered) {
  const AccelParams& p = GetParam().params;
  auto dut = GetParam().make();
  // K so large that one tile's records pass half of the weight buffer but fit all of it.
  const int C = p.array.cols, M = p.array.group_size;
  const int64_t group_bits_all = p.array.fixed_point ? C * M * 8 : C * group_bits(Method::kSwis, M, 2);
  const int64_t K = p.half_words() * 64 * 5 / 4 / group_bits_all * M;  // a tile of 1.25 halves
  const Case c = make_case(p, 3, K, 7, Method::kSwis, {2}, true, 77);
  ASSERT_TRUE(single_buffered(p, c.weights.layer)) << "K = " << K;
  AxiMemoryOptions mo;
  mo.read_gap = 0.2;
  mo.backpressure = 0.2;
  mo.max_burst = p.max_burst;
  const AccelLayerResult r = run_layer_on_accel(*dut, c.ops, c.weights, mo, {});
  EXPECT_EQ(r.y, reference_gemm(c.ops));
  expect_traffic_equal(r.measured, r.predicted);
}

// The hardware's own check of a descriptor: STATUS done and bad, and no memory access.
TEST_P(Accel, RefusesADescriptorThatDoesNotAddUp) {
  const AccelParams& p = GetParam().params;
  auto dut = GetParam().make();
  AxiMemory mem(1 << 16, {});
  AccelDescriptor d;
  d.rows = 5;
  d.groups = 3;
  d.filters = 4;
  d.out_stride = 20;
  d.tile_shifts = {2, 2};
  struct Bad {
    const char* what;
    uint32_t tiles, blocks, groups;
  };
  const uint32_t R = static_cast<uint32_t>(p.array.rows);
  const uint32_t C = static_cast<uint32_t>(p.array.cols);
  const uint32_t tiles = (4 + C - 1) / C, blocks = (5 + R - 1) / R;
  for (const Bad& b : {Bad{"too few tiles", tiles - 1, blocks, 3},
                       Bad{"too many tiles", tiles + 1, blocks, 3},
                       Bad{"too few blocks", tiles, blocks - 1, 3},
                       Bad{"too many blocks", tiles, blocks + 1, 3},
                       Bad{"no groups", tiles, blocks, 0},
                       Bad{"activations past the buffer", tiles, blocks,
                           static_cast<uint32_t>(p.act_depth)}}) {
    d.tiles = b.tiles;
    d.blocks = b.blocks;
    d.groups = b.groups;
    const AccelRunResult r = dut->run(d, mem, {});
    EXPECT_EQ(r.status, 2u | 4u) << b.what;
    EXPECT_EQ(r.counts.read_bytes + r.counts.written_bytes, 0u) << b.what;
  }
}

// An error response on the bus, read or write, sets STATUS bit 3; the run still ends.
TEST_P(Accel, ErrorResponsesSetTheStatus) {
  const AccelParams& p = GetParam().params;
  auto dut = GetParam().make();
  const Case c = make_case(p, 5, 16, 4, Method::kSwis, {2}, true, 5);
  for (const char* where : {"activations", "results"}) {
    AxiMemoryOptions mo;
    mo.max_burst = p.max_burst;
    mo.slverr_from = std::string(where) == "activations" ? 0x1000 : 0x1000 + 4096;
    mo.slverr_to = mo.slverr_from + 4096;
    // The activations at 0x1000, the results on the next page (run_layer_on_accel's layout
    // from a base a page below them).
    const uint32_t base = std::string(where) == "activations"
                              ? 0x1000u
                              : static_cast<uint32_t>(0x2000 - accel_activations(p, c.ops).size() -
                                                      c.weights.bytes.size() - 16) / 8 * 8;
    try {
      run_layer_on_accel(*dut, c.ops, c.weights, mo, {}, base);
      ADD_FAILURE() << "no error reported for an SLVERR on the " << where;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("STATUS 10"), std::string::npos) << e.what();
    }
    dut->reset();
  }
}

// The register file: PARAMS, unmapped reads as 0, writes with partial strobes, to unmapped
// offsets or while busy change nothing.
TEST_P(Accel, RegistersIgnoreWhatTheyShould) {
  const AccelParams& p = GetParam().params;
  auto dut = GetParam().make();
  const uint32_t params = dut->peek_register(0x28);
  EXPECT_EQ(params >> 24, static_cast<uint32_t>(p.array.rows));
  EXPECT_EQ(params >> 16 & 255, static_cast<uint32_t>(p.array.cols));
  EXPECT_EQ(params >> 8 & 255, static_cast<uint32_t>(p.array.group_size));
  EXPECT_EQ(dut->peek_register(0x3c), 0u);
  // A start with a partial strobe does not start; nor does a write to an unmapped offset
  // change anything a run reads.
  dut->poke_register(0x00, 1, 0x1);
  EXPECT_EQ(dut->peek_register(0x04) & 1u, 0u) << "started by a partial-strobe write";
  dut->poke_register(0x7c, 0xffffffffu, 0xf);
  // Writes while busy are ignored: zero G and P right after the start.
  const Case c = make_case(p, 5, 16, 4, Method::kSwis, {2}, true, 6);
  AxiMemoryOptions mo;
  mo.max_burst = p.max_burst;
  AccelRunOptions ro;
  ro.writes_while_busy = {{0x18, 0}, {0x14, 0}, {0x1c, 0}};
  const AccelLayerResult r = run_layer_on_accel(*dut, c.ops, c.weights, mo, ro);
  EXPECT_EQ(r.y, reference_gemm(c.ops));
}

INSTANTIATE_TEST_SUITE_P(AllConfigs, Accel, testing::ValuesIn(accel_duts()),
                         [](const testing::TestParamInfo<AccelDutEntry>& i) { return i.param.name; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Accel);

}  // namespace
}  // namespace swis::tb
