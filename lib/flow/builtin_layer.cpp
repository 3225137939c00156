#include "lib/flow/builtin_layer.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace swis {

LayerRequest builtin_request() {
  LayerRequest req;
  req.weights.group_size = 4;
  req.weights.target = "3";
  req.weights.double_shift = true;
  req.weights.metric = Metric::kMsePlusPlus;
  req.weights.threads = 2;
  req.pad = 1;
  return req;
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

}  // namespace swis
