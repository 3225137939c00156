// The ArrayDut implementation shared by every Verilated array. Included only by the
// generated registry, where the Verilated headers are visible.
#pragma once

#include <memory>
#include <sstream>

#include "tb/array_harness.h"
#include "tb/port_bits.h"
#include "tb/verilated_top.h"

namespace swis::tb {

std::string format_token(const WeightToken& t, int group_size, int slots);

template <class Dut>
class VerilatedArray final : public ArrayDut {
 public:
  explicit VerilatedArray(const ArrayParams& p) : model_(p) { reset(); }

  void trace(const std::string& path, uint64_t from, uint64_t to) override {
    top_.trace(path, from, to);
  }

  void reset() override {
    top_.reset();
    model_.reset();
    cycle_ = 0;
  }

  void set_checking(bool on) override { check_ = on; }
  const ArrayModel& model() const override { return model_; }
  uint64_t cycles() const override { return cycle_; }

  std::optional<ArrayMismatch> step(const ArrayInputs& in, ArrayOutputs& seen) override {
    drive(in);
    top_.settle(cycle_);
    read(seen);
    std::optional<ArrayMismatch> m;
    if (check_) m = compare_ports(in, seen);
    top_.rise(cycle_);
    if (check_) {
      model_.clock(in);
      if (!m) m = compare_accumulators();
    }
    top_.fall();
    ++cycle_;
    return m;
  }

 private:
  void drive(const ArrayInputs& in) {
    const ArrayParams& p = model_.params();
    const int M = p.group_size, S = p.shifts_per_cycle;
    dut().cfg_valid_i = in.cfg_valid;
    dut().cfg_shifts_i = static_cast<uint8_t>(in.cfg_shifts);
    dut().cfg_groups_i = static_cast<uint32_t>(in.cfg_groups);
    dut().cfg_act_signed_i = in.cfg_act_signed;
    dut().act_valid_i = in.act_valid;
    for (int r = 0; r < p.rows; ++r) {
      for (int i = 0; i < M; ++i) put_bits(dut().act_i, (r * M + i) * 8, 8, in.act[r].lane[i]);
    }
    dut().tok_valid_i = in.tok_valid;
    for (int c = 0; c < p.cols; ++c) {
      const WeightToken& t = in.tok[c];
      if (p.fixed_point) {
        for (int i = 0; i < M; ++i) {
          put_bits(dut().tok_weight_i, (c * M + i) * 8, 8, static_cast<uint8_t>(t.weight[i]));
        }
        continue;
      }
      put_bits(dut().tok_sign_i, c * M, M, t.sign);
      for (int s = 0; s < S; ++s) {
        put_bits(dut().tok_shift_i, (c * S + s) * 3, 3, static_cast<uint64_t>(t.slot[s].shift));
        put_bits(dut().tok_mask_i, (c * S + s) * M, M, t.slot[s].mask);
      }
    }
    dut().res_ready_i = in.res_ready;
  }

  void read(ArrayOutputs& o) const {
    const ArrayParams& p = model_.params();
    o.cfg_ready = dut().cfg_ready_o;
    o.act_ready = dut().act_ready_o;
    o.tok_ready = dut().tok_ready_o;
    o.res_valid = dut().res_valid_o;
    o.res.tile = static_cast<int>(dut().res_tile_o);
    o.res.col = static_cast<int>(dut().res_col_o);
    o.res.data.resize(static_cast<size_t>(p.rows));
    for (int r = 0; r < p.rows; ++r) {
      o.res.data[r] =
          sign_extend(get_bits(dut().res_data_o, r * p.acc_width, p.acc_width), p.acc_width);
    }
    o.busy = dut().cnt_busy_o;
    o.stall = dut().cnt_stall_o;
    o.idle = dut().cnt_idle_o;
  }

  std::optional<ArrayMismatch> compare_ports(const ArrayInputs& in, const ArrayOutputs& got) {
    model_.outputs(in, want_);
    const ArrayOutputs& want = want_;
    std::optional<ArrayMismatch> m;
    auto check = [&](const char* signal, int index, int64_t expected, int64_t actual) {
      if (m || expected == actual) return;
      std::string name = signal;
      if (index >= 0) name += "[" + std::to_string(index) + "]";
      m = ArrayMismatch{cycle_, name, -1, -1, expected, actual, ""};
    };
    check("cfg_ready_o", -1, want.cfg_ready, got.cfg_ready);
    check("act_ready_o", -1, want.act_ready, got.act_ready);
    check("tok_ready_o", -1, want.tok_ready, got.tok_ready);
    check("res_valid_o", -1, want.res_valid, got.res_valid);
    if (want.res_valid && got.res_valid) {
      check("res_tile_o", -1, want.res.tile, got.res.tile);
      check("res_col_o", -1, want.res.col, got.res.col);
      for (size_t r = 0; r < want.res.data.size(); ++r) {
        check("res_data_o", static_cast<int>(r), want.res.data[r], got.res.data[r]);
      }
    }
    check("cnt_busy_o", -1, static_cast<int64_t>(want.busy), static_cast<int64_t>(got.busy));
    check("cnt_stall_o", -1, static_cast<int64_t>(want.stall), static_cast<int64_t>(got.stall));
    check("cnt_idle_o", -1, static_cast<int64_t>(want.idle), static_cast<int64_t>(got.idle));
    return m;
  }

  std::optional<ArrayMismatch> compare_accumulators() const {
    const ArrayParams& p = model_.params();
    for (int r = 0; r < p.rows; ++r) {
      for (int c = 0; c < p.cols; ++c) {
        const int v = r * p.cols + c;
        const int64_t got =
            sign_extend(get_bits(dut().dbg_acc_o, v * p.acc_width, p.acc_width), p.acc_width);
        const int64_t want = model_.pe(r, c).out().acc;
        if (got != want) return ArrayMismatch{cycle_, "acc", r, c, want, got, context(r, c)};
      }
    }
    return std::nullopt;
  }

  // Where PE (r, c) is in the schedule: the step it took this cycle was injected r + c
  // cycles ago; the tokens in flight are the one it took and the one above it.
  std::string context(int r, int c) const {
    const ArrayParams& p = model_.params();
    std::ostringstream os;
    const uint64_t back = static_cast<uint64_t>(r + c);
    const auto inj = cycle_ >= back ? model_.injected_at(cycle_ - back) : ArrayModel::Injection{};
    if (inj.fired) {
      os << "tile " << inj.tile << ", group " << inj.group << ", shift step " << inj.step
         << " (slots " << inj.step * p.shifts_per_cycle << ".."
         << inj.step * p.shifts_per_cycle + p.shifts_per_cycle - 1 << ")";
    } else {
      os << "no step reached this PE this cycle (a bubble)";
    }
    os << "; token taken "
       << format_token(model_.pe(r, c).out().tok, p.group_size, p.shifts_per_cycle);
    if (r > 0) {
      os << "; token above "
         << format_token(model_.pe(r - 1, c).out().tok, p.group_size, p.shifts_per_cycle);
    }
    os << "; activation {";
    const ActGroup& a = model_.pe(r, c).out().act;
    for (int i = 0; i < p.group_size; ++i) os << (i ? "," : "") << a.value(i);
    os << "}";
    return os.str();
  }

  Dut& dut() { return top_.dut(); }
  const Dut& dut() const { return top_.dut(); }

  VerilatedTop<Dut> top_;
  ArrayModel model_;
  uint64_t cycle_ = 0;
  bool check_ = true;
  ArrayOutputs want_;  // the model's view of the ports, reused every cycle
};

}  // namespace swis::tb
