// The weight half of the data path as one call: .npy weights -> 8-bit baseline -> groups ->
// (schedule) -> shift selection -> packed format, with the statistics the tools report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lib/compiler/packed.h"
#include "lib/compiler/quantize.h"
#include "lib/compiler/schedule.h"
#include "lib/formats/npy.h"

namespace swis {

struct WeightRequest {
  Method method = Method::kSwis;
  int group_size = 4;
  int shifts = 0;            // fixed N for every filter, or 0 when `target` is set
  std::string target;        // fractional average N (scheduling), or empty
  int array_cols = 8;        // C: filters per tile
  bool double_shift = true;  // PE kind: DS tiles take even N
  Metric metric = Metric::kMse;
  double alpha = 1.0;
  int threads = 1;
};

struct WeightResult {
  Layer layer;
  Quantized qz;
  PackedLayer packed;
  QuantStats stats;
  std::optional<ScheduleResult> schedule;  // with a target
};

// The one check of a weights array before it is used: float32/float64 or int8/int16, and what
// check_weight_input (lib/compiler/quantize.h) refuses. Throws QuantError naming the problem
// (the caller adds the file's name).
void check_weights(const npy::Array& weights);

// Throws QuantError / ScheduleError / std::invalid_argument (one line each) on bad input or
// options. The weights must be float32/float64 or int8/int16, 2-D or 4-D.
WeightResult quantize_weights(const npy::Array& weights, const WeightRequest& req);

// q in the input's shape and order, int16 (the Q.npy of swis quantize).
npy::Array quantized_array(const Layer& layer, const Quantized& qz);

}  // namespace swis
