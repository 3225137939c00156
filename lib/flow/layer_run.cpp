#include "lib/flow/layer_run.h"

#include "lib/common/layer_shape.h"
#include "lib/mapping/output_stats.h"

namespace swis {

PreparedLayer prepare_layer(const npy::Array& weights, const npy::Array& acts,
                            const LayerRequest& req, const ArrayParams& p) {
  // Shapes first: nothing is computed for a layer that cannot run.
  check_weights(weights);
  check_acts(acts);
  check_acts_fit(weights.shape, acts.shape, req.stride, req.pad,
                 "the weights " + shape_repr(weights.shape));
  PreparedLayer l;
  l.params = p;
  l.is_conv = weights.shape.size() == 4;
  if (l.is_conv) {
    l.conv = ConvShape{acts.shape[1],    acts.shape[2],    acts.shape[3], weights.shape[0],
                       weights.shape[2], weights.shape[3], req.stride,    req.pad};
    l.conv.validate();
  }
  WeightRequest wr = req.weights;
  wr.array_cols = p.cols;  // a tile is as wide as the array
  l.w = quantize_weights(weights, wr);
  l.acts = quantize_acts(acts);
  // The weight tokens come from the packed bytes, as an accelerator would stream them.
  l.operands =
      layer_operands(unpack(pack(l.w.packed)), l.acts, acts.shape, l.is_conv ? &l.conv : nullptr);
  l.prog = program_gemm(p, l.operands.ops);
  const std::vector<int> tile_shifts(l.w.packed.tile_shifts.begin(), l.w.packed.tile_shifts.end());
  l.expected = layer_cycles(p, l.operands.gemm, tile_shifts);
  return l;
}

LayerReport finish_layer(PreparedLayer layer, ArrayRun run, const std::string& array, bool clean) {
  LayerReport rep;
  rep.array = array;
  rep.layer = std::move(layer);
  rep.sim = std::move(run);
  const PreparedLayer& l = rep.layer;
  const GemmOperands& ops = l.operands.ops;
  rep.results_match = rep.sim.complete && rep.sim.y == reference_gemm(ops);
  rep.cycles_match = !clean || rep.sim.cycles == l.expected.cycles;

  // Output and its error against the float layer with the unquantized weights.
  const int64_t P = ops.rows, F = ops.filters;
  rep.output = output_error(l.operands.act_values, l.w.layer.original, P, F, ops.groups * ops.group_size,
                   rep.sim.y, l.w.layer.scale * l.acts.scale);
  rep.output_sqnr_db = rep.output.sqnr_db();
  std::vector<int32_t> y(static_cast<size_t>(P * F));
  for (int64_t r = 0; r < P; ++r) {
    for (int64_t f = 0; f < F; ++f) {
      const int64_t v = rep.sim.y.empty() ? 0 : rep.sim.y[static_cast<size_t>(r * F + f)];
      y[static_cast<size_t>(l.is_conv ? f * P + r : r * F + f)] = static_cast<int32_t>(v);
    }
  }
  rep.y = l.is_conv ? npy::make_int32({1, F, l.conv.out_height(), l.conv.out_width()}, y)
                    : npy::make_int32({P, F}, y);
  return rep;
}

LayerReport run_layer(const npy::Array& weights, const npy::Array& acts, const LayerRequest& req,
                      ArrayBackend& backend) {
  PreparedLayer l = prepare_layer(weights, acts, req, backend.params());
  ArrayRun run = backend.run(l.prog, l.operands.ops.rows, l.operands.ops.filters);
  return finish_layer(std::move(l), std::move(run), backend.name(), backend.clean());
}

}  // namespace swis
