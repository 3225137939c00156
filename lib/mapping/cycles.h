// Per-layer cycle figures of the array: the closed form (lib/golden/array_model.h) for a layer's
// tiles, the ideal and stall cycles, utilization, SCALE-Sim's output-stationary estimate and the
// 8-bit bit-serial baseline. Figures of several programs add up with +=.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/golden/array_model.h"
#include "lib/mapping/conv.h"

namespace swis {

// Per-layer cycle figures for a list of per-filter-tile N (tile t holds filters tC..tC+C-1).
struct LayerCycles {
  uint64_t tiles = 0;
  uint64_t cycles = 0;              // closed form (lib/golden/array_model.h)
  uint64_t ideal_cycles = 0;        // the tiles' steps alone: no fill, drain or stall
  uint64_t stall_cycles = 0;        // drain stalls: tiles shorter than the drain
  double useful_slots = 0;          // real rows x real filters x real shifts
  double utilization = 0;           // useful / (Rows x Cols x slots x cycles)
  double useful_lanes = 0;          // useful slots x lanes that hold a real weight
  double lane_utilization = 0;      // useful lanes / (Rows x Cols x slots x M x cycles)
  uint64_t scalesim_os_cycles = 0;  // SCALE-Sim v2 OS: per fold T + Rows + Cols - 2, less 1
  uint64_t bitserial8_cycles = 0;   // the same array, single-shift, 8 shifts for every tile

  // Adds another program's figures (cycles, tiles and slots add; utilization does not: call
  // set_utilization once the sum is complete).
  LayerCycles& operator+=(const LayerCycles& o);
  // utilization = useful_slots / (Rows x Cols x slots x cycles) on the array `p`.
  void set_utilization(const ArrayParams& p);
};

LayerCycles layer_cycles(const ArrayParams& p, const GemmShape& g,
                         const std::vector<int>& tile_shifts);

}  // namespace swis
