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
  p.fixed_point = c.has_param("FixedPoint") && c.param("FixedPoint") != 0;
  // A fixed-point array has no shift slots; its ShiftsPerCycle, if given, is not used.
  p.shifts_per_cycle = p.fixed_point ? 1 : static_cast<int>(c.param("ShiftsPerCycle"));
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
  os << rows << "x" << cols << " "
     << (fixed_point             ? "fixed-point"
         : shifts_per_cycle == 1 ? "single-shift"
                                 : "double-shift")
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
  drain_ = false;
  busy_ = stall_ = idle_ = 0;
  act_skew_.assign(static_cast<size_t>(R), {});
  for (int r = 0; r < R; ++r) act_skew_[r].slot.assign(static_cast<size_t>(r), zero);
  tok_skew_.assign(static_cast<size_t>(C), {});
  for (int c = 0; c < C; ++c) tok_skew_[c].slot.assign(static_cast<size_t>(c), WeightToken{});
  pes_.assign(static_cast<size_t>(R * C), PeModel(p_.pe()));
  loaded_.assign(static_cast<size_t>(C), 0);
  out_col_ = 0;
  out_tile_ = 0;
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
  k.held_back = k.tile_end && drain_;
  k.step_ready = cur_valid_ && in.tok_valid && (!k.group_start || in.act_valid);
  k.fire = k.step_ready && !k.held_back;
  return k;
}

void ArrayModel::outputs(const ArrayInputs& in, ArrayOutputs& o) const {
  const Control k = control(in);
  o.tok_ready = k.fire;
  o.act_ready = k.fire && k.group_start;
  o.cfg_ready = !cur_valid_ || (k.fire && k.tile_end);
  o.res_valid = col_done(out_col_);
  if (o.res_valid) {
    o.res.tile = out_tile_;
    o.res.col = out_col_;
    o.res.data.resize(static_cast<size_t>(p_.rows));
    for (int r = 0; r < p_.rows; ++r) o.res.data[r] = pe(r, out_col_).out().res;
  }
  o.busy = busy_;
  o.stall = stall_;
  o.idle = idle_;
}

bool ArrayModel::col_done(int c) const {
  // From the cycle after the column's bottom PE completed; in that cycle its completion.
  return loaded_[static_cast<size_t>(c)] || pe(p_.rows - 1, c).out().res_valid;
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

  // --- Output side, from this cycle's registers (PEs not yet clocked).
  const bool pop = col_done(out_col_) && in.res_ready;
  const bool tile_out = pop && out_col_ == C - 1;
  for (int c = 0; c < C; ++c) loaded_[c] = col_done(c) && !(pop && out_col_ == c);

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
    drain_ = true;
  } else if (tile_out) {
    drain_ = false;
  }
  if (tile_out) out_tile_ = (out_tile_ + 1) % (1 << p_.tile_width);
  if (pop) out_col_ = tile_out ? 0 : out_col_ + 1;
  busy_ += k.fire;
  stall_ += k.step_ready && k.held_back;
  idle_ += !k.step_ready;
  ++cycle_;
}

uint64_t closed_form_cycles(const ArrayParams& p, const std::vector<uint64_t>& steps) {
  if (steps.empty()) return 0;
  uint64_t e = steps[0];
  for (size_t i = 1; i < steps.size(); ++i)
    e += std::max<uint64_t>(steps[i], static_cast<uint64_t>(p.drain_cycles()));
  return e + static_cast<uint64_t>(p.rows) + static_cast<uint64_t>(p.cols);
}

}  // namespace swis
