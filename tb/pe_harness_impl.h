// The PeDut implementation shared by every Verilated PE class. Included only by the
// generated registry (tb/pe_duts.cpp), where the Verilated headers are visible.
#pragma once

#include <memory>
#include <optional>

#include "tb/pe_harness.h"
#include "tb/port_bits.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace swis::tb {

template <class Dut, PeKind Kind>
class VerilatedPe final : public PeDut {
 public:
  explicit VerilatedPe(const PeParams& params)
      : ctx_(std::make_unique<VerilatedContext>()), model_(params) {
    ctx_->traceEverOn(true);  // before the model exists, so that trace() can attach later
    dut_ = std::make_unique<Dut>(ctx_.get());
    reset();
  }
  ~VerilatedPe() override {
    trace("", 0, 0);
    dut_->final();
  }

  void trace(const std::string& path, uint64_t from, uint64_t to) override {
    if (fst_) {
      fst_->close();
      fst_.reset();
    }
    if (path.empty()) return;
    fst_ = std::make_unique<VerilatedFstC>();
    dut_->trace(fst_.get(), 99);
    fst_->open(path.c_str());
    trace_from_ = from;
    trace_to_ = to;
  }

  void reset() override {
    dut_->clk_i = 0;
    dut_->rst_ni = 0;
    dut_->eval();
    ctx_->timeInc(1);
    dut_->rst_ni = 1;
    dut_->eval();
    model_.reset();
    cycle_ = 0;
  }

  std::optional<PeMismatch> step(const PeStimulus& in) override {
    // Inputs change while the clock is low, away from the rising edge that takes them.
    drive(in);
    dut_->eval();
    const bool dumping = fst_ && cycle_ >= trace_from_ && cycle_ < trace_to_;
    if (dumping) fst_->dump(10 * cycle_);
    ctx_->timeInc(1);
    dut_->clk_i = 1;
    dut_->eval();
    if (dumping) fst_->dump(10 * cycle_ + 5);
    model_.clock(in.act, in.tok);
    auto mismatch = compare(in);
    ctx_->timeInc(1);
    dut_->clk_i = 0;
    dut_->eval();
    ++cycle_;
    return mismatch;
  }

  const PeModel& model() const override { return model_; }
  uint64_t cycles() const override { return cycle_; }

 private:
  void drive(const PeStimulus& in) {
    const PeParams& p = model_.params();
    for (int i = 0; i < p.group_size; ++i) put_bits(dut_->act_i, 8 * i, 8, in.act.lane[i]);
    dut_->act_signed_i = in.act.is_signed;
    dut_->tok_valid_i = in.tok.valid;
    dut_->tok_first_i = in.tok.first;
    dut_->tok_last_i = in.tok.last;
    if constexpr (Kind == PeKind::kSwis) {
      put_bits(dut_->tok_sign_i, 0, p.group_size, in.tok.sign);
      for (int s = 0; s < p.shifts_per_cycle; ++s) {
        put_bits(dut_->tok_shift_i, 3 * s, 3, static_cast<uint64_t>(in.tok.slot[s].shift));
        put_bits(dut_->tok_mask_i, p.group_size * s, p.group_size, in.tok.slot[s].mask);
      }
    } else {
      for (int i = 0; i < p.group_size; ++i) {
        put_bits(dut_->tok_weight_i, 8 * i, 8, static_cast<uint8_t>(in.tok.weight[i]));
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
    check("acc_o", -1, want.acc, sign_extend(get_bits(dut_->acc_o, 0, w), w));
    check("res_valid_o", -1, want.res_valid, dut_->res_valid_o);
    check("res_o", -1, want.res, sign_extend(get_bits(dut_->res_o, 0, w), w));
    for (int i = 0; i < p.group_size; ++i) {
      check("act_o", i, want.act.lane[i], static_cast<int64_t>(get_bits(dut_->act_o, 8 * i, 8)));
    }
    check("act_signed_o", -1, want.act.is_signed, dut_->act_signed_o);
    check("tok_valid_o", -1, want.tok.valid, dut_->tok_valid_o);
    check("tok_first_o", -1, want.tok.first, dut_->tok_first_o);
    check("tok_last_o", -1, want.tok.last, dut_->tok_last_o);
    if constexpr (Kind == PeKind::kSwis) {
      check("tok_sign_o", -1, want.tok.sign,
            static_cast<int64_t>(get_bits(dut_->tok_sign_o, 0, p.group_size)));
      for (int s = 0; s < p.shifts_per_cycle; ++s) {
        check("tok_shift_o", s, want.tok.slot[s].shift,
              static_cast<int64_t>(get_bits(dut_->tok_shift_o, 3 * s, 3)));
        check("tok_mask_o", s, want.tok.slot[s].mask,
              static_cast<int64_t>(get_bits(dut_->tok_mask_o, p.group_size * s, p.group_size)));
      }
    } else {
      for (int i = 0; i < p.group_size; ++i) {
        check("tok_weight_o", i, want.tok.weight[i],
              sign_extend(get_bits(dut_->tok_weight_o, 8 * i, 8), 8));
      }
    }
    return m;
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Dut> dut_;
  PeModel model_;
  uint64_t cycle_ = 0;
  std::unique_ptr<VerilatedFstC> fst_;
  uint64_t trace_from_ = 0, trace_to_ = 0;
};

}  // namespace swis::tb
