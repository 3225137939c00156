// A memory behind an AXI4 slave port, cycle by cycle, with a checker of the master's side of the
// protocol. The slave: reads return after a fixed latency, one beat a cycle at most, with
// random gaps; AR, AW and W are accepted with random backpressure; a write's response follows
// its last beat after the latency. The checker, on every cycle:
//   - a valid (AR, AW, W) that was not taken stays high, and its payload does not change;
//   - bursts are INCR of 8-byte beats (ARSIZE/AWSIZE 3) from an 8-byte aligned address, at most
//     `max_burst` beats, and do not cross a 4 KB page;
//   - WLAST is high on a burst's last beat and only there; no W beat comes before its AW;
//   - every byte read is inside the memory and was written before (by load() or by the master);
//   - every byte written is inside the memory.
// A violation throws AxiViolation naming the cycle, the channel and the rule.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace swis::tb {

class AxiViolation : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the master drives in one cycle.
struct AxiMasterPort {
  bool arvalid = false;
  uint64_t araddr = 0;
  int arlen = 0, arsize = 3, arburst = 1;
  bool rready = true;
  bool awvalid = false;
  uint64_t awaddr = 0;
  int awlen = 0, awsize = 3, awburst = 1;
  bool wvalid = false;
  uint64_t wdata = 0;
  int wstrb = 0;
  bool wlast = false;
  bool bready = true;
};

// What the slave drives in one cycle.
struct AxiSlavePort {
  bool arready = false;
  bool rvalid = false;
  uint64_t rdata = 0;
  int rresp = 0;
  bool rlast = false;
  bool awready = false;
  bool wready = false;
  bool bvalid = false;
  int bresp = 0;
};

struct AxiMemoryOptions {
  int read_latency = 20;      // cycles from AR accepted to its first beat
  int write_latency = 10;     // cycles from a burst's last W beat to its response
  double read_gap = 0.0;      // chance that a ready read beat waits a cycle
  double backpressure = 0.0;  // chance that arready, awready or wready is low in a cycle
  int max_burst = 16;
  uint64_t seed = 1;
  // Bursts that start in [slverr_from, slverr_to) are answered SLVERR (RRESP / BRESP 2).
  uint64_t slverr_from = 0, slverr_to = 0;
};

struct AxiCounts {
  uint64_t read_bytes = 0, written_bytes = 0, read_bursts = 0, write_bursts = 0;
  std::vector<uint64_t> region_read;  // read bytes by set_regions() range
};

class AxiMemory {
 public:
  AxiMemory(uint64_t bytes, const AxiMemoryOptions& opt);

  // Host access: load() marks the bytes written; peek() throws for a byte never written.
  void load(uint64_t addr, const std::vector<uint8_t>& bytes);
  std::vector<uint8_t> peek(uint64_t addr, uint64_t n) const;
  bool written(uint64_t addr) const { return addr < mem_.size() && written_[addr]; }

  // The slave's outputs for the current cycle (they depend on no input of this cycle).
  const AxiSlavePort& outputs() const { return out_; }
  // The rising edge: takes what the master showed this cycle, checks it, moves on.
  void clock(const AxiMasterPort& m);

  const AxiCounts& counts() const { return counts_; }
  void clear_counts() {
    counts_ = {};
    counts_.region_read.assign(regions_.size(), 0);
  }
  // Address ranges [first, second) whose reads are counted apart (counts().region_read).
  void set_regions(std::vector<std::pair<uint64_t, uint64_t>> r) {
    regions_ = std::move(r);
    clear_counts();
  }
  bool idle() const { return reads_.empty() && writes_.empty() && responses_.empty(); }
  uint64_t cycle() const { return cycle_; }

 private:
  struct Burst {
    uint64_t addr = 0;
    int beats = 0, done = 0;
    uint64_t ready_at = 0;
  };
  [[noreturn]] void fail(const std::string& channel, const std::string& rule) const;
  void check_burst(const char* channel, uint64_t addr, int len, int size, int burst) const;
  void next_outputs();

  AxiMemoryOptions opt_;
  std::vector<uint8_t> mem_;
  std::vector<uint8_t> written_;
  std::mt19937_64 rng_;
  AxiSlavePort out_;
  AxiMasterPort last_;  // the master's ports in the previous cycle
  bool last_ar_wait_ = false, last_aw_wait_ = false, last_w_wait_ = false;
  std::deque<Burst> reads_;      // accepted, in order
  std::deque<Burst> writes_;     // AW accepted, beats still to come
  std::deque<std::pair<uint64_t, int>> responses_;  // B due at a cycle, with its response
  AxiCounts counts_;
  std::vector<std::pair<uint64_t, uint64_t>> regions_;
  uint64_t cycle_ = 0;
};

}  // namespace swis::tb
