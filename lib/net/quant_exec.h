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
#include "lib/mapping/array_program.h"
#include "lib/mapping/cycles.h"
#include "lib/mapping/output_stats.h"
#include "lib/net/float_exec.h"
#include "lib/net/network.h"

namespace swis::net {

struct NetRequest {
  WeightRequest weights;  // every Conv and Gemm, unless overridden (array_cols: the backend's)
  std::map<std::string, int> layer_shifts;  // a layer's own N: by node name, or "first"/"last"
  enum class Calibration { kMax, kPercentile } calibration = Calibration::kMax;
  double percentile = 99.99;  // kPercentile: this percentile of |x| is the range
  // The activations a Conv or Gemm takes keep only their top act_bits bits (8 - act_bits LSBs of
  // each 8-bit code cleared, towards zero): the paper's activation truncation baseline.
  int act_bits = 8;
  // With a target (weights.target): a layer whose tiles cannot reach it takes the reachable
  // average nearest to it, below or above, whichever keeps the weight-weighted average of the
  // layers so far nearer the target (the paper reports a network's effective shifts); otherwise
  // such a layer is an error.
  bool nearest_target = false;
  // run_network: run the float network beside the integer one (each layer's SQNR, the output's
  // float reference). Off, those are NaN and empty, and a run takes about a third less time.
  bool float_reference = true;
  // run_network: images per integer run (0: the whole input at once). Memory then grows with the
  // batch, not with the input; the results do not depend on it.
  int64_t batch = 0;
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
  int64_t weights = 0;  // real weights
  std::string target;   // the target this layer was scheduled to ("" for fixed N)
  double compression_ratio = 0;
  OutputError output_error;   // the layer's output (after its fused activation) against float
  double output_sqnr_db = 0;  // output_error.sqnr_db()
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
  // N averaged over every real weight of the Conv and Gemm layers.
  double effective_shifts() const;
};

// The whole flow of `swis net` for one model: import for the input's shape, a float run of the
// calibration batch (the input itself when `calib` is null) for the scales, then for each batch
// of req.batch images the float reference and the integer run on `backend`; the network's first
// output dequantized and compared with the reference. Per-layer results add up over the batches
// (cycles, MACs, signal and noise); with more than one batch, result.codes holds the output's
// codes only.
struct NetRun {
  Network net;  // imported for the first batch's shape
  NetResult result;
  std::string output;                   // the network's first output
  std::vector<int64_t> output_shape;    // for the whole input
  std::vector<float> output_float;      // its codes times its scale
  std::vector<float> reference_output;  // the float network's (empty without float_reference)
  double output_sqnr_db = 0;            // against the float network
};
NetRun run_network(const onnx::Model& model, const std::vector<int64_t>& shape,
                   const std::vector<float>& input, const std::vector<int64_t>* calib_shape,
                   const std::vector<float>* calib, const NetRequest& req, ArrayBackend& backend);

// Calibration: the scale of every tensor from a float run on `calib` (same shape but for N).
std::map<std::string, QuantParams> calibrate(const Network& net, const Tensors& calib,
                                             const NetRequest& req);

// The same from float runs of a calibration set in parts: add() each part's tensors; params()
// equals calibrate() on the whole set.
class Calibrator {
 public:
  explicit Calibrator(const NetRequest& req) : req_(req) {}
  void add(const Tensors& part);
  std::map<std::string, QuantParams> params(const Network& net) const;

 private:
  struct Range {
    double max = 0;
    bool non_negative = true;
    std::vector<float> abs;  // kPercentile only
  };
  const NetRequest& req_;
  std::map<std::string, Range> ranges_;
};

// The index of the largest of each row of a (N, classes) output; ties to the lower index.
std::vector<int> argmax_rows(const std::vector<float>& out, int64_t classes);

// The integer run of `input` (float, the network's input shape) with `params`, every Conv and
// Gemm on `backend`; `reference` (a float run on the same input, or empty) gives each layer's
// SQNR. `scratch`, if given, holds the GEMMs' programs (its buffers kept from call to call).
NetResult run_integer(const Network& net, const std::vector<float>& input,
                      const std::map<std::string, QuantParams>& params, const NetRequest& req,
                      ArrayBackend& backend, const Tensors& reference,
                      ArrayProgram* scratch = nullptr);

}  // namespace swis::net
