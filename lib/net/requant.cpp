#include "lib/net/requant.h"

#include <cmath>
#include <limits>

namespace swis::net {

Multiplier quantize_multiplier(double m) {
  Multiplier q;
  if (m <= 0) return q;
  int e = 0;
  const double frac = std::frexp(m, &e);  // m = frac * 2^e, frac in [0.5, 1)
  int64_t m0 = std::llround(frac * (int64_t{1} << 31));
  if (m0 == (int64_t{1} << 31)) {
    m0 /= 2;
    ++e;
  }
  q.m0 = static_cast<int32_t>(m0);
  q.shift = e;
  return q;
}

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) {
    return std::numeric_limits<int32_t>::max();
  }
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  if (exponent <= 0) return x;
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t multiply_by_quantized_multiplier(int32_t x, const Multiplier& m) {
  const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  int64_t shifted = static_cast<int64_t>(x) * (int64_t{1} << left);
  if (shifted > std::numeric_limits<int32_t>::max()) shifted = std::numeric_limits<int32_t>::max();
  if (shifted < std::numeric_limits<int32_t>::min()) shifted = std::numeric_limits<int32_t>::min();
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(static_cast<int32_t>(shifted), m.m0), right);
}

int64_t round_half_away(double v) { return static_cast<int64_t>(std::round(v)); }

}  // namespace swis::net
