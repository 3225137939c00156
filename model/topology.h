// Network topologies in SCALE-Sim's CSV format, and the per-layer cycle figures of the array
// for a whole network (`swis perf`): the per-tile N for a fractional target without weights,
// and layer_cycles summed over the independent GEMMs of a layer.
//
// Two layouts, told apart by the header line (topologies/README.md has the details):
//   convolution  Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
//                Num Filter, Strides,
//   GEMM         Layer, M, N, K,   (SCALE-Sim v2's mnk input: an M x K by K x N product, so
//                P = M output rows, K the reduction, F = N filters)
// IFMAP sizes include the padding (there is no pad column): P = Ho * Wo with
// Ho = (H - kh) / stride + 1 rounded down. A convolution whose name contains "DP" is
// depthwise, as SCALE-Sim v2 reads it: Channels independent one-channel convolutions of
// Num Filter filters each.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/array_model.h"
#include "model/conv.h"
#include "model/schedule.h"

namespace swis {

// A malformed topology file. The message is one line, "FILE:LINE: what is wrong".
class TopologyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TopologyLayer {
  std::string name;
  int line = 0;                 // 1-based line of the file
  bool is_gemm = false;         // a `Layer, M, N, K` row
  bool depthwise = false;       // a convolution named *DP*: `instances` one-channel convolutions
  ConvShape conv;               // convolution rows; for depthwise ones a single channel (pad 0)
  int64_t m = 0, n = 0, k = 0;  // GEMM rows, as written
  int64_t instances = 1;        // independent GEMMs of the same shape (depthwise: Channels)

  // One instance as the array sees it.
  GemmShape gemm(int group_size) const;
  // Real weights of one filter (the weight each filter's N carries in the average).
  int64_t weights_per_filter() const;
  int64_t macs() const;  // all instances
};

struct Topology {
  std::string path;
  bool gemm_layout = false;
  std::vector<TopologyLayer> layers;
  int64_t macs() const;
};

// Tolerates spaces and tabs around fields, trailing commas, CRLF, blank lines, a UTF-8 BOM and
// `#` comments (SCALE-Sim's own files end some rows with `,#dw`). Throws TopologyError naming
// `path` and the line for anything else.
Topology parse_topology(const std::string& text, const std::string& path);
Topology read_topology(const std::string& path);

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
