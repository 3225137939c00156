#include "lib/compiler/weight_flow.h"

#include <numeric>

namespace swis {

namespace {

// The weights as doubles in C order; whether they are integers (used as they are) or float.
std::vector<double> weight_values(const npy::Array& weights, bool* integer_input) {
  switch (weights.dtype) {
    case npy::DType::kFloat32:
    case npy::DType::kFloat64:
      *integer_input = false;
      break;
    case npy::DType::kInt8:
    case npy::DType::kInt16:
      *integer_input = true;
      break;
    default:
      throw QuantError(std::string("weights of dtype ") + npy::dtype_name(weights.dtype) +
                       " are not supported (float32, float64, int8 or int16)");
  }
  const int64_t n = weights.size();
  std::vector<double> values(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) values[i] = weights.as_double(i);
  return values;
}

}  // namespace

void check_weights(const npy::Array& weights) {
  bool integer_input = false;
  const std::vector<double> values = weight_values(weights, &integer_input);
  check_weight_input(weights.shape, values, integer_input);
}

WeightResult quantize_weights(const npy::Array& weights, const WeightRequest& req) {
  bool integer_input = false;
  const std::vector<double> values = weight_values(weights, &integer_input);
  if ((req.shifts == 0) == req.target.empty()) {
    throw QuantError("give either a number of shifts or a scheduling target, not both");
  }
  if (req.array_cols < 1 || req.array_cols > 4096) {
    throw QuantError("array columns must be in [1, 4096], got " + std::to_string(req.array_cols));
  }

  WeightResult r;
  r.layer = make_layer(weights.shape, values, integer_input, req.group_size);
  const QuantOptions opt{req.method, req.metric, req.alpha, req.threads};
  std::vector<uint32_t> order(static_cast<size_t>(r.layer.filters));
  std::iota(order.begin(), order.end(), 0u);
  if (req.target.empty()) {
    r.qz = quantize(r.layer, req.shifts, opt);
  } else {
    if (req.method == Method::kTrunc) {
      throw QuantError(
          "scheduling (--target) needs swis or swis-c: trunc shares one window across the layer");
    }
    ScheduleProblem prob;
    prob.error = filter_error_table(r.layer, opt);
    for (int64_t f = 0; f < r.layer.filters; ++f)
      prob.weights.push_back(r.layer.filter_real_weights(f));
    prob.target = req.target;
    prob.array_cols = req.array_cols;
    prob.double_shift = req.double_shift;
    r.schedule = schedule_filters(prob);
    const Schedule& best = r.schedule->best;
    std::vector<uint8_t> shifts(best.filter_shifts.begin(), best.filter_shifts.end());
    r.qz = quantize(r.layer, shifts, opt);
    order.assign(best.order.begin(), best.order.end());
  }
  r.packed = make_packed(r.layer, r.qz, req.method, order, req.array_cols);
  r.stats = quant_stats(r.layer, r.qz, req.method);
  return r;
}

npy::Array quantized_array(const Layer& layer, const Quantized& qz) {
  int64_t count = 1;
  for (int64_t d : layer.shape) count *= d;
  std::vector<int16_t> out(static_cast<size_t>(count), 0);
  for (int64_t f = 0; f < layer.filters; ++f) {
    for (int64_t g = 0; g < layer.groups_per_filter; ++g) {
      for (int i = 0; i < layer.group_size; ++i) {
        const int64_t src = layer.source_index(f, g, i);
        if (src >= 0) out[src] = qz.q[(f * layer.groups_per_filter + g) * layer.group_size + i];
      }
    }
  }
  return npy::make_int16(layer.shape, out);
}

}  // namespace swis
