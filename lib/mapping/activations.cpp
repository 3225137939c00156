#include "lib/mapping/activations.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "lib/common/layer_shape.h"

namespace swis {
namespace {

[[noreturn]] void fail(const std::string& problem) { throw std::invalid_argument(problem); }

// The first NaN or infinity of a float array as "NaN at flat index i", or "" if there is none.
std::string first_non_finite(const npy::Array& a) {
  if (a.dtype != npy::DType::kFloat32 && a.dtype != npy::DType::kFloat64) return "";
  const int64_t n = a.size();
  for (int64_t i = 0; i < n; ++i) {
    const double v = a.as_double(i);
    if (!std::isfinite(v)) {
      const char* what = std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
      return what + std::string(" at flat index ") + std::to_string(i);
    }
  }
  return "";
}

}  // namespace

void check_acts(const npy::Array& a) {
  using npy::DType;
  if (a.dtype != DType::kInt8 && a.dtype != DType::kUint8 && a.dtype != DType::kFloat32 &&
      a.dtype != DType::kFloat64) {
    fail(std::string("activations of dtype ") + npy::dtype_name(a.dtype) +
         " are not supported (int8, uint8, float32 or float64)");
  }
  for (int64_t d : a.shape) {
    if (d < 1) fail("activations have an empty dimension: shape " + shape_repr(a.shape));
  }
  const std::string non_finite = first_non_finite(a);
  if (!non_finite.empty()) fail("activations contain " + non_finite);
}

void check_acts_fit(const std::vector<int64_t>& w, const std::vector<int64_t>& a, int64_t stride,
                    int64_t pad, const std::string& weights_name) {
  if (w.size() == 2) {
    if (stride != 1 || pad != 0) fail("--stride and --pad apply to convolutions only");
    if (a.size() != 2 || a[1] != w[1]) {
      fail("activations must be (P, K) with K = " + std::to_string(w[1]) + " for " + weights_name +
           ", got " + shape_repr(a));
    }
    return;
  }
  if (w.size() != 4) {
    fail("weights must be 2-D (F, K) or 4-D (F, C, kh, kw), got " + shape_repr(w));
  }
  if (a.size() != 4 || a[0] != 1) {
    fail("a convolution needs one NCHW input (1, C, H, W) for " + weights_name + ", got " +
         shape_repr(a));
  }
  if (a[1] != w[1]) {
    fail("input has " + std::to_string(a[1]) + " channels but " + weights_name + " have " +
         std::to_string(w[1]));
  }
  const int64_t h = a[2] + 2 * pad, wd = a[3] + 2 * pad;
  if (w[2] > h || w[3] > wd) {
    fail("input padded to " + std::to_string(h) + "x" + std::to_string(wd) +
         " is smaller than the " + std::to_string(w[2]) + "x" + std::to_string(w[3]) +
         " kernel of " + weights_name);
  }
}

ActCodes quantize_acts(const npy::Array& a) {
  check_acts(a);
  const int64_t n = a.size();
  ActCodes r;
  r.codes.resize(static_cast<size_t>(n));
  r.values.resize(static_cast<size_t>(n));
  if (a.dtype == npy::DType::kInt8 || a.dtype == npy::DType::kUint8) {
    r.is_signed = a.dtype == npy::DType::kInt8;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = a.as_int(i);
      r.codes[i] = static_cast<uint8_t>(v);
      r.values[i] = static_cast<double>(v);
    }
    return r;
  }
  r.is_signed = true;
  double max_abs = 0;
  for (int64_t i = 0; i < n; ++i) {
    r.values[i] = a.as_double(i);
    max_abs = std::max(max_abs, std::fabs(r.values[i]));
  }
  r.scale = max_abs == 0 ? 1.0 : max_abs / 127.0;
  for (int64_t i = 0; i < n; ++i) {
    const double q = std::clamp(std::round(r.values[i] / r.scale), -127.0, 127.0);
    r.codes[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
  }
  return r;
}

}  // namespace swis
