#include "lib/flow/synthetic.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "lib/compiler/packed.h"
#include "lib/compiler/quantize.h"

namespace swis {

GemmOperands random_gemm(int64_t P, int64_t K, int64_t F, int group_size, int cols,
                         const std::vector<int>& shifts, bool act_signed, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> w(static_cast<size_t>(F * K));
  std::normal_distribution<double> d(0.0, 60.0);
  for (auto& x : w) x = std::clamp(std::round(d(rng)), -255.0, 255.0);
  const Layer layer = make_layer({F, K}, w, true, group_size);
  std::vector<uint8_t> filter_shifts(static_cast<size_t>(F));
  for (int64_t f = 0; f < F; ++f)
    filter_shifts[f] = static_cast<uint8_t>(shifts[(f / cols) % shifts.size()]);
  const Quantized qz = quantize(layer, filter_shifts, {Method::kSwis});
  std::vector<uint32_t> order(static_cast<size_t>(F));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  const PackedLayer packed = unpack(pack(make_packed(layer, qz, Method::kSwis, order, cols)));
  GemmOperands ops = GemmOperands::from_packed(packed);
  ops.rows = P;
  ops.act_signed = act_signed;
  ops.act.assign(static_cast<size_t>(P * ops.groups * group_size), 0);
  for (int64_t p = 0; p < P; ++p) {
    for (int64_t k = 0; k < K; ++k) {
      // K runs along groups: k = g * M + i, the 2-D group order.
      ops.act[static_cast<size_t>(p * ops.groups * group_size + k)] = static_cast<uint8_t>(rng());
    }
  }
  return ops;
}

GemmOperands random_gemm(const ArrayParams& p, int64_t P, int64_t K, int64_t F,
                         const std::vector<int>& shifts, bool act_signed, uint64_t seed) {
  GemmOperands ops = random_gemm(P, K, F, p.group_size, p.cols, shifts, act_signed, seed);
  if (!p.fixed_point) return ops;
  std::mt19937_64 rng(seed ^ 0x5eedf1edULL);
  const int M = p.group_size;
  for (int64_t f = 0; f < F; ++f) {
    for (int64_t k = 0; k < ops.groups * M; ++k) {
      // Lanes past K stay zero: the padding of the last group.
      ops.q[static_cast<size_t>(f * ops.groups * M + k)] =
          k < K ? static_cast<int16_t>(static_cast<int>(rng() % 256) - 128) : int16_t{0};
    }
  }
  return ops;
}

}  // namespace swis
