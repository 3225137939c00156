// A Verilated model with its context, reset, clocking and FST tracing: the part every
// harness of this project shares. One cycle is settle() (inputs driven, clock low), rise()
// (the edge that takes them) and fall(); waves put a cycle at 10 time units, the clock rising
// at 5.
//
// Initial state: the models are verilated with --x-initial unique and --x-assign unique, and
// every register and memory starts from random bits (seeded by SWIS_SEED, default 1; 0 means
// all zeros), so a result that depends on a register the reset forgot differs from seed to seed.
// Coverage: in a build verilated with coverage, each model writes its counters to
// $SWIS_COVERAGE_DIR/<pid>_<n>.dat when it is destroyed.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "verilated.h"
#include "verilated_cov.h"
#include "verilated_fst_c.h"

namespace swis::tb {

// Numbers the coverage files of a process: one counter for every model type.
inline std::atomic<int>& coverage_file_number() {
  static std::atomic<int> n{0};
  return n;
}

// The seed of the models' random initial values: SWIS_SEED, or 1.
inline int initial_state_seed() {
  const char* s = std::getenv("SWIS_SEED");
  if (s == nullptr || *s == '\0') return 1;
  return static_cast<int>(std::strtol(s, nullptr, 0));
}

template <class Dut>
class VerilatedTop {
 public:
  VerilatedTop() : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->traceEverOn(true);  // before the model exists, so that trace() can attach later
    // Random initial values, or all zeros under SWIS_SEED=0 (make coverage: a register's
    // toggles then come from the run, not from reset clearing a random power-up value).
    const int seed = initial_state_seed();
    ctx_->randReset(seed == 0 ? 0 : 2);
    ctx_->randSeed(seed);
    Verilated::threadContextp(ctx_.get());  // the initial values are drawn from this context
    dut_ = std::make_unique<Dut>(ctx_.get());
  }
  ~VerilatedTop() {
    trace("", 0, 0);
    dut_->final();
#ifdef SWIS_COVERAGE
    if (const char* dir = std::getenv("SWIS_COVERAGE_DIR"); dir != nullptr && *dir != '\0') {
      const std::string path = std::string(dir) + "/" + std::to_string(getpid()) + "_" +
                               std::to_string(coverage_file_number()++) + ".dat";
      ctx_->coveragep()->write(path.c_str());
    }
#endif
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

  // Asynchronous reset with the clock low: rst_ni high, low, high. The first step matters: the
  // ports start with random values too, and from rst_ni == 0 there would be no falling edge.
  void reset() {
    dut_->clk_i = 0;
    for (const int level : {1, 0, 1}) {
      dut_->rst_ni = level;
      dut_->eval();
      ctx_->timeInc(1);
    }
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
