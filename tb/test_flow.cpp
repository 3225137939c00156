// The library's layer flow (lib/flow/layer_run.h) on its own terms: through the Verilated
// backend a layer passes and its results equal a direct integer GEMM; a backend that loses,
// alters or delays one result, or diverges, fails the report.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "lib/flow/builtin_layer.h"
#include "lib/flow/layer_run.h"
#include "tb/array_backend.h"

namespace swis {
namespace {

// A backend that runs the real one and then spoils its run.
class Spoiled : public ArrayBackend {
 public:
  Spoiled(ArrayBackend& real, std::function<void(ArrayRun&)> spoil)
      : real_(real), spoil_(std::move(spoil)) {}
  const std::string& name() const override { return real_.name(); }
  const ArrayParams& params() const override { return real_.params(); }
  bool clean() const override { return real_.clean(); }
  ArrayRun run(const ArrayProgram& prog, int64_t rows, int64_t filters) override {
    ArrayRun r = real_.run(prog, rows, filters);
    spoil_(r);
    return r;
  }

 private:
  ArrayBackend& real_;
  std::function<void(ArrayRun&)> spoil_;
};

struct SmallLayer {
  npy::Array w, a;
  LayerRequest req;
};

// A 12 -> 10 channel 3 x 3 convolution on a 6 x 7 int8 input, stride 2, pad 1, scheduled.
SmallLayer small_layer() {
  std::mt19937_64 rng(12);
  std::normal_distribution<double> d(0.0, 0.1);
  std::vector<float> w(10 * 12 * 9);
  for (auto& x : w) x = static_cast<float>(d(rng));
  std::vector<int8_t> a(12 * 6 * 7);
  for (auto& x : a) x = static_cast<int8_t>(rng());
  SmallLayer l{npy::make_float32({10, 12, 3, 3}, w), npy::make_int8({1, 12, 6, 7}, a), {}};
  l.req.weights.group_size = 4;
  l.req.weights.shifts = 3;
  l.req.stride = 2;
  l.req.pad = 1;
  return l;
}

tb::VerilatedArrayBackend backend_for(const LayerRequest& req, tb::ArrayRunOptions opt = {}) {
  ArrayParams want;
  want.group_size = req.weights.group_size;
  want.shifts_per_cycle = req.weights.double_shift ? 2 : 1;
  return tb::VerilatedArrayBackend(tb::find_array_dut(want), opt);
}

TEST(Flow, SmallConvolutionPassesAndEqualsDirectConvolution) {
  const SmallLayer l = small_layer();
  auto backend = backend_for(l.req);
  const LayerReport r = run_layer(l.w, l.a, l.req, backend);
  ASSERT_TRUE(r.pass()) << r.sim.divergence << r.sim.error;
  // Y against a direct convolution of the quantized weights (not through im2col).
  const Layer& q = r.layer.w.layer;
  const ConvShape& c = r.layer.conv;
  ASSERT_EQ(r.y.shape, (std::vector<int64_t>{1, 10, c.out_height(), c.out_width()}));
  const npy::Array qw = quantized_array(q, r.layer.w.qz);
  for (int64_t f = 0; f < c.filters; ++f) {
    for (int64_t oy = 0; oy < c.out_height(); ++oy) {
      for (int64_t ox = 0; ox < c.out_width(); ++ox) {
        int64_t sum = 0;
        for (int64_t ch = 0; ch < c.channels; ++ch) {
          for (int64_t y = 0; y < 3; ++y) {
            for (int64_t x = 0; x < 3; ++x) {
              const int64_t iy = oy * 2 - 1 + y, ix = ox * 2 - 1 + x;
              if (iy < 0 || iy >= 6 || ix < 0 || ix >= 7) continue;
              sum +=
                  qw.as_int(((f * 12 + ch) * 3 + y) * 3 + x) * l.a.as_int((ch * 6 + iy) * 7 + ix);
            }
          }
        }
        const int64_t at = (f * c.out_height() + oy) * c.out_width() + ox;
        ASSERT_EQ(r.y.as_int(at), sum) << "filter " << f << " at (" << oy << ", " << ox << ")";
      }
    }
  }
  EXPECT_GT(r.output_sqnr_db, 10.0);
}

TEST(Flow, ASpoiledRunFailsTheReport) {
  const SmallLayer l = small_layer();
  auto real = backend_for(l.req);
  const std::vector<std::pair<const char*, std::function<void(ArrayRun&)>>> spoils = {
      {"one result changed", [](ArrayRun& r) { r.y[r.y.size() / 2] += 1; }},
      {"one cycle late", [](ArrayRun& r) { r.cycles += 1; }},
      {"incomplete", [](ArrayRun& r) { r.complete = false; }},
      {"a divergence", [](ArrayRun& r) { r.divergence = "cycle 3: PE (0, 0) accumulator"; }},
      {"a protocol error", [](ArrayRun& r) { r.error = "timeout"; }},
  };
  for (const auto& [what, spoil] : spoils) {
    Spoiled backend(real, spoil);
    EXPECT_FALSE(run_layer(l.w, l.a, l.req, backend).pass()) << what;
  }
  Spoiled untouched(real, [](ArrayRun&) {});
  EXPECT_TRUE(run_layer(l.w, l.a, l.req, untouched).pass());
}

TEST(Flow, BackpressureChangesCyclesNotResults) {
  const SmallLayer l = small_layer();
  auto clean = backend_for(l.req);
  tb::ArrayRunOptions opt;
  opt.bubble = 0.3;
  opt.backpressure = 0.4;
  auto busy = backend_for(l.req, opt);
  const LayerReport a = run_layer(l.w, l.a, l.req, clean);
  const LayerReport b = run_layer(l.w, l.a, l.req, busy);
  ASSERT_TRUE(a.pass() && b.pass());
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.sim.cycles, a.layer.expected.cycles);
  EXPECT_GT(b.sim.cycles, a.sim.cycles);
}

TEST(Flow, PrepareRefusesWhatCannotRun) {
  const SmallLayer l = small_layer();
  const ArrayParams p;
  LayerRequest req = l.req;
  req.stride = 0;
  EXPECT_THROW(prepare_layer(l.w, l.a, req, p), std::invalid_argument);
  const npy::Array five = npy::make_int8({1, 5, 6, 7}, std::vector<int8_t>(5 * 6 * 7, 1));
  EXPECT_THROW(prepare_layer(l.w, five, l.req, p), std::invalid_argument);
  const npy::Array nan = npy::make_float32({1, 12, 6, 7}, std::vector<float>(12 * 6 * 7, NAN));
  EXPECT_THROW(prepare_layer(l.w, nan, l.req, p), std::invalid_argument);
}

TEST(Flow, BuiltinLayerIsTheOneMakeSimRuns) {
  const LayerRequest req = builtin_request();
  EXPECT_EQ(req.weights.target, "3");
  EXPECT_EQ(default_weights().shape, (std::vector<int64_t>{64, 64, 3, 3}));
  EXPECT_EQ(default_acts().shape, (std::vector<int64_t>{1, 64, 14, 14}));
  const PreparedLayer l = prepare_layer(default_weights(), default_acts(), req, ArrayParams{});
  EXPECT_EQ(l.expected.cycles, 43216u);  // the figure the README shows for make sim
}

}  // namespace
}  // namespace swis
