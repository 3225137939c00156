#include "model/array_model.h"

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
  cycle_ = 0;
  cur_valid_ = false;
  cur_shifts_ = 1;
  cur_groups_ = 1;
  cur_signed_ = false;
  group_ = step_ = 0;
  act_hold_.assign(static_cast<size_t>(p_.rows), ActGroup{});
  for (auto& a : act_hold_) a.is_signed = false;
  gap_ = pending_ = 0;
  busy_ = stall_ = idle_ = 0;
  // Delay lines reset to zero: an all-zero activation (is_signed false) and no token.
  ActGroup zero;
  zero.is_signed = false;
  act_skew_.assign(static_cast<size_t>(p_.rows), {});
  for (int r = 0; r < p_.rows; ++r) act_skew_[r].assign(static_cast<size_t>(r), zero);
  tok_skew_.assign(static_cast<size_t>(p_.cols), {});
  for (int c = 0; c < p_.cols; ++c) tok_skew_[c].assign(static_cast<size_t>(c), WeightToken{});
  pes_.assign(static_cast<size_t>(p_.rows * p_.cols), PeModel(p_.pe()));
  drain_.assign(static_cast<size_t>(p_.cols),
                std::vector<std::pair<bool, int64_t>>(static_cast<size_t>(p_.rows)));
  deskew_.assign(static_cast<size_t>(p_.cols), {});
  for (int c = 0; c < p_.cols; ++c)
    deskew_[c].assign(static_cast<size_t>(p_.cols - 1 - c), {false, 0});
  out_row_ = p_.rows - 1;
  out_tile_ = 0;
  fifo_.clear();
  tiles_started_ = 0;
  history_.clear();
}

ArrayModel::Control ArrayModel::control(const ArrayInputs& in) const {
  Control k;
  const int spg = p_.steps_per_group(cur_shifts_);
  k.group_start = step_ == 0;
  const bool group_end = step_ == spg - 1;
  k.tile_end = group_end && group_ == cur_groups_ - 1;
  const int credits = p_.out_depth() - static_cast<int>(fifo_.size()) - pending_;
  k.held_back = k.tile_end && (gap_ != 0 || credits < p_.rows);
  k.step_ready = cur_valid_ && in.tok_valid && (!k.group_start || in.act_valid);
  k.fire = k.step_ready && !k.held_back;
  // Column 0's de-skewed drain output: the row that enters the FIFO this cycle.
  const auto& d0 =
      deskew_[0].empty() ? drain_[0][static_cast<size_t>(p_.rows - 1)] : deskew_[0].back();
  k.fifo_push = d0.first;
  return k;
}

ArrayOutputs ArrayModel::outputs(const ArrayInputs& in) const {
  const Control k = control(in);
  ArrayOutputs o;
  o.tok_ready = k.fire;
  o.act_ready = k.fire && k.group_start;
  o.cfg_ready = !cur_valid_ || (k.fire && k.tile_end);
  o.res_valid = !fifo_.empty();
  if (o.res_valid) o.res = fifo_.front();
  o.busy = busy_;
  o.stall = stall_;
  o.idle = idle_;
  return o;
}

ArrayModel::Injection ArrayModel::injected_at(uint64_t cycle) const {
  if (cycle >= cycle_ || cycle_ - 1 - cycle >= history_.size()) return Injection{};
  return history_[cycle_ - 1 - cycle];
}

void ArrayModel::clock(const ArrayInputs& in) {
  const Control k = control(in);
  const int R = p_.rows, C = p_.cols;

  // --- What enters the skew lines this cycle.
  std::vector<ActGroup> edge_act(static_cast<size_t>(R));
  for (int r = 0; r < R; ++r) {
    edge_act[r] = k.group_start ? in.act[r] : act_hold_[r];
    edge_act[r].is_signed = cur_signed_;
  }
  std::vector<WeightToken> edge_tok(static_cast<size_t>(C));
  for (int c = 0; c < C; ++c) {
    WeightToken t = in.tok[c];
    t.valid = k.fire;
    t.first = k.fire && k.group_start && group_ == 0;
    t.last = k.fire && k.tile_end;
    edge_tok[c] = t;
  }

  // --- PE inputs, from the registered state of this cycle.
  std::vector<ActGroup> pe_act(static_cast<size_t>(R * C));
  std::vector<WeightToken> pe_tok(static_cast<size_t>(R * C));
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      const size_t v = static_cast<size_t>(r * C + c);
      if (c > 0) {
        pe_act[v] = pe(r, c - 1).out().act;
      } else {
        pe_act[v] = r == 0 ? edge_act[0] : act_skew_[r].back();
      }
      if (r > 0) {
        pe_tok[v] = pe(r - 1, c).out().tok;
      } else {
        pe_tok[v] = c == 0 ? edge_tok[0] : tok_skew_[c].back();
      }
    }
  }

  // --- Drain, de-skew and FIFO, from the registered state of this cycle.
  std::vector<std::vector<std::pair<bool, int64_t>>> drain_next = drain_;
  for (int c = 0; c < C; ++c) {
    const bool capture = pe(R - 1, c).out().res_valid;
    for (int r = R - 1; r >= 0; --r) {
      drain_next[c][r] = capture ? std::make_pair(true, pe(r, c).out().res)
                                 : (r == 0 ? std::make_pair(false, int64_t{0}) : drain_[c][r - 1]);
    }
  }
  ResultBeat beat;
  beat.tile = out_tile_;
  beat.row = out_row_;
  for (int c = 0; c < C; ++c) {
    const auto& d = deskew_[c].empty() ? drain_[c][R - 1] : deskew_[c].back();
    beat.data.push_back(d.second);
  }
  const bool pop = !fifo_.empty() && in.res_ready;
  const bool full = static_cast<int>(fifo_.size()) == p_.out_depth();

  // --- Commit: PEs.
  for (int v = 0; v < R * C; ++v) pes_[v].clock(pe_act[v], pe_tok[v]);
  // Skew lines.
  for (int r = 1; r < R; ++r) {
    act_skew_[r].push_front(edge_act[r]);
    act_skew_[r].pop_back();
  }
  for (int c = 1; c < C; ++c) {
    tok_skew_[c].push_front(edge_tok[c]);
    tok_skew_[c].pop_back();
  }
  // De-skew lines take the drain's bottom stage before it updates.
  for (int c = 0; c < C; ++c) {
    if (deskew_[c].empty()) continue;
    deskew_[c].push_front(drain_[c][R - 1]);
    deskew_[c].pop_back();
  }
  drain_ = std::move(drain_next);
  if (pop) fifo_.pop_front();
  if (k.fifo_push && !full) fifo_.push_back(beat);
  if (k.fifo_push) {
    out_tile_ = out_row_ == 0 ? (out_tile_ + 1) % (1 << p_.tile_width) : out_tile_;
    out_row_ = out_row_ == 0 ? R - 1 : out_row_ - 1;
  }

  // Edge controller.
  Injection inj;
  inj.fired = k.fire;
  inj.tile = tiles_started_ - 1;
  inj.group = group_;
  inj.step = step_;
  history_.push_front(inj);
  if (history_.size() > static_cast<size_t>(R + C + 2)) history_.pop_back();
  const bool cfg_ready = !cur_valid_ || (k.fire && k.tile_end);
  if (k.fire && k.group_start) act_hold_ = in.act;
  for (auto& a : act_hold_) a.is_signed = false;
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
