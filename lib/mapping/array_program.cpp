#include "lib/mapping/array_program.h"

#include <stdexcept>
#include <string>

namespace swis {

int GemmOperands::act_value(int64_t p, int64_t g, int i) const {
  const uint8_t code = act[static_cast<size_t>((p * groups + g) * group_size + i)];
  return act_signed ? static_cast<int8_t>(code) : code;
}

GemmOperands GemmOperands::from_packed(const PackedLayer& packed) {
  GemmOperands ops;
  ops.groups = packed.groups_per_filter;
  ops.group_size = packed.group_size;
  ops.filters = packed.filters;
  ops.q = packed.q;
  ops.set = packed.set;
  ops.filter_shifts = packed.filter_shifts;
  ops.order = packed.order;
  return ops;
}

std::vector<uint64_t> ArrayProgram::tile_steps() const {
  std::vector<uint64_t> s;
  for (const auto& t : tiles) s.push_back(t.steps);
  return s;
}

ArrayProgram program_gemm(const ArrayParams& p, const GemmOperands& ops) {
  ArrayProgram prog;
  program_gemm(p, ops, prog);
  return prog;
}

void program_gemm(const ArrayParams& p, const GemmOperands& ops, ArrayProgram& prog) {
  const int M = ops.group_size, R = p.rows, C = p.cols, S = p.shifts_per_cycle;
  if (M != p.group_size) {
    throw std::invalid_argument("weights are grouped by " + std::to_string(M) + ", the array by " +
                                std::to_string(p.group_size));
  }
  if (ops.groups < 1 || ops.groups > p.max_groups()) {
    throw std::invalid_argument("a reduction of " + std::to_string(ops.groups) +
                                " groups exceeds the array's " + std::to_string(p.max_groups()) +
                                " (accumulator bound " +
                                std::to_string(max_reduction(p.acc_width)) + " weights)");
  }
  if (ops.rows < 1 || ops.filters < 1 || static_cast<int64_t>(ops.order.size()) != ops.filters ||
      static_cast<int64_t>(ops.act.size()) != ops.rows * ops.groups * M ||
      static_cast<int64_t>(ops.q.size()) != ops.filters * ops.groups * M) {
    throw std::invalid_argument("GEMM operands have inconsistent sizes");
  }
  prog.tiles.clear();
  prog.cfg.clear();
  prog.act.data.clear();
  prog.tok.data.clear();
  prog.useful_slots = 0;
  const int64_t filter_tiles = (ops.filters + C - 1) / C;
  const int64_t row_blocks = (ops.rows + R - 1) / R;
  // The streams' lengths are known: reserve them (a network's layers have millions of beats).
  size_t tok_beats = 0;
  for (int64_t ft = 0; ft < filter_tiles; ++ft) {
    tok_beats += static_cast<size_t>(row_blocks * ops.groups *
                                     p.steps_per_group(ops.filter_shifts[ops.order[ft * C]]));
  }
  if (p.fixed_point) {
    for (const int16_t w : ops.q) {
      if (w < -128 || w > 127) {
        throw std::invalid_argument("a fixed-point array takes int8 weights, not " +
                                    std::to_string(w));
      }
    }
  }
  prog.tiles.reserve(static_cast<size_t>(filter_tiles * row_blocks));
  prog.cfg.reserve(prog.tiles.capacity());
  prog.act.width = R;
  prog.tok.width = C;
  prog.act.data.reserve(static_cast<size_t>(filter_tiles * row_blocks * ops.groups * R));
  prog.tok.data.reserve(tok_beats * static_cast<size_t>(C));
  for (int64_t ft = 0; ft < filter_tiles; ++ft) {
    ArrayTile base;
    // A fixed-point tile has one step per group whatever the shifts: N is recorded as 1.
    base.shifts = p.fixed_point ? 1 : ops.filter_shifts[ops.order[ft * C]];
    for (int c = 0; c < C; ++c) {
      const int64_t pos = ft * C + c;
      const int64_t f = pos < ops.filters ? static_cast<int64_t>(ops.order[pos]) : -1;
      if (!p.fixed_point && f >= 0 && ops.filter_shifts[f] != base.shifts) {
        throw std::invalid_argument("filters of one tile must share one number of shifts");
      }
      base.filters.push_back(f);
    }
    const int steps_per_group = p.steps_per_group(base.shifts);
    base.steps = static_cast<uint64_t>(ops.groups) * steps_per_group;
    const int cols_used = static_cast<int>(std::min<int64_t>(C, ops.filters - ft * C));
    // The filter tile's tokens, the same for each of its row blocks: per group, per step, the
    // group's shift positions ascending, per column.
    std::vector<WeightToken> tile_tok(static_cast<size_t>(ops.groups * steps_per_group * C));
    for (int64_t g = 0; g < ops.groups; ++g) {
      for (int c = 0; c < C; ++c) {
        const int64_t f = base.filters[c];
        if (f < 0) continue;  // padding column: empty masks
        const int64_t gi = f * ops.groups + g;
        if (p.fixed_point) {  // one token of the group's M int8 weights
          WeightToken& tok = tile_tok[static_cast<size_t>(g * C + c)];
          for (int i = 0; i < M; ++i) {
            tok.weight[i] = static_cast<int8_t>(ops.q[static_cast<size_t>(gi * M + i)]);
          }
          continue;
        }
        int shifts[8], n = 0;
        for (int s = 0; s < 8; ++s) {
          if (ops.set[gi] >> s & 1) shifts[n++] = s;
        }
        uint32_t sign = 0;
        for (int i = 0; i < M; ++i) {
          if (ops.q[static_cast<size_t>(gi * M + i)] < 0) sign |= 1u << i;
        }
        for (int j = 0; j < steps_per_group; ++j) {
          WeightToken& tok = tile_tok[static_cast<size_t>((g * steps_per_group + j) * C + c)];
          tok.sign = sign;
          for (int s = 0; s < S; ++s) {
            const int k = j * S + s;
            if (k >= n) continue;  // the empty slot of an odd N
            tok.slot[s].shift = shifts[k];
            for (int i = 0; i < M; ++i) {
              const int mag = std::abs(ops.q[static_cast<size_t>(gi * M + i)]);
              tok.slot[s].mask |= static_cast<uint32_t>(mag >> shifts[k] & 1) << i;
            }
          }
        }
      }
    }
    for (int64_t rb = 0; rb < row_blocks; ++rb) {
      ArrayTile t = base;
      t.row0 = rb * R;
      t.rows_used = static_cast<int>(std::min<int64_t>(R, ops.rows - t.row0));
      prog.useful_slots += static_cast<uint64_t>(t.rows_used) * cols_used * ops.groups * t.shifts;
      prog.cfg.push_back(CfgBeat{t.shifts, static_cast<int>(ops.groups), ops.act_signed});
      for (int64_t g = 0; g < ops.groups; ++g) {
        ActGroup* beat = prog.act.add();
        for (int r = 0; r < R; ++r) beat[r].is_signed = ops.act_signed;
        for (int r = 0; r < t.rows_used; ++r) {
          for (int i = 0; i < M; ++i) {
            beat[r].lane[i] = ops.act[static_cast<size_t>(((t.row0 + r) * ops.groups + g) * M + i)];
          }
        }
      }
      prog.tok.data.insert(prog.tok.data.end(), tile_tok.begin(), tile_tok.end());
      prog.tiles.push_back(std::move(t));
    }
  }
}

std::vector<int64_t> reference_gemm(const GemmOperands& ops) {
  std::vector<int64_t> y(static_cast<size_t>(ops.rows * ops.filters), 0);
  const int64_t K = ops.groups * ops.group_size;
  for (int64_t p = 0; p < ops.rows; ++p) {
    for (int64_t f = 0; f < ops.filters; ++f) {
      int64_t sum = 0;
      for (int64_t k = 0; k < K; ++k) {
        const int a = ops.act_signed ? static_cast<int8_t>(ops.act[static_cast<size_t>(p * K + k)])
                                     : ops.act[static_cast<size_t>(p * K + k)];
        sum += int64_t{a} * ops.q[static_cast<size_t>(f * K + k)];
      }
      y[static_cast<size_t>(p * ops.filters + f)] = sum;
    }
  }
  return y;
}

ResultCollector::ResultCollector(const ArrayParams& p, const ArrayProgram& prog, int64_t rows,
                                 int64_t filters)
    : p_(p), prog_(prog), filters_(filters) {
  y_.assign(static_cast<size_t>(rows * filters), 0);
  seen_.assign(y_.size(), 0);
  expected_ = rows * filters;
}

void ResultCollector::take(const ResultBeat& beat) {
  // Each tile yields Cols beats, columns 0 to Cols-1, tiles in order: the beat's own tile
  // number (modulo 2^tile_width) and column must say the same.
  const int64_t tile = beats_ / p_.cols;
  const int want_col = static_cast<int>(beats_ % p_.cols);
  ++beats_;
  if (tile >= static_cast<int64_t>(prog_.tiles.size())) {
    throw std::runtime_error("result beat " + std::to_string(beats_ - 1) + " is past the last of " +
                             std::to_string(prog_.tiles.size()) + " tiles");
  }
  if (beat.tile != static_cast<int>(tile % (int64_t{1} << p_.tile_width)) || beat.col != want_col) {
    throw std::runtime_error("result beat " + std::to_string(beats_ - 1) + " says tile " +
                             std::to_string(beat.tile) + " column " + std::to_string(beat.col) +
                             ", expected tile " + std::to_string(tile) + " column " +
                             std::to_string(want_col));
  }
  const ArrayTile& t = prog_.tiles[static_cast<size_t>(tile)];
  const int64_t f = t.filters[static_cast<size_t>(beat.col)];
  if (f < 0) return;  // a padding column
  for (int r = 0; r < t.rows_used; ++r) {
    const int64_t prow = t.row0 + r;
    const size_t idx = static_cast<size_t>(prow * filters_ + f);
    if (seen_[idx]) {
      throw std::runtime_error("result (row " + std::to_string(prow) + ", filter " +
                               std::to_string(f) + ") arrived twice (tile " + std::to_string(tile) +
                               ")");
    }
    seen_[idx] = 1;
    y_[idx] = beat.data[static_cast<size_t>(r)];
    ++received_;
  }
}

}  // namespace swis
