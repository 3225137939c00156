// Calibration (the activation scales from float runs, in parts) and the classes of an output.
#include <algorithm>
#include <cmath>

#include "lib/net/quant_exec.h"

namespace swis::net {
namespace {

bool passes_scale(OpKind k) {
  // These move or pick codes without arithmetic that needs a new scale.
  return k == OpKind::kMaxPool || k == OpKind::kAvgPool || k == OpKind::kGlobalAvgPool ||
         k == OpKind::kFlatten || k == OpKind::kPad;
}

}  // namespace

void Calibrator::add(const Tensors& part) {
  for (const auto& [name, v] : part) {
    Range& r = ranges_[name];
    for (const float x : v) {
      const float a = std::fabs(x);
      r.max = std::max(r.max, static_cast<double>(a));
      r.non_negative = r.non_negative && x >= 0;
    }
    if (req_.calibration == NetRequest::Calibration::kPercentile) {
      for (const float x : v) r.abs.push_back(std::fabs(x));
    }
  }
}

std::map<std::string, QuantParams> Calibrator::params(const Network& net) const {
  std::map<std::string, QuantParams> q;
  const auto measure = [&](const std::string& name) {
    const auto it = ranges_.find(name);
    if (it == ranges_.end()) throw NetError("calibration: no values of tensor " + name);
    const Range& r = it->second;
    double range = r.max;
    if (req_.calibration == NetRequest::Calibration::kPercentile && !r.abs.empty()) {
      std::vector<float> a = r.abs;
      const size_t k = std::min(
          a.size() - 1, static_cast<size_t>(std::ceil(req_.percentile / 100.0 * (a.size() - 1))));
      std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k), a.end());
      range = a[k];
    }
    QuantParams p;
    p.is_unsigned = r.non_negative;
    p.scale = range > 0 ? range / (p.is_unsigned ? 255.0 : 127.0) : 1.0;
    q[name] = p;
  };
  measure(net.input);
  for (const Op& op : net.ops) {
    if (passes_scale(op.kind)) {
      q[op.output] = q.at(op.inputs[0]);
    } else {
      measure(op.output);
    }
  }
  return q;
}

std::map<std::string, QuantParams> calibrate(const Network& net, const Tensors& calib,
                                             const NetRequest& req) {
  Calibrator c(req);
  c.add(calib);
  return c.params(net);
}

std::vector<int> argmax_rows(const std::vector<float>& out, int64_t classes) {
  std::vector<int> best;
  for (size_t r = 0; classes > 0 && (r + 1) * static_cast<size_t>(classes) <= out.size(); ++r) {
    const float* row = &out[r * static_cast<size_t>(classes)];
    best.push_back(static_cast<int>(std::max_element(row, row + classes) - row));
  }
  return best;
}

}  // namespace swis::net
