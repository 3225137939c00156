// A network in integers, as an int8 accelerator runs it (the README's "Integer inference"):
// per-tensor activation scales calibrated in float, uint8 codes for tensors that are never
// negative and int8 otherwise; every Conv and Gemm SWIS-quantized per layer and run as GEMMs on
// an ArrayBackend, the bias added to the int32 accumulator, requantized to 8 bits with a
// fixed-point multiplier (lib/net/requant.h); pooling, residual Add and Concat in integers on
// the host.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lib/compiler/weight_flow.h"
#include "lib/flow/array_backend.h"
#include "lib/mapping/cycles.h"
#include "lib/net/float_exec.h"
#include "lib/net/network.h"

namespace swis::net {

struct NetRequest {
  WeightRequest weights;  // every Conv and Gemm, unless overridden (array_cols: the backend's)
  std::map<std::string, int> layer_shifts;  // a layer's own N: by node name, or "first"/"last"
  enum class Calibration { kMax, kPercentile } calibration = Calibration::kMax;
  double percentile = 99.99;  // kPercentile: this percentile of |x| is the range
  // Called before each Conv or Gemm: its index among them, their count, its name.
  std::function<void(size_t layer, size_t layers, const std::string& name)> on_layer;
};

// A tensor's 8-bit codes: value = code * scale; uint8 when the tensor is never negative in
// calibration, int8 otherwise.
struct QuantParams {
  double scale = 1.0;
  bool is_unsigned = false;
  int lo() const { return is_unsigned ? 0 : -128; }
  int hi() const { return is_unsigned ? 255 : 127; }
};

struct LayerResult {
  std::string name, op;
  std::vector<int64_t> in_shape, out_shape, weight_shape;
  int64_t macs = 0;
  int64_t gemms = 1;        // one per group
  LayerCycles cycles;       // closed form, summed over the layer's GEMMs
  uint64_t run_cycles = 0;  // what the backend counted
  double effective_shifts = 0;
  double compression_ratio = 0;
  double output_sqnr_db = 0;  // the layer's output (after its fused activation) against float
  bool results_match = true;  // every GEMM equals reference_gemm
  bool cycles_match = true;   // every clean run took the closed form
  std::string failure;        // a divergence or protocol error of the backend
};

struct NetResult {
  std::vector<LayerResult> layers;  // Conv and Gemm layers, in order
  std::map<std::string, QuantParams> params;
  std::map<std::string, std::vector<int32_t>> codes;  // every tensor's codes
  LayerCycles total;
  uint64_t run_cycles = 0;
  bool pass() const;
};

// The whole flow of `swis net` for one model: import for the input's shape, a float run of the
// calibration batch (the input itself when `calib` is null) for the scales, the float reference
// of the input, the integer run on `backend`, and the network's first output dequantized and
// compared with the reference.
struct NetRun {
  Network net;
  Tensors reference;  // the float run of the input
  NetResult result;
  std::string output;               // the network's first output
  std::vector<float> output_float;  // its codes times its scale
  double output_sqnr_db = 0;        // against the float network
};
NetRun run_network(const onnx::Model& model, const std::vector<int64_t>& shape,
                   const std::vector<float>& input, const std::vector<int64_t>* calib_shape,
                   const std::vector<float>* calib, const NetRequest& req, ArrayBackend& backend);

// Calibration: the scale of every tensor from a float run on `calib` (same shape but for N).
std::map<std::string, QuantParams> calibrate(const Network& net, const Tensors& calib,
                                             const NetRequest& req);

// The integer run of `input` (float, the network's input shape) with `params`, every Conv and
// Gemm on `backend`; `reference` (a float run on the same input) gives each layer's SQNR.
NetResult run_integer(const Network& net, const std::vector<float>& input,
                      const std::map<std::string, QuantParams>& params, const NetRequest& req,
                      ArrayBackend& backend, const Tensors& reference);

}  // namespace swis::net
