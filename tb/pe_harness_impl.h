// The PeDut implementation shared by every Verilated PE class. Included only by the
// generated registry (tb/pe_duts.cpp), where the Verilated headers are visible.
#pragma once

#include <memory>
#include <optional>

#include "tb/pe_harness.h"
#include "tb/port_bits.h"
#include "tb/verilated_top.h"

namespace swis::tb {

template <class Dut, PeKind Kind>
class VerilatedPe final : public PeDut {
 public:
  explicit VerilatedPe(const PeParams& params) : model_(params) { reset(); }

  void trace(const std::string& path, uint64_t from, uint64_t to) override {
    top_.trace(path, from, to);
  }

  void reset() override {
    top_.reset();
    model_.reset();
    cycle_ = 0;
  }

  std::optional<PeMismatch> step(const PeStimulus& in) override {
    drive(in);
    top_.settle(cycle_);
    top_.rise(cycle_);
    model_.clock(in.act, in.tok);
    auto mismatch = compare(in);
    top_.fall();
    ++cycle_;
    return mismatch;
  }

  const PeModel& model() const override { return model_; }
  uint64_t cycles() const override { return cycle_; }

 private:
  void drive(const PeStimulus& in) {
    const PeParams& p = model_.params();
    for (int i = 0; i < p.group_size; ++i) put_bits(dut().act_i, 8 * i, 8, in.act.lane[i]);
    dut().act_signed_i = in.act.is_signed;
    dut().tok_valid_i = in.tok.valid;
    dut().tok_first_i = in.tok.first;
    dut().tok_last_i = in.tok.last;
    if constexpr (Kind == PeKind::kSwis) {
      put_bits(dut().tok_sign_i, 0, p.group_size, in.tok.sign);
      for (int s = 0; s < p.shifts_per_cycle; ++s) {
        put_bits(dut().tok_shift_i, 3 * s, 3, static_cast<uint64_t>(in.tok.slot[s].shift));
        put_bits(dut().tok_mask_i, p.group_size * s, p.group_size, in.tok.slot[s].mask);
      }
    } else {
      for (int i = 0; i < p.group_size; ++i) {
        put_bits(dut().tok_weight_i, 8 * i, 8, static_cast<uint8_t>(in.tok.weight[i]));
      }
    }
  }

  std::optional<PeMismatch> compare(const PeStimulus& in) {
    const PeParams& p = model_.params();
    const PeOutputs& want = model_.out();
    std::optional<PeMismatch> m;
    // The signal's name is built only for a mismatch: this runs every cycle.
    auto check = [&](const char* signal, int index, int64_t expected, int64_t actual) {
      if (!m && expected != actual) {
        std::string name = signal;
        if (index >= 0) name += "[" + std::to_string(index) + "]";
        m = PeMismatch{cycle_, name, expected, actual, format_stimulus(p, in)};
      }
    };
    const int w = p.acc_width;
    check("acc_o", -1, want.acc, sign_extend(get_bits(dut().acc_o, 0, w), w));
    check("res_valid_o", -1, want.res_valid, dut().res_valid_o);
    check("res_o", -1, want.res, sign_extend(get_bits(dut().res_o, 0, w), w));
    for (int i = 0; i < p.group_size; ++i) {
      check("act_o", i, want.act.lane[i], static_cast<int64_t>(get_bits(dut().act_o, 8 * i, 8)));
    }
    check("act_signed_o", -1, want.act.is_signed, dut().act_signed_o);
    check("tok_valid_o", -1, want.tok.valid, dut().tok_valid_o);
    check("tok_first_o", -1, want.tok.first, dut().tok_first_o);
    check("tok_last_o", -1, want.tok.last, dut().tok_last_o);
    if constexpr (Kind == PeKind::kSwis) {
      check("tok_sign_o", -1, want.tok.sign,
            static_cast<int64_t>(get_bits(dut().tok_sign_o, 0, p.group_size)));
      for (int s = 0; s < p.shifts_per_cycle; ++s) {
        check("tok_shift_o", s, want.tok.slot[s].shift,
              static_cast<int64_t>(get_bits(dut().tok_shift_o, 3 * s, 3)));
        check("tok_mask_o", s, want.tok.slot[s].mask,
              static_cast<int64_t>(get_bits(dut().tok_mask_o, p.group_size * s, p.group_size)));
      }
    } else {
      for (int i = 0; i < p.group_size; ++i) {
        check("tok_weight_o", i, want.tok.weight[i],
              sign_extend(get_bits(dut().tok_weight_o, 8 * i, 8), 8));
      }
    }
    return m;
  }

  Dut& dut() { return top_.dut(); }
  const Dut& dut() const { return top_.dut(); }

  VerilatedTop<Dut> top_;
  PeModel model_;
  uint64_t cycle_ = 0;
};

}  // namespace swis::tb
