// Helpers of the packed-format tests (test_packed.cpp, test_packed_v2.cpp).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "lib/compiler/quantize.h"

namespace swis::tb {

// Integer weights in [-255, 255] of `shape`, grouped by M, deterministic in `seed`.
inline Layer random_int_layer(std::vector<int64_t> shape, int M, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<int>(rng() % 511) - 255;
  return make_layer(shape, v, true, M);
}

}  // namespace swis::tb
