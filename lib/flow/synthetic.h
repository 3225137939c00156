// Synthetic GEMMs for checks of the array when a layer's own data is not at hand (swis perf
// --verify, the lock-step tests, the benchmarks): weights quantized by the real quantizer with a
// given N per tile, packed and unpacked, and random int8 or uint8 activations in group order.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/golden/array_model.h"
#include "lib/mapping/array_program.h"

namespace swis {

// P x K activations times K x F weights on an array of `cols` columns. Each tile of `cols`
// filters gets its own N from `shifts` (cycled), so one layer mixes N. Deterministic in `seed`.
GemmOperands random_gemm(int64_t P, int64_t K, int64_t F, int group_size, int cols,
                         const std::vector<int>& shifts, bool act_signed, uint64_t seed);

// The same for the array `p`: on a fixed-point array the weights are uniform int8 (no shift
// sets, `shifts` only spaces the tiles as on a SWIS array), otherwise as above.
GemmOperands random_gemm(const ArrayParams& p, int64_t P, int64_t K, int64_t F,
                         const std::vector<int>& shifts, bool act_signed, uint64_t seed);

}  // namespace swis
