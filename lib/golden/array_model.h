// Cycle-accurate golden model of swis_array: the edge controller, the row and column skew,
// a grid of PE models, and the column-by-column read-out of their result registers. It predicts
// every port and every PE's accumulator on every cycle. The timing contract it implements
// is the one stated at the top of rtl/swis_array.v.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "lib/golden/hw_config.h"
#include "lib/golden/pe_model.h"

namespace swis {

struct ArrayParams {
  int rows = 8;
  int cols = 8;
  int group_size = 4;
  int shifts_per_cycle = 2;
  int acc_width = 32;
  int groups_width = 13;     // G per tile < 2^groups_width
  int tile_width = 16;       // tile sequence number on result beats
  bool fixed_point = false;  // fxp_pe (one 8-bit weight beat per group), not swis_pe

  static ArrayParams from_config(const HwConfig& config);
  void validate() const;
  // Fewest cycles between two tiles' last steps: a tile's column c leaves Rows + c cycles
  // after its last step, and the next tile's last step waits for the last column.
  int drain_cycles() const { return rows + cols; }
  // Result beats per tile: one per column.
  int beats_per_tile() const { return cols; }
  int max_groups() const;  // largest G: the field width and the accumulator bound
  PeParams pe() const {
    return fixed_point ? PeParams{PeKind::kFixedPoint, group_size, 1, acc_width}
                       : PeParams{PeKind::kSwis, group_size, shifts_per_cycle, acc_width};
  }
  // Steps of one group: ceil(N / slots) for SWIS, one for fixed point (N is not used).
  int steps_per_group(int shifts) const {
    return fixed_point ? 1 : (shifts + shifts_per_cycle - 1) / shifts_per_cycle;
  }
  std::string describe() const;
};

// What the environment drives in one cycle.
struct ArrayInputs {
  bool cfg_valid = false;
  int cfg_shifts = 1;
  int cfg_groups = 1;
  bool cfg_act_signed = true;
  bool act_valid = false;
  std::vector<ActGroup> act;  // one per row (is_signed unused: the tile's format applies)
  bool tok_valid = false;
  std::vector<WeightToken> tok;  // one per column: sign and slots (flags are the array's)
  bool res_ready = true;
};

struct ResultBeat {
  int tile = 0;  // tile sequence number, modulo 2^tile_width
  int col = 0;
  std::vector<int64_t> data;  // one per row
};

// What the array shows in one cycle, before the clock edge.
struct ArrayOutputs {
  bool cfg_ready = false;
  bool act_ready = false;
  bool tok_ready = false;
  bool res_valid = false;
  ResultBeat res;
  uint64_t busy = 0, stall = 0, idle = 0;
};

class ArrayModel {
 public:
  explicit ArrayModel(const ArrayParams& params);
  void reset();

  // The outputs of the current cycle for these inputs (ready signals depend on valids).
  // Fills `o` in place (this runs every cycle: no allocation once `o` has its size).
  void outputs(const ArrayInputs& in, ArrayOutputs& o) const;
  ArrayOutputs outputs(const ArrayInputs& in) const {
    ArrayOutputs o;
    outputs(in, o);
    return o;
  }
  // One rising clock edge.
  void clock(const ArrayInputs& in);

  const ArrayParams& params() const { return p_; }
  const PeModel& pe(int r, int c) const { return pes_[static_cast<size_t>(r * p_.cols + c)]; }
  uint64_t cycle() const { return cycle_; }

  // Which step the edge injected in an earlier cycle, for failure reports: a token takes
  // r + c cycles to reach PE (r, c). Kept for the last Rows + Cols + 2 cycles.
  struct Injection {
    bool fired = false;
    int64_t tile = -1;  // tiles started since reset, from 0
    int group = 0;
    int step = 0;
  };
  Injection injected_at(uint64_t cycle) const;

 private:
  struct Control {
    bool step_ready, held_back, fire, group_start, tile_end;
  };
  Control control(const ArrayInputs& in) const;

  // A fixed-length delay line: push() enters a value, oldest() is what leaves this cycle.
  template <class T>
  struct Delay {
    std::vector<T> slot;
    size_t head = 0;
    const T& oldest() const { return slot[head]; }
    void push(const T& v) {
      slot[head] = v;
      head = head + 1 == slot.size() ? 0 : head + 1;
    }
  };

  ArrayParams p_;
  uint64_t cycle_ = 0;
  // Edge controller.
  bool cur_valid_ = false;
  int cur_shifts_ = 1, cur_groups_ = 1;
  bool cur_signed_ = false;
  int group_ = 0, step_ = 0;
  std::vector<ActGroup> act_hold_;
  bool drain_ = false;  // a tile's results are on their way out, not all popped
  uint64_t busy_ = 0, stall_ = 0, idle_ = 0;
  // Skew lines: row r (r >= 1) delays activations by r, column c (c >= 1) tokens by c.
  std::vector<Delay<ActGroup>> act_skew_;
  std::vector<Delay<WeightToken>> tok_skew_;
  std::vector<PeModel> pes_;
  std::vector<uint8_t> loaded_;  // per column: holds a tile's results not yet popped
  int out_col_ = 0;              // the column presented next
  int out_tile_ = 0;
  bool col_done(int c) const;
  int64_t tiles_started_ = 0;
  Delay<Injection> history_;
  // Per-cycle scratch, kept to avoid allocating every cycle.
  std::vector<ActGroup> edge_act_;
  std::vector<WeightToken> edge_tok_;
};

// Cycles from the first cycle after reset to the last result beat, inclusive, when every
// input is always valid and the result stream always ready, for tiles of `steps[i]` steps
// each (G x ceil(N / slots), or G for fixed point): the first tile's steps, then per further
// tile the larger of its steps and drain_cycles() (the drain stall), then the fill and
// drain, Rows + Cols.
uint64_t closed_form_cycles(const ArrayParams& p, const std::vector<uint64_t>& steps);

}  // namespace swis
