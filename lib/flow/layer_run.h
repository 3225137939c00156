// The whole data path for one layer, as `swis run`, `make sim` and the SystemC bench use it:
// weights -> quantize (and schedule) -> pack -> weight tokens -> an array backend -> results,
// checked against a plain integer GEMM and the closed-form cycle count, and compared with the
// float layer.
#pragma once

#include <optional>
#include <string>

#include "lib/compiler/weight_flow.h"
#include "lib/flow/array_backend.h"
#include "lib/formats/npy.h"
#include "lib/mapping/conv.h"
#include "lib/mapping/cycles.h"
#include "lib/mapping/operands.h"
#include "lib/mapping/output_stats.h"

namespace swis {

struct LayerRequest {
  WeightRequest weights;  // the tile width is the array's: array_cols is set from the backend
  int64_t stride = 1;     // convolutions only
  int64_t pad = 0;
};

// Everything computed before the array runs.
struct PreparedLayer {
  ArrayParams params;
  WeightResult w;
  bool is_conv = false;
  ConvShape conv;
  ActCodes acts;
  LayerOperands operands;  // operands.gemm is the layer's GEMM shape
  ArrayProgram prog;
  LayerCycles expected;  // closed form
};

struct LayerReport {
  std::string array;  // the configuration that ran
  PreparedLayer layer;
  ArrayRun sim;
  npy::Array y;                // int32, (P, F) or (1, F, Ho, Wo)
  bool results_match = false;  // Y equals the plain integer GEMM of the quantized weights
  bool cycles_match = false;   // the run's cycle count equals the closed form (clean runs)
  OutputError output;          // against the layer in float with the unquantized weights
  double output_sqnr_db = 0;   // output.sqnr_db(): NaN when the float layer's outputs are all 0
  bool pass() const { return sim.ok() && results_match && cycles_match; }
};

// Checks the inputs (check_weights, check_acts, check_acts_fit) and maps the layer onto an array
// of `p`. Throws std::invalid_argument / QuantError / ScheduleError (one line each).
PreparedLayer prepare_layer(const npy::Array& weights, const npy::Array& acts,
                            const LayerRequest& req, const ArrayParams& p);

// The report of a run of `layer.prog`; `clean` as ArrayBackend::clean.
LayerReport finish_layer(PreparedLayer layer, ArrayRun run, const std::string& array, bool clean);

// prepare_layer, the backend's run, finish_layer.
LayerReport run_layer(const npy::Array& weights, const npy::Array& acts, const LayerRequest& req,
                      ArrayBackend& backend);

}  // namespace swis
