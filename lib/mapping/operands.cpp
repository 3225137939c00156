#include "lib/mapping/operands.h"

namespace swis {

LayerOperands layer_operands(const PackedLayer& packed, const ActCodes& acts,
                             const std::vector<int64_t>& act_shape, const ConvShape* conv) {
  LayerOperands l;
  l.ops = GemmOperands::from_packed(packed);
  l.ops.act_signed = acts.is_signed;
  const int M = packed.group_size;
  if (conv) {
    l.ops.act = im2col(*conv, M, acts.codes);
    l.act_values = im2col(*conv, M, acts.values);
    l.gemm = gemm_shape(*conv, M);
  } else {
    const int64_t P = act_shape[0], K = act_shape[1], G = packed.groups_per_filter;
    l.ops.act.assign(static_cast<size_t>(P * G * M), 0);
    l.act_values.assign(l.ops.act.size(), 0.0);
    for (int64_t r = 0; r < P; ++r) {
      for (int64_t k = 0; k < K; ++k) {
        const size_t to = static_cast<size_t>(r * G * M + k), from = static_cast<size_t>(r * K + k);
        l.ops.act[to] = acts.codes[from];
        l.act_values[to] = acts.values[from];
      }
    }
    l.gemm = GemmShape{P, G, packed.filters, P * packed.filters * K};
  }
  l.ops.rows = l.gemm.rows;
  return l;
}

}  // namespace swis
