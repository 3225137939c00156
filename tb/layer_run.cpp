#include "tb/layer_run.h"

#include <cmath>
#include <random>
#include <stdexcept>

#include "model/array_program.h"

namespace swis::tb {
namespace {

const ArrayDutEntry& find_array(int rows, int cols, int group_size, bool double_shift) {
  std::string have;
  for (const auto& e : array_duts()) {
    const ArrayParams& p = e.params;
    if (p.rows == rows && p.cols == cols && p.group_size == group_size &&
        p.shifts_per_cycle == (double_shift ? 2 : 1)) {
      return e;
    }
    have += (have.empty() ? "" : ", ") + p.describe();
  }
  throw std::invalid_argument("no Verilated array of " + std::to_string(rows) + "x" +
                              std::to_string(cols) + " " + (double_shift ? "double" : "single") +
                              "-shift M=" + std::to_string(group_size) +
                              " (configurations: " + have + "; add one to config/configs.txt)");
}

// Activations as 8-bit codes: int8 and uint8 as they are, float quantized per tensor to int8
// (symmetric, as weights are). Also returns the values in float units.
std::vector<uint8_t> act_codes(const npy::Array& a, bool* is_signed, double* scale,
                               std::vector<double>* values) {
  const int64_t n = a.size();
  std::vector<uint8_t> codes(static_cast<size_t>(n));
  values->resize(static_cast<size_t>(n));
  *scale = 1.0;
  switch (a.dtype) {
    case npy::DType::kInt8:
    case npy::DType::kUint8:
      *is_signed = a.dtype == npy::DType::kInt8;
      for (int64_t i = 0; i < n; ++i) {
        const int64_t v = a.as_int(i);
        codes[i] = static_cast<uint8_t>(v);
        (*values)[i] = static_cast<double>(v);
      }
      return codes;
    case npy::DType::kFloat32:
    case npy::DType::kFloat64: {
      *is_signed = true;
      double max_abs = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double v = a.as_double(i);
        if (!std::isfinite(v)) {
          throw std::invalid_argument(std::string("activations contain ") +
                                      (std::isnan(v) ? "NaN" : "Inf") + " at flat index " +
                                      std::to_string(i));
        }
        max_abs = std::max(max_abs, std::fabs(v));
        (*values)[i] = v;
      }
      *scale = max_abs == 0 ? 1.0 : max_abs / 127.0;
      for (int64_t i = 0; i < n; ++i) {
        const double q = std::clamp(std::round((*values)[i] / *scale), -127.0, 127.0);
        codes[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
      }
      return codes;
    }
    default:
      throw std::invalid_argument(std::string("activations of dtype ") + npy::dtype_name(a.dtype) +
                                  " are not supported (int8, uint8, float32 or float64)");
  }
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "(";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + ")";
}

}  // namespace

LayerReport run_layer(const npy::Array& weights, const npy::Array& acts, const LayerRequest& req) {
  LayerReport rep;
  const ArrayDutEntry& dut_entry =
      find_array(req.rows, req.cols, req.weights.group_size, req.weights.double_shift);
  rep.array = dut_entry.name;
  rep.params = dut_entry.params;
  const ArrayParams& p = dut_entry.params;

  // Shapes first: nothing is computed for a layer that cannot run.
  rep.is_conv = weights.shape.size() == 4;
  if (weights.shape.size() != 2 && weights.shape.size() != 4) {
    throw std::invalid_argument("weights must be 2-D (F, K) or 4-D (F, C, kh, kw), got " +
                                shape_text(weights.shape));
  }
  if (rep.is_conv) {
    if (acts.shape.size() != 4 || acts.shape[0] != 1) {
      throw std::invalid_argument("a convolution needs one NCHW input (1, C, H, W), got " +
                                  shape_text(acts.shape));
    }
    if (acts.shape[1] != weights.shape[1]) {
      throw std::invalid_argument("input has " + std::to_string(acts.shape[1]) +
                                  " channels, the weights " + std::to_string(weights.shape[1]));
    }
    rep.conv = ConvShape{acts.shape[1],    acts.shape[2],    acts.shape[3], weights.shape[0],
                         weights.shape[2], weights.shape[3], req.stride,    req.pad};
    rep.conv.validate();
  } else {
    if (req.stride != 1 || req.pad != 0)
      throw std::invalid_argument("--stride and --pad apply to convolutions only");
    if (acts.shape.size() != 2 || acts.shape[1] != weights.shape[1]) {
      throw std::invalid_argument(
          "activations must be (P, K) with K = " + std::to_string(weights.shape[1]) + ", got " +
          shape_text(acts.shape));
    }
  }

  WeightRequest wr = req.weights;
  wr.array_cols = p.cols;  // a tile is as wide as the array
  rep.w = quantize_weights(weights, wr);

  // The weight tokens come from the packed bytes, as an accelerator would stream them.
  GemmOperands ops = GemmOperands::from_packed(unpack(pack(rep.w.packed)));
  std::vector<double> act_values;
  const std::vector<uint8_t> codes = act_codes(acts, &ops.act_signed, &rep.act_scale, &act_values);
  std::vector<double> act_rows;  // float activations in the same group order
  if (rep.is_conv) {
    ops.act = im2col(rep.conv, p.group_size, codes);
    act_rows = im2col(rep.conv, p.group_size, act_values);
    rep.gemm = rep.conv.gemm(p.group_size);
  } else {
    const int64_t P = acts.shape[0], K = acts.shape[1], G = rep.w.layer.groups_per_filter,
                  M = p.group_size;
    ops.act.assign(static_cast<size_t>(P * G * M), 0);
    act_rows.assign(ops.act.size(), 0.0);
    for (int64_t r = 0; r < P; ++r) {
      for (int64_t k = 0; k < K; ++k) {
        ops.act[static_cast<size_t>(r * G * M + k)] = codes[static_cast<size_t>(r * K + k)];
        act_rows[static_cast<size_t>(r * G * M + k)] = act_values[static_cast<size_t>(r * K + k)];
      }
    }
    rep.gemm = GemmShape{P, G, weights.shape[0], P * weights.shape[0] * K};
  }
  ops.rows = rep.gemm.rows;

  const ArrayProgram prog = program_gemm(p, ops);
  std::vector<int> tile_shifts(rep.w.packed.tile_shifts.begin(), rep.w.packed.tile_shifts.end());
  rep.expected = layer_cycles(p, rep.gemm, tile_shifts);
  auto dut = dut_entry.make();
  ArrayRunOptions run = req.run;
  apply_wave_environment(dut_entry.name, run);
  rep.sim = run_program(*dut, prog, ops.rows, ops.filters, run);
  rep.results_match = rep.sim.complete && rep.sim.y == reference_gemm(ops);
  const bool clean_run = req.run.bubble == 0 && req.run.backpressure == 0;
  rep.cycles_match = !clean_run || rep.sim.cycles == rep.expected.cycles;

  // Output and its error against the float layer with the unquantized weights.
  const int64_t P = ops.rows, F = ops.filters, G = ops.groups, M = p.group_size;
  std::vector<int32_t> y(static_cast<size_t>(P * F));
  double signal = 0, noise = 0;
  const double deq = rep.w.layer.scale * rep.act_scale;
  for (int64_t r = 0; r < P; ++r) {
    for (int64_t f = 0; f < F; ++f) {
      double ref = 0;
      for (int64_t k = 0; k < G * M; ++k) {
        ref += act_rows[static_cast<size_t>(r * G * M + k)] *
               rep.w.layer.original[static_cast<size_t>(f * G * M + k)];
      }
      const int64_t v = rep.sim.y.empty() ? 0 : rep.sim.y[static_cast<size_t>(r * F + f)];
      const size_t at =
          rep.is_conv ? static_cast<size_t>(f * P + r) : static_cast<size_t>(r * F + f);
      y[at] = static_cast<int32_t>(v);
      signal += ref * ref;
      noise += (ref - static_cast<double>(v) * deq) * (ref - static_cast<double>(v) * deq);
    }
  }
  rep.output_sqnr_db = noise == 0 ? INFINITY : 10.0 * std::log10(signal / noise);
  if (rep.is_conv) {
    rep.y = npy::make_int32({1, F, rep.conv.out_height(), rep.conv.out_width()}, y);
  } else {
    rep.y = npy::make_int32({P, F}, y);
  }
  return rep;
}

npy::Array default_weights() {
  // 64 filters of 64 x 3 x 3, He-initialised scale sqrt(2 / fan_in) with a log-normal spread
  // across filters (sigma 0.5, as trained layers show), Laplace-distributed within a filter
  // (trained convolution weights are heavier-tailed than Gaussian).
  std::mt19937_64 rng(18);
  const int F = 64, C = 64, k = 3;
  std::normal_distribution<double> z(0.0, 1.0);
  std::exponential_distribution<double> e(1.0);
  std::vector<float> w(static_cast<size_t>(F * C * k * k));
  for (int f = 0; f < F; ++f) {
    const double sigma = std::sqrt(2.0 / (C * k * k)) * std::exp(0.5 * z(rng));
    for (int i = 0; i < C * k * k; ++i) {
      const double lap = (rng() & 1 ? 1.0 : -1.0) * e(rng) * sigma / std::sqrt(2.0);
      w[static_cast<size_t>(f * C * k * k + i)] = static_cast<float>(lap);
    }
  }
  return npy::make_float32({F, C, k, k}, w);
}

npy::Array default_acts() {
  // One 64 x 14 x 14 uint8 input after a ReLU: half the values zero, the rest exponential
  // with mean 40, clipped at 255.
  std::mt19937_64 rng(2021);
  std::exponential_distribution<double> e(1.0 / 40.0);
  std::vector<uint8_t> a(64 * 14 * 14);
  for (auto& x : a) x = rng() & 1 ? 0 : static_cast<uint8_t>(std::min(255.0, std::round(e(rng))));
  return npy::make_uint8({1, 64, 14, 14}, a);
}

}  // namespace swis::tb
