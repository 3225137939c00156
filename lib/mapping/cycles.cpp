#include "lib/mapping/cycles.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace swis {

LayerCycles& LayerCycles::operator+=(const LayerCycles& o) {
  tiles += o.tiles;
  cycles += o.cycles;
  ideal_cycles += o.ideal_cycles;
  stall_cycles += o.stall_cycles;
  useful_slots += o.useful_slots;
  scalesim_os_cycles += o.scalesim_os_cycles;
  useful_lanes += o.useful_lanes;
  bitserial8_cycles += o.bitserial8_cycles;
  return *this;
}

void LayerCycles::set_utilization(const ArrayParams& p) {
  const double slot_cycles = static_cast<double>(p.rows * p.cols * p.shifts_per_cycle) * cycles;
  utilization = useful_slots / slot_cycles;
  lane_utilization = useful_lanes / (slot_cycles * p.group_size);
}

LayerCycles layer_cycles(const ArrayParams& p, const GemmShape& g,
                         const std::vector<int>& tile_shifts) {
  LayerCycles lc;
  const int64_t row_blocks = (g.rows + p.rows - 1) / p.rows;
  const int64_t filter_tiles = (g.filters + p.cols - 1) / p.cols;
  if (static_cast<int64_t>(tile_shifts.size()) != filter_tiles) {
    throw std::invalid_argument("one N per filter tile is needed: " + std::to_string(filter_tiles) +
                                " tiles, got " + std::to_string(tile_shifts.size()));
  }
  // Real weights per output (K, or C x kh x kw): a group's lanes past them carry padding.
  const int64_t k_real = g.rows > 0 && g.filters > 0 ? g.macs / (g.rows * g.filters) : 0;
  std::vector<uint64_t> steps, steps8;
  for (int64_t ft = 0; ft < filter_tiles; ++ft) {
    const int n = tile_shifts[ft];
    const int64_t cols_used = std::min<int64_t>(p.cols, g.filters - ft * p.cols);
    for (int64_t rb = 0; rb < row_blocks; ++rb) {
      const int64_t rows_used = std::min<int64_t>(p.rows, g.rows - rb * p.rows);
      const uint64_t s = static_cast<uint64_t>(g.groups * p.steps_per_group(n));
      steps.push_back(s);
      steps8.push_back(static_cast<uint64_t>(g.groups * 8));
      lc.ideal_cycles += s;
      const uint64_t drain = static_cast<uint64_t>(p.drain_cycles());
      lc.stall_cycles += steps.size() > 1 && s < drain ? drain - s : 0;
      lc.useful_slots += static_cast<double>(rows_used * cols_used * g.groups * n);
      lc.useful_lanes += static_cast<double>(rows_used * cols_used * k_real * n);
      // SCALE-Sim v2, output stationary, as it was measured here on every ResNet-18 layer
      // (../shared/TOOLCHAIN.md): the folds run one after another, each T + Sr + Sc - 2 cycles
      // with T its steps, and the layer one cycle less than their sum.
      lc.scalesim_os_cycles += p.rows + p.cols + s - 2;
    }
  }
  if (!steps.empty()) lc.scalesim_os_cycles -= 1;
  lc.tiles = steps.size();
  lc.cycles = closed_form_cycles(p, steps);
  ArrayParams ss = p;
  ss.shifts_per_cycle = 1;
  ss.fixed_point = false;
  lc.bitserial8_cycles = closed_form_cycles(ss, steps8);
  lc.set_utilization(p);
  return lc;
}

}  // namespace swis
