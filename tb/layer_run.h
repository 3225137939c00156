// The whole data path for one layer, as `swis run` and `make sim` use it:
// weights -> quantize (and schedule) -> pack -> weight tokens -> the Verilated array in
// lock-step with the golden model -> results, checked against a plain integer GEMM and the
// closed-form cycle count, and compared with the float layer.
#pragma once

#include <optional>
#include <string>

#include "model/conv.h"
#include "model/npy.h"
#include "model/weight_flow.h"
#include "tb/array_harness.h"

namespace swis::tb {

struct LayerRequest {
  WeightRequest weights;  // its group size and PE kind pick the array configuration
  int rows = 8;
  int cols = 8;
  int64_t stride = 1;  // convolutions only
  int64_t pad = 0;
  ArrayRunOptions run;
};

struct LayerReport {
  std::string array;  // the configuration that ran
  ArrayParams params;
  WeightResult w;
  bool is_conv = false;
  ConvShape conv;
  GemmShape gemm;
  double act_scale = 1.0;
  LayerCycles expected;  // closed form
  ArrayRunResult sim;
  npy::Array y;                // int32, (P, F) or (1, F, Ho, Wo)
  bool results_match = false;  // Y equals the plain integer GEMM of the quantized weights
  bool cycles_match = false;   // the RTL's cycle count equals the closed form
  double output_sqnr_db = 0;   // against the layer in float with the unquantized weights
  bool pass() const { return sim.ok() && results_match && cycles_match; }
};

// Throws std::invalid_argument / QuantError / npy::NpyError (one line each) on bad input:
// shapes that do not match, channels that differ, stride 0, no such array configuration.
LayerReport run_layer(const npy::Array& weights, const npy::Array& acts, const LayerRequest& req);

// The built-in default of `make sim`: a ResNet-18-shaped 3 x 3 convolution, 64 -> 64
// channels on a 14 x 14 input (pad 1), deterministic synthetic weights and activations
// (see the definition for their distributions).
npy::Array default_weights();
npy::Array default_acts();

}  // namespace swis::tb
