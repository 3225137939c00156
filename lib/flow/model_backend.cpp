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
  // Per tile and group, each column's tokens decode to signed lane weights (Equation 6:
  // w_i = Sign(w_i) sum_j m_i[j] 2^s_j over the group's steps and slots), which then meet every
  // row's activation group in a plain sum: Equation 7 regrouped, the same integers, from the very
  // tokens the RTL takes. A fixed-point token carries the weights themselves.
  const int M = p_.group_size, R = p_.rows, C = p_.cols, S = p_.shifts_per_cycle;
  const auto work = [&](size_t first, size_t step) {
    std::vector<int32_t> weights;  // the current filter tile's decoded weights, [g][c][lane]
    std::vector<int64_t> acc(static_cast<size_t>(R * C));
    const size_t chunk = (prog.tiles.size() + step - 1) / step;
    const ArrayTile* decoded = nullptr;
    for (size_t i = first * chunk; i < std::min(prog.tiles.size(), (first + 1) * chunk); ++i) {
      const ArrayTile& tile = prog.tiles[i];
      const int groups = prog.cfg[i].groups;
      const int steps = p_.steps_per_group(tile.shifts);
      std::fill(acc.begin(), acc.end(), 0);
      // Row blocks of one filter tile follow each other and carry the same tokens: decode once.
      const bool same =
          decoded && decoded->filters == tile.filters && decoded->shifts == tile.shifts;
      if (!same) weights.assign(static_cast<size_t>(groups * C * M), 0);
      for (int g = 0; g < groups; ++g) {
        int32_t* w = &weights[static_cast<size_t>(g * C * M)];
        for (int s = 0; s < steps && !same; ++s) {
          const WeightToken* toks = prog.tok[tok0[i] + static_cast<size_t>(g * steps + s)];
          for (int c = 0; c < C; ++c) {
            const WeightToken& tok = toks[static_cast<size_t>(c)];
            if (p_.fixed_point) {  // the group's int8 weights, one token
              for (int l = 0; l < M; ++l) w[c * M + l] += tok.weight[l];
              continue;
            }
            for (int j = 0; j < S; ++j) {
              for (int l = 0; l < M; ++l) {
                if (tok.slot[j].mask >> l & 1u) {
                  const int32_t v = int32_t{1} << tok.slot[j].shift;
                  w[c * M + l] += (tok.sign >> l & 1u) ? -v : v;
                }
              }
            }
          }
        }
        const ActGroup* acts = prog.act[act0[i] + static_cast<size_t>(g)];
        for (int rr = 0; rr < tile.rows_used; ++rr) {
          const ActGroup& a = acts[static_cast<size_t>(rr)];
          int32_t av[kMaxGroupSize];
          for (int l = 0; l < M; ++l) av[l] = a.value(l);
          for (int c = 0; c < C; ++c) {
            int64_t sum = 0;
            for (int l = 0; l < M; ++l) sum += av[l] * w[c * M + l];
            acc[static_cast<size_t>(rr * C + c)] += sum;
          }
        }
      }
      decoded = &tile;
      for (int rr = 0; rr < tile.rows_used; ++rr) {
        for (int c = 0; c < C; ++c) {
          const int64_t f = tile.filters[static_cast<size_t>(c)];
          if (f >= 0)
            r.y[static_cast<size_t>((tile.row0 + rr) * filters + f)] =
                acc[static_cast<size_t>(rr * C + c)];
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
