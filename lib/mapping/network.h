// Per-layer cycle figures of the array for a whole network (`swis perf`): the per-tile N for a
// fractional target without weights, and layer_cycles summed over the independent GEMMs of a
// layer of a topology (lib/formats/topology.h).
#pragma once

#include <cstdint>
#include <vector>

#include "lib/compiler/schedule.h"
#include "lib/formats/topology.h"
#include "lib/golden/array_model.h"
#include "lib/mapping/conv.h"
#include "lib/mapping/cycles.h"

namespace swis {

// One instance of a topology layer as the array sees it.
GemmShape gemm_shape(const TopologyLayer& layer, int group_size);

// The per-tile N of a layer of `instances` x ceil(F / cols) tiles (instance-major; in each
// instance tile t holds filters t*cols.., the last one F mod cols when that is not zero) that
// makes the filter-weighted average of N exactly `target` (every filter of a layer carries the
// same number of weights, so this is the weight-weighted average) with the fewest distinct N:
// one level when T is allowed, else the allowed levels just below and above T (SS: any of
// 1..8; DS: even N only), as many filters at the higher as the average needs, full tiles
// before partial ones, and the high tiles last. Throws ScheduleError (one line) when no such
// split exists: T out of range, or the filters needed at the higher level are not a whole
// number or not a sum of tile sizes.
std::vector<int> target_tile_shifts(int64_t filters, int64_t instances, int cols,
                                    const TargetRatio& target, bool double_shift);

// A layer's cycles: layer_cycles for each instance, added up (each instance is a program of its
// own, with its own fill and drain, as SCALE-Sim v2 runs each channel of a depthwise layer).
constexpr int64_t kMaxPerfTiles = int64_t{1} << 26;

struct LayerPerf {
  LayerCycles total;                     // summed over instances; utilization recomputed
  LayerCycles first;                     // instance 0 alone (what --verify runs)
  std::vector<int> first_shifts;         // instance 0's per-tile N
  std::vector<int64_t> filter_tiles_at;  // [n]: filter tiles (all instances) at N = n, 0..8
  std::vector<int64_t> filters_at;       // [n]: filters (all instances) at N = n
};

// `tile_shifts` holds instances x ceil(F / cols) entries, instance-major. Throws
// std::invalid_argument (one line naming the layer) if G exceeds what one tile can hold
// (ArrayParams::max_groups) or the layer has more than kMaxPerfTiles tiles.
LayerPerf layer_perf(const ArrayParams& p, const TopologyLayer& layer,
                     const std::vector<int>& tile_shifts);

}  // namespace swis
