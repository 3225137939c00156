#include "tb/accel_harness.h"

namespace swis::tb {

const AccelDutEntry& accel_dut(const std::string& name) {
  std::string have;
  for (const auto& e : accel_duts()) {
    if (e.name == name) return e;
    have += (have.empty() ? "" : ", ") + e.name;
  }
  throw std::invalid_argument("no Verilated accelerator " + name + " (this build has: " +
                              (have.empty() ? "none" : have) + ")");
}

namespace {

uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

}  // namespace

AccelLayerResult run_layer_on_accel(AccelDut& dut, const GemmOperands& ops,
                                    const AccelWeights& weights,
                                    const AxiMemoryOptions& mem_opt, const AccelRunOptions& opt,
                                    uint32_t base) {
  const AccelParams& p = dut.params();
  if (weights.layer.fixed_point != p.array.fixed_point) {
    throw std::invalid_argument(p.array.fixed_point ? "a fixed-point accelerator takes int8 weights"
                                                    : "a SWIS accelerator takes packed weights");
  }
  AccelLayer layer = weights.layer;
  layer.rows = ops.rows;
  const std::vector<uint8_t>& packed_bytes = weights.bytes;
  const std::vector<AccelPass> passes = plan_passes(p, layer);
  const std::vector<uint8_t> act = accel_activations(p, ops);
  AccelAddresses at;
  if (base % 8 != 0) throw std::invalid_argument("the activations' base must be 8-byte aligned");
  at.act_base = base;
  at.w_base = static_cast<uint32_t>(round_up(at.act_base + act.size(), 8));
  at.out_base = static_cast<uint32_t>(round_up(at.w_base + packed_bytes.size(), 8) + 4);
  const uint64_t out_bytes = 4 * static_cast<uint64_t>(ops.rows * ops.filters);
  AxiMemory mem(at.out_base + out_bytes + 4096, mem_opt);
  mem.load(at.act_base, act);
  mem.load(at.w_base, packed_bytes);
  mem.set_regions({{at.act_base, at.act_base + act.size()},
                   {at.w_base, at.w_base + packed_bytes.size()}});
  AccelLayerResult res;
  for (const AccelPass& pass : passes) {
    const AccelDescriptor d = pass_descriptor(p, layer, weights.tile_offset, at, ops.act_signed, pass);
    const AccelRunResult r = dut.run(d, mem, opt);
    if (r.status != 2u) {
      throw std::runtime_error("pass at block " + std::to_string(pass.block0) + ", tile " +
                               std::to_string(pass.tile0) + " ended with STATUS " +
                               std::to_string(r.status) + " (2: done)");
    }
    res.predicted += pass_traffic(p, d);
    res.measured.act_read += r.counts.region_read[0];
    res.measured.weight_read += r.counts.region_read[1];
    res.measured.out_write += r.counts.written_bytes;
    res.measured.read_bursts += r.counts.read_bursts;
    res.measured.write_bursts += r.counts.write_bursts;
    if (r.counts.read_bytes != r.counts.region_read[0] + r.counts.region_read[1]) {
      throw std::runtime_error("the accelerator read outside its activations and weights");
    }
    res.cycles += r.cycles;
    res.hw_cycles += r.hw_cycles;
  }
  res.passes = passes.size();
  const std::vector<uint8_t> y = mem.peek(at.out_base, out_bytes);
  res.y.assign(static_cast<size_t>(ops.rows * ops.filters), 0);
  for (int64_t pos = 0; pos < ops.filters; ++pos) {
    const int64_t f = ops.order[static_cast<size_t>(pos)];
    for (int64_t row = 0; row < ops.rows; ++row) {
      const size_t at_byte = static_cast<size_t>(4 * (pos * ops.rows + row));
      int32_t v = 0;
      for (int k = 0; k < 4; ++k) v |= static_cast<int32_t>(y[at_byte + k]) << (8 * k);
      res.y[static_cast<size_t>(row * ops.filters + f)] = v;
    }
  }
  return res;
}

}  // namespace swis::tb
