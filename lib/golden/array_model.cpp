#include "lib/golden/array_model.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace swis {

ArrayParams ArrayParams::from_config(const HwConfig& c) {
  if (c.top != "swis_array") {
    throw std::invalid_argument("configuration " + c.name + " is not an array (top " + c.top + ")");
  }
  ArrayParams p;
  p.rows = static_cast<int>(c.param("Rows"));
  p.cols = static_cast<int>(c.param("Cols"));
  p.group_size = static_cast<int>(c.param("GroupSize"));
  p.shifts_per_cycle = static_cast<int>(c.param("ShiftsPerCycle"));
  p.acc_width = static_cast<int>(c.param("AccWidth"));
  if (c.has_param("GroupsWidth")) p.groups_width = static_cast<int>(c.param("GroupsWidth"));
  p.validate();
  return p;
}

void ArrayParams::validate() const {
  if (rows < 1 || rows > 64 || cols < 1 || cols > 64) {
    throw std::invalid_argument("array rows and columns must be in [1, 64]");
  }
  if (groups_width < 1 || groups_width > 24)
    throw std::invalid_argument("groups width out of range");
  pe().validate();
}

int ArrayParams::max_groups() const {
  const int64_t by_field = (int64_t{1} << groups_width) - 1;
  const int64_t by_bound = max_reduction(acc_width) / group_size;
  return static_cast<int>(std::min(by_field, by_bound));
}

std::string ArrayParams::describe() const {
  std::ostringstream os;
  os << rows << "x" << cols << " " << (shifts_per_cycle == 1 ? "single-shift" : "double-shift")
     << " M=" << group_size;
  return os.str();
}

ArrayModel::ArrayModel(const ArrayParams& params) : p_(params) {
  p_.validate();
  reset();
}

void ArrayModel::reset() {
  const int R = p_.rows, C = p_.cols;
  cycle_ = 0;
  cur_valid_ = false;
  cur_shifts_ = 1;
  cur_groups_ = 1;
  cur_signed_ = false;
  group_ = step_ = 0;
  // Registers reset to zero: an all-zero uint8 activation and no token.
  ActGroup zero;
  zero.is_signed = false;
  act_hold_.assign(static_cast<size_t>(R), zero);
  gap_ = pending_ = 0;
  busy_ = stall_ = idle_ = 0;
  act_skew_.assign(static_cast<size_t>(R), {});
  for (int r = 0; r < R; ++r) act_skew_[r].slot.assign(static_cast<size_t>(r), zero);
  tok_skew_.assign(static_cast<size_t>(C), {});
  for (int c = 0; c < C; ++c) tok_skew_[c].slot.assign(static_cast<size_t>(c), WeightToken{});
  pes_.assign(static_cast<size_t>(R * C), PeModel(p_.pe()));
  drain_.assign(static_cast<size_t>(R * C), {false, 0});
  deskew_.assign(static_cast<size_t>(C), {});
  for (int c = 0; c < C; ++c) deskew_[c].slot.assign(static_cast<size_t>(C - 1 - c), {false, 0});
  out_row_ = R - 1;
  out_tile_ = 0;
  fifo_.assign(static_cast<size_t>(p_.out_depth()),
               ResultBeat{0, 0, std::vector<int64_t>(static_cast<size_t>(C))});
  fifo_head_ = fifo_count_ = 0;
  tiles_started_ = 0;
  history_.slot.assign(static_cast<size_t>(R + C + 2), Injection{});
  history_.head = 0;
  edge_act_.assign(static_cast<size_t>(R), zero);
  edge_tok_.assign(static_cast<size_t>(C), WeightToken{});
}

ArrayModel::Control ArrayModel::control(const ArrayInputs& in) const {
  Control k;
  const int spg = p_.steps_per_group(cur_shifts_);
  k.group_start = step_ == 0;
  const bool group_end = step_ == spg - 1;
  k.tile_end = group_end && group_ == cur_groups_ - 1;
  const int credits = p_.out_depth() - static_cast<int>(fifo_count_) - pending_;
  k.held_back = k.tile_end && (gap_ != 0 || credits < p_.rows);
  k.step_ready = cur_valid_ && in.tok_valid && (!k.group_start || in.act_valid);
  k.fire = k.step_ready && !k.held_back;
  // Column 0's de-skewed drain output: the row that enters the FIFO this cycle.
  const auto& d0 = deskew_[0].slot.empty() ? drain_[static_cast<size_t>((p_.rows - 1) * p_.cols)]
                                           : deskew_[0].oldest();
  k.fifo_push = d0.first;
  return k;
}

void ArrayModel::outputs(const ArrayInputs& in, ArrayOutputs& o) const {
  const Control k = control(in);
  o.tok_ready = k.fire;
  o.act_ready = k.fire && k.group_start;
  o.cfg_ready = !cur_valid_ || (k.fire && k.tile_end);
  o.res_valid = fifo_count_ != 0;
  if (o.res_valid) {
    const ResultBeat& b = fifo_[fifo_head_];
    o.res.tile = b.tile;
    o.res.row = b.row;
    o.res.data.assign(b.data.begin(), b.data.end());
  }
  o.busy = busy_;
  o.stall = stall_;
  o.idle = idle_;
}

