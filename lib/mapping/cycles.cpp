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
  bitserial8_cycles += o.bitserial8_cycles;
  return *this;
}

void LayerCycles::set_utilization(const ArrayParams& p) {
  utilization = useful_slots / (static_cast<double>(p.rows * p.cols * p.shifts_per_cycle) * cycles);
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
      lc.stall_cycles += steps.size() > 1 && s < static_cast<uint64_t>(p.rows) ? p.rows - s : 0;
      lc.useful_slots += static_cast<double>(rows_used * cols_used * g.groups * n);
      // SCALE-Sim (original paper's OS formula): each fold fills, computes T steps and drains
      // before the next: 2 Sr + Sc + T - 2, with T the steps each output needs.
      lc.scalesim_os_cycles += 2 * p.rows + p.cols + s - 2;
    }
  }
  lc.tiles = steps.size();
  lc.cycles = closed_form_cycles(p, steps);
  ArrayParams ss = p;
  ss.shifts_per_cycle = 1;
  lc.bitserial8_cycles = closed_form_cycles(ss, steps8);
  lc.set_utilization(p);
  return lc;
}

}  // namespace swis
