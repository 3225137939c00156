// Whole networks (lib/net): the float reference equals PyTorch on the models
// scripts/make_net_test_models.py exports (every supported operator, opsets 11, 13 and 17,
// BatchNormalization folded or not, ResNet-18 and MobileNet-v2 from torchvision); the integer
// run on the Verilated array equals the integer reference (the model engine) bit for bit, every
// GEMM checked; unsupported operators and attributes are refused in one line; the
// requantization rounds as documented.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lib/flow/model_backend.h"
#include "lib/formats/npy.h"
#include "lib/formats/onnx_model.h"
#include "lib/formats/topology.h"
#include "lib/mapping/network.h"
#include "lib/net/float_exec.h"
#include "lib/net/quant_exec.h"
#include "lib/net/requant.h"
#include "tb/array_backend.h"

namespace swis::net {
namespace {

std::string model_path(const std::string& name, const std::string& suffix) {
  return std::string(SWIS_NET_MODELS) + "/" + name + suffix;
}

std::vector<float> floats(const npy::Array& a) {
  std::vector<float> v(static_cast<size_t>(a.size()));
  for (int64_t i = 0; i < a.size(); ++i)
    v[static_cast<size_t>(i)] = static_cast<float>(a.as_double(i));
  return v;
}

struct Loaded {
  Network net;
  std::vector<float> x, y_torch;
};

Loaded load(const std::string& name) {
  const npy::Array x = npy::read(model_path(name, "_x.npy"));
  Loaded l{import_network(onnx::read_onnx(model_path(name, ".onnx")), x.shape), floats(x),
           floats(npy::read(model_path(name, "_y.npy")))};
  return l;
}

TEST(Net, CalibrationInPartsEqualsCalibrationOfTheWhole) {
  const Loaded l = load("geometry");  // a batch of 3
  const int64_t n = 3;
  const size_t per = l.x.size() / n;
  std::vector<int64_t> one = l.net.shapes.at(l.net.input), two = one;
  one[0] = 1;
  two[0] = 2;
  const onnx::Model m = onnx::read_onnx(model_path("geometry", ".onnx"));
  const Network n1 = import_network(m, one), n2 = import_network(m, two);
  for (const auto cal : {NetRequest::Calibration::kMax, NetRequest::Calibration::kPercentile}) {
    NetRequest req;
    req.calibration = cal;
    req.percentile = 90;
    const auto whole = calibrate(l.net, run_float(l.net, l.x), req);
    Calibrator parts(req);
    parts.add(run_float(n1, std::vector<float>(l.x.begin(), l.x.begin() + per)));
    parts.add(run_float(n2, std::vector<float>(l.x.begin() + per, l.x.end())));
    const auto split = parts.params(l.net);
    ASSERT_EQ(whole.size(), split.size());
    for (const auto& [name, q] : whole) {
      EXPECT_EQ(q.scale, split.at(name).scale) << name;
      EXPECT_EQ(q.is_unsigned, split.at(name).is_unsigned) << name;
    }
    // One part alone is a different calibration: the test can tell.
    Calibrator first(req);
    first.add(run_float(n1, std::vector<float>(l.x.begin(), l.x.begin() + per)));
    const auto partial = first.params(l.net);
    bool differs = false;
    for (const auto& [name, q] : whole) differs = differs || q.scale != partial.at(name).scale;
    EXPECT_TRUE(differs);
  }
}

TEST(Net, ArgmaxRowsTakesTheFirstOfTies) {
  EXPECT_EQ(argmax_rows({0, 2, 2, 5, 1, 5}, 3), (std::vector<int>{1, 0}));
  EXPECT_EQ(argmax_rows({1, 2, 3}, 1), (std::vector<int>{0, 0, 0}));
}

TEST(Net, FloatReferenceEqualsPyTorchAndNumpy) {
  // PyTorch's outputs for the exported models; numpy's for the onnx.helper graphs (op_*).
  for (const char* name : {"small", "small_bn", "small_op11", "small_op17", "geometry", "resnet18",
                           "mobilenet_v2", "op_gemm", "op_reshape", "op_pool_clip", "op_concat"}) {
    SCOPED_TRACE(name);
    const Loaded l = load(name);
    const Tensors t = run_float(l.net, l.x);
    const std::vector<float>& y = t.at(l.net.outputs.at(0));
    ASSERT_EQ(y.size(), l.y_torch.size());
    double largest = 0, worst = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      largest = std::max(largest, std::fabs(static_cast<double>(l.y_torch[i])));
      worst = std::max(worst, std::fabs(static_cast<double>(y[i]) - l.y_torch[i]));
    }
    EXPECT_LT(worst, 1e-4 * largest + 1e-5) << "largest |y| " << largest;
  }
}

// Every tensor's codes of two integer runs.
void expect_same_codes(const NetResult& a, const NetResult& b) {
  ASSERT_EQ(a.codes.size(), b.codes.size());
  for (const auto& [name, codes] : a.codes) {
    EXPECT_EQ(codes, b.codes.at(name)) << name;
  }
}

NetResult run(const Loaded& l, const NetRequest& req, ArrayBackend& backend) {
  const Tensors ref = run_float(l.net, l.x);
  return run_integer(l.net, l.x, calibrate(l.net, ref, req), req, backend, ref);
}

const tb::ArrayDutEntry& dut(bool double_shift) {
  ArrayParams p;
  p.shifts_per_cycle = double_shift ? 2 : 1;
  return tb::find_array_dut(p);
}

TEST(Net, TheRtlEqualsTheIntegerReferenceBitForBit) {
  for (const char* name : {"small", "geometry", "resnet18", "mobilenet_v2", "op_gemm", "op_reshape",
                           "op_pool_clip", "op_concat"}) {
    for (const bool ds : {true, false}) {
      SCOPED_TRACE(std::string(name) + (ds ? " DS" : " SS"));
      const Loaded l = load(name);
      NetRequest req;
      req.weights.group_size = 4;
      req.weights.double_shift = ds;
      // SS tiles take any N: each layer is scheduled to an average of 3 (mixing N per tile).
      if (ds) {
        req.weights.shifts = 2;
      } else {
        req.weights.target = "3";
      }
      req.layer_shifts["first"] = 8;
      req.layer_shifts["last"] = 8;
      tb::VerilatedArrayBackend rtl(dut(ds), {});
      ModelBackend model(rtl.params());
      const NetResult a = run(l, req, rtl), b = run(l, req, model);
      EXPECT_TRUE(a.pass());
      // Every GEMM of the network ran on one array, reset once before the first: int8 and uint8
      // layers back to back, each in exactly its closed-form cycles.
      int64_t gemms = 0;
      for (const LayerResult& r : a.layers) gemms += r.gemms;
      EXPECT_EQ(rtl.runs_since_reset(), gemms);
      for (const LayerResult& r : a.layers) {
        EXPECT_TRUE(r.results_match && r.cycles_match) << r.name << ": " << r.failure;
        EXPECT_EQ(r.run_cycles, r.cycles.cycles) << r.name;
      }
      expect_same_codes(a, b);
      EXPECT_EQ(a.total.cycles, b.total.cycles);
      if (!a.layers.empty()) {
        EXPECT_EQ(a.layers.front().effective_shifts, 8);
        EXPECT_EQ(a.layers.back().effective_shifts, 8);
      }
    }
  }
}

TEST(Net, IntegerOutputsFollowTheFloatNetwork) {
  // At 8 shifts (every weight bit) the integer network is an ordinary int8 network: its output
  // must be close to float. Fewer shifts cost accuracy, monotonically on the whole.
  for (const char* name : {"small", "geometry", "resnet18", "mobilenet_v2"}) {
    SCOPED_TRACE(name);
    const Loaded l = load(name);
    const Tensors ref = run_float(l.net, l.x);
    double last_sqnr = INFINITY;
    for (const int n : {8, 4, 2}) {
      NetRequest req;
      req.weights.shifts = n;
      ModelBackend model(ArrayParams{});
      const NetResult r = run_integer(l.net, l.x, calibrate(l.net, ref, req), req, model, ref);
      const std::string& y = l.net.outputs.at(0);
      double signal = 0, noise = 0;
      for (size_t i = 0; i < r.codes.at(y).size(); ++i) {
        const double v = r.codes.at(y)[i] * r.params.at(y).scale, want = ref.at(y)[i];
        signal += want * want;
        noise += (v - want) * (v - want);
      }
      const double sqnr = 10 * std::log10(signal / noise);
      if (n == 8) EXPECT_GT(sqnr, 15.0) << "8 shifts";
      EXPECT_LT(sqnr, last_sqnr + 3.0) << n << " shifts did better than more shifts";
      last_sqnr = sqnr;
    }
  }
}

TEST(Net, UnsupportedOperatorsAndAttributesAreRefusedNamingTheNode) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad_sigmoid", "node '/Sigmoid' (Sigmoid): operator Sigmoid is not supported"},
      {"bad_leaky_relu", "(LeakyRelu): operator LeakyRelu is not supported"},
      {"bad_softmax", "(Softmax): operator Softmax is not supported"},
      {"bad_ceil_pool", "node '/MaxPool' (MaxPool): attribute ceil_mode=1 is not supported"},
      {"bad_transpose", "(ConvTranspose): operator ConvTranspose is not supported"},
      {"bad_upsample", "(Resize): operator Resize is not supported"},
  };
  for (const auto& [name, want] : cases) {
    SCOPED_TRACE(name);
    const npy::Array x = npy::read(model_path(name, "_x.npy"));
    try {
      import_network(onnx::read_onnx(model_path(name, ".onnx")), x.shape);
      ADD_FAILURE() << "accepted";
    } catch (const NetError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(want), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
  // An input the model does not take.
  EXPECT_THROW(import_network(onnx::read_onnx(model_path("small", ".onnx")), {1, 4, 16, 16}),
               NetError);
}

TEST(Net, BatchNormalizationIsFoldedAndGroupsRunAsGemmsOfTheirOwn) {
  const Loaded bn = load("small_bn");
  for (const Op& op : bn.net.ops) EXPECT_NE(op.name.find("BatchNormalization"), 0u);
  const Loaded g = load("geometry");
  int grouped = 0;
  ModelBackend model(ArrayParams{});
  NetRequest req;
  req.weights.shifts = 4;
  const NetResult r = run(g, req, model);
  for (const LayerResult& l : r.layers) {
    if (l.name == "/g/Conv") {
      EXPECT_EQ(l.gemms, 2);
      ++grouped;
    }
  }
  EXPECT_EQ(grouped, 1);
  const Loaded s = load("small");
  const NetResult d = run(s, req, model);
  for (const LayerResult& l : d.layers) {
    if (l.name == "/dw/Conv") {
      EXPECT_EQ(l.gemms, 16);                      // depthwise: one GEMM per channel
      EXPECT_LT(l.cycles.lane_utilization, 0.05);  // 1 lane of 4, 1 column of 8: honestly low
    }
  }
}

TEST(Net, PerfAndTheModelEngineAgreeOnEveryLayersCycles) {
  // Each ResNet-18 layer written as a SCALE-Sim topology row (IFMAP sizes include the padding)
  // must take in swis perf exactly the cycles swis net counts for it.
  const Loaded l = load("resnet18");
  NetRequest req;
  req.weights.shifts = 4;
  const ArrayParams p;
  ModelBackend model(p);
  const NetResult r = run(l, req, model);
  size_t i = 0;
  for (const Op& op : l.net.ops) {
    if (op.kind != OpKind::kConv && op.kind != OpKind::kGemm) continue;
    const LayerResult& lr = r.layers.at(i++);
    TopologyLayer t;
    t.name = op.name;
    if (op.kind == OpKind::kConv) {
      const Conv2d& c = op.conv;
      ASSERT_EQ(c.group, 1);
      ASSERT_EQ(c.pad_top, c.pad_bottom);
      t.conv.height = c.height + c.pad_top + c.pad_bottom;
      t.conv.width = c.width + c.pad_left + c.pad_right;
      t.conv.kh = c.kh;
      t.conv.kw = c.kw;
      t.conv.channels = c.channels;
      t.conv.filters = c.filters;
      t.conv.stride = c.stride_h;
    } else {
      t.is_gemm = true;
      t.m = lr.in_shape[0];
      t.k = lr.in_shape[1];
      t.n = lr.out_shape[1];
    }
    const GemmShape g = gemm_shape(t, p.group_size);
    const std::vector<int> n(static_cast<size_t>((g.filters + p.cols - 1) / p.cols), 4);
    EXPECT_EQ(layer_perf(p, t, n).total.cycles, lr.cycles.cycles) << op.name;
    EXPECT_EQ(lr.run_cycles, lr.cycles.cycles) << op.name;
  }
  EXPECT_EQ(i, r.layers.size());
}

TEST(Requant, MultipliersRoundAsGemmlowpDoes) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> m(1e-4, 4.0);
  std::uniform_int_distribution<int32_t> x(-(1 << 24), 1 << 24);
  for (int k = 0; k < 20000; ++k) {
    const double real = m(rng);
    const Multiplier q = quantize_multiplier(real);
    const double exact_m = q.m0 / 2147483648.0 * std::ldexp(1.0, q.shift);
    EXPECT_NEAR(exact_m, real, real * 1e-9);
    const int32_t v = x(rng);
    const int32_t got = multiply_by_quantized_multiplier(v, q);
    const double want = v * exact_m;
    // Two roundings (the high multiply, then the shift): within one of the exact product, and
    // exact where the shift is 0 or less and the product an integer plus a half.
    EXPECT_LE(std::fabs(got - want), 1.0) << v << " x " << real;
  }
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);  // -2.5 -> -3
  EXPECT_EQ(rounding_divide_by_pot(-4, 1), -2);
  EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);  // 1.75 -> 2
  EXPECT_EQ(multiply_by_quantized_multiplier(100, quantize_multiplier(0.5)), 50);
  // The high multiply rounds a tie toward +infinity (its nudge is 1 - 2^30 for a negative
  // product); the shift that follows rounds a tie away from zero.
  EXPECT_EQ(multiply_by_quantized_multiplier(3, quantize_multiplier(0.5)), 2);     // 1.5 -> 2
  EXPECT_EQ(multiply_by_quantized_multiplier(-3, quantize_multiplier(0.5)), -1);   // -1.5 -> -1
  EXPECT_EQ(multiply_by_quantized_multiplier(-3, quantize_multiplier(0.25)), -1);  // -0.75 -> -1
  EXPECT_EQ(multiply_by_quantized_multiplier(-6, quantize_multiplier(0.25)), -2);  // -1.5: shift
  EXPECT_EQ(round_half_away(2.5), 3);
  EXPECT_EQ(round_half_away(-2.5), -3);
}

}  // namespace
}  // namespace swis::net