ArrayModel::Injection ArrayModel::injected_at(uint64_t cycle) const {
  const size_t n = history_.slot.size();
  if (cycle >= cycle_ || cycle_ - 1 - cycle >= n) return Injection{};
  // history_.head is the oldest entry; the newest (cycle_ - 1) sits just before it.
  const size_t back = static_cast<size_t>(cycle_ - 1 - cycle);
  return history_.slot[(history_.head + n - 1 - back) % n];
}

void ArrayModel::clock(const ArrayInputs& in) {
  const Control k = control(in);
  const int R = p_.rows, C = p_.cols;

  // --- What enters the skew lines this cycle.
  for (int r = 0; r < R; ++r) {
    edge_act_[r] = k.group_start ? in.act[r] : act_hold_[r];
    edge_act_[r].is_signed = cur_signed_;
  }
  for (int c = 0; c < C; ++c) {
    WeightToken& t = edge_tok_[c];
    t = in.tok[c];
    t.valid = k.fire;
    t.first = k.fire && k.group_start && group_ == 0;
    t.last = k.fire && k.tile_end;
  }

  // --- Output side, from this cycle's registers (PEs not yet clocked): FIFO, de-skew, drain.
  const bool pop = fifo_count_ != 0 && in.res_ready;
  const bool full = fifo_count_ == fifo_.size();
  if (k.fifo_push && !full) {
    ResultBeat& b = fifo_[(fifo_head_ + fifo_count_) % fifo_.size()];
    b.tile = out_tile_;
    b.row = out_row_;
    for (int c = 0; c < C; ++c) {
      const auto& d = deskew_[c].slot.empty() ? drain_[static_cast<size_t>((R - 1) * C + c)]
                                              : deskew_[c].oldest();
      b.data[c] = d.second;
    }
  }
  if (pop) {
    fifo_head_ = (fifo_head_ + 1) % fifo_.size();
    --fifo_count_;
  }
  if (k.fifo_push && !full) ++fifo_count_;
  if (k.fifo_push) {
    out_tile_ = out_row_ == 0 ? (out_tile_ + 1) % (1 << p_.tile_width) : out_tile_;
    out_row_ = out_row_ == 0 ? R - 1 : out_row_ - 1;
  }
  for (int c = 0; c < C; ++c) {
    if (!deskew_[c].slot.empty()) deskew_[c].push(drain_[static_cast<size_t>((R - 1) * C + c)]);
    // Bottom-up, so that each stage still reads the old value of the one above it.
    const bool capture = pe(R - 1, c).out().res_valid;
    for (int r = R - 1; r >= 0; --r) {
      auto& stage = drain_[static_cast<size_t>(r * C + c)];
      if (capture) {
        stage = {true, pe(r, c).out().res};
      } else {
        stage = r == 0 ? std::make_pair(false, int64_t{0})
                       : drain_[static_cast<size_t>((r - 1) * C + c)];
      }
    }
  }

  // --- PEs, last first: a PE's west and north neighbours still show this cycle's outputs.
  for (int r = R - 1; r >= 0; --r) {
    for (int c = C - 1; c >= 0; --c) {
      const ActGroup& act =
          c > 0 ? pe(r, c - 1).out().act : (r == 0 ? edge_act_[0] : act_skew_[r].oldest());
      const WeightToken& tok =
          r > 0 ? pe(r - 1, c).out().tok : (c == 0 ? edge_tok_[0] : tok_skew_[c].oldest());
      pes_[static_cast<size_t>(r * C + c)].clock(act, tok);
    }
  }
  for (int r = 1; r < R; ++r) act_skew_[r].push(edge_act_[r]);
  for (int c = 1; c < C; ++c) tok_skew_[c].push(edge_tok_[c]);

  // --- Edge controller.
  history_.push(Injection{k.fire, tiles_started_ - 1, group_, step_});
  const bool cfg_ready = !cur_valid_ || (k.fire && k.tile_end);
  if (k.fire && k.group_start) {
    for (int r = 0; r < R; ++r) act_hold_[r] = in.act[r];
  }
  if (in.cfg_valid && cfg_ready) {
    cur_valid_ = true;
    cur_shifts_ = in.cfg_shifts;
    cur_groups_ = in.cfg_groups;
    cur_signed_ = in.cfg_act_signed;
    group_ = step_ = 0;
    ++tiles_started_;
  } else if (k.fire && k.tile_end) {
    cur_valid_ = false;
  } else if (k.fire) {
    const bool group_end = step_ == p_.steps_per_group(cur_shifts_) - 1;
    step_ = group_end ? 0 : step_ + 1;
    group_ = group_end ? group_ + 1 : group_;
  }
  if (k.fire && k.tile_end) {
    gap_ = R - 1;
  } else if (gap_ != 0) {
    --gap_;
  }
  pending_ += (k.fire && k.tile_end ? R : 0) - (k.fifo_push ? 1 : 0);
  busy_ += k.fire;
  stall_ += k.step_ready && k.held_back;
  idle_ += !k.step_ready;
  ++cycle_;
}

uint64_t closed_form_cycles(const ArrayParams& p, const std::vector<uint64_t>& steps) {
  if (steps.empty()) return 0;
  uint64_t e = steps[0];
  for (size_t i = 1; i < steps.size(); ++i)
    e += std::max<uint64_t>(steps[i], static_cast<uint64_t>(p.rows));
  return e + 2 * static_cast<uint64_t>(p.rows) + static_cast<uint64_t>(p.cols) + 1;
}

}  // namespace swis
