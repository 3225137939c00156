// A Verilated model with its context, reset, clocking and FST tracing: the part every
// harness of this project shares. One cycle is settle() (inputs driven, clock low), rise()
// (the edge that takes them) and fall(); waves put a cycle at 10 time units, the clock rising
// at 5.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "verilated.h"
#include "verilated_fst_c.h"

namespace swis::tb {

template <class Dut>
class VerilatedTop {
 public:
  VerilatedTop() : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->traceEverOn(true);  // before the model exists, so that trace() can attach later
    dut_ = std::make_unique<Dut>(ctx_.get());
  }
  ~VerilatedTop() {
    trace("", 0, 0);
    dut_->final();
  }
  VerilatedTop(const VerilatedTop&) = delete;
  VerilatedTop& operator=(const VerilatedTop&) = delete;

  Dut& dut() { return *dut_; }
  const Dut& dut() const { return *dut_; }

  // FST of cycles [from, to) into `path` (overwritten); an empty path stops tracing.
  void trace(const std::string& path, uint64_t from, uint64_t to) {
    if (fst_) {
      fst_->close();
      fst_.reset();
    }
    if (path.empty()) return;
    fst_ = std::make_unique<VerilatedFstC>();
    dut_->trace(fst_.get(), 99);
    fst_->open(path.c_str());
    from_ = from;
    to_ = to;
  }

  // Asynchronous reset: rst_ni low, then high, with the clock low.
  void reset() {
    dut_->clk_i = 0;
    dut_->rst_ni = 0;
    dut_->eval();
    ctx_->timeInc(1);
    dut_->rst_ni = 1;
    dut_->eval();
  }

  // The inputs of `cycle` are on the ports: evaluate them with the clock low. Inputs change
  // here, away from the rising edge that takes them.
  void settle(uint64_t cycle) {
    dut_->eval();
    dumping_ = fst_ && cycle >= from_ && cycle < to_;
    if (dumping_) fst_->dump(10 * cycle);
  }
  void rise(uint64_t cycle) {
    ctx_->timeInc(1);
    dut_->clk_i = 1;
    dut_->eval();
    if (dumping_) fst_->dump(10 * cycle + 5);
  }
  // The falling edge changes nothing; the next settle() evaluates it.
  void fall() {
    ctx_->timeInc(1);
    dut_->clk_i = 0;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Dut> dut_;
  std::unique_ptr<VerilatedFstC> fst_;
  uint64_t from_ = 0, to_ = 0;
  bool dumping_ = false;
};

}  // namespace swis::tb
