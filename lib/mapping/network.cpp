#include "lib/mapping/network.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>

namespace swis {

GemmShape gemm_shape(const TopologyLayer& layer, int M) {
  if (!layer.is_gemm) return gemm_shape(layer.conv, M);
  GemmShape g;
  g.rows = layer.m;
  g.groups = (layer.k + M - 1) / M;
  g.filters = layer.n;
  g.macs = layer.m * layer.n * layer.k;
  return g;
}

namespace {

std::string ratio_text(const TargetRatio& t) {
  if (t.den == 1) return std::to_string(t.num);
  std::ostringstream os;
  os.precision(12);
  os << static_cast<double>(t.num) / static_cast<double>(t.den);
  return os.str();
}

}  // namespace

std::vector<int> target_tile_shifts(int64_t filters, int64_t instances, int cols,
                                    const TargetRatio& t, bool double_shift) {
  if (filters < 1 || instances < 1 || cols < 1 || t.den < 1) {
    throw std::invalid_argument("target_tile_shifts: empty layer or array");
  }
  const std::string T = ratio_text(t);
  const int lowest = double_shift ? 2 : 1, step = double_shift ? 2 : 1;
  if (t.num > kMaxScheduleShifts * t.den) {
    throw ScheduleError("target " + T + " is above 8, the most a tile can take");
  }
  if (t.num < lowest * t.den) {
    throw ScheduleError("target " + T + " is below " + std::to_string(lowest) + ", the least a " +
                        (double_shift ? "double-shift " : "") + "tile can take");
  }
  const int64_t filter_tiles = (filters + cols - 1) / cols;
  const int64_t last = filters - (filter_tiles - 1) * cols;  // filters of the last tile
  const int lo = lowest + static_cast<int>(step * ((t.num - lowest * t.den) / (step * t.den)));
  std::vector<int> shifts(static_cast<size_t>(instances * filter_tiles), lo);
  if (t.num == lo * t.den) return shifts;
  const int hi = lo + step;
  // lo * F + (hi - lo) * H = T * F, so H = F * (T - lo) / step, kept in int64_t by cancelling
  // the gcd of F and the denominator first.
  const int64_t total = filters * instances;
  const int64_t excess = t.num - lo * t.den;  // (T - lo) * den, in (0, step * den)
  const int64_t den = t.den * step;
  const int64_t g = std::gcd(total, den);
  const std::string cannot = "target " + T + " cannot be met exactly: ";
  const std::string split =
      " at N = " + std::to_string(hi) + " (the rest at N = " + std::to_string(lo) + ")";
  if (excess % (den / g) != 0) {
    throw ScheduleError(cannot + std::to_string(total) + " filters x (" + T + " - " +
                        std::to_string(lo) + ") / " + std::to_string(step) +
                        " is not a whole number of filters" + split);
  }
  const int64_t high = (total / g) * (excess / (den / g));
  const bool partial = last != cols;
  const int64_t full_tiles = instances * (filter_tiles - (partial ? 1 : 0));
  const int64_t partial_tiles = partial ? instances : 0;
  // Fewest high tiles: as few partial ones as possible.
  int64_t a = -1, b = 0;
  for (; b <= partial_tiles; ++b) {
    const int64_t rest = high - b * last;
    if (rest < 0) break;
    if (rest % cols == 0 && rest / cols <= full_tiles) {
      a = rest / cols;
      break;
    }
  }
  if (a < 0) {
    throw ScheduleError(cannot + "it needs " + std::to_string(high) + " of " +
                        std::to_string(total) + " filters" + split + ", and tiles of " +
                        std::to_string(cols) + " filters" +
                        (partial ? " (" + std::to_string(last) + " in the last)" : "") +
                        " cannot make " + std::to_string(high));
  }
  // The last a full tiles and the last b partial tiles (instance-major order) go high.
  for (int64_t i = instances * filter_tiles - 1; i >= 0 && (a > 0 || b > 0); --i) {
    const bool is_partial = partial && i % filter_tiles == filter_tiles - 1;
    int64_t& left = is_partial ? b : a;
    if (left > 0) {
      shifts[static_cast<size_t>(i)] = hi;
      --left;
    }
  }
  return shifts;
}

LayerPerf layer_perf(const ArrayParams& p, const TopologyLayer& layer,
                     const std::vector<int>& tile_shifts) {
  const GemmShape g = gemm_shape(layer, p.group_size);
  const int64_t filter_tiles = (g.filters + p.cols - 1) / p.cols;
  const int64_t row_blocks = (g.rows + p.rows - 1) / p.rows;
  const std::string where = "layer " + layer.name;
  if (g.groups > p.max_groups()) {
    throw std::invalid_argument(where + ": G = " + std::to_string(g.groups) +
                                " groups per output, more than one tile holds (" +
                                std::to_string(p.max_groups()) + ")");
  }
  if (row_blocks * filter_tiles > kMaxPerfTiles / layer.instances) {
    throw std::invalid_argument(where + ": more than " + std::to_string(kMaxPerfTiles) +
                                " tiles, beyond what swis perf models");
  }
  if (static_cast<int64_t>(tile_shifts.size()) != layer.instances * filter_tiles) {
    throw std::invalid_argument(where + ": " + std::to_string(layer.instances * filter_tiles) +
                                " tile N needed, got " + std::to_string(tile_shifts.size()));
  }
  for (int n : tile_shifts) {
    if (n < 1 || n > kMaxScheduleShifts) {
      throw std::invalid_argument(where + ": N = " + std::to_string(n) + " is not in 1..8");
    }
  }
  LayerPerf lp;
  lp.filter_tiles_at.assign(kMaxScheduleShifts + 1, 0);
  lp.filters_at.assign(kMaxScheduleShifts + 1, 0);
  // Depthwise layers repeat one shape many times, mostly with the same tile N: compute each
  // distinct list once.
  std::map<std::vector<int>, LayerCycles> seen;
  for (int64_t i = 0; i < layer.instances; ++i) {
    const std::vector<int> mine(tile_shifts.begin() + i * filter_tiles,
                                tile_shifts.begin() + (i + 1) * filter_tiles);
    auto it = seen.find(mine);
    if (it == seen.end()) it = seen.emplace(mine, layer_cycles(p, g, mine)).first;
    const LayerCycles& c = it->second;
    if (i == 0) {
      lp.first = c;
      lp.first_shifts = mine;
    }
    lp.total += c;
    for (int64_t t = 0; t < filter_tiles; ++t) {
      const int n = mine[static_cast<size_t>(t)];
      ++lp.filter_tiles_at[n];
      lp.filters_at[n] += std::min<int64_t>(p.cols, g.filters - t * p.cols);
    }
  }
  lp.total.set_utilization(p);
  return lp;
}

}  // namespace swis
