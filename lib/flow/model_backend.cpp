#include "lib/flow/model_backend.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "lib/golden/pe_model.h"

namespace swis {

ModelBackend::ModelBackend(const ArrayParams& p, int threads)
    : p_(p), name_("model " + p.describe()), threads_(std::max(1, threads)) {}

ArrayRun ModelBackend::run(const ArrayProgram& prog, int64_t rows, int64_t filters) {
  ArrayRun r;
  r.y.assign(static_cast<size_t>(rows * filters), 0);
  // Offsets of each tile's beats in the program's streams.
  std::vector<size_t> act0(prog.tiles.size()), tok0(prog.tiles.size());
  size_t a = 0, t = 0;
  for (size_t i = 0; i < prog.tiles.size(); ++i) {
    act0[i] = a;
    tok0[i] = t;
    const uint64_t groups = static_cast<uint64_t>(prog.cfg[i].groups);
    a += groups;
    t += prog.tiles[i].steps;
  }
  const auto work = [&](size_t first, size_t step) {
    for (size_t i = first; i < prog.tiles.size(); i += step) {
      const ArrayTile& tile = prog.tiles[i];
      const int groups = prog.cfg[i].groups;
      const int steps = p_.steps_per_group(tile.shifts);
      for (int rr = 0; rr < tile.rows_used; ++rr) {
        for (int c = 0; c < p_.cols; ++c) {
          const int64_t f = tile.filters[static_cast<size_t>(c)];
          if (f < 0) continue;
          int64_t acc = 0;
          for (int g = 0; g < groups; ++g) {
            const ActGroup& act = prog.act[act0[i] + static_cast<size_t>(g)][static_cast<size_t>(rr)];
            for (int s = 0; s < steps; ++s) {
              const WeightToken& tok =
                  prog.tok[tok0[i] + static_cast<size_t>(g * steps + s)][static_cast<size_t>(c)];
              acc += swis_contribution(p_.group_size, p_.shifts_per_cycle, act, tok);
            }
          }
          r.y[static_cast<size_t>((tile.row0 + rr) * filters + f)] = acc;
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int k = 1; k < threads_; ++k) pool.emplace_back(work, static_cast<size_t>(k), threads_);
  work(0, static_cast<size_t>(threads_));
  for (auto& th : pool) th.join();
  r.cycles = closed_form_cycles(p_, prog.tile_steps());
  r.complete = true;
  return r;
}

}  // namespace swis
