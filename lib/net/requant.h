// Integer arithmetic of an int8 accelerator's host side, the gemmlowp / TFLite way: a real
// multiplier m > 0 as a Q31 fixed-point multiplier and a power-of-two shift, applied to int32
// accumulators with rounding that is exactly specified:
//   - SaturatingRoundingDoublingHighMul(a, b) = (a * b + 2^30) / 2^31 for a * b >= 0 and
//     (a * b + 1 - 2^30) / 2^31 otherwise, the division truncating toward zero: the nearest
//     integer to a * b / 2^31 with a tie rounded toward +infinity (1.5 -> 2, -1.5 -> -1),
//     saturating the one overflow case a = b = INT32_MIN;
//   - RoundingDivideByPOT(x, e) = x / 2^e rounded to nearest, halves away from zero.
// MultiplyByQuantizedMultiplier(x, M0, shift) = RoundingDivideByPOT(SRDHM(x * 2^max(shift, 0),
// M0), max(-shift, 0)), as in TFLite.
#pragma once

#include <cstdint>

namespace swis::net {

struct Multiplier {
  int32_t m0 = 0;  // in [2^30, 2^31): the mantissa of m, Q31
  int shift = 0;   // m = m0 / 2^31 * 2^shift
};

// The multiplier nearest to `m` (> 0; 0 gives m0 = 0).
Multiplier quantize_multiplier(double m);

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b);
int32_t rounding_divide_by_pot(int32_t x, int exponent);
int32_t multiply_by_quantized_multiplier(int32_t x, const Multiplier& m);

// Rounds to nearest, halves away from zero (the rounding of every other integer step here:
// average pooling, bias).
int64_t round_half_away(double v);

}  // namespace swis::net
