// The local search (improve): steps (a) and (b) to a fixed point, then moves of one tile up and
// another down.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "lib/compiler/schedule/schedule_internal.h"

namespace swis {
namespace schedule_detail {
namespace {

constexpr size_t kMaxMoves = 256;  // tile-level moves tried per round of the local search

}  // namespace

// Alternates (a) and (b) to a fixed point, then tries moves of one tile up and another down that
// keep the weighted sum, with the filters re-placed by (b); takes the first that helps and starts
// again. Every accepted step lowers the error, so this ends; the caps only bound the work.
void improve(const Ctx& c, Tiling& t) {
  double error = tiling_error(c, t);
  for (int outer = 0; outer < 200; ++outer) {
    for (int inner = 0; inner < 200; ++inner) {
      Tiling trial = t;
      if (!optimise_levels(c, trial)) break;
      reassign(c, trial);
      const double e = tiling_error(c, trial);
      if (!(e < error - c.tol)) break;
      t = std::move(trial);
      error = e;
    }
    // Raising one tile by m * W_down / g levels and lowering another by m * W_up / g (g the gcd of
    // their weights W) keeps the weighted sum. Tiles of equal weight at equal level are
    // interchangeable under (b), so one of each such kind stands for all of them. Unequal weights
    // can make hundreds of kinds: then only the kMaxMoves smallest moves are tried.
    const std::vector<int64_t> units = tile_units(c, t);
    std::map<std::pair<int64_t, int>, std::vector<int>> kinds;  // (units, level) -> tiles
    for (int i = 0; i < c.tiles; ++i) {
      auto& same = kinds[{units[i], t.level[i]}];
      if (same.size() < 2) same.push_back(i);
    }
    struct Move {
      int64_t size, up, down, rise, fall;
    };
    std::vector<Move> moves;
    for (const auto& [up_key, up_tiles] : kinds) {
      for (const auto& [down_key, down_tiles] : kinds) {
        const bool same_kind = up_key == down_key;
        if (same_kind && down_tiles.size() < 2) continue;
        const int up = up_tiles[0];
        const int down = same_kind ? down_tiles[1] : down_tiles[0];
        const int64_t g = std::gcd(up_key.first, down_key.first);
        const int64_t rise = down_key.first / g, fall = up_key.first / g;
        for (int64_t m = 1; t.level[up] + m * rise <= c.top() && t.level[down] - m * fall >= 0;
             ++m) {
          moves.push_back({m * (rise + fall), up, down, m * rise, m * fall});
        }
      }
    }
    std::stable_sort(moves.begin(), moves.end(),
                     [](const Move& a, const Move& b) { return a.size < b.size; });
    if (moves.size() > kMaxMoves) moves.resize(kMaxMoves);
    std::optional<Tiling> better;
    double better_error = error - c.tol;
    for (const Move& m : moves) {
      Tiling trial = t;
      trial.level[m.up] += static_cast<int>(m.rise);
      trial.level[m.down] -= static_cast<int>(m.fall);
      reassign(c, trial);
      const double e = tiling_error(c, trial);
      if (e < better_error) {
        better_error = e;
        better = std::move(trial);
        break;
      }
    }
    if (!better) break;
    t = std::move(*better);
    error = better_error;
  }
}

}  // namespace schedule_detail
}  // namespace swis
