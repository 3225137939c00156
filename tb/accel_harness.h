// Harness of the Verilated accelerator (rtl/swis_accel.v): an AXI4-Lite host that programs a
// descriptor and polls STATUS, the memory of tb/axi_memory.h on the AXI4 master port (its
// protocol checker on every cycle), and the array inside checked in lock-step against the
// golden array model through the accelerator's dbg_* ports (every port before each edge,
// every PE accumulator after it), as tb/array_harness.h checks a bare array.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "lib/mapping/accel.h"
#include "tb/array_harness.h"
#include "tb/axi_memory.h"

namespace swis::tb {

// The accelerator's array diverged from the model: the message is ArrayMismatch::describe.
class AccelMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct AccelRunOptions {
  bool check = true;        // the array in lock-step with the model
  uint64_t max_cycles = 0;  // 0: a bound derived from the descriptor
  std::string waves;        // FST of the whole run, if set
  // Register writes the host makes right after the start (they must be ignored while busy).
  std::vector<std::pair<uint8_t, uint32_t>> writes_while_busy;
};

struct AccelRunResult {
  uint64_t cycles = 0;      // from the start write to done seen by the host
  uint32_t hw_cycles = 0;   // the accelerator's CYCLES register: start to done
  uint32_t status = 0;      // STATUS at the end
  AxiCounts counts;         // the memory's view of the run
};

class AccelDut {
 public:
  virtual ~AccelDut() = default;
  virtual void reset() = 0;
  // Programs `d`, starts the run and clocks until STATUS.done, with `mem` on the bus. Throws
  // AxiViolation (the protocol), AccelMismatch (the array) or std::runtime_error (a timeout).
  virtual AccelRunResult run(const AccelDescriptor& d, AxiMemory& mem,
                             const AccelRunOptions& opt) = 0;
  virtual const AccelParams& params() const = 0;
  // One AXI4-Lite access of the host, the memory idle (the last run's, or an empty one).
  virtual void poke_register(uint8_t addr, uint32_t value, uint8_t strobes) = 0;
  virtual uint32_t peek_register(uint8_t addr) = 0;
};

struct AccelDutEntry {
  std::string name;
  AccelParams params;
  std::function<std::unique_ptr<AccelDut>()> make;
};

inline void PrintTo(const AccelDutEntry& e, std::ostream* os) { *os << e.name; }

// Every accelerator configuration of config/configs.txt that this build verilated.
const std::vector<AccelDutEntry>& accel_duts();
const AccelDutEntry& accel_dut(const std::string& name);

// One GEMM through the accelerator: the memory image (activations, the packed file, room for
// the results), every pass of plan_passes, the results read back from memory.
struct AccelLayerResult {
  std::vector<int64_t> y;        // P x F, filters in their original order
  AccelTraffic measured;         // from the memory's counters, by address range
  AccelTraffic predicted;        // pass_traffic of every pass
  uint64_t cycles = 0;           // every pass's run, host polling included
  uint64_t hw_cycles = 0;        // sum of the CYCLES registers
  size_t passes = 0;
};

// `weights` is accel_weights of a packed file (version 2, tiles of the array's columns) or
// fxp_accel_weights; `ops` holds the same weights and the activations. Throws what AccelDut::run throws, and std::runtime_error if a pass ends with
// STATUS other than done.
// The activations start at `base` (8-byte aligned), the packed file and the results follow with
// no more than 8-byte alignment: a base a few words short of a 4 KB page puts page crossings
// into every region.
AccelLayerResult run_layer_on_accel(AccelDut& dut, const GemmOperands& ops,
                                    const AccelWeights& weights,
                                    const AxiMemoryOptions& mem_opt, const AccelRunOptions& opt,
                                    uint32_t base = 0x1000);

}  // namespace swis::tb
